//! Soak: a steady mixed workload (creates, lookups, updates, deactivations, group
//! changes) for a bounded time. Zero 5xx, memory within a stated bound, latency
//! reported per window. `SCIMGATE_SOAK_SECONDS` sets the length (`just soak` runs
//! it for 10 minutes); the normal suite runs it for 30 s per backend.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::faults::user;
use crate::harness::{Backend, Env, Gateway, scim};

const DEFAULT_SECONDS: u64 = 30;
/// Operations per second, spread over the run (the rate of a busy IdP).
const RATE_PER_SECOND: u64 = 40;
/// How much the gateway's resident memory may grow after warm-up.
const MEMORY_GROWTH_BOUND_KIB: u64 = 64 * 1024;
/// Latencies are reported per window of this many seconds.
const WINDOW: Duration = Duration::from_secs(10);

fn rss_kib(gw: &Gateway) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", gw.pid())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn p99(latencies: &mut [Duration]) -> Duration {
    latencies.sort();
    latencies
        .get(latencies.len().saturating_mul(99) / 100)
        .copied()
        .unwrap_or_default()
}

async fn mixed_workload_soak(backend: Backend) {
    let seconds = std::env::var("SCIMGATE_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    let env = Env::new(backend).await;
    let (ws, token) = env.workspace_with_token("Soak").await;
    // The workload deactivates users steadily, as no IdP would for long; the
    // deprovisioning safeguard would rightly pause that, so it is set aside here.
    env.cli(&["guard", "set", "--workspace", &ws, "--min-users", "1000000"])
        .await;
    let gw = env.start_with(&["--scim-rate-limit", "off"], &[]).await;
    let (status, _, group) = scim(
        &gw,
        Method::POST,
        "/scim/v2/Groups",
        &token,
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let group = format!("/scim/v2/Groups/{}", group["id"].as_str().unwrap());
    let patch_body = |ops: serde_json::Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});

    let total_ops = seconds * RATE_PER_SECOND;
    let mut ticker =
        tokio::time::interval(Duration::from_secs(1) / u32::try_from(RATE_PER_SECOND).unwrap());
    let started = Instant::now();
    let mut ids: Vec<String> = Vec::new();
    let (mut sent, mut window_start) = (0u64, Instant::now());
    let mut failures = Vec::new();
    let mut latencies = Vec::new();
    let mut windows = Vec::new();
    let mut memory = vec![rss_kib(&gw)];
    // Bounded in count and in time (twice the planned length at most).
    while sent < total_ops && started.elapsed() < Duration::from_secs(seconds * 2 + 30) {
        ticker.tick().await;
        let t = Instant::now();
        let step = sent % 5;
        let (status, body) = if step == 0 || ids.len() < 5 {
            let (s, _, b) = scim(
                &gw,
                Method::POST,
                "/scim/v2/Users",
                &token,
                Some(&user(usize::try_from(sent).unwrap())),
            )
            .await;
            if s == StatusCode::CREATED {
                ids.push(b["id"].as_str().unwrap().to_owned());
            }
            (s, b)
        } else {
            let id = &ids[usize::try_from(sent * 7).unwrap() % ids.len()];
            let path = format!("/scim/v2/Users/{id}");
            match step {
                1 => {
                    let (s, _, b) = scim(
                        &gw,
                        Method::GET,
                        &format!(
                            "/scim/v2/Users?filter=userName%20eq%20%22user{}@import.test%22",
                            sent / 2
                        ),
                        &token,
                        None,
                    )
                    .await;
                    (s, b)
                }
                2 => {
                    let (s, _, b) = scim(&gw, Method::PATCH, &path, &token, Some(&patch_body(json!([{"op": "replace", "path": "title", "value": format!("t{sent}")}])))).await;
                    (s, b)
                }
                3 => {
                    let active = sent % 2 == 0;
                    let (s, _, b) = scim(
                        &gw,
                        Method::PATCH,
                        &path,
                        &token,
                        Some(&patch_body(
                            json!([{"op": "replace", "value": {"active": active}}]),
                        )),
                    )
                    .await;
                    (s, b)
                }
                _ => {
                    // Entra's form: the members to add or remove as a value list.
                    let op = if sent % 3 == 0 { "remove" } else { "add" };
                    let ops = json!([{"op": op, "path": "members", "value": [{"value": id}]}]);
                    let (s, _, b) =
                        scim(&gw, Method::PATCH, &group, &token, Some(&patch_body(ops))).await;
                    (s, b)
                }
            }
        };
        latencies.push(t.elapsed());
        sent += 1;
        if !status.is_success() {
            failures.push(format!("step {step}: {status} {body}"));
        }
        if window_start.elapsed() >= WINDOW {
            windows.push((latencies.len(), p99(&mut latencies)));
            latencies.clear();
            window_start = Instant::now();
            memory.push(rss_kib(&gw));
        }
    }
    memory.push(rss_kib(&gw));
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    assert_eq!(sent, total_ops, "the planned workload ran to the end");
    // The first window warms caches and the pool; growth after it is bounded.
    let baseline = memory.get(1).copied().unwrap_or(memory[0]);
    let peak = memory.iter().copied().max().unwrap();
    assert!(
        peak <= baseline + MEMORY_GROWTH_BOUND_KIB,
        "resident memory grew from {baseline} KiB to {peak} KiB"
    );
    println!(
        "soak ({backend:?}): {sent} requests in {:.0} s, 0 errors (so 0 5xx), users {}, RSS KiB {memory:?}, \
         p99 per {}s window (requests, p99): {:?}",
        started.elapsed().as_secs_f64(),
        ids.len(),
        WINDOW.as_secs(),
        windows
            .iter()
            .map(|(n, p)| format!("({n}, {:.1} ms)", p.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
    );
}

crate::both_backends!(mixed_workload_soak);
