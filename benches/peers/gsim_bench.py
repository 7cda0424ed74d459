#!/usr/bin/env python3
"""`make bench-peers-gsim`: a straightforward numpy/scipy GSIM against tariffsim, same problems.

Usage (from the repository root):

    python3 benches/peers/gsim_bench.py [--reps 20] [--skip-cargo]

Problems (the ones `benches/armington.rs` solves): the embedded `world2024` baseline (19 regions x
13 sectors) and the synthetic 200 x 100 baseline (`tariffsim baseline synth`, seed 7); the shock:
region 0 raises its tariffs on region 1 by 145 percentage points in every sector; sigma 4,
eta -1.5, eps 10 everywhere.

Peers, written for this comparison from DESIGN.md section 3.1 (not tuned, the way an analyst
would write them with numpy/scipy):
- `gsim-linear`: per sector, the first-order GSIM system J p = -b at the baseline (numpy
  broadcasting for J and b, `numpy.linalg.solve`);
- `armington`: per sector, the exact log market-clearing residual solved by
  `scipy.optimize.root(method="hybr")` with the analytic Jacobian, from the baseline.

tariffsim's figures are criterion's median times of `benches/armington.rs` (run here, in the same
invocation, unless --skip-cargo), read from target/criterion/*/new/estimates.json. Python times are
the fastest of --reps calls of the whole multi-sector solve (data already in memory: pure solve).
Prints each time and the ratio python / tariffsim, plus the largest |phat - 1| difference between
the python linear and exact solutions (both models are solved; first-order agreement is a sanity
check that the data were read right, not a test).

BLAS runs on one thread (tariffsim's solve is single-threaded). numpy and scipy are installed
into a throwaway venv (/tmp/tariffsim-gsim-venv or $GSIM_VENV).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("GSIM_VENV", "/tmp/tariffsim-gsim-venv"))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
BIN = TARGET / "release" / "tariffsim"


def ensure_venv():
    """Re-executes this script inside a venv that has numpy and scipy."""
    if os.environ.get("TARIFFSIM_GSIM_IN_VENV") == "1":
        return
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "numpy", "scipy"], check=True)
    # One BLAS thread: tariffsim's solve is single-threaded too (and the machine is shared).
    env = dict(os.environ, TARIFFSIM_GSIM_IN_VENV="1", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    os.execve(str(py), [str(py), __file__] + sys.argv[1:], env)


def load(directory):
    """Reads a `tariffsim baseline export` directory into flows[s, i, j] and tariffs[s, i, j]."""
    import numpy as np
    regions = [row["code"] for row in csv.DictReader(open(directory / "regions.csv"))]
    sectors = [row["code"] for row in csv.DictReader(open(directory / "sectors.csv"))]
    r_ix = {c: k for k, c in enumerate(regions)}
    s_ix = {c: k for k, c in enumerate(sectors)}
    n, ns = len(regions), len(sectors)
    flows = np.zeros((ns, n, n))
    tariffs = np.zeros((ns, n, n))
    for row in csv.DictReader(open(directory / "flows.csv")):
        s, i, j = s_ix[row["sector"]], r_ix[row["exporter"]], r_ix[row["importer"]]
        flows[s, i, j] = float(row["value_usd"])
        tariffs[s, i, j] = float(row["tariff"])
    return regions, flows, tariffs


def prepare(flows, t0, t1):
    """Per-sector baseline shares (international flows only, as in tariffsim)."""
    import numpy as np
    ns, n, _ = flows.shape
    x = flows.copy()
    for s in range(ns):
        np.fill_diagonal(x[s], 0.0)
    T0, T1 = 1.0 + t0, 1.0 + t1
    internal = x * T0
    E = internal.sum(axis=1)  # imports at internal prices [s, j]
    X = x.sum(axis=2)  # exports [s, i]
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.where(E[:, None, :] > 0, internal / E[:, None, :], 0.0)  # [s, i, j]
        w = np.where(X[:, :, None] > 0, x / X[:, :, None], 0.0)  # [s, i, j]
    that = np.where(x > 0, T1 / T0, 1.0)
    return theta, w, that, X


def gsim_linear(theta, w, that, X, sigma, eta, eps):
    """First-order GSIM: J p = -b per sector; returns phat = 1 + p [s, i]."""
    import numpy as np
    ns, n, _ = theta.shape
    out = np.ones((ns, n))
    tau = that - 1.0
    c = eta + sigma
    for s in range(ns):
        th, ws = theta[s], w[s]
        active = X[s] > 0
        # J_ik = sum_j w_ij c theta_kj - delta_ik (sum_j w_ij sigma + eps)
        J = c * ws @ th.T - np.diag(sigma * ws.sum(axis=1) + eps)
        p_tau = (th * tau[s]).sum(axis=0)  # [j]
        b = (ws * (c * p_tau[None, :] - sigma * tau[s])).sum(axis=1)
        Ja = J[np.ix_(active, active)]
        out[s, active] = 1.0 + np.linalg.solve(Ja, -b[active])
    return out


def armington(theta, w, that, X, sigma, eta, eps):
    """Exact Armington per sector with scipy.optimize.root (hybr, analytic Jacobian)."""
    import numpy as np
    from scipy.optimize import root
    ns, n, _ = theta.shape
    out = np.ones((ns, n))
    a = 1.0 - sigma
    lnt = np.log(that)
    for s in range(ns):
        active = X[s] > 0
        th, ws, lt = theta[s], w[s], lnt[s]
        traded = th > 0
        cols = th.sum(axis=0) > 0

        def parts(xa):
            x = np.zeros(n)
            x[active] = xa
            z = x[:, None] + lt  # ln(phat_i That_ij)
            u = np.where(traded, th * np.exp(a * z), 0.0)
            tot = u.sum(axis=0)
            tot_safe = np.where(cols, tot, 1.0)
            share = u / tot_safe
            lnp = np.where(cols, np.log(tot_safe) / a, 0.0)
            q = np.where(traded, np.exp((eta + sigma) * lnp[None, :] - sigma * z), 0.0)
            d = (ws * q).sum(axis=1)
            return x, share, q, d

        def fun(xa):
            x, _, _, d = parts(xa)
            return np.log(d[active]) - eps * xa

        def jac(xa):
            _, share, q, d = parts(xa)
            v = ws * q / np.where(d > 0, d, 1.0)[:, None]
            J = (eta + sigma) * v @ share.T - np.diag(sigma * v.sum(axis=1) + eps)
            return J[np.ix_(active, active)]

        sol = root(fun, np.zeros(active.sum()), jac=jac, method="hybr", tol=1e-12)
        # hybr may stop with "not making good progress" at the rounding floor: accept the
        # solution when the log residual is below tariffsim's clearing bar (1e-10).
        residual = np.abs(fun(sol.x)).max()
        if not residual <= 1e-10:
            raise RuntimeError(f"sector {s}: {sol.message} (residual {residual:.2e})")
        out[s, active] = np.exp(sol.x)
    return out


def fastest(fn, reps):
    best = float("inf")
    result = None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def criterion_median(group, case):
    path = TARGET / "criterion" / group / case / "new" / "estimates.json"
    return json.load(open(path))["median"]["point_estimate"] * 1e-9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--skip-cargo", action="store_true")
    args = parser.parse_args()
    import numpy as np
    import scipy
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / "tariffsim-gsim-bench"
    cases = [("world2024", ["baseline", "export", "world2024", "--out", str(tmp / "world2024")]),
             ("synth_200x100", ["baseline", "synth", "--regions", "200", "--sectors", "100",
                                "--seed", "7", "--out", str(tmp / "synth_200x100")])]
    if not args.skip_cargo:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
        subprocess.run(["cargo", "bench", "--locked", "--bench", "armington", "--",
                        "--noplot", "_solve/(world2024|synth_200x100)"], cwd=ROOT, check=True)
    print(f"\nGSIM peers: numpy {np.__version__}, scipy {scipy.__version__}, "
          f"python {sys.version.split()[0]}; tariffsim: criterion medians")
    print(f"{'case':16} {'model':12} {'python s':>12} {'tariffsim s':>12} {'ratio':>8}")
    for name, cmd in cases:
        subprocess.run([str(BIN)] + cmd, check=True, stdout=subprocess.DEVNULL)
        _, flows, t0 = load(tmp / name)
        t1 = t0.copy()
        t1[:, 1, 0] += 1.45  # region 0 raises its tariff on region 1 by 145 pp
        sigma, eta, eps = 4.0, -1.5, 10.0
        reps = args.reps if flows.shape[1] < 100 else max(1, args.reps // 10)
        lin_t, lin = fastest(lambda: gsim_linear(*prepare(flows, t0, t1), sigma, eta, eps), reps)
        ex_t, ex = fastest(lambda: armington(*prepare(flows, t0, t1), sigma, eta, eps),
                           max(1, reps // 4))
        for model, py_t in [("gsim-linear", lin_t), ("armington", ex_t)]:
            try:
                rs_t = criterion_median(f"{model}_solve", name)
                ratio = f"{py_t / rs_t:8.0f}x"
                rs = f"{rs_t:12.3e}"
            except OSError:
                ratio, rs = "     n/a", "         n/a"
            print(f"{name:16} {model:12} {py_t:12.3e} {rs} {ratio}")
        print(f"{'':16} max |phat_linear - phat_exact| = {np.abs(lin - ex).max():.3e} "
              f"(max |phat_exact - 1| = {np.abs(ex - 1).max():.3e})")


if __name__ == "__main__":
    ensure_venv()
    main()
