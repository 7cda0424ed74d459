//! Plots and report of a run directory (issue 7, "Must show"): every chart renders as a valid
//! PNG (decoded, 1200×700, not blank) and a well-formed SVG, runs with failed draws plot, a
//! failed render leaves no partial file, compare runs plot, the timeline adds up.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tariffsim_report as plot;
use tariffsim_runner::mc::{self, RunSettings};
use tariffsim_runner::output;
use tariffsim_runner::sampler::SamplerKind;
use tariffsim_scenario::Scenario;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(name: &str) -> (Scenario, tariffsim_core::Baseline) {
    let path = repo().join("scenarios").join(name);
    tariffsim_scenario::load(&path, tariffsim_data::load).unwrap()
}

/// `phases.csv` as the CLI writes it (`phase,start,end,days,metric,value`, a `period` row).
fn phases_csv(sc: &Scenario, b: &tariffsim_core::Baseline) -> Vec<u8> {
    let e = tariffsim_runner::point::point_elasticities(sc, b).unwrap();
    let r = tariffsim_runner::point::run_point(sc, b, &e).unwrap();
    let mut o = String::from("phase,start,end,days,metric,value\n");
    for k in 0..=r.phases.len() {
        let label = if k == r.phases.len() {
            "period".to_string()
        } else {
            (k + 1).to_string()
        };
        for n in &r.names {
            if let Some(v) = r.get(k, n) {
                o.push_str(&format!("{label},2025-01-01,2025-12-31,365,{n},{v}\n"));
            }
        }
    }
    o.into_bytes()
}

/// A Monte Carlo run of a scenario file into `dir` (as `tariffsim run` does).
fn run_scenario(name: &str, dir: &Path, draws: u64) -> Scenario {
    let (sc, b) = load(name);
    let mut settings = RunSettings::from_scenario(&sc, dir.to_path_buf());
    settings.draws = draws;
    settings.quiet = true;
    settings.threads = 2;
    settings.sampler = SamplerKind::Lhs;
    let extra = vec![
        ("timeline.csv", plot::timeline_csv(&sc, &b)),
        ("phases.csv", phases_csv(&sc, &b)),
    ];
    mc::run(&sc, &b, &settings, &extra).unwrap();
    sc
}

fn keep(dir: &Path, name: &str) {
    // `TARIFFSIM_PLOT_KEEP=DIR` copies the rendered files there for a look.
    if let Ok(to) = std::env::var("TARIFFSIM_PLOT_KEEP") {
        let to = Path::new(&to).join(name);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.extension()
                .is_some_and(|x| x == "png" || x == "svg" || x == "html")
            {
                std::fs::copy(&p, to.join(e.file_name())).unwrap();
            }
        }
    }
}

/// Decodes a PNG: its size and whether it has real content (many distinct colours, and not
/// almost all white).
fn check_png(path: &Path) {
    let file = std::fs::File::open(path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        (plot::WIDTH, plot::HEIGHT),
        "{}",
        path.display()
    );
    let bytes = &buf[..info.buffer_size()];
    let px = info.line_size / info.width as usize;
    let mut colors = HashSet::new();
    let mut non_white = 0usize;
    for p in bytes.chunks(px) {
        colors.insert(p[..3].to_vec());
        if p[..3] != [255, 255, 255] {
            non_white += 1;
        }
    }
    let total = (info.width * info.height) as usize;
    assert!(
        colors.len() > 20,
        "{}: {} colours",
        path.display(),
        colors.len()
    );
    assert!(
        non_white > total / 50 && non_white < total,
        "{}: {non_white} of {total} pixels drawn",
        path.display()
    );
}

/// A well-formed SVG: one root `svg` element of the right size, balanced tags, text present.
fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains("<svg"), "{}", path.display());
    assert!(
        text.contains(&format!("width=\"{}\"", plot::WIDTH))
            && text.contains(&format!("height=\"{}\"", plot::HEIGHT)),
        "{}",
        path.display()
    );
    assert!(text.trim_end().ends_with("</svg>"), "{}", path.display());
    assert_eq!(text.matches("<svg").count(), 1);
    assert_eq!(
        text.matches("<text").count(),
        text.matches("</text>").count(),
        "{}",
        path.display()
    );
    assert!(
        text.matches("<text").count() > 5,
        "{}: no text",
        path.display()
    );
    // Tags balance: every element either self-closes or is closed.
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "{}",
                path.display()
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "{}: unclosed {stack:?}", path.display());
}

const RUN_CHARTS: &[&str] = &[
    "diversion_ratio",
    "diversion_by_partner",
    "deflection_by_destination",
    "tariff_timeline",
    "tornado",
    "trade_balances",
];

