//! `scimgate-bench`: drives a SCIM base URL through the scenarios of issue #7 and
//! reports requests/s, p50/p99 latency, errors and the server's peak RSS.
//!
//! By default it starts the real gateway binary on a throwaway SQLite file and/or
//! PostgreSQL database (the same helper the e2e suite uses) and sets it up through
//! the gateway's own CLI; `--base-url` and `--token` drive any other SCIM server
//! instead (SCIM scenarios only). Every step is bounded in count and time. Run it
//! pinned to one core (`taskset -c 0`, as `scripts/bench.sh` does).

mod gateway;
mod http;
mod load;
mod oauth;
mod plot;
mod report;
mod scim;
mod targets;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use hyper::{Method, StatusCode};

use crate::gateway::{Deployment, peak_rss_mb};
use crate::load::{Plan, Stats};
use crate::report::{Report, Row};
use crate::scim::Target;

#[derive(Parser)]
#[command(about = "Load tool for scimgate (issue #7 scenarios)")]
struct Args {
    /// The gateway binary to start (default: `scimgate` next to this tool).
    #[arg(long)]
    gateway: Option<PathBuf>,
    /// Backends to start the gateway on, comma-separated.
    #[arg(long, default_value = "sqlite,postgres", value_delimiter = ',')]
    backends: Vec<String>,
    /// Dataset sizes, ascending: users are created up to each size, then measured.
    #[arg(long, default_value = "10000,100000", value_delimiter = ',')]
    sizes: Vec<u64>,
    /// Small request counts for a smoke run (sizes are still taken from --sizes).
    #[arg(long)]
    quick: bool,
    /// CPUs to run the started gateway on (a `taskset -c` list, e.g. `1`); by default
    /// every CPU, whatever the tool itself is pinned to.
    #[arg(long)]
    server_cpus: Option<String>,
    /// Workspaces of the mixed steady workload.
    #[arg(long, default_value_t = 100)]
    workspaces: u64,
    /// Drive this SCIM base URL (e.g. `http://127.0.0.1:8080/scim/v2`) instead of starting a gateway.
    #[arg(long, requires = "token")]
    base_url: Option<String>,
    /// The bearer token for `--base-url`.
    #[arg(long, env = "SCIMGATE_BENCH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The server's process id, for its peak RSS, with `--base-url`.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Writes the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Replaces the block between `<!-- bench:begin -->` and `<!-- bench:end -->` of this
    /// Markdown file with the results table.
    #[arg(long)]
    doc: Option<PathBuf>,
    /// Writes an SVG of requests/s by dataset size here (needs two or more sizes).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// An earlier run's `--json` report (docs/benchmarks-before.json) for a
    /// before/after table.
    #[arg(long)]
    before: Option<PathBuf>,
}

/// Request counts and time limits of each step.
#[derive(Clone, Copy)]
struct Budget {
    reads: Plan,
    writes: Plan,
    /// One page at a time: Okta and Entra read a list page after page, so the
    /// latency of one page is what a sync waits for.
    pages: Plan,
    creates: Plan,
    codes: u64,
    big_group_reads: Plan,
    seed_per_workspace: u64,
    mixed: Plan,
}

