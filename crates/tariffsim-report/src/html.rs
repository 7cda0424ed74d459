//! `report.html`: one self-contained page (inline SVG and CSS, no network, no JavaScript).

use crate::Rendered;
use crate::chart::{fmt_num, fmt_signed};
use crate::data::{RunData, group_thousands};
use crate::metric_unit;
use std::fmt::Write as _;

/// Escapes text for HTML.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The SVG element of a chart, without any XML declaration, scaled to the page width.
fn inline_svg(svg: &str) -> &str {
    let start = svg.find("<svg").unwrap_or(0);
    &svg[start..]
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#212121;\
max-width:1240px;margin:24px auto;padding:0 16px;line-height:1.4}\
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;margin-top:32px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0;font-size:14px}\
th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f4f4f4}\
td.l,th.l{text-align:left}figure{margin:12px 0}svg{max-width:100%;height:auto}\
.muted{color:#606060;font-size:13px}";

/// The report of a run (or a compare run).
#[must_use]
pub fn report(data: &RunData, charts: &[Rendered], compare: bool) -> String {
    let run = &data.manifest.run;
    let s = &data.summary;
    let (m, c) = data.focus.clone().unwrap_or_default();
    let (m, c) = (&m, &c);
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>tariffsim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&run.scenario)
    );
    let focus = if m.is_empty() {
        String::new()
    } else {
        format!(" · focus {} ← {} ({m} ← {c})", data.name(m), data.name(c))
    };
    let _ = writeln!(
        o,
        "<h1>{}</h1>\n<p class=\"muted\">tariffsim {} Monte Carlo run{}{}</p>",
        escape(&run.scenario),
        escape(&run.tariffsim_version),
        if compare { " (comparison)" } else { "" },
        escape(&focus)
    );

    // Summary.
    o.push_str("<h2>Run</h2>\n<table>\n");
    let b = &run.baseline;
    let rows: Vec<(&str, String)> = vec![
        (
            "Scenario",
            format!("{} (hash {})", run.scenario, run.scenario_hash),
        ),
        ("Baseline", format!("{} {} ({})", b.name, b.version, b.year)),
        ("Model", run.model.clone()),
        ("Horizon", run.horizon.clone()),
        (
            "Draws",
            format!(
                "{} ({} succeeded, {} failed)",
                group_thousands(s.succeeded + s.failed),
                group_thousands(s.succeeded),
                group_thousands(s.failed)
            ),
        ),
        ("Sampler, seed", format!("{}, {}", run.sampler, run.seed)),
        ("Random numbers", run.rng.clone()),
    ];
    for (k, v) in rows {
        let _ = writeln!(
            o,
            "<tr><th class=\"l\">{k}</th><td class=\"l\">{}</td></tr>",
            escape(&v)
        );
    }
    for (reason, count) in &s.failures_by_reason {
        let _ = writeln!(
            o,
            "<tr><th class=\"l\">Failed: {}</th><td class=\"l\">{count} draws</td></tr>",
            escape(reason)
        );
    }
    o.push_str("</table>\n");
    if !b.sources.is_empty() {
        // Collapsed (no script needed): the list can be long.
        o.push_str("<details class=\"muted\"><summary>Baseline sources</summary>\n<ul>\n");
        for source in &b.sources {
            let _ = writeln!(o, "<li>{}</li>", escape(source));
        }
        o.push_str("</ul>\n</details>\n");
    }

    // Timeline.
    if let Some(t) = &data.timeline {
        o.push_str("<h2>Tariff timeline</h2>\n");
        if let Some(ch) = charts.iter().find(|c| c.stem == "tariff_timeline") {
            let _ = writeln!(o, "<figure>{}</figure>", inline_svg(&ch.svg));
        }
        let _ = writeln!(
            o,
            "<table>\n<tr><th>Phase</th><th>Start</th><th>End</th><th>Days</th>{}<th>Total (%)</th></tr>",
            t.layers
                .iter()
                .map(|(n, _)| format!("<th>{} (%)</th>", escape(n)))
                .collect::<String>()
        );
        for (k, p) in t.phases.iter().enumerate() {
            let _ = writeln!(
                o,
                "<tr><td>P{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>",
                k + 1,
                escape(&p.start),
                escape(&p.end),
                p.days,
                p.by_layer
                    .iter()
                    .map(|v| format!("<td>{}</td>", fmt_num(100.0 * v, 1)))
                    .collect::<String>(),
                fmt_num(100.0 * p.total, 1)
            );
        }
        o.push_str("</table>\n");
    } else {
        o.push_str("<h2>Tariff timeline</h2>\n<p class=\"muted\">No <code>timeline.csv</code> in the run directory.</p>\n");
    }

    // Focus metrics.
    o.push_str("<h2>Focus metrics</h2>\n<p class=\"muted\">Changes from the baseline at annual rates, day-weighted over the period; statistics over successful draws; point = central elasticities.</p>\n<table>\n<tr><th class=\"l\">Metric</th><th class=\"l\">Unit</th><th>Point</th><th>Mean</th><th>SD</th><th>MCSE</th><th>p5</th><th>p50</th><th>p95</th></tr>\n");
    let bases = [
        format!("diversion_ratio.{m}.{c}"),
        format!("deflection_ratio.{m}.{c}"),
        format!("imports.{m}.{c}"),
        format!("imports_pct.{m}.{c}"),
        format!("creation.{m}"),
        format!("balance.{m}"),
        format!("balance.{c}"),
        format!("welfare.{m}"),
        format!("welfare.{c}"),
        format!("revenue.{m}"),
        "world_trade".to_string(),
    ];
    let sides: &[&str] = if compare {
        &["a:", "b:", "diff:"]
    } else {
        &[""]
    };
    for base in &bases {
        for side in sides {
            let name = format!("{side}{base}");
            let Some(st) = data.metric(&name) else {
                continue;
            };
            let (k, unit) = metric_unit(&name);
            let unit = if side == &"diff:" && unit == "%" {
                "pp"
            } else {
                unit
            };
            let point = data
                .point
                .get(&name)
                .map_or_else(|| "–".to_string(), |v| fmt_signed(v * k, 2));
            let _ = writeln!(
                o,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{point}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&name),
                unit.trim(),
                fmt_signed(st.mean * k, 2),
                fmt_num(st.sd * k, 2),
                fmt_num(st.mcse * k, 3),
                fmt_signed(st.p5 * k, 2),
                fmt_signed(st.p50 * k, 2),
                fmt_signed(st.p95 * k, 2)
            );
        }
    }
    o.push_str("</table>\n");

    // Backtest.
    if let Some(bt) = &data.backtest {
        let _ = writeln!(
            o,
            "<h2>Backtest against observed {}</h2>\n<p>Coverage: {:.0}% of {} observed figures lie inside the model's 5–95% band; the median has the observed sign in {:.0}% ({} horizon). Files: <a href=\"backtest.csv\">backtest.csv</a>, <a href=\"backtest.json\">backtest.json</a>.</p>\n<table>\n<tr><th class=\"l\">Metric</th><th class=\"l\">Period</th><th class=\"l\">Unit</th><th>Observed</th><th>Point</th><th>p5</th><th>p50</th><th>p95</th><th class=\"l\">Band</th><th class=\"l\">Sign</th><th class=\"l\">Source</th></tr>",
            escape(&bt.period),
            100.0 * bt.coverage,
            bt.rows.len(),
            100.0 * bt.sign_hit_rate,
            escape(&bt.horizon)
        );
        for r in bt.rows.iter().chain(&bt.calibration) {
            let _ = writeln!(
                o,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                escape(&r.metric),
                escape(&r.period),
                escape(&r.unit),
                r.observed,
                r.point,
                r.p5,
                r.p50,
                r.p95,
                if r.inside { "inside" } else { "outside" },
                match r.sign_agrees {
                    Some(true) => "right",
                    Some(false) => "wrong",
                    None => "–",
                },
                escape(&r.source)
            );
        }
        o.push_str("</table>\n");
    }

    // Charts.
    for ch in charts.iter().filter(|c| c.stem != "tariff_timeline") {
        let _ = writeln!(
            o,
            "<h2>{}</h2>\n<figure>{}</figure>",
            escape(&ch.title),
            inline_svg(&ch.svg)
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">{}</p>\n</body>\n</html>",
        escape(&data.source_line())
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