fn check_outputs(dir: &Path, stems: &[&str], written: &[PathBuf]) {
    for stem in stems {
        let png = dir.join(format!("{stem}.png"));
        let svg = dir.join(format!("{stem}.svg"));
        assert!(written.contains(&png), "{stem}.png not written");
        check_png(&png);
        check_svg(&svg);
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script"), "no JavaScript");
    for external in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "report loads `{external}`");
    }
    assert!(html.matches("<svg").count() >= stems.len());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn every_chart_renders_for_the_us_china_path() {
    let tmp = tempfile::tempdir().unwrap();
    run_scenario("us_china_2025.toml", tmp.path(), 120);
    let written = plot::render_run(tmp.path()).unwrap();
    check_outputs(tmp.path(), RUN_CHARTS, &written);
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    for needle in [
        "us_china_2025",
        "What this run found",
        "imports from China change by",
        "Focus metrics",
        "diversion_ratio.USA.CHN",
        "the share of the lost direct trade replaced by third countries",
        "Tariff timeline",
        "<h2>Files</h2>",
    ] {
        assert!(html.contains(needle), "report lacks `{needle}`");
    }
    // Every file the report links is in the run folder, and every data file there is linked.
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(links.len() >= 10, "{links:?}");
    for link in &links {
        assert!(
            tmp.path().join(link).is_file(),
            "the report links `{link}`, not in the folder"
        );
    }
    for data_file in ["summary.csv", "summary.json", "draws.csv", "manifest.json"] {
        assert!(links.contains(&data_file), "`{data_file}` not linked");
    }
    keep(tmp.path(), "us_china_2025");

    // Re-rendering a finished run reproduces the files byte for byte, whatever the number of
    // threads drawing the charts (they render in parallel).
    let before: Vec<Vec<u8>> = written.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let again = pool.install(|| plot::render_run(tmp.path())).unwrap();
        assert_eq!(again, written);
        for (p, b) in written.iter().zip(&before) {
            assert!(
                std::fs::read(p).unwrap() == *b,
                "{} changed with {threads} threads",
                p.display()
            );
        }
    }
}

#[test]
fn a_run_with_failed_draws_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    run_scenario("truce_20.toml", &src, 80);
    // Mark every 5th draw failed (empty metric cells, as the runner writes failures), then let
    // `merge` recompute the summary from the edited draws.
    let manifest: output::Manifest =
        serde_json::from_slice(&std::fs::read(src.join("manifest.json")).unwrap()).unwrap();
    let n_params = manifest.run.params.len();
    let text = std::fs::read_to_string(src.join("draws.csv")).unwrap();
    let mut edited = String::new();
    for (k, line) in text.lines().enumerate() {
        if k > 0 && k % 5 == 0 {
            let fields: Vec<&str> = line.split(',').collect();
            let mut row = vec![fields[0], "failed", "test: forced failure"];
            row.extend(&fields[3..3 + n_params]);
            let empties = fields.len() - 3 - n_params;
            edited.push_str(&row.join(","));
            edited.push_str(&",".repeat(empties));
        } else {
            edited.push_str(line);
        }
        edited.push('\n');
    }
    std::fs::write(src.join("draws.csv"), edited).unwrap();
    let dir = tmp.path().join("merged");
    let summary = output::merge(std::slice::from_ref(&src), &dir, 1 << 20).unwrap();
    assert_eq!(summary.failed, 16);
    let written = plot::render_run(&dir).unwrap();
    check_outputs(&dir, RUN_CHARTS, &written);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("test: forced failure"));

    // Every draw failed: a clear error, and no chart.
    let text = std::fs::read_to_string(src.join("draws.csv")).unwrap();
    let all_failed: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(k, line)| {
            if k == 0 {
                return line.to_string();
            }
            let fields: Vec<&str> = line.split(',').collect();
            let mut row = vec![fields[0], "failed", "test: forced failure"];
            row.extend(&fields[3..3 + n_params]);
            row.join(",") + &",".repeat(fields.len() - 3 - n_params)
        })
        .collect();
    std::fs::write(src.join("draws.csv"), all_failed.join("\n") + "\n").unwrap();
    let none = tmp.path().join("none");
    output::merge(&[src], &none, 1 << 20).unwrap();
    let err = plot::render_run(&none).unwrap_err().to_string();
    assert!(err.contains("no successful draw"), "{err}");
    assert!(!none.join("diversion_ratio.png").exists());
}

