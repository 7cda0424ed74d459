//! `report.html` in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs where it can) renders a run's report; the test checks that the browser logged no
//! console error or failed load, that every chart (inline SVG) is laid out at a visible size with
//! its marks, that every `<img>` decoded, and that every link points to a file of the folder.
//!
//! Without a browser the test says so on stderr and passes, unless `TARIFFSIM_REQUIRE_BROWSER=1`
//! (set by `.ci/run` once it has installed Chromium), where a missing browser fails it.

use crate::util::{TestDir, repo, run};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let from_env = std::env::var_os("TARIFFSIM_CHROMIUM").map(PathBuf::from);
    from_env
        .into_iter()
        .chain(
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .flat_map(|name| {
                    std::env::var_os("PATH")
                        .map(|p| {
                            std::env::split_paths(&p)
                                .map(|d| d.join(name))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                }),
        )
        .find(|p| p.is_file())
}

/// The page the browser opens: the report in a frame, and a script that writes what it finds
/// into the page (read back with `--dump-dom`).
const PROBE: &str = r#"<!doctype html><html><body>
<iframe id="r" src="report.html" style="width:1280px;height:4000px"></iframe>
<pre id="verdict">pending</pre>
<script>
document.getElementById("r").addEventListener("load", () => {
  const d = document.getElementById("r").contentDocument;
  const out = [];
  if (!d) { out.push("ERROR no access to the report"); }
  else {
    out.push("TITLE " + d.title);
    for (const svg of d.querySelectorAll("svg")) {
      const b = svg.getBoundingClientRect();
      const marks = svg.querySelectorAll("rect,path,line,polyline,polygon,circle,text").length;
      out.push("SVG " + Math.round(b.width) + " " + Math.round(b.height) + " " + marks);
    }
    for (const img of d.images) {
      out.push("IMG " + (img.complete && img.naturalWidth > 0 ? "ok" : "broken") + " " + img.getAttribute("src"));
    }
    for (const a of d.querySelectorAll("a[href]")) { out.push("LINK " + a.getAttribute("href")); }
  }
  document.getElementById("verdict").textContent = out.join("\n") + "\nDONE";
});
</script></body></html>"#;

fn browse(browser: &Path, folder: &Path) -> (String, String) {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", folder.join("probe.html").display()))
        .output()
        .expect("run chromium");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        let required = std::env::var("TARIFFSIM_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "TARIFFSIM_REQUIRE_BROWSER=1 but no chromium on PATH"
        );
        eprintln!(
            "SKIPPED report_renders_in_headless_chromium: no chromium on PATH (Debian: apt-get install chromium; or set TARIFFSIM_CHROMIUM)"
        );
        return;
    };
    let dir = TestDir::new();
    let scenario = repo().join("scenarios/us_china_2025.toml");
    let r = run(
        &dir,
        &[
            "run",
            &scenario.display().to_string(),
            "--draws",
            "40",
            "--quiet",
            "--long-draws",
            "--out",
            "r",
        ],
    );
    assert_eq!(r.code(), 0, "{}", r.stderr());
    let folder = dir.path().join("r");
    std::fs::write(folder.join("probe.html"), PROBE).unwrap();
    let (dom, log) = browse(&browser, &folder);
    let verdict = dom
        .split("<pre id=\"verdict\">")
        .nth(1)
        .and_then(|v| v.split("</pre>").next())
        .unwrap_or_default();
    assert!(
        verdict.ends_with("DONE"),
        "the probe did not finish:\n{dom}\n{log}"
    );
    for line in log.lines() {
        let bad = line.contains(":CONSOLE")
            || line.contains("Failed to load")
            || line.contains("Uncaught")
            || line.contains("ERR_FILE_NOT_FOUND");
        assert!(!bad, "browser log: {line}");
    }
    let mut svgs = 0;
    let mut links = 0;
    for line in verdict.lines() {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "ERROR" => panic!("{rest}"),
            "SVG" => {
                let v: Vec<f64> = rest.split(' ').map(|x| x.parse().unwrap()).collect();
                assert!(v[0] >= 300.0 && v[1] >= 150.0, "chart laid out at {rest}");
                assert!(v[2] >= 20.0, "chart with only {} marks", v[2]);
                svgs += 1;
            }
            "IMG" => assert!(rest.starts_with("ok"), "image {rest}"),
            "LINK" if !rest.starts_with('#') && !rest.contains("://") => {
                assert!(
                    folder.join(rest).is_file(),
                    "link to a missing file: {rest}"
                );
                links += 1;
            }
            _ => {}
        }
    }
    assert!(svgs >= 5, "{svgs} charts:\n{verdict}");
    assert!(links >= 8, "{links} links:\n{verdict}");
    assert!(
        verdict.contains("LINK draws_long.csv"),
        "the long draws are linked"
    );
}
