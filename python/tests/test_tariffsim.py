"""pytest suite of the Python package: the same results as the CLI, errors as exceptions,
overrides without files, pandas outputs. Run by `make test-python` (and CI)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import tariffsim

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


def cli() -> str:
    """The CLI binary to compare with: $TARIFFSIM_BIN, else target/{release,debug}/tariffsim."""
    if os.environ.get("TARIFFSIM_BIN"):
        return os.environ["TARIFFSIM_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("release", "debug"):
        p = target / profile / "tariffsim"
        if p.exists():
            return str(p)
    pytest.fail("no tariffsim binary: build it (make build) or set TARIFFSIM_BIN")


def test_every_shipped_scenario_checks():
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 10
    for f in files:
        tariffsim.check(f)


def test_errors_carry_the_cli_diagnostic():
    bad = REPO / "tests/scenarios/bad/coverage_above_one.toml"
    with pytest.raises(tariffsim.ScenarioError) as e:
        tariffsim.check(bad)
    text = str(e.value)
    assert "coverage 1.5 is outside [0, 1]" in text
    assert re.search(r"coverage_above_one\.toml:\d+:\d+", text), text
    # The same message as `tariffsim check` prints.
    out = subprocess.run([cli(), "check", str(bad)], capture_output=True, text=True)
    assert out.returncode == 2
    assert text.strip() in out.stderr
    with pytest.raises(ValueError):
        tariffsim.run(SCENARIOS / "truce_20.toml", draws=0)
    with pytest.raises(ValueError):
        tariffsim.run(SCENARIOS / "truce_20.toml", horizon="someday")


def test_run_is_the_cli_byte_for_byte(tmp_path):
    scenario = SCENARIOS / "us_china_bilateral_2025.toml"
    r = tariffsim.run(scenario, draws=60, seed=9, out=tmp_path / "py")
    cli_dir = tmp_path / "cli"
    subprocess.run(
        [cli(), "run", str(scenario), "--draws", "60", "--seed", "9", "--quiet", "--out", str(cli_dir)],
        check=True,
        capture_output=True,
    )
    for name in ["draws.csv", "summary.csv", "summary.json", "phases.csv", "timeline.csv", "rules.json", "manifest.json"]:
        assert (r.dir / name).read_bytes() == (cli_dir / name).read_bytes(), name
    # And as DataFrames.
    s = r.summary
    row = s[(s["metric"] == "imports_pct.USA.CHN") & (s["period"] == "period")].iloc[0]
    assert row["unit"] == "%" and row["count"] == 60 and row["p50"] < -20
    # summary.json is records: pandas reads it as the same table, point estimate included.
    j = pd.read_json(r.dir / "summary.json")
    assert list(j.columns) == list(s.columns)
    jrow = j[(j["metric"] == "imports_pct.USA.CHN") & (j["period"] == "period")].iloc[0]
    assert abs(jrow["point"] - row["point"]) < 1e-9 and row["point"] < -20
    assert r.draws.shape[0] == 60 and "diversion_ratio.USA.CHN" in r.draws.columns
    assert {"phase", "metric", "value"} <= set(r.phases.columns)
    assert not r.timeline.empty


def test_overrides_change_the_priors_without_a_file(tmp_path):
    scenario = SCENARIOS / "us_china_bilateral_2025.toml"
    before = sorted(p.name for p in SCENARIOS.iterdir())
    base = tariffsim.run(scenario, draws=40, seed=3, out=tmp_path / "a")
    high = tariffsim.run(
        scenario,
        draws=40,
        seed=3,
        out=tmp_path / "b",
        overrides={"priors": {"sigma": {"dist": "lognormal", "median": 8.0, "log_sd": 0.2}}},
    )
    pick = lambda r: r.summary.query("metric == 'imports_pct.USA.CHN' and period == 'period'")["p50"].iloc[0]
    assert pick(high) < pick(base) - 5, (pick(high), pick(base))
    assert sorted(p.name for p in SCENARIOS.iterdir()) == before, "no file written"
    with pytest.raises(tariffsim.ScenarioError) as e:
        tariffsim.check(scenario, overrides={"priors": {"sigma": {"dist": "lognormal", "medain": 3}}})
    assert "medain" in str(e.value)


def test_compare_reports_differences(tmp_path):
    r = tariffsim.compare(SCENARIOS / "truce_20.toml", SCENARIOS / "peak_145.toml", draws=30, seed=1, out=tmp_path / "c")
    names = set(r.summary["metric"])
    assert any(n.startswith("diff:") for n in names)
    d = r.summary.query("metric == 'diff:imports_pct.USA.CHN' and period == 'period'")["p50"].iloc[0]
    assert d < 0, "145% cuts imports from China more than 20%"


def test_baseline_as_a_dataframe():
    b = tariffsim.baseline("world2024")
    assert list(b.columns) == ["exporter", "importer", "sector", "value_usd", "tariff"]
    chn_usa = b[(b.exporter == "CHN") & (b.importer == "USA")].value_usd.sum()
    assert abs(chn_usa / 1e9 - 438.9) < 1.0
    with pytest.raises(ValueError):
        tariffsim.baseline("world2042")


def test_schema_is_json():
    s = json.loads(tariffsim.schema())
    assert "layer" in s["$defs"] and s["additionalProperties"] is False
