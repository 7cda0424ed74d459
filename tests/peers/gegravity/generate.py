#!/usr/bin/env python3
"""Peer fixtures for `gegravity-compat`: a synthetic gravity data set and gegravity 0.3's results.

Usage (from the repository root):

    python3 tests/peers/gegravity/generate.py

What it does:
1. Creates a throwaway venv (default /tmp/tariffsim-gegravity-venv, override with
   GEGRAVITY_VENV) and installs `gegravity==0.3` into it (pandas<3 is not needed: pandas 3
   works with deprecation warnings), then re-runs itself inside that venv.
2. Writes the data set `data/synthetic_gravity.csv` (16 countries, 256 pairs including domestic
   ones; seeded, so re-running reproduces it byte for byte with the same numpy).
3. Runs gegravity's OneSectorGE (sigma = 6, reference importer FRA, fixed cost coefficients, default
   solver settings) on three counterfactuals and writes, per counterfactual, `expected/<name>/`:
   country_results.csv, bilateral_trade_results.csv, country_mr_terms.csv, solver_unknowns.csv
   (gegravity's solver unknowns and country measures) and run_meta.json (scenario as structured
   changes, sigma, coefficients, versions). Numbers are written with 17 significant digits.

The Rust test `crates/tariffsim-core/tests/ge_gegravity_fixtures.rs` reads these files.
"""
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = Path(os.environ.get("GEGRAVITY_VENV", "/tmp/tariffsim-gegravity-venv"))
SEED = 20261128
SIGMA = 6.0
REFERENCE = "FRA"
YEAR = "2024"
COUNTRIES = ["ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "FRA", "GBR",
             "IND", "JPN", "KOR", "MEX", "NGA", "USA", "VNM", "ZAF"]
COST_VARIABLES = ["lndist", "contiguity", "common_language", "pta", "international",
                  "constant", "ln_tau"]
# Coefficients of t^(1-sigma); ln_tau's is 1 - sigma (a tariff-like iceberg cost tau).
COEFFICIENTS = {"lndist": -0.85, "contiguity": 0.45, "common_language": 0.25, "pta": 0.38,
                "international": -2.9, "constant": 12.5, "ln_tau": 1.0 - SIGMA}
SCENARIOS = {
    "pta_bra_mex": {
        "description": "trade agreement: pta 0 -> 1 for BRA->MEX and MEX->BRA",
        "changes": [{"exporter": "BRA", "importer": "MEX", "variable": "pta", "value": 1.0},
                    {"exporter": "MEX", "importer": "BRA", "variable": "pta", "value": 1.0}],
    },
    "tariff10_vnm_usa": {
        "description": "tariff-like cost: tau on VNM->USA x 1.10 (t^(1-sigma) x 1.1^(1-sigma))",
        "changes": [{"exporter": "VNM", "importer": "USA", "variable": "ln_tau",
                     "value": "ln(1.10)"}],
    },
    "tariff145_chn_usa": {
        "description": "tariff-like cost: tau on CHN->USA x 2.45 (a 145% tariff as an iceberg cost)",
        "changes": [{"exporter": "CHN", "importer": "USA", "variable": "ln_tau",
                     "value": "ln(2.45)"}],
    },
}


def ensure_venv():
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "gegravity==0.3"], check=True)
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), __file__] + sys.argv[1:])


def change_value(v):
    import math
    if isinstance(v, str) and v.startswith("ln(") and v.endswith(")"):
        return math.log(float(v[3:-1]))
    return float(v)


def make_data():
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(SEED)
    n = len(COUNTRIES)
    lat = rng.uniform(-40, 60, n)
    lon = rng.uniform(-120, 140, n)
    area = rng.lognormal(12.5, 1.0, n)  # km^2
    gdp = rng.lognormal(13.0, 1.1, n)   # USD million
    deficit = rng.normal(0.0, 0.04, n)
    language = rng.integers(0, 5, n)
    bloc = rng.integers(0, 4, n)
    r = 6371.0
    phi, lam = np.radians(lat), np.radians(lon)
    rows = []
    for i in range(n):
        for j in range(n):
            if i == j:
                dist = 0.4 * np.sqrt(area[i])
            else:
                c = (np.sin(phi[i]) * np.sin(phi[j])
                     + np.cos(phi[i]) * np.cos(phi[j]) * np.cos(lam[i] - lam[j]))
                dist = r * np.arccos(np.clip(c, -1.0, 1.0))
            rows.append({
                "exporter": COUNTRIES[i], "importer": COUNTRIES[j], "year": YEAR,
                "Y": round(float(gdp[i]), 3), "E": round(float(gdp[j] * (1 + deficit[j])), 3),
                "lndist": round(float(np.log(dist)), 6),
                "contiguity": int(i != j and dist < 2500.0),
                "common_language": int(i != j and language[i] == language[j]),
                "pta": int(i != j and bloc[i] == bloc[j]),
                "international": int(i != j),
            })
    df = pd.DataFrame(rows)
    # The scenario pairs must start outside any agreement.
    for pair in (("BRA", "MEX"), ("MEX", "BRA")):
        df.loc[(df.exporter == pair[0]) & (df.importer == pair[1]), "pta"] = 0
    # Observed trade (used by gegravity only for levels): gravity with the coefficients above,
    # balanced by a Sinkhorn scaling to the Y and E margins, times lognormal noise.
    z = sum(COEFFICIENTS[v] * (df[v] if v not in ("constant", "ln_tau") else (1.0 if v == "constant" else 0.0))
            for v in COST_VARIABLES)
    t = np.exp(z.to_numpy()).reshape(n, n)
    y = df.groupby("exporter", sort=False)["Y"].first().to_numpy()
    e = df.groupby("importer", sort=False)["E"].first().to_numpy()
    e_scaled = e * y.sum() / e.sum()
    a = np.ones(n)
    for _ in range(2000):
        b = y / (t @ a)
        a = e_scaled / (t.T @ b)
    x = (b[:, None] * t * a[None, :]) * rng.lognormal(0.0, 0.15, (n, n))
    df["trade"] = np.round(x.reshape(-1), 0).astype(int)
    cols = ["exporter", "importer", "year", "trade", "Y", "E", "pta", "contiguity",
            "common_language", "lndist", "international"]
    return df[cols]


