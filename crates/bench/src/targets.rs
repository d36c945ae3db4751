//! Issue #7's targets, each checked against the run's own figures, and the
//! before/after table against a recorded earlier run: the verdicts in
//! docs/benchmarks.md always describe the results printed beside them.

use std::fmt::Write as _;
use std::path::Path;

use crate::load::Stats;
use crate::report::{Report, is_deep_page};

/// One cell: what a backend measured, and whether it meets the target (`None` where
/// the target does not apply to that backend or the run did not measure it).
type Cell = (String, Option<bool>);

/// A target: its wording, and its cell for a backend at the run's largest size.
struct Target {
    text: &'static str,
    cell: fn(&Figures<'_>) -> Cell,
}

const TARGETS: [Target; 8] = [
    Target {
        text: "`userName eq` lookup at 100,000 users: ≥ 20,000/s, p99 ≤ 5 ms (SQLite); ≥ 8,000/s (PostgreSQL)",
        cell: |f| {
            f.stats("2. GET").map_or_else(unmeasured, |s| {
                let met = if f.sqlite() {
                    s.per_second >= 20_000.0 && s.p99_ms <= 5.0
                } else {
                    s.per_second >= 8_000.0
                };
                (
                    format!("{}/s, p99 {:.1} ms", int(s.per_second), s.p99_ms),
                    Some(met),
                )
            })
        },
    },
    Target {
        text: "create: ≥ 5,000/s durable (SQLite), ≥ 2,500/s (PostgreSQL); 100,000-user import ≤ 40 s",
        cell: |f| {
            f.stats("1. create").map_or_else(unmeasured, |s| {
                let rate = if f.sqlite() { 5_000.0 } else { 2_500.0 };
                let import = f.import();
                let met = s.per_second >= rate
                    && (f.users < 100_000 || import.is_some_and(|t| t <= 40.0));
                let import = import.map_or_else(String::new, |t| {
                    format!("; {} users in {t:.1} s", count(f.users))
                });
                (format!("{}/s{import}", int(s.per_second)), Some(met))
            })
        },
    },
    Target {
        text: "deep page (`startIndex` 90 % of the users, `count` 100) p99 ≤ 20 ms",
        cell: |f| {
            f.deep_page().map_or_else(unmeasured, |s| {
                (format!("p99 {:.1} ms", s.p99_ms), Some(s.p99_ms <= 20.0))
            })
        },
    },
    Target {
        text: "10,000-member group PATCH ≤ 1 s",
        cell: |f| {
            f.stats("6. PATCH add").map_or_else(unmeasured, |s| {
                (format!("{} ms", int(s.p50_ms)), Some(s.p50_ms <= 1_000.0))
            })
        },
    },
    Target {
        text: "a group read with `excludedAttributes=members` independent of member count (here: ≥ 10× the rate of the read with its members)",
        cell: |f| match (
            f.stats("6. GET group ?excluded"),
            f.stats("6. GET group with"),
        ) {
            (Some(without), Some(with)) => (
                format!(
                    "{}/s without members vs {}/s with them",
                    int(without.per_second),
                    int(with.per_second)
                ),
                Some(without.per_second >= 10.0 * with.per_second),
            ),
            _ => unmeasured(),
        },
    },
    Target {
        text: "peak RSS ≤ 150 MB with 100,000 users (SQLite)",
        cell: |f| {
            f.rss().map_or_else(unmeasured, |mb| {
                // PostgreSQL's figure is the gateway's alone: not the target's case.
                (format!("{mb:.0} MB"), f.sqlite().then_some(mb <= 150.0))
            })
        },
    },
    Target {
        text: "token endpoint ≥ 2,000 exchanges/s",
        cell: |f| match (
            f.stats("7. POST /oauth/token authorization_code"),
            f.stats("7. POST /oauth/token refresh_token"),
        ) {
            (Some(code), Some(refresh)) => (
                format!(
                    "code {}/s, refresh {}/s",
                    int(code.per_second),
                    int(refresh.per_second)
                ),
                Some(code.per_second >= 2_000.0 && refresh.per_second >= 2_000.0),
            ),
            _ => unmeasured(),
        },
    },
    Target {
        text: "JWT-authenticated SCIM within 10 % of bearer-token SCIM",
        cell: |f| match (
            f.stats("7. userName eq lookup, JWT"),
            f.stats("7. userName eq lookup, bearer"),
        ) {
            (Some(jwt), Some(bearer)) => {
                let change = (jwt.per_second / bearer.per_second - 1.0) * 100.0;
                (
                    format!(
                        "JWT {}/s vs bearer {}/s ({change:+.0} %)",
                        int(jwt.per_second),
                        int(bearer.per_second)
                    ),
                    Some(change >= -10.0),
                )
            }
            _ => unmeasured(),
        },
    },
];

fn unmeasured() -> Cell {
    ("not measured".into(), None)
}

/// One backend's figures at one dataset size.
struct Figures<'r> {
    report: &'r Report,
    backend: &'r str,
    users: u64,
}

