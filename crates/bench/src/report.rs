//! The results: a JSON file for tools, a Markdown table for docs/benchmarks.md.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::load::Stats;

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// One measured step.
#[derive(Debug, Serialize, Deserialize)]
pub struct Row {
    pub backend: String,
    /// Users in the workspace when the step ran.
    pub users: u64,
    pub scenario: String,
    #[serde(flatten)]
    pub stats: Stats,
}

/// A fact about a backend at a dataset size (load average, peak RSS, import time).
#[derive(Debug, Serialize, Deserialize)]
pub struct Fact {
    pub backend: String,
    pub users: u64,
    pub value: f64,
}

/// Everything one run measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub quick: bool,
    pub machine: String,
    pub rows: Vec<Row>,
    /// 1-minute load average when each dataset size began.
    pub load_average: Vec<Fact>,
    pub peak_rss_mb: Vec<Fact>,
    /// Seconds to create every user up to the size.
    pub import_seconds: Vec<Fact>,
}

impl Report {
    pub fn new(quick: bool) -> Self {
        Self {
            quick,
            machine: machine(),
            rows: Vec::new(),
            load_average: Vec::new(),
            peak_rss_mb: Vec::new(),
            import_seconds: Vec::new(),
        }
    }

    pub fn load(&mut self, backend: &str, users: u64, value: f64) {
        self.load_average.push(fact(backend, users, value));
    }

    pub fn rss(&mut self, backend: &str, users: u64, value: f64) {
        self.peak_rss_mb.push(fact(backend, users, value));
    }

    pub fn import(&mut self, backend: &str, users: u64, value: f64) {
        self.import_seconds.push(fact(backend, users, value));
    }

    /// The dataset sizes created on `backend`, in the order they ran.
    pub fn sizes(&self, backend: &str) -> Vec<u64> {
        self.rows
            .iter()
            .filter(|r| r.backend == backend && r.scenario.starts_with("1."))
            .map(|r| r.users)
            .collect()
    }

    /// The largest dataset measured on `backend` so far.
    pub fn largest(&self, backend: &str) -> u64 {
        self.sizes(backend).into_iter().max().unwrap_or(0)
    }

    /// The backends of the run, in the order they ran.
    pub fn backends(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.backend.as_str()) {
                out.push(&r.backend);
            }
        }
        out
    }

    pub fn write_json(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The results as Markdown: one table of every step, then the per-size facts.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Machine: {}. Mode: {}.\n",
            self.machine,
            if self.quick { "quick" } else { "full" }
        );
        out.push_str("| backend | users | scenario | req/s | p50 ms | p99 ms | errors |\n");
        out.push_str("|---|---:|---|---:|---:|---:|---:|\n");
        for r in &self.rows {
            let s = &r.stats;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} |",
                r.backend, r.users, r.scenario, s.per_second, s.p50_ms, s.p99_ms, s.errors
            );
        }
        out.push_str("\n| backend | users | load average (1 min) at start | import time (s) | peak RSS (MB) |\n");
        out.push_str("|---|---:|---:|---:|---:|\n");
        for l in &self.load_average {
            let find = |facts: &[Fact]| {
                facts
                    .iter()
                    .find(|f| f.backend == l.backend && f.users == l.users)
                    .map_or_else(|| "–".to_owned(), |f| format!("{:.1}", f.value))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {} | {} |",
                l.backend,
                l.users,
                l.value,
                find(&self.import_seconds),
                find(&self.peak_rss_mb)
            );
        }
        out
    }
}

fn fact(backend: &str, users: u64, value: f64) -> Fact {
    Fact {
        backend: backend.to_owned(),
        users,
        value,
    }
}

/// The 1-minute load average (`/proc/loadavg`), 0 where unavailable.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// CPU model and count, from `/proc/cpuinfo`: the machine's cores, not the client's
/// affinity (`taskset` pins the tool to one core, which `available_parallelism` reports).
fn machine() -> String {
    let info = cpuinfo();
    let cpus = processors(&info);
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown CPU".into(), |(_, v)| v.trim().to_owned());
    format!("{cpus} × {model}")
}

/// The machine's CPUs (`/proc/cpuinfo`), whatever the tool's affinity.
pub fn cpu_count() -> usize {
    processors(&cpuinfo())
}

fn cpuinfo() -> String {
    std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default()
}

fn processors(cpuinfo: &str) -> usize {
    cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count()
}

/// Whether a step is the deep page of scenario 5 (not its first page).
pub fn is_deep_page(scenario: &str) -> bool {
    scenario.starts_with("5. list startIndex=") && !scenario.starts_with("5. list startIndex=1 ")
}

/// Replaces the text between the markers of the Markdown file at `path` with `block`.
pub fn insert(path: &Path, block: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let updated = replace_block(&text, block)
        .ok_or_else(|| format!("{} has no {BEGIN} … {END} block", path.display()))?;
    std::fs::write(path, updated).map_err(|e| format!("{}: {e}", path.display()))
}

fn replace_block(text: &str, block: &str) -> Option<String> {
    let start = text.find(BEGIN)? + BEGIN.len();
    let end = start + text[start..].find(END)?;
    Some(format!(
        "{}\n{}\n{}",
        &text[..start],
        block.trim_end(),
        &text[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_marked_block() {
        let text = "# B\nbefore\n<!-- bench:begin -->\nold\n<!-- bench:end -->\nafter\n";
        let out = replace_block(text, "new table\n").unwrap();
        assert_eq!(
            out,
            "# B\nbefore\n<!-- bench:begin -->\nnew table\n<!-- bench:end -->\nafter\n"
        );
        assert!(replace_block("no markers", "x").is_none());
    }

    #[test]
    fn markdown_has_a_row_per_step() {
        let mut r = Report::new(true);
        r.rows.push(Row {
            backend: "sqlite".into(),
            users: 10,
            scenario: "2. lookup".into(),
            stats: Stats::of(vec![1000, 2000], 0, std::time::Duration::from_secs(1), None),
        });
        r.load("sqlite", 10, 0.5);
        r.rss("sqlite", 10, 42.0);
        let md = r.markdown();
        assert!(
            md.contains("| sqlite | 10 | 2. lookup | 2 | 1.00 | 2.00 | 0 |"),
            "{md}"
        );
        assert!(md.contains("| sqlite | 10 | 0.50 | – | 42.0 |"), "{md}");
    }
}