def run_gegravity(data, name, scenario):
    import time
    import pandas as pd
    import gegravity as ge
    mod = sys.modules["gegravity.OneSectorGE"]
    real_root = mod.root
    calls = []

    def timed_root(*args, **kwargs):
        t0 = time.perf_counter()
        res = real_root(*args, **kwargs)
        calls.append({"seconds": time.perf_counter() - t0, "nfev": int(res.nfev),
                      "success": bool(res.success), "message": str(res.message),
                      "n_unknowns": int(len(res.x)),
                      "max_abs_fun": float(abs(res.fun).max())})
        return res

    mod.root = timed_root
    data = data.copy()
    data["year"] = data["year"].astype(str)
    data["constant"] = 1.0
    data["ln_tau"] = 0.0
    baseline = ge.BaselineData(data, imp_var_name="importer", exp_var_name="exporter",
                               year_var_name="year", trade_var_name="trade",
                               expend_var_name="E", output_var_name="Y")
    coeffs = pd.DataFrame([{"var": k, "coeff": v} for k, v in COEFFICIENTS.items()])
    cost = ge.CostCoeffs(estimates=coeffs, identifier_col="var", coeff_col="coeff")
    model = ge.OneSectorGE(baseline, year=YEAR, expend_var_name="E", output_var_name="Y",
                           reference_importer=REFERENCE, sigma=SIGMA,
                           cost_variables=COST_VARIABLES, cost_coeff_values=cost, quiet=True)
    model.build_baseline(omr_rescale=1)
    exp = model.baseline_data.copy()
    for c in scenario["changes"]:
        mask = (exp["exporter"] == c["exporter"]) & (exp["importer"] == c["importer"])
        assert mask.sum() == 1, c
        exp.loc[mask, c["variable"]] = change_value(c["value"])
    model.define_experiment(exp)
    model.simulate()
    mod.root = real_root
    out = HERE / "expected" / name
    out.mkdir(parents=True, exist_ok=True)
    fmt = "%.17g"
    model.country_results.to_csv(out / "country_results.csv", float_format=fmt)
    model.bilateral_trade_results.to_csv(out / "bilateral_trade_results.csv", float_format=fmt)
    model.country_mr_terms.to_csv(out / "country_mr_terms.csv", float_format=fmt)
    recode = model._reference_importer_recode
    rows = []
    for key, c in model.country_set.items():
        code = REFERENCE if c.identifier == recode else c.identifier
        rows.append({
            "country": code, "Y": c.baseline_output, "E": c.baseline_expenditure,
            "output_share_Y_over_sumY": c.baseline_output_share,
            "expend_share_E_over_sumE": c.baseline_expenditure_share,
            "x_imr_baseline": c._baseline_imr_ratio, "x_omr_baseline": c._baseline_omr_ratio,
            "x_imr_conditional": c._conditional_imr_ratio,
            "x_omr_conditional": c._conditional_omr_ratio,
            "x_imr_experiment": c._experiment_imr_ratio,
            "x_omr_experiment": c._experiment_omr_ratio,
            "factory_gate_param_beta": c.factory_gate_price_param,
            "p_experiment": c.experiment_factory_price, "Y_experiment": c.experiment_output,
            "E_experiment": c.experiment_expenditure, "welfare_stat": c.welfare_stat,
        })
    pd.DataFrame(rows).sort_values("country").to_csv(out / "solver_unknowns.csv", index=False,
                                                      float_format=fmt)
    import numpy, scipy
    meta = {
        "scenario": name, "scenario_description": scenario["description"],
        "changes": scenario["changes"], "sigma": SIGMA, "reference_importer": REFERENCE,
        "year": YEAR, "cost_variables": COST_VARIABLES, "coefficients": COEFFICIENTS,
        "solver": "gegravity defaults: build_baseline(omr_rescale=1), simulate()",
        "root_calls_in_order": calls,
        "versions": {"python": sys.version.split()[0], "gegravity": "0.3",
                     "numpy": numpy.__version__, "scipy": scipy.__version__,
                     "pandas": pd.__version__},
        "data": "tests/peers/gegravity/data/synthetic_gravity.csv",
        "command": "python3 tests/peers/gegravity/generate.py",
    }
    (out / "run_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    ok = all(c["success"] for c in calls)
    print(f"{name}: {len(calls)} root calls, all converged: {ok}")
    if not ok:
        sys.exit(f"{name}: gegravity did not converge")


def main():
    ensure_venv()
    warnings.simplefilter("ignore")
    data = make_data()
    (HERE / "data").mkdir(exist_ok=True)
    path = HERE / "data" / "synthetic_gravity.csv"
    data.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")
    print(f"wrote {path} ({len(data)} rows)")
    import pandas as pd
    data = pd.read_csv(path, dtype={"year": str})
    for name, scenario in SCENARIOS.items():
        run_gegravity(data, name, scenario)


if __name__ == "__main__":
    main()