impl Figures<'_> {
    fn sqlite(&self) -> bool {
        self.backend == "sqlite"
    }

    fn stats(&self, prefix: &str) -> Option<&Stats> {
        self.find(|scenario| scenario.starts_with(prefix))
    }

    fn deep_page(&self) -> Option<&Stats> {
        self.find(is_deep_page)
    }

    fn find(&self, scenario: impl Fn(&str) -> bool) -> Option<&Stats> {
        self.report
            .rows
            .iter()
            .find(|r| r.backend == self.backend && r.users == self.users && scenario(&r.scenario))
            .map(|r| &r.stats)
    }

    fn fact(&self, facts: &[crate::report::Fact]) -> Option<f64> {
        facts
            .iter()
            .find(|f| f.backend == self.backend && f.users == self.users)
            .map(|f| f.value)
    }

    fn import(&self) -> Option<f64> {
        self.fact(&self.report.import_seconds)
    }

    fn rss(&self) -> Option<f64> {
        self.fact(&self.report.peak_rss_mb)
    }
}

/// A rate or a time without decimals, with thousands separators.
fn int(v: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "figures are far below i64's range"
    )]
    separated(&(v.round() as i64).to_string())
}

/// A number of users, with thousands separators.
fn count(n: u64) -> String {
    separated(&n.to_string())
}

fn separated(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The targets table: each backend at its largest dataset, and a verdict.
pub fn table(report: &Report) -> String {
    let backends = report.backends();
    let mut out = String::new();
    out.push_str("| target (issue #7) |");
    for b in &backends {
        let _ = write!(out, " {b} at {} users |", count(report.largest(b)));
    }
    out.push_str(" verdict |\n|---|");
    out.push_str(&"---|".repeat(backends.len() + 1));
    out.push('\n');
    for t in &TARGETS {
        let cells: Vec<(&str, Cell)> = backends
            .iter()
            .map(|b| {
                let f = Figures {
                    report,
                    backend: b,
                    users: report.largest(b),
                };
                (*b, (t.cell)(&f))
            })
            .collect();
        let _ = write!(out, "| {} |", t.text);
        for (_, (text, _)) in &cells {
            let _ = write!(out, " {text} |");
        }
        let _ = writeln!(out, " {} |", verdict(&cells));
    }
    out
}

/// "met", "**missed**", or which backends met it, from the cells that apply.
fn verdict(cells: &[(&str, Cell)]) -> String {
    let judged: Vec<(&str, bool)> = cells
        .iter()
        .filter_map(|(b, (_, met))| met.map(|m| (*b, m)))
        .collect();
    let met: Vec<&str> = judged.iter().filter(|(_, m)| *m).map(|(b, _)| *b).collect();
    let missed: Vec<&str> = judged
        .iter()
        .filter(|(_, m)| !*m)
        .map(|(b, _)| *b)
        .collect();
    match (met.is_empty(), missed.is_empty()) {
        (_, true) if !judged.is_empty() => "met".into(),
        (true, false) => "**missed**".into(),
        (false, false) => format!(
            "met on {}; **missed** on {}",
            met.join(", "),
            missed.join(", ")
        ),
        _ => "not measured".into(),
    }
}

/// An earlier run's report, as `--json` wrote it (docs/benchmarks-before.json).
pub fn read_before(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The compared figures: a label, the scenario prefix, and whether the figure is
/// the rate (else the p50 in ms, for one-request steps).
const COMPARED: [(&str, &str, bool); 8] = [
    ("create users/s", "1. create", true),
    ("lookup `userName eq`/s", "2. GET", true),
    ("PATCH deactivate/reactivate/s", "3. PATCH", true),
    ("PUT full profile/s", "4. PUT", true),
    ("first page (100 users)/s", "5. list startIndex=1 ", true),
    ("10,000-member PATCH, ms", "6. PATCH add", false),
    (
        "token code exchange/s",
        "7. POST /oauth/token authorization_code",
        true,
    ),
    (
        "token refresh/s",
        "7. POST /oauth/token refresh_token",
        true,
    ),
];

/// The before/after table: `before`'s figures beside this run's, per backend at
/// the largest dataset both runs measured (the token rows at each run's largest,
/// where the OAuth scenario runs).
pub fn before_after(report: &Report, before: &Report) -> String {
    let backends = report.backends();
    let mut out = String::new();
    out.push_str("| figure | backend | users | before | after |\n|---|---|---:|---:|---:|\n");
    for (label, prefix, rate) in &COMPARED {
        for &backend in &backends {
            let Some(users) = common_size(report, before, backend) else {
                continue;
            };
            let figure = |run: &Report| {
                let users = if prefix.starts_with("7.") {
                    run.largest(backend)
                } else {
                    users
                };
                let f = Figures {
                    report: run,
                    backend,
                    users,
                };
                f.stats(prefix)
                    .map(|s| if *rate { s.per_second } else { s.p50_ms })
            };
            let show = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), int);
            let _ = writeln!(
                out,
                "| {label} | {backend} | {} | {} | {} |",
                count(users),
                show(figure(before)),
                show(figure(report))
            );
        }
    }
    out
}

