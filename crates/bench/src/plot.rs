//! An SVG of how throughput scales with the dataset: one panel per backend, one
//! line per scenario across the dataset sizes. A flat line is what a scenario that
//! must not depend on the directory's size should draw.

use std::fmt::Write as _;

use crate::report::{Report, is_deep_page};

/// The scenarios drawn, by the prefix of their row name, and their colours.
const SERIES: [(&str, &str, &str); 5] = [
    ("2. GET", "lookup userName eq", "#1f77b4"),
    ("1. create", "create", "#d62728"),
    ("4. PUT", "PUT profile", "#2ca02c"),
    ("5. list startIndex=1 ", "first page", "#9467bd"),
    ("deep", "deep page (90 %)", "#ff7f0e"),
];

const PANEL_W: f64 = 360.0;
const PANEL_H: f64 = 240.0;
const MARGIN: f64 = 56.0;

fn matches(scenario: &str, prefix: &str) -> bool {
    if prefix == "deep" {
        is_deep_page(scenario)
    } else {
        scenario.starts_with(prefix)
    }
}

/// The chart, or `None` when the report has fewer than two dataset sizes.
pub fn svg(report: &Report) -> Option<String> {
    let backends = report.backends();
    let mut sizes: Vec<u64> = Vec::new();
    for r in report
        .rows
        .iter()
        .filter(|r| r.scenario.starts_with("2. GET"))
    {
        if !sizes.contains(&r.users) {
            sizes.push(r.users);
        }
    }
    sizes.sort_unstable();
    if sizes.len() < 2 || backends.is_empty() {
        return None;
    }
    let top = report
        .rows
        .iter()
        .filter(|r| SERIES.iter().any(|(p, ..)| matches(&r.scenario, p)))
        .map(|r| r.stats.per_second)
        .fold(1.0_f64, f64::max);
    let top = nice_ceiling(top);
    let width = MARGIN + (PANEL_W + MARGIN) * float(backends.len()) + 150.0;
    let height = PANEL_H + 2.0 * MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for (b, backend) in backends.iter().enumerate() {
        let x0 = MARGIN + (PANEL_W + MARGIN) * float(b);
        let y0 = MARGIN;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">{backend}: requests/s by users in the workspace</text>"#,
            x0 + PANEL_W / 2.0,
            y0 - 20.0
        );
        axes(&mut out, x0, y0, top, &sizes);
        let x_of = |i: usize| x0 + PANEL_W * (float(i) + 0.5) / float(sizes.len());
        let y_of = |v: f64| y0 + PANEL_H * (1.0 - v / top);
        for (prefix, _, colour) in SERIES {
            let points: Vec<(f64, f64)> = sizes
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    report
                        .rows
                        .iter()
                        .find(|r| {
                            &r.backend == backend && r.users == *n && matches(&r.scenario, prefix)
                        })
                        .map(|r| (x_of(i), y_of(r.stats.per_second)))
                })
                .collect();
            let path: Vec<String> = points
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                path.join(" ")
            );
            for (x, y) in points {
                let _ = writeln!(
                    out,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"/>"#
                );
            }
        }
    }
    let lx = MARGIN + (PANEL_W + MARGIN) * float(backends.len());
    for (i, (_, label, colour)) in SERIES.iter().enumerate() {
        let y = MARGIN + 16.0 * float(i);
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{label}</text>"#,
            lx + 18.0,
            lx + 24.0,
            y + 4.0
        );
    }
    out.push_str("</svg>\n");
    Some(out)
}

/// The y axis from 0 to `top` with four gridlines, and the sizes under the x axis.
fn axes(out: &mut String, x0: f64, y0: f64, top: f64, sizes: &[u64]) {
    for k in 0..=4 {
        let v = top * f64::from(k) / 4.0;
        let y = y0 + PANEL_H * (1.0 - f64::from(k) / 4.0);
        let _ = writeln!(
            out,
            r##"<line x1="{x0:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v:.0}</text>"##,
            x0 + PANEL_W,
            x0 - 6.0,
            y + 4.0
        );
    }
    for (i, n) in sizes.iter().enumerate() {
        let x = x0 + PANEL_W * (float(i) + 0.5) / float(sizes.len());
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{n} users</text>"#,
            y0 + PANEL_H + 18.0
        );
    }
}

/// A count as a coordinate (counts here are a handful).
#[expect(clippy::cast_precision_loss, reason = "small counts")]
fn float(n: usize) -> f64 {
    n as f64
}

/// `v` rounded up to 1, 2 or 5 times a power of ten.
fn nice_ceiling(v: f64) -> f64 {
    let exp = v.log10().floor();
    let base = 10f64.powf(exp);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Stats;
    use crate::report::Row;

    fn row(backend: &str, users: u64, scenario: &str, per_second: u32) -> Row {
        let mut stats = Stats::of(vec![1000], 0, std::time::Duration::from_secs(1), None);
        stats.per_second = f64::from(per_second);
        Row {
            backend: backend.into(),
            users,
            scenario: scenario.into(),
            stats,
        }
    }

    #[test]
    fn one_line_per_scenario_and_panel() {
        let mut r = Report::new(false);
        for (n, v) in [(10_000, 900), (100_000, 880)] {
            r.rows
                .push(row("sqlite", n, "2. GET /Users?filter=userName eq", v));
            r.rows
                .push(row("sqlite", n, "5. list startIndex=1 count=100", v / 2));
            r.rows.push(row(
                "sqlite",
                n,
                &format!("5. list startIndex={} count=100", n * 9 / 10),
                v / 3,
            ));
        }
        let svg = svg(&r).expect("two sizes");
        assert_eq!(svg.matches("<polyline").count(), SERIES.len());
        assert!(
            svg.contains("10000 users") && svg.contains("100000 users"),
            "{svg}"
        );
        // Three series have two points each; the axis tops out at 1000.
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains(">1000</text>"), "{svg}");
    }

    #[test]
    fn no_chart_from_one_size() {
        let mut r = Report::new(true);
        r.rows
            .push(row("sqlite", 10, "2. GET /Users?filter=userName eq", 5));
        assert!(svg(&r).is_none());
    }

    #[test]
    fn ceilings_are_round() {
        assert!((nice_ceiling(880.0) - 1000.0).abs() < 1e-9);
        assert!((nice_ceiling(1200.0) - 2000.0).abs() < 1e-9);
        assert!((nice_ceiling(4000.0) - 5000.0).abs() < 1e-9);
    }
}
