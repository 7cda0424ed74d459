#!/usr/bin/env python3
"""`make bench-peers`: gegravity 0.3 vs tariffsim's `gegravity-compat` on the same counterfactuals.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/peers/gegravity_bench.py [--runs 5]

For each case it measures, in one run on this machine:
- whole process: wall time of a fresh process that reads the data, solves baseline and
  counterfactual and writes the country and bilateral results (python + `import gegravity`
  included for gegravity; the `tariffsim gegravity` binary for tariffsim); fastest of --runs;
- pure solve: gegravity's time inside `scipy.optimize.root` (its three calls: baseline MRs,
  conditional MRs, full GE; timed by wrapping `root`), fastest of --runs, against tariffsim's
  fastest of 1000 baseline + counterfactual solves (`--repeat 1000`);
and prints the ratios, plus the largest difference between the two programs' factory-gate price
changes as a check that they solved the same problem.

Cases: gegravity's own sample (`../shared/data/gegravity_sample`, USA-CHN 10%, sigma 5) when it is
present, and the repository fixture (`tests/peers/gegravity`, CHN-USA 145%, sigma 6).
gegravity is installed into a throwaway venv (`/tmp/tariffsim-gegravity-venv` or
$GEGRAVITY_VENV) with `pip install gegravity==0.3`.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("GEGRAVITY_VENV", "/tmp/tariffsim-gegravity-venv"))
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "tariffsim"
if os.environ.get("CARGO_TARGET_DIR"):
    BIN = Path(os.environ["CARGO_TARGET_DIR"]) / "release" / "tariffsim"

CASES = [
    {
        "name": "sample30 USA<-CHN +10% (gegravity's sample, sigma 5)",
        "data": ROOT.parent / "shared" / "data" / "gegravity_sample" / "sample_data_set.dlm",
        "year": "2006", "sigma": 5.0, "reference": "DEU",
        "costs": {"lndist": -0.3898623, "contiguity": 0.891577, "common_language": 0.0326249,
                  "pta": 0.4711383, "international": -3.412584, "constant": 16.32434},
        "tariff": ("CHN", "USA", 0.10),
    },
    {
        "name": "fixture16 USA<-CHN +145% (tests/peers/gegravity, sigma 6)",
        "data": ROOT / "tests" / "peers" / "gegravity" / "data" / "synthetic_gravity.csv",
        "year": "2024", "sigma": 6.0, "reference": "FRA",
        "costs": {"lndist": -0.85, "contiguity": 0.45, "common_language": 0.25, "pta": 0.38,
                  "international": -2.9, "constant": 12.5},
        "tariff": ("CHN", "USA", 1.45),
    },
]

# The gegravity run, executed in a fresh interpreter of the venv (whole-process timing).
GEGRAVITY_RUN = r'''
import json, sys, time, warnings
warnings.simplefilter("ignore")
t_start = time.perf_counter()
import math
import pandas as pd
import gegravity as ge
cfg = json.loads(sys.argv[1])
mod = sys.modules["gegravity.OneSectorGE"]
real_root = mod.root
root_seconds = []
def timed_root(*a, **k):
    t0 = time.perf_counter()
    r = real_root(*a, **k)
    root_seconds.append(time.perf_counter() - t0)
    return r
mod.root = timed_root
data = pd.read_csv(cfg["data"], dtype={"year": str})
data["constant"] = 1.0
data["ln_tau"] = 0.0
costs = dict(cfg["costs"]); costs["ln_tau"] = 1.0 - cfg["sigma"]
baseline = ge.BaselineData(data, imp_var_name="importer", exp_var_name="exporter",
                           year_var_name="year", trade_var_name="trade",
                           expend_var_name="E", output_var_name="Y")
coeffs = ge.CostCoeffs(estimates=pd.DataFrame([{"var": k, "coeff": v} for k, v in costs.items()]),
                       identifier_col="var", coeff_col="coeff")
model = ge.OneSectorGE(baseline, year=cfg["year"], expend_var_name="E", output_var_name="Y",
                       reference_importer=cfg["reference"], sigma=cfg["sigma"],
                       cost_variables=list(costs), cost_coeff_values=coeffs, quiet=True)
model.build_baseline(omr_rescale=1)
exp = model.baseline_data.copy()
ex, im, rate = cfg["tariff"]
exp.loc[(exp["exporter"] == ex) & (exp["importer"] == im), "ln_tau"] = math.log(1.0 + rate)
model.define_experiment(exp)
model.simulate()
model.country_results.to_csv(cfg["out"] + "/country_results.csv")
model.bilateral_trade_results.to_csv(cfg["out"] + "/bilateral_trade_results.csv")
print(json.dumps({"root_seconds": sum(root_seconds), "root_calls": len(root_seconds),
                  "in_process_seconds": time.perf_counter() - t_start}))
'''


def ensure_venv():
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(py), "-c", "import gegravity"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "gegravity==0.3"], check=True)
    return py


def prices(path):
    out = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        c = header.index("factory gate price change (percent)")
        for line in f:
            parts = line.rstrip("\n").split(",")
            out[parts[0]] = float(parts[c])
    return out


def tariffsim_args(case, out):
    args = [str(BIN), "gegravity", "--data", str(case["data"]), "--year", case["year"],
            "--sigma", str(case["sigma"]), "--reference", case["reference"]]
    for k, v in case["costs"].items():
        args += ["--cost", f"{k}={v}"]
    ex, im, rate = case["tariff"]
    args += ["--tariff", f"{ex},{im},{rate}", "--out", out]
    return args


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    opts = ap.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} not found: run `cargo build --release` first")
    py = ensure_venv()
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"machine: {os.cpu_count()} cores, {cpu}; load average {os.getloadavg()[0]:.1f}")
    print(f"runs per figure: {opts.runs} (fastest reported)\n")
    rows = []
    for case in CASES:
        if not Path(case["data"]).exists():
            print(f"{case['name']}: SKIPPED, {case['data']} not found\n")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            ge_out, ts_out = Path(tmp, "ge"), Path(tmp, "ts")
            ge_out.mkdir()
            ts_out.mkdir()
            cfg = dict(case, data=str(case["data"]), out=str(ge_out))
            ge_whole, ge_root = math.inf, math.inf
            for _ in range(opts.runs):
                t0 = time.perf_counter()
                r = subprocess.run([str(py), "-c", GEGRAVITY_RUN, json.dumps(cfg)],
                                   capture_output=True, text=True)
                elapsed = time.perf_counter() - t0
                if r.returncode != 0:
                    sys.exit(f"gegravity failed:\n{r.stderr[-2000:]}")
                info = json.loads(r.stdout.strip().splitlines()[-1])
                ge_whole = min(ge_whole, elapsed)
                ge_root = min(ge_root, info["root_seconds"])
            ts_whole = math.inf
            for _ in range(max(opts.runs, 10)):
                t0 = time.perf_counter()
                r = subprocess.run(tariffsim_args(case, str(ts_out)), capture_output=True, text=True)
                elapsed = time.perf_counter() - t0
                if r.returncode != 0:
                    sys.exit(f"tariffsim failed:\n{r.stderr}")
                ts_whole = min(ts_whole, elapsed)
            r = subprocess.run(tariffsim_args(case, str(ts_out)) + ["--repeat", "1000"],
                               capture_output=True, text=True, check=True)
            line = [l for l in r.stderr.splitlines() if l.startswith("pure solve:")][0]
            ts_solve = float(line.split()[2]) * 1e-6
            a, b = prices(ge_out / "country_results.csv"), prices(ts_out / "country_results.csv")
            gap = max(abs(a[c] - b[c]) for c in a)
        rows.append((case["name"], ge_whole, ts_whole, ge_root, ts_solve, gap))
    print(f"{'case':<58} {'':>14} {'gegravity':>11} {'tariffsim':>11} {'ratio':>9}")
    for name, gw, tw, gr, tr, gap in rows:
        print(f"{name:<58} {'whole process':>14} {gw:>10.3f}s {tw * 1e3:>9.2f}ms {gw / tw:>8.0f}x")
        print(f"{'':<58} {'pure solve':>14} {gr * 1e3:>9.2f}ms {tr * 1e6:>9.1f}us {gr / tr:>8.0f}x")
        print(f"{'':<58} {'max |price change gap|':>14} {gap:.1e} pp")
    if not rows:
        sys.exit("no case ran")


if __name__ == "__main__":
    main()