/// The largest dataset size of `backend` that both runs created.
fn common_size(a: &Report, b: &Report, backend: &str) -> Option<u64> {
    let theirs = b.sizes(backend);
    a.sizes(backend)
        .into_iter()
        .filter(|n| theirs.contains(n))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Row;

    /// A step of `requests` requests of 1 ms each over one second.
    fn row(backend: &str, users: u64, scenario: &str, requests: usize) -> Row {
        let latencies = vec![1_000; requests];
        Row {
            backend: backend.into(),
            users,
            scenario: scenario.into(),
            stats: Stats::of(latencies, 0, std::time::Duration::from_secs(1), None),
        }
    }

    #[test]
    fn verdicts_follow_the_run_figures() {
        let mut r = Report::new(false);
        for (backend, creates, lookups) in [("sqlite", 6_000, 25_000), ("postgres", 300, 9_000)] {
            r.rows
                .push(row(backend, 100_000, "1. create users 1..100000", creates));
            r.rows.push(row(
                backend,
                100_000,
                "2. GET /Users?filter=userName eq",
                lookups,
            ));
        }
        r.import("sqlite", 100_000, 41.0);
        let t = table(&r);
        assert!(t.starts_with("| target (issue #7) | sqlite at 100,000 users | postgres at 100,000 users | verdict |"), "{t}");
        let line = |start: &str| t.lines().find(|l| l.starts_with(start)).unwrap().to_owned();
        assert!(
            line("| `userName eq`")
                .ends_with("| 25,000/s, p99 1.0 ms | 9,000/s, p99 1.0 ms | met |"),
            "{t}"
        );
        // SQLite's rate passes but its import does not; PostgreSQL's rate fails.
        assert!(line("| create").ends_with("| **missed** |"), "{t}");
        assert!(
            line("| deep page").ends_with("| not measured | not measured | not measured |"),
            "{t}"
        );
    }

    #[test]
    fn mixed_verdicts_name_the_backends() {
        let cells = [
            ("sqlite", ("a".to_owned(), Some(true))),
            ("postgres", ("b".to_owned(), Some(false))),
        ];
        assert_eq!(verdict(&cells), "met on sqlite; **missed** on postgres");
        let cells = [
            ("sqlite", ("a".to_owned(), Some(true))),
            ("postgres", ("b".to_owned(), None)),
        ];
        assert_eq!(verdict(&cells), "met");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(int(999.4), "999");
        assert_eq!(int(1_000.0), "1,000");
        assert_eq!(int(1_234_567.0), "1,234,567");
    }

    #[test]
    fn before_after_compares_the_largest_size_both_runs_have() {
        let run = |sizes: &[(u64, usize)]| {
            let mut r = Report::new(false);
            for &(users, lookups) in sizes {
                r.rows.push(row("sqlite", users, "1. create users", 100));
                r.rows.push(row(
                    "sqlite",
                    users,
                    "2. GET /Users?filter=userName eq",
                    lookups,
                ));
            }
            r
        };
        let before = run(&[(1_000, 900), (10_000, 1_358)]);
        let after = run(&[(10_000, 4_000), (100_000, 3_900)]);
        let t = before_after(&after, &before);
        assert!(
            t.contains("| lookup `userName eq`/s | sqlite | 10,000 | 1,358 | 4,000 |"),
            "{t}"
        );
        assert!(
            t.contains("| PUT full profile/s | sqlite | 10,000 | – | – |"),
            "{t}"
        );
        assert!(!t.contains("postgres"), "{t}");
    }

    #[test]
    fn a_written_report_reads_back_as_a_before() {
        let mut r = Report::new(true);
        r.rows
            .push(row("postgres", 10, "2. GET /Users?filter=userName eq", 5));
        r.rss("postgres", 10, 42.0);
        let dir = std::env::temp_dir().join(format!("bench-before-{}", std::process::id()));
        r.write_json(&dir).unwrap();
        let back = read_before(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(back.rows.len(), 1);
        assert!((back.rows[0].stats.per_second - 5.0).abs() < 1e-9);
        assert!((back.peak_rss_mb[0].value - 42.0).abs() < 1e-9);
        assert!(read_before(&dir).is_err());
    }
}