#[test]
fn a_failed_render_leaves_no_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    run_scenario("peak_145.toml", tmp.path(), 40);
    let first = plot::render_run(tmp.path()).unwrap();
    let before: Vec<Vec<u8>> = first.iter().map(|p| std::fs::read(p).unwrap()).collect();
    // Corrupt one successful draw's focus cell: the render must fail, naming the line, and
    // leave every earlier file as it was and no temporary file.
    let text = std::fs::read_to_string(tmp.path().join("draws.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "diversion_ratio.USA.CHN")
        .unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut fields: Vec<String> = lines[7].split(',').map(String::from).collect();
    fields[col] = "oops".into();
    lines[7] = fields.join(",");
    std::fs::write(tmp.path().join("draws.csv"), lines.join("\n") + "\n").unwrap();
    let err = plot::render_run(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("draws.csv") && err.contains("line 8") && err.contains("oops"),
        "{err}"
    );
    for (p, b) in first.iter().zip(&before) {
        assert!(std::fs::read(p).unwrap() == *b, "{} changed", p.display());
    }
    assert!(
        !std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    );
    // A directory that is not a run: an error, nothing written.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let err = plot::render_run(&empty).unwrap_err().to_string();
    assert!(err.contains("manifest.json"), "{err}");
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
}

#[test]
fn timeline_layers_add_up_to_the_total_and_match_the_schedule() {
    let (sc, b) = load("us_china_2025.toml");
    let t = plot::timeline::timeline(&sc, &b);
    assert!(!t.layers.is_empty());
    let mut peak: f64 = 0.0;
    for p in &t.phases {
        let sum: f64 = p.by_layer.iter().sum();
        // Attribution is exact up to rounding of a handful of products.
        assert!(
            (sum - p.total).abs() < 1e-9,
            "{} {sum} {}",
            p.start,
            p.total
        );
        peak = peak.max(p.total);
    }
    // The scenario's US duties on China are uniform across sectors (20% fentanyl + 125%
    // reciprocal at the peak), so any trade weighting gives 145 pp.
    assert!((peak - 1.45).abs() < 1e-9, "peak {peak}");
    // Round trip through timeline.csv.
    let csv = String::from_utf8(plot::timeline_csv(&sc, &b)).unwrap();
    let back = plot::Timeline::from_csv(Path::new("timeline.csv"), &csv).unwrap();
    assert_eq!(back.layers, t.layers);
    assert_eq!(back.phases.len(), t.phases.len());
    for (a, b) in back.phases.iter().zip(&t.phases) {
        assert_eq!(a.start, b.start);
        assert_eq!(a.days, b.days);
        assert_eq!(a.total.to_bits(), b.total.to_bits());
        assert_eq!(a.statutory, b.statutory);
        assert_eq!(a.sectors, b.sectors);
    }
    // The statutory rate and the covered sectors beside the weighted rate: at the peak the
    // reciprocal layer's own rate is 125% on every sector of the pair.
    let recip = t
        .layers
        .iter()
        .position(|(n, _)| n.contains("reciprocal"))
        .expect("a reciprocal layer");
    let peak_phase = t
        .phases
        .iter()
        .max_by(|a, b| a.total.total_cmp(&b.total))
        .unwrap();
    assert_eq!(peak_phase.statutory[recip], Some(1.25));
    assert_eq!(peak_phase.sectors[recip], "all");
    // Files written before the two columns existed still read.
    let old: String = csv
        .lines()
        .map(|l| l.splitn(10, ',').take(9).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    let old_back = plot::Timeline::from_csv(Path::new("timeline.csv"), &old).unwrap();
    assert_eq!(old_back.phases.len(), t.phases.len());
    assert!(old_back.phases[0].statutory.iter().all(Option::is_none));
    let err = plot::Timeline::from_csv(Path::new("t.csv"), "phase,start\n1,x\n").unwrap_err();
    assert!(err.to_string().contains("t.csv: line 1"), "{err}");
    // The timeline renders on its own (`tariffsim show FILE --plot`).
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plots");
    let written = plot::render_timeline(&sc, &b, &out).unwrap();
    assert_eq!(written.len(), 2);
    check_png(&out.join("tariff_timeline.png"));
    check_svg(&out.join("tariff_timeline.svg"));
    keep(&out, "timeline_only");
}

#[test]
fn every_scenario_file_has_a_consistent_timeline_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3);
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (sc, b) = tariffsim_scenario::load(&path, tariffsim_data::load).unwrap();
        let t = plot::timeline::timeline(&sc, &b);
        assert_eq!(t.phases.len(), sc.phases.len(), "{name}");
        for p in &t.phases {
            let sum: f64 = p.by_layer.iter().sum();
            assert!(
                (sum - p.total).abs() < 1e-9,
                "{name} {}: {sum} vs {}",
                p.start,
                p.total
            );
        }
        let out = tmp.path().join(&name);
        plot::render_timeline(&sc, &b, &out).unwrap();
        check_png(&out.join("tariff_timeline.png"));
        check_svg(&out.join("tariff_timeline.svg"));
        keep(&out, &format!("timeline_{name}"));
    }
}

