"""Generate cases.json for the nested Armington reference (seeded, deterministic).

Usage (from the repository root):
    python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install numpy scipy mpmath
    /tmp/venv-ref/bin/python tests/peers/nested_armington/generate.py

Every case is solved by reference.py (levels, primal CES, scipy root + mpmath Newton polish) and
then checked here against two separately written hat-form solvers:
  * a nested hat-form solver (shares, float, scipy) -- all cases, phat agreement;
  * a single-nest (flat) CES hat-form solver -- cases with sigma_d == sigma_m, all outputs;
plus: market clearing at the rounded answer (< 1e-12 relative), zero shock => phat = 1 and
flows = baseline, and the levels expenditure identity P_j Q_j = sum_i pi_ij q_ij.
The script aborts if any check fails.
"""

import json
import math
import os
import sys

import numpy as np
from scipy.optimize import root

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402

SEED = 20260214
INF = math.inf


def r6(v):
    """Round a generated input to 6 significant digits (keeps the JSON readable; exact floats)."""
    return float(f"{v:.6g}")


def make_case(rng, name, n, *, zero_frac=0.15, diag=True, diag_boost=3.0, zero_exporter=None,
              zero_domestic=None, no_imports=None, t0_max=0.12, internal_t0=False,
              shock="random", shock_args=None, sd=(1.2, 4.0), sm=(2.0, 9.0), equal_sigma=False,
              sigma_d_value=None, sigma_m_value=None, eta=(-2.5, -0.3), eta_value=None,
              eps=(0.5, 20.0), inf_frac=0.0, all_inf=False, internal_t1=False, sm_free=False):
    x = np.exp(rng.normal(3.0, 1.5, size=(n, n)))
    mask = rng.random((n, n)) < zero_frac
    np.fill_diagonal(mask, False)
    x[mask] = 0.0
    if diag:
        x[np.diag_indices(n)] *= diag_boost
    else:
        x[np.diag_indices(n)] = 0.0
    if zero_exporter is not None:
        x[zero_exporter, :] = 0.0
    if zero_domestic is not None:
        x[zero_domestic, zero_domestic] = 0.0
    if no_imports is not None:
        for i in range(n):
            if i != no_imports:
                x[i, no_imports] = 0.0
    if shock == "pair":
        for (i, j, _) in shock_args["pairs"]:
            if x[i, j] == 0:
                x[i, j] = np.exp(rng.normal(3.0, 1.5))
    x = np.vectorize(r6)(x)
    # every importer must buy something and every non-zero exporter keep a buyer
    for j in range(n):
        if x[:, j].sum() == 0:
            k = (j + 1) % n if (j + 1) % n != zero_exporter else (j + 2) % n
            x[k, j] = 10.0
    t0 = np.vectorize(r6)(rng.uniform(0.0, t0_max, size=(n, n)))
    np.fill_diagonal(t0, 0.0)
    if internal_t0:
        for j in rng.choice(n, size=max(1, n // 2), replace=False):
            t0[j, j] = r6(rng.uniform(0.01, 0.08))
    t1 = t0.copy()
    a = shock_args or {}
    if shock == "none":
        pass
    elif shock == "pair":
        for (i, j, rate) in a["pairs"]:
            t1[i, j] = rate
    elif shock == "pair_add":
        for (i, j, d) in a["pairs"]:
            t1[i, j] = r6(t0[i, j] + d)
    elif shock == "universal":
        for i in range(n):
            for j in range(n):
                if i != j:
                    t1[i, j] = r6(t0[i, j] + a["add"])
    elif shock == "cut":
        for i in range(n):
            for j in range(n):
                if i != j:
                    t1[i, j] = r6(t0[i, j] * a["keep"])
    elif shock == "random":
        lo, hi = a.get("range", (-0.05, 0.4))
        m = rng.random((n, n)) < a.get("frac", 0.5)
        if not any(m[i, j] for i in range(n) for j in range(n) if i != j):
            m[0, 1] = True  # at least one changed foreign pair
        d = rng.uniform(lo, hi, size=(n, n))
        for i in range(n):
            for j in range(n):
                if i != j and m[i, j]:
                    t1[i, j] = r6(max(0.0, t0[i, j] + d[i, j]))
    elif shock == "diag_only":
        for j in range(n):
            t1[j, j] = r6(t0[j, j] + a["add"])
    else:
        raise ValueError(shock)
    if internal_t1:
        for j in rng.choice(n, size=max(1, n // 3), replace=False):
            t1[j, j] = r6(t1[j, j] + rng.uniform(0.02, 0.1))
    sigma_d = [r6(v) for v in rng.uniform(*sd, size=n)]
    u = rng.random(n)
    if sm_free:
        sigma_m = [r6(sm[0] + v * (sm[1] - sm[0])) for v in u]
    else:  # sigma_m >= sigma_d region by region
        sigma_m = [r6(max(sm[0], d) + v * (sm[1] - max(sm[0], d))) for v, d in zip(u, sigma_d)]
    if equal_sigma:
        sigma_m = list(sigma_d)
    if sigma_d_value is not None:
        sigma_d = [float(sigma_d_value)] * n
    if sigma_m_value is not None:
        sigma_m = [float(sigma_m_value)] * n
    etas = [r6(v) for v in rng.uniform(*eta, size=n)]
    if eta_value is not None:
        for j in eta_value[1]:
            etas[j] = float(eta_value[0])
    epss = [r6(v) for v in rng.uniform(*eps, size=n)]
    if inf_frac > 0:
        for i in rng.choice(n, size=max(1, int(round(inf_frac * n))), replace=False):
            epss[i] = INF
    if all_inf:
        epss = [INF] * n
    return {
        "name": name,
        "n": n,
        "flows": x.tolist(),
        "t0": t0.tolist(),
        "t1": t1.tolist(),
        "sigma_d": sigma_d,
        "sigma_m": sigma_m,
        "eta": etas,
        "eps": [None if math.isinf(e) else e for e in epss],
    }


def build_cases():
    rng = np.random.default_rng(SEED)
    C = []
    add = C.append
    add(make_case(rng, "zero_shock", 4, shock="none", internal_t0=True))
    add(make_case(rng, "small_1pct_one_pair", 3, shock="pair_add", shock_args={"pairs": [(0, 1, 0.01)]}))
    add(make_case(rng, "large_145pct_one_pair", 5, shock="pair", shock_args={"pairs": [(0, 1, 1.45)]}))
    add(make_case(rng, "universal_10pct_foreign", 6, shock="universal", shock_args={"add": 0.10}))
    add(make_case(rng, "universal_15pct_with_internal_tariffs", 7, shock="universal",
                  shock_args={"add": 0.15}, internal_t0=True, internal_t1=True))
    add(make_case(rng, "one_nest_equal_sigma", 5, equal_sigma=True, shock="random"))
    add(make_case(rng, "one_nest_equal_sigma_145pct", 8, equal_sigma=True, shock="pair",
                  shock_args={"pairs": [(2, 5, 1.45)]}))
    add(make_case(rng, "sigma_d_1_cobb_douglas_upper", 4, sigma_d_value=1.0, shock="universal",
                  shock_args={"add": 0.12}))
    add(make_case(rng, "sigma_m_1_cobb_douglas_lower", 5, sigma_m_value=1.0, sd=(1.2, 1.8), shock="random"))
    add(make_case(rng, "eta_minus_1", 6, eta_value=(-1.0, range(6)), shock="random"))
    add(make_case(rng, "eta_0_fixed_quantity", 4, eta_value=(0.0, range(4)), shock="universal",
                  shock_args={"add": 0.2}))
    add(make_case(rng, "some_eps_inf", 6, inf_frac=0.34, shock="random"))
    add(make_case(rng, "all_eps_inf_price_takers", 4, all_inf=True, shock="random", internal_t0=True))
    add(make_case(rng, "zero_exporter", 6, zero_exporter=2, shock="random"))
    add(make_case(rng, "zero_domestic_importer", 5, zero_domestic=1, shock="universal", shock_args={"add": 0.1}))
    add(make_case(rng, "importer_without_imports", 5, no_imports=3, shock="random"))
    add(make_case(rng, "sparse_n9", 9, zero_frac=0.4, shock="random"))
    add(make_case(rng, "no_domestic_sales_anywhere", 5, diag=False, shock="random"))
    add(make_case(rng, "internal_tariff_change_only", 4, internal_t0=True, shock="diag_only",
                  shock_args={"add": 0.05}))
    add(make_case(rng, "tariff_cut_to_zero", 7, t0_max=0.3, shock="cut", shock_args={"keep": 0.0}))
    add(make_case(rng, "random_mixed_n9", 9, shock="random", shock_args={"range": (-0.1, 0.6), "frac": 0.6},
                  internal_t0=True))
    add(make_case(rng, "high_elasticities", 8, sd=(3.0, 4.0), sm=(7.0, 9.0), eps=(10.0, 20.0),
                  shock="random"))
    add(make_case(rng, "low_elasticities", 6, sd=(1.2, 1.5), sm=(2.0, 2.5), eps=(0.5, 1.0),
                  eta=(-0.6, -0.3), shock="random"))
    add(make_case(rng, "retaliation_145_125", 3, shock="pair", shock_args={"pairs": [(0, 1, 1.45), (1, 0, 1.25)]}))
    add(make_case(rng, "combo_zero_exporter_zero_domestic_sparse_inf", 9, zero_frac=0.3, zero_exporter=4,
                  zero_domestic=7, inf_frac=0.25, internal_t0=True, internal_t1=True, shock="random"))
    add(make_case(rng, "universal_50pct", 7, shock="universal", shock_args={"add": 0.5}))
    add(make_case(rng, "sigma_d_above_sigma_m", 5, sd=(3.0, 4.0), sm=(2.0, 2.9), sm_free=True, shock="random"))
    add(make_case(rng, "random_n3", 3, shock="random"))
    add(make_case(rng, "internal_tariffs_before_after_n8", 8, internal_t0=True, internal_t1=True, shock="random"))
    add(make_case(rng, "small_shocks_everywhere_n9", 9, shock="random",
                  shock_args={"range": (0.0, 0.01), "frac": 1.0}))
    add(make_case(rng, "one_nest_equal_sigma_eta_minus_1_inf", 6, equal_sigma=True,
                  eta_value=(-1.0, [0, 2, 4]), inf_frac=0.34, internal_t0=True, shock="universal",
                  shock_args={"add": 0.1}))
    add(make_case(rng, "large_145pct_with_eta_0_and_cd_lower", 5, sigma_m_value=1.0, sd=(1.2, 2.0),
                  eta_value=(0.0, [1]), shock="pair", shock_args={"pairs": [(3, 0, 1.45)]}))
    return C


# ---------------------------------------------------------------- independent hat-form checks
def _pow_index(shares, rel, sigma):
    """Hat of a CES price index from value shares and relative price hats."""
    if sigma == 1:
        return math.exp(sum(s * math.log(r) for s, r in zip(shares, rel)))
    return sum(s * r ** (1 - sigma) for s, r in zip(shares, rel)) ** (1 / (1 - sigma))


def hat_nested(case, phat):
    n = case["n"]
    x = case["flows"]
    T0 = [[1 + v for v in r] for r in case["t0"]]
    T1 = [[1 + v for v in r] for r in case["t1"]]
    qhat = [[0.0] * n for _ in range(n)]
    P = [1.0] * n
    PM = [1.0] * n
    for j in range(n):
        v = [x[i][j] * T0[i][j] for i in range(n)]
        E = sum(v)
        if E == 0:
            continue
        rel = [phat[i] * T1[i][j] / T0[i][j] for i in range(n)]
        F = [i for i in range(n) if i != j and x[i][j] > 0]
        VM = sum(v[i] for i in F)
        sd, sm, eta = case["sigma_d"][j], case["sigma_m"][j], case["eta"][j]
        if F:
            PM[j] = _pow_index([v[i] / VM for i in F], [rel[i] for i in F], sm)
        items_s, items_r = [], []
        if x[j][j] > 0:
            items_s.append(v[j] / E)
            items_r.append(rel[j])
        if F:
            items_s.append(VM / E)
            items_r.append(PM[j])
        P[j] = _pow_index(items_s, items_r, sd)
        Q = P[j] ** eta
        if x[j][j] > 0:
            qhat[j][j] = (rel[j] / P[j]) ** (-sd) * Q
        for i in F:
            qhat[i][j] = (rel[i] / PM[j]) ** (-sm) * (PM[j] / P[j]) ** (-sd) * Q
    return qhat, P, PM


def hat_flat(case, phat):
    n = case["n"]
    x = case["flows"]
    T0 = [[1 + v for v in r] for r in case["t0"]]
    T1 = [[1 + v for v in r] for r in case["t1"]]
    qhat = [[0.0] * n for _ in range(n)]
    P = [1.0] * n
    for j in range(n):
        v = [x[i][j] * T0[i][j] for i in range(n)]
        E = sum(v)
        if E == 0:
            continue
        s = case["sigma_d"][j]
        S = [i for i in range(n) if x[i][j] > 0]
        rel = {i: phat[i] * T1[i][j] / T0[i][j] for i in S}
        P[j] = _pow_index([v[i] / E for i in S], [rel[i] for i in S], s)
        for i in S:
            qhat[i][j] = (rel[i] / P[j]) ** (-s) * P[j] ** case["eta"][j]
    return qhat, P


def hat_solve(case, demand):
    n = case["n"]
    x = case["flows"]
    X0 = [sum(r) for r in x]
    eps = case["eps"]
    act = [i for i in range(n) if X0[i] > 0 and eps[i] is not None]

    def ph(z):
        p = [1.0] * n
        for k, i in enumerate(act):
            p[i] = math.exp(z[k])
        return p

    def res(z):
        p = ph(z)
        q = demand(case, p)[0]
        return np.array([sum(x[i][j] * q[i][j] for j in range(n)) / (X0[i] * p[i] ** eps[i]) - 1 for i in act])

    if not act:
        return [1.0] * n
    sol = root(res, np.zeros(len(act)), method="lm", options={"xtol": 1e-15, "ftol": 1e-15})
    return ph(sol.x)


def rel_err(a, b):
    return abs(a - b) / max(1.0, abs(b))


def check_case(case, exp, diag):
    n = case["n"]
    name = case["name"]
    problems = []
    if diag["float_resid"] > 1e-12:
        problems.append(f"market clearing {diag['float_resid']:.3g}")
    # nested hat form
    ph = hat_solve(case, hat_nested)
    e1 = max(rel_err(a, b) for a, b in zip(ph, exp["phat"]))
    q, P, PM = hat_nested(case, exp["phat"])
    e2 = max(rel_err(a, b) for a, b in zip(P, exp["price_index"]))
    e3 = max(rel_err(a, b) for a, b in zip(PM, exp["import_price_index"]))
    e4 = max(rel_err(case["flows"][i][j] * exp["phat"][i] * q[i][j], exp["flows"][i][j]) for i in range(n) for j in range(n))
    checks = {"nested_hat_phat": e1, "nested_hat_P": e2, "nested_hat_PM": e3, "nested_hat_flows": e4}
    if e1 > 1e-10 or max(e2, e3, e4) > 1e-12:
        problems.append(f"nested hat mismatch {checks}")
    # flat one-nest CES when sigma_d == sigma_m
    if case["sigma_d"] == case["sigma_m"]:
        phf = hat_solve(case, hat_flat)
        f1 = max(rel_err(a, b) for a, b in zip(phf, exp["phat"]))
        qf, Pf = hat_flat(case, exp["phat"])
        f2 = max(rel_err(a, b) for a, b in zip(Pf, exp["price_index"]))
        f3 = max(rel_err(case["flows"][i][j] * exp["phat"][i] * qf[i][j], exp["flows"][i][j]) for i in range(n) for j in range(n))
        checks.update({"flat_phat": f1, "flat_P": f2, "flat_flows": f3})
        if f1 > 1e-10 or max(f2, f3) > 1e-12:
            problems.append(f"flat CES mismatch {f1} {f2} {f3}")
    if case["t0"] == case["t1"]:
        z = max(max(abs(v - 1) for v in exp["phat"]),
                max(rel_err(exp["flows"][i][j], case["flows"][i][j]) for i in range(n) for j in range(n)))
        checks["zero_shock"] = z
        if z > 1e-14:
            problems.append(f"zero shock {z}")
    # levels expenditure identity P_j Q_j = sum_i pi_ij q_ij (mpmath model)
    import mpmath
    with mpmath.workdps(reference.MP_DPS):
        eps = [math.inf if e is None else e for e in case["eps"]]
        mm = reference.Model(case["flows"], case["t0"], case["t1"], case["sigma_d"], case["sigma_m"], case["eta"], eps, True)
        p = [mpmath.mpf(v) for v in exp["phat"]]
        worst = 0
        for j, imp in enumerate(mm.importers):
            if imp is None:
                continue
            col, Pj, _ = imp.solve(p, mm.T1)
            Q = imp.Q0 * (Pj / imp.P0) ** imp.eta
            spend = sum(p[i] * mm.T1[i][j] * v for i, v in col.items())
            worst = max(worst, abs(Pj * Q / spend - 1))
        checks["expenditure_identity"] = float(worst)
        if worst > 1e-40:
            problems.append(f"expenditure identity {worst}")
    if problems:
        raise SystemExit(f"case {name}: " + "; ".join(problems))
    return checks


def dumps(obj, ind=0):
    """JSON with one matrix row / vector per line; floats via repr (shortest round-trip form)."""
    pad = " " * ind
    if isinstance(obj, dict):
        items = [f'{pad} {json.dumps(k)}: {dumps(v, ind + 1).lstrip()}' for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(not isinstance(v, (list, dict)) for v in obj):
        return pad + "[" + ", ".join(json.dumps(v) for v in obj) + "]"
    if isinstance(obj, list):
        return pad + "[\n" + ",\n".join(dumps(v, ind + 1) for v in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj)


def main():
    cases = build_cases()
    out = []
    worst = {}
    for c in cases:
        exp, diag = reference.solve_case(c)
        checks = check_case(c, exp, diag)
        checks["float_market_clearing"] = diag["float_resid"]
        checks["mp_resid"] = diag["mp_resid"]
        for k, v in checks.items():
            worst[k] = max(worst.get(k, 0.0), v)
        c = dict(c)
        c["expected"] = exp
        out.append(c)
        print(f"{c['name']:48s} n={c['n']} active={diag['active']} float_resid={diag['float_resid']:.2e} "
              f"min/max phat={min(exp['phat']):.6f}/{max(exp['phat']):.6f}")
    print("worst over cases:", {k: f"{v:.2e}" for k, v in worst.items()})
    doc = {
        "generator": "tests/peers/nested_armington/generate.py (reference.py: levels primal-CES nested Armington, "
                     f"scipy root + mpmath {reference.MP_DPS}-digit Newton polish; seed {SEED})",
        "cases": out,
    }
    with open(os.path.join(HERE, "cases.json"), "w") as fh:
        fh.write(dumps(doc))
        fh.write("\n")
    print(f"wrote {len(out)} cases")


if __name__ == "__main__":
    main()