impl Budget {
    fn new(quick: bool) -> Self {
        let plan = |requests, concurrency, secs| Plan {
            requests,
            concurrency,
            limit: Duration::from_secs(secs),
        };
        if quick {
            Self {
                reads: plan(3_000, 32, 3),
                writes: plan(1_000, 16, 3),
                pages: plan(300, 1, 3),
                creates: plan(u64::MAX, 32, 120),
                codes: 200,
                big_group_reads: plan(5, 1, 10),
                seed_per_workspace: 5,
                mixed: plan(3_000, 32, 3),
            }
        } else {
            Self {
                reads: plan(30_000, 32, 8),
                writes: plan(5_000, 16, 8),
                pages: plan(2_000, 1, 8),
                creates: plan(u64::MAX, 32, 600),
                codes: 2_000,
                big_group_reads: plan(20, 2, 20),
                seed_per_workspace: 20,
                mixed: plan(30_000, 32, 15),
            }
        }
    }
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    // One thread: the client uses the one core it is pinned to, leaving the rest to
    // the server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let budget = Budget::new(args.quick);
    let mut report = Report::new(args.quick);
    if let (Some(base), Some(token)) = (&args.base_url, &args.token) {
        let target = Target::new(base, token)?;
        let mut bench = Bench {
            report: &mut report,
            backend: "external".into(),
            pid: args.server_pid,
            deployment: None,
        };
        bench.scim(&target, "ext", &args.sizes, budget).await?;
    } else {
        let binary = match &args.gateway {
            Some(p) => p.clone(),
            None => std::env::current_exe()
                .map_err(|e| e.to_string())?
                .with_file_name("scimgate"),
        };
        for backend in &args.backends {
            let log = std::env::temp_dir().join(format!("scimgate-bench-{backend}.log"));
            let d = Deployment::new(&binary, backend, log, args.server_cpus.clone()).await?;
            let (ws, token) = d.workspace("Bench").await?;
            let server = d.start().await?;
            eprintln!("{backend}: gateway at {}", server.base);
            let target = Target::new(&format!("{}/scim/v2", server.base), &token)?;
            let mut bench = Bench {
                report: &mut report,
                backend: backend.clone(),
                pid: server.pid(),
                deployment: Some(&d),
            };
            bench.scim(&target, "b", &args.sizes, budget).await?;
            bench.oauth(&d, &server.base, &ws, &target, budget).await?;
            bench
                .mixed(&d, &server.base, args.workspaces, budget)
                .await?;
        }
    }
    let mut markdown = report.markdown();
    markdown.push_str("\n### Targets\n\n");
    markdown.push_str(&targets::table(&report));
    if let Some(path) = &args.before {
        markdown.push_str("\n### Before and after\n\n");
        markdown.push_str(&targets::before_after(
            &report,
            &targets::read_before(path)?,
        ));
    }
    println!("{markdown}");
    if let Some(path) = &args.json {
        report.write_json(path)?;
    }
    if let Some(path) = &args.doc {
        report::insert(path, &markdown)?;
    }
    if let Some(path) = &args.plot {
        let svg = plot::svg(&report).ok_or("--plot needs two or more --sizes")?;
        std::fs::write(path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// One backend's run: where rows go and whose memory to read.
struct Bench<'a> {
    report: &'a mut Report,
    backend: String,
    pid: Option<u32>,
    /// The started gateway's deployment (none for `--base-url`).
    deployment: Option<&'a Deployment>,
}

impl Bench<'_> {
    fn record(&mut self, users: u64, scenario: &str, stats: Stats) {
        eprintln!(
            "{:>8} {users:>7} {scenario:<44} {:>9.0}/s p50 {:>7.2} ms p99 {:>7.2} ms errors {}{}",
            self.backend,
            stats.per_second,
            stats.p50_ms,
            stats.p99_ms,
            stats.errors,
            stats
                .first_error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
        self.report.rows.push(Row {
            backend: self.backend.clone(),
            users,
            scenario: scenario.to_owned(),
            stats,
        });
    }

    fn memory(&mut self, users: u64) {
        if let Some(mb) = self.pid.and_then(peak_rss_mb) {
            eprintln!("{:>8} {users:>7} peak RSS {mb:.1} MB", self.backend);
            self.report.rss(&self.backend, users, mb);
        }
    }

    /// Scenarios 1–6 at each dataset size.
    async fn scim(
        &mut self,
        t: &Target,
        tag: &str,
        sizes: &[u64],
        b: Budget,
    ) -> Result<(), String> {
        let ids = Arc::new(Mutex::new(Vec::new()));
        let mut have = 0;
        let mut import_seconds = 0.0;
        for &n in sizes {
            let load = report::load_average();
            self.report.load(&self.backend, n, load);
            let created = scim::create_users(t, tag, have, n, b.creates, &ids).await;
            import_seconds += created.seconds;
            let (failed, made) = (created.errors, created.requests);
            self.record(n, &format!("1. create users {}..{n}", have + 1), created);
            if failed > 0 || have + made < n {
                // The later steps look up users by index: every one must exist.
                return Err(format!(
                    "{} of {} users created in the time limit, {failed} failed; \
                     rerun on a quieter machine or with smaller --sizes",
                    have + made - failed,
                    n
                ));
            }
            self.report.import(&self.backend, n, import_seconds);
            if let Some(d) = self.deployment
                && let Some(took) = d.settle().await?
            {
                eprintln!(
                    "{:>8} {n:>7} VACUUM (ANALYZE) after the import (the server's autovacuum is off): {:.1} s",
                    self.backend,
                    took.as_secs_f64()
                );
            }
            have = n;
            let all: Arc<[String]> = ids.lock().expect("ids").iter().flatten().cloned().collect();
            let s = scim::lookup(t, tag, n, b.reads).await;
            self.record(n, "2. GET /Users?filter=userName eq", s);
            let s = scim::deactivate_reactivate(t, &all, b.writes).await;
            self.record(n, "3. PATCH active false/true (Okta, Entra)", s);
            let s = scim::put_profile(t, tag, &all, b.writes).await;
            self.record(n, "4. PUT full profile", s);
            let s = scim::read(
                t,
                "/Users?startIndex=1&count=100".into(),
                "\"Resources\"",
                b.pages,
            )
            .await;
            self.record(n, "5. list startIndex=1 count=100", s);
            let deep = n * 9 / 10;
            let s = scim::read(
                t,
                format!("/Users?startIndex={deep}&count=100"),
                "\"Resources\"",
                b.pages,
            )
            .await;
            self.record(n, &format!("5. list startIndex={deep} count=100"), s);
            let members = &all[..all.len().min(10_000)];
            let (group, s) = scim::big_group(t, &format!("{tag} all staff {n}"), members).await?;
            self.record(
                n,
                &format!("6. PATCH add {} members (one request)", members.len()),
                s,
            );
            let s = scim::read(
                t,
                format!("/Groups/{group}"),
                "\"members\"",
                b.big_group_reads,
            )
            .await;
            self.record(
                n,
                &format!("6. GET group with {} members", members.len()),
                s,
            );
            let s = scim::read(
                t,
                format!("/Groups/{group}?excludedAttributes=members"),
                "\"displayName\"",
                b.reads,
            )
            .await;
            self.record(n, "6. GET group ?excludedAttributes=members", s);
            let s = scim::read(
                t,
                "/Groups?excludedAttributes=members".into(),
                "\"Resources\"",
                b.pages,
            )
            .await;
            self.record(n, "6. list groups ?excludedAttributes=members", s);
            self.memory(n);
        }
        Ok(())
    }

    /// Scenario 7: code exchange, refresh, and SCIM with JWTs against bearer tokens.
    async fn oauth(
        &mut self,
        d: &Deployment,
        base: &str,
        ws: &str,
        t: &Target,
        b: Budget,
    ) -> Result<(), String> {
        let users = self.report.largest(&self.backend);
        let mut approver = oauth::Approver::new(d, base, ws).await?;
        let mut codes = Vec::new();
        for i in 0..b.codes {
            codes.push(approver.code(i).await?);
        }
        let codes: Arc<[String]> = codes.into();
        let plan = Plan {
            requests: b.codes,
            concurrency: 16,
            limit: Duration::from_secs(60),
        };
        let (s, tokens) = oauth::token_requests(
            &approver,
            Arc::new(move |i| {
                vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", codes[usize::try_from(i).unwrap_or(0)].clone()),
                    ("redirect_uri", oauth::CALLBACK.to_owned()),
                ]
            }),
            plan,
        )
        .await;
        self.record(users, "7. POST /oauth/token authorization_code", s);
        let refresh: Arc<[String]> = tokens
            .lock()
            .expect("tokens")
            .iter()
            .flatten()
            .map(|(_, r)| r.clone())
            .collect();
        let count = refresh.len() as u64;
        let (s, refreshed) = oauth::token_requests(
            &approver,
            Arc::new(move |i| {
                vec![
                    ("grant_type", "refresh_token".to_owned()),
                    (
                        "refresh_token",
                        refresh[usize::try_from(i).unwrap_or(0)].clone(),
                    ),
                ]
            }),
            Plan {
                requests: count,
                ..plan
            },
        )
        .await;
        self.record(users, "7. POST /oauth/token refresh_token", s);
        let jwt = refreshed
            .lock()
            .expect("tokens")
            .iter()
            .flatten()
            .next()
            .map(|(a, _)| a.clone())
            .ok_or("no access token was issued")?;
        let with_jwt = t.with_token(&jwt)?;
        let s = scim::lookup(t, "b", users, b.reads).await;
        self.record(users, "7. userName eq lookup, bearer token", s);
        let s = scim::lookup(&with_jwt, "b", users, b.reads).await;
        self.record(users, "7. userName eq lookup, JWT access token", s);
        Ok(())
    }

    /// Scenario 8: many workspaces at once, each with its own token, a mix of the
    /// IdPs' requests: lookups, creates, deactivations.
    async fn mixed(
        &mut self,
        d: &Deployment,
        base: &str,
        workspaces: u64,
        b: Budget,
    ) -> Result<(), String> {
        // One origin's connections carry every workspace's requests, each with its token.
        let scim = Target::new(&format!("{base}/scim/v2"), "")?;
        let mut targets = Vec::new();
        for w in 0..workspaces {
            let (_, token) = d.workspace(&format!("Tenant {w}")).await?;
            targets.push(scim.with_token(&token)?);
        }
        let per = b.seed_per_workspace;
        let seed = Plan {
            requests: workspaces * per,
            ..b.creates
        };
        let targets: Arc<[Target]> = targets.into();
        let seeded = {
            let targets = targets.clone();
            load::drive(seed, move |i| {
                let t = targets[usize::try_from(i % workspaces).unwrap_or(0)].clone();
                async move {
                    let body = scim::user_body("m", i / workspaces, "Engineer");
                    t.call(Method::POST, "/Users", Some(&body), StatusCode::CREATED)
                        .await
                        .map(drop)
                }
            })
            .await
        };
        self.record(
            workspaces * per,
            &format!("8. seed {per} users in each of {workspaces} workspaces"),
            seeded,
        );
        let fresh = workspaces * per;
        let s = load::drive(b.mixed, move |i| {
            let t = targets[usize::try_from(scim::pick(i, workspaces)).unwrap_or(0)].clone();
            async move {
                let user = scim::pick(i.wrapping_mul(31), per);
                // One create in ten: a new hire, its name unique across the run.
                if i % 10 == 0 {
                    let body = scim::user_body("m", fresh + i, "Engineer");
                    t.call(Method::POST, "/Users", Some(&body), StatusCode::CREATED)
                        .await
                        .map(drop)
                } else {
                    let path = format!(
                        "/Users?filter={}",
                        scim::encode(&format!("userName eq \"{}\"", scim::user_name("m", user)))
                    );
                    t.call(Method::GET, &path, None, StatusCode::OK)
                        .await
                        .map(drop)
                }
            }
        })
        .await;
        self.record(
            fresh,
            &format!("8. mixed: 90% lookups, 10% creates, {workspaces} workspaces"),
            s,
        );
        self.memory(self.report.largest(&self.backend));
        Ok(())
    }
}
