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
table{border-collapse:collapse;margin:8px 0;font-size:14px}.wide{overflow-x:auto}\
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

    // What the run found, in words (from the medians and bands).
    if let Some(text) = findings(data, compare) {
        let _ = writeln!(o, "<h2>What this run found</h2>\n<p>{}</p>", escape(&text));
    }

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
        (
            "Uncertain inputs",
            format!(
                "{} parameters drawn per draw (elasticities sigma, sigma_d, eta, eps by region and sector, scaled to the horizon; sources: docs/elasticity-sources.md)",
                run.params.len()
            ),
        ),
        (
            "Reading the numbers",
            "changes from the baseline at annual rates over the period, USD bn at exporter prices unless the unit says otherwise; bands are 5th to 95th percentiles over the draws (uncertain elasticities only: the tariff schedule and the baseline are taken as given); metric names: docs/metrics.md".to_string(),
        ),
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
            "<details><summary>The {} phases: additional tariff by layer (%, trade-weighted over sectors)</summary>\n<div class=\"wide\"><table>\n<tr><th>Phase</th><th>Start</th><th>End</th><th>Days</th>{}<th>Total (%)</th></tr>",
            t.phases.len(),
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
        o.push_str("</table></div></details>\n");
    } else {
        o.push_str("<h2>Tariff timeline</h2>\n<p class=\"muted\">No <code>timeline.csv</code> in the run directory.</p>\n");
    }

    // Focus metrics.
    o.push_str("<h2>Focus metrics</h2>\n<p class=\"muted\">Changes from the baseline at annual rates, day-weighted over the period; statistics over successful draws; point = central elasticities.</p>\n<table>\n<tr><th class=\"l\">Metric</th><th class=\"l\">Meaning</th><th class=\"l\">Unit</th><th>Point</th><th>Mean</th><th>SD</th><th>MCSE</th><th>p5</th><th>p50</th><th>p95</th></tr>\n");
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
                "<tr><td class=\"l\">{}</td><td class=\"l muted\">{}</td><td class=\"l\">{}</td><td>{point}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&name),
                escape(tariffsim_core::metrics::family_of(&name).map_or("", |f| f.description)),
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
    // The run's files, linked (only those present in the folder).
    o.push_str("<h2>Files</h2>\n<ul>\n");
    for (file, what) in RUN_FILES {
        if data.dir.join(file).is_file() {
            let _ = writeln!(
                o,
                "<li><a href=\"{file}\">{file}</a>: {}</li>",
                escape(what)
            );
        }
    }
    let images: Vec<&str> = charts.iter().map(|c| c.stem.as_str()).collect();
    if !images.is_empty() {
        let _ = writeln!(
            o,
            "<li>charts: {}</li>",
            images
                .iter()
                .map(|stem| format!(
                    "<a href=\"{stem}.png\">{stem}.png</a> (<a href=\"{stem}.svg\">svg</a>)"
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o.push_str("</ul>\n");
    let _ = writeln!(
        o,
        "<p class=\"muted\">{}</p>\n</body>\n</html>",
        escape(&data.source_line())
    );
    o
}

/// The data files a run folder may hold, with what each is.
const RUN_FILES: &[(&str, &str)] = &[
    (
        "summary.csv",
        "every metric and parameter: unit, point estimate, mean, sd, quantiles and MCSE, one row per metric and period (tidy)",
    ),
    (
        "summary.json",
        "the same records as JSON (pandas.read_json reads it as a table)",
    ),
    (
        "draws.csv",
        "every draw: its parameters and metrics (one row per draw)",
    ),
    (
        "draws_long.csv",
        "the same values in long form: draw, metric, period, value (with --long-draws)",
    ),
    (
        "phases.csv",
        "the point estimate of every metric in every phase",
    ),
    (
        "timeline.csv",
        "the focus pair's additional tariff by layer and phase",
    ),
    ("rules.json", "the countries each conditional rule hits"),
    (
        "manifest.json",
        "what was run (scenario, baseline, model, seed, draws) and how the draws went",
    ),
    (
        "backtest.csv",
        "the backtest rows: observed against the model's bands",
    ),
    (
        "backtest.json",
        "the same with the coverage and sign statistics",
    ),
];

/// A few sentences on what the run found: the direct effect with its band, who gains or loses
/// most among third countries and where the target's sales go, the diversion ratio and welfare.
/// `None` without a focus pair or for compare runs (their differences are in the table).
/// The median of every period metric starting with `prefix`, by the rest of its name (a code).
fn medians(data: &RunData, prefix: &str) -> Vec<(String, f64)> {
    data.metrics_with_prefix(prefix)
        .into_iter()
        .map(|(code, s)| (code, s.summary.p50))
        .collect()
}

/// `Mexico (+1.2 bn), European Union (−0.4 bn)`.
fn name_bn_list(data: &RunData, v: &[(String, f64)]) -> String {
    v.iter()
        .map(|(k, x)| format!("{} ({} bn)", data.name(k), fmt_signed(*x, 1)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The compare run's paragraph: A and B on the same draws, the difference B − A with its band,
/// and the third countries and markets where the two differ most.
fn compare_findings(data: &RunData) -> Option<String> {
    let (m, c) = data.focus.clone()?;
    let a = data.metric(&format!("a:imports_pct.{m}.{c}"))?;
    let b = data.metric(&format!("b:imports_pct.{m}.{c}"))?;
    let d_bn = data.metric(&format!("diff:imports.{m}.{c}"))?;
    let d_pct = data.metric(&format!("diff:imports_pct.{m}.{c}"))?;
    let run = &data.manifest.run.scenario;
    let (name_a, name_b) = run.split_once(" vs ").unwrap_or(("A", "B"));
    let (mn, cn) = (data.name(&m), data.name(&c));
    let mut text = format!(
        "On the same {} draws, {} imports from {cn} change by {}% under {name_a} and by {}% under \
         {name_b} (medians). The difference {name_b} − {name_a} is {} bn USD (90% band {} to {} bn), \
         {} percentage points.",
        data.summary.succeeded,
        crate::possessive(&mn),
        fmt_signed(a.p50, 1),
        fmt_signed(b.p50, 1),
        fmt_signed(d_bn.p50, 1),
        fmt_signed(d_bn.p5, 1),
        fmt_signed(d_bn.p95, 1),
        fmt_signed(d_pct.p50, 1)
    );
    let largest = |prefix: String| {
        let mut v: Vec<(String, f64)> = medians(data, &prefix)
            .into_iter()
            .filter(|(_, x)| x.abs() > 0.05)
            .collect();
        v.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        v.truncate(3);
        name_bn_list(data, &v)
    };
    let div = largest(format!("diff:diversion.{m}.{c}."));
    if !div.is_empty() {
        text.push_str(&format!(
            " Third countries' sales to {mn} differ most for {div}."
        ));
    }
    let def = largest(format!("diff:deflection.{m}.{c}."));
    if !def.is_empty() {
        text.push_str(&format!(" {cn}'s sales elsewhere differ most in {def}."));
    }
    if let Some(w) = data.metric(&format!("diff:welfare.{m}")) {
        text.push_str(&format!(
            " {} welfare differs by {} bn.",
            crate::possessive(&mn),
            fmt_signed(w.p50, 1)
        ));
    }
    Some(text)
}

fn findings(data: &RunData, compare: bool) -> Option<String> {
    if compare {
        return compare_findings(data);
    }
    let (m, c) = data.focus.clone()?;
    let direct = data.metric(&format!("imports_pct.{m}.{c}"))?;
    let direct_bn = data.metric(&format!("imports.{m}.{c}"))?;
    let (mn, cn) = (data.name(&m), data.name(&c));
    let mut text = format!(
        "{} imports from {cn} change by {}% ({} bn USD) over the period (median; 90% band {}% to {}%).",
        crate::possessive(&mn),
        fmt_signed(direct.p50, 1),
        fmt_signed(direct_bn.p50, 1),
        fmt_signed(direct.p5, 1),
        fmt_signed(direct.p95, 1)
    );
    let ranked = |prefix: String| {
        let mut v = medians(data, &prefix);
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    };
    let describe = |v: &[(String, f64)]| name_bn_list(data, v);
    let div = ranked(format!("diversion.{m}.{c}."));
    let gainers: Vec<(String, f64)> = div
        .iter()
        .filter(|(_, x)| *x > 0.05)
        .take(3)
        .cloned()
        .collect();
    let losers: Vec<(String, f64)> = div
        .iter()
        .rev()
        .filter(|(_, x)| *x < -0.05)
        .take(3)
        .cloned()
        .collect();
    if !gainers.is_empty() {
        text.push_str(&format!(
            " Third countries selling more to {mn}: {}.",
            describe(&gainers)
        ));
    }
    if !losers.is_empty() {
        text.push_str(&format!(
            " {} {mn}: {}.",
            if gainers.is_empty() {
                "No third country sells more; largest falls in sales to"
            } else {
                "Largest falls in sales to"
            },
            describe(&losers)
        ));
    }
    let def = ranked(format!("deflection.{m}.{c}."));
    let up: Vec<(String, f64)> = def
        .iter()
        .filter(|(_, x)| *x > 0.05)
        .take(3)
        .cloned()
        .collect();
    if up.is_empty() {
        text.push_str(&format!(
            " {cn}'s sales to other markets do not rise by more than 0.05 bn anywhere."
        ));
    } else {
        text.push_str(&format!(" {cn}'s sales rise most in {}.", describe(&up)));
    }
    if let (Some(w_m), Some(w_c)) = (
        data.metric(&format!("welfare.{m}")),
        data.metric(&format!("welfare.{c}")),
    ) {
        text.push_str(&format!(
            " Welfare: {mn} {} bn, {cn} {} bn (medians).",
            fmt_signed(w_m.p50, 1),
            fmt_signed(w_c.p50, 1)
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