#[test]
fn a_timeline_with_many_layers_renders_and_adds_up() {
    // Twelve stacked layers on monthly dates, one `max` layer and a sector-limited one: more
    // layers than the legend lists, and attribution that must still add up to the total.
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "name = \"many_layers\"\nbaseline = \"world2024\"\nmodel = \"armington\"\n\
         [focus]\nimporter = \"USA\"\ntarget = \"CHN\"\n\
         [period]\nstart = 2025-01-01\nend = 2025-12-31\n",
    );
    for k in 1..=12 {
        text.push_str(&format!(
            "[[layer]]\nname = \"layer_{k:02}\"\nimporter = \"USA\"\nexporters = [\"CHN\"]\nrate = \"{k}%\"\neffective = 2025-{k:02}-01\n"
        ));
    }
    text.push_str(
        "[[layer]]\nname = \"floor_40\"\nimporter = \"USA\"\nexporters = [\"CHN\"]\nrate = \"40%\"\n\
         stacking = \"max\"\neffective = 2025-03-01\nexpires = 2025-06-01\n\
         [[layer]]\nname = \"electronics_only\"\nimporter = \"USA\"\nexporters = [\"CHN\"]\n\
         sectors = [\"ELECTRONICS\"]\nrate = \"50%\"\neffective = 2025-07-01\n",
    );
    let path = tmp.path().join("many.toml");
    std::fs::write(&path, text).unwrap();
    let (sc, b) = tariffsim_scenario::load(&path, tariffsim_data::load).unwrap();
    let t = plot::timeline::timeline(&sc, &b);
    assert_eq!(t.layers.len(), 14);
    for p in &t.phases {
        let sum: f64 = p.by_layer.iter().sum();
        assert!(
            (sum - p.total).abs() < 1e-9,
            "{}: {sum} vs {}",
            p.start,
            p.total
        );
    }
    // March to May: the 40% floor beats the 1+2(+3+4+5)% adds, so it carries the whole duty.
    let march = t.phases.iter().find(|p| p.start == "2025-03-01").unwrap();
    let floor = t.layers.iter().position(|(n, _)| n == "floor_40").unwrap();
    assert!((march.by_layer[floor] - 0.40).abs() < 1e-12);
    assert!((march.total - 0.40).abs() < 1e-12);
    let out = tmp.path().join("plots");
    plot::render_timeline(&sc, &b, &out).unwrap();
    check_png(&out.join("tariff_timeline.png"));
    check_svg(&out.join("tariff_timeline.svg"));
    keep(&out, "timeline_many_layers");
}

/// A compare run directory built from two runs of the same draws (as `tariffsim compare`
/// writes it: `a:`, `b:` and `diff:` metric columns, scenario "A vs B").
#[test]
fn compare_runs_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_scenario("truce_20.toml", &a, 60);
    run_scenario("peak_145.toml", &b, 60);
    let read = |d: &Path| std::fs::read_to_string(d.join("draws.csv")).unwrap();
    let (ta, tb) = (read(&a), read(&b));
    let manifest: output::Manifest =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let np = manifest.run.params.len();
    let focus = ["diversion_ratio.USA.CHN", "imports.USA.CHN"];
    let ha: Vec<&str> = ta.lines().next().unwrap().split(',').collect();
    let hb: Vec<&str> = tb.lines().next().unwrap().split(',').collect();
    let dir = tmp.path().join("cmp");
    let mut meta = manifest.run.clone();
    meta.scenario = "truce_20 vs peak_145".into();
    meta.metrics = focus
        .iter()
        .flat_map(|m| ["a", "b", "diff"].map(|s| format!("{s}:{m}")))
        .collect();
    let draws = manifest.run.draws;
    let mut w = output::DrawWriter::create(
        &dir,
        output::Manifest {
            run: meta,
            shard: 1,
            shards: 1,
            first: 0,
            end: draws,
            outcome: None,
        },
        1 << 20,
    )
    .unwrap();
    for (k, (la, lb)) in ta.lines().skip(1).zip(tb.lines().skip(1)).enumerate() {
        let fa: Vec<&str> = la.split(',').collect();
        let fb: Vec<&str> = lb.split(',').collect();
        let mut row: Vec<f64> = fa[3..3 + np].iter().map(|v| v.parse().unwrap()).collect();
        for m in focus {
            let va: f64 = fa[ha.iter().position(|h| *h == m).unwrap()]
                .parse()
                .unwrap();
            let vb: f64 = fb[hb.iter().position(|h| *h == m).unwrap()]
                .parse()
                .unwrap();
            row.extend([va, vb, vb - va]);
        }
        w.push(k as u64, &row, None).unwrap();
    }
    w.finish().unwrap();
    let written = plot::render_compare(&dir).unwrap();
    check_outputs(
        &dir,
        &["compare_diversion_ratio", "compare_imports"],
        &written,
    );
    keep(&dir, "compare");
}
