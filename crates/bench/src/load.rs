//! The bounded load loop: a fixed number of requests, a time limit, a fixed number
//! in flight, and the latency of each request.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How much load one step sends: at most `requests`, for at most `limit`, with
/// `concurrency` requests in flight.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub requests: u64,
    pub concurrency: usize,
    pub limit: Duration,
}

/// What one step measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The first failure, so a failed run says why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

impl Stats {
    /// Statistics of `latencies` (microseconds) taken over `elapsed`.
    pub fn of(
        mut latencies: Vec<u32>,
        errors: u64,
        elapsed: Duration,
        first_error: Option<String>,
    ) -> Self {
        latencies.sort_unstable();
        let requests = latencies.len() as u64;
        let seconds = elapsed.as_secs_f64();
        Self {
            requests,
            errors,
            seconds,
            per_second: if seconds > 0.0 {
                f64::from(u32::try_from(requests).unwrap_or(u32::MAX)) / seconds
            } else {
                0.0
            },
            p50_ms: percentile(&latencies, 50.0),
            p99_ms: percentile(&latencies, 99.0),
            max_ms: latencies.last().map_or(0.0, |v| f64::from(*v) / 1000.0),
            first_error,
        }
    }
}

/// The nearest-rank percentile of sorted microsecond latencies, in milliseconds.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank within a vector's length"
    )]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

/// Runs `request(i)` for i = 0, 1, … under `plan`; a request's `Err` is counted as an
/// error (its latency too, since the server did the work).
pub async fn drive<F, Fut>(plan: Plan, request: F) -> Stats
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + plan.limit;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..plan.concurrency.max(1) {
        let (next, request) = (next.clone(), request.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let (mut errors, mut first_error) = (0u64, None);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= plan.requests || Instant::now() >= deadline {
                    break;
                }
                let sent = Instant::now();
                let outcome = request(i).await;
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (latencies, errors, first_error)
        });
    }
    let (mut all, mut errors, mut first_error) = (Vec::new(), 0, None);
    while let Some(done) = workers.join_next().await {
        let (latencies, e, first) = done.expect("a load worker panicked");
        all.extend(latencies);
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    Stats::of(all, errors, start.elapsed(), first_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert!((percentile(&sorted, 50.0) - 50.0).abs() < f64::EPSILON);
        assert!((percentile(&sorted, 99.0) - 99.0).abs() < f64::EPSILON);
        assert!((percentile(&sorted, 100.0) - 100.0).abs() < f64::EPSILON);
        assert!((percentile(&[7000], 99.0) - 7.0).abs() < f64::EPSILON);
        assert!(percentile(&[], 50.0).abs() < f64::EPSILON);
    }

    #[tokio::test]
    async fn drive_stops_at_the_request_count_and_counts_errors() {
        let plan = Plan {
            requests: 10,
            concurrency: 3,
            limit: Duration::from_secs(10),
        };
        let stats = drive(plan, |i| async move {
            if i % 5 == 0 {
                Err(format!("request {i}"))
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(stats.requests, 10);
        assert_eq!(stats.errors, 2);
        assert!(stats.first_error.is_some());
    }

    #[tokio::test]
    async fn drive_stops_at_the_time_limit() {
        let plan = Plan {
            requests: u64::MAX,
            concurrency: 2,
            limit: Duration::from_millis(50),
        };
        let stats = drive(plan, |_| async {
            tokio::task::yield_now().await;
            Ok(())
        })
        .await;
        assert!(stats.requests > 0, "{stats:?}");
        assert!(stats.seconds < 5.0, "{stats:?}");
    }
}
