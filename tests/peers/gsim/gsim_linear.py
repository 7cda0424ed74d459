"""Linear (first-order) GSIM of Francois & Hall, solved exactly in rational arithmetic.

Reads francois_hall_4x4.json (same directory), solves every scenario, compares the exporter
(world) price changes with the published ones to the published number of decimals, and prints
the full solution. `--write` stores the computed solution in the JSON under "computed_linear".

Model (proportional changes; regions i exporter, j importer; shares over ALL sources of j,
the intra-region diagonal included):
    theta_ij = x_ij T0_ij / sum_k x_kj T0_kj       import shares at internal prices
    phi_ij   = x_ij / sum_k x_ik                   export shares at world prices
    tau_ij   = T1_ij / T0_ij - 1                   change in the tariff power
    q_ij     = (theta_ij Em_j - (1 - theta_ij) Es_j) (p_i + tau_ij)
               + sum_{k != i} theta_kj (Em_j + Es_j) (p_k + tau_kj)
             = (Em_j + Es_j) P_j - Es_j (p_i + tau_ij),   P_j = sum_k theta_kj (p_k + tau_kj)
    market clearing:  sum_j phi_ij q_ij = Ex_i p_i      (linear in p; one exact solve)
Em is the composite import demand elasticity (< 0), Es the substitution elasticity, Ex the
export supply elasticity. Reported extras (tariffsim's gsim-linear conventions):
    new flow x_ij (1 + p_i)(1 + q_ij);  PS_i = X_i (p_i + Ex_i p_i^2 / 2);
    CS_j = -E_j (P_j + Em_j P_j^2 / 2), E_j = sum_i x_ij T0_ij;  revenue_j = sum_i (new_ij t1_ij - x_ij t0_ij).
"""

import json
import os
import sys
from fractions import Fraction as F

HERE = os.path.dirname(os.path.abspath(__file__))


def frac(v):
    return F(str(v))  # decimal string -> exact rational (inputs are short decimals)


def solve(flows, T0, T1, Em, Es, Ex):
    n = len(flows)
    x = [[frac(v) for v in r] for r in flows]
    T0 = [[frac(v) for v in r] for r in T0]
    T1 = [[frac(v) for v in r] for r in T1]
    Em, Es, Ex = [frac(v) for v in Em], [frac(v) for v in Es], [frac(v) for v in Ex]
    E = [sum(x[i][j] * T0[i][j] for i in range(n)) for j in range(n)]
    X = [sum(x[i]) for i in range(n)]
    theta = [[x[i][j] * T0[i][j] / E[j] for j in range(n)] for i in range(n)]
    phi = [[x[i][j] / X[i] for j in range(n)] for i in range(n)]
    tau = [[T1[i][j] / T0[i][j] - 1 for j in range(n)] for i in range(n)]
    # A p = b
    A = [[F(0)] * n for _ in range(n)]
    b = [F(0)] * n
    for i in range(n):
        A[i][i] -= Ex[i]
        for j in range(n):
            if phi[i][j] == 0:
                continue
            for k in range(n):
                c = theta[k][j] * (Em[j] + Es[j]) - (Es[j] if k == i else 0)
                A[i][k] += phi[i][j] * c
                b[i] -= phi[i][j] * c * tau[k][j]
    p = gauss(A, b)
    P = [sum(theta[k][j] * (p[k] + tau[k][j]) for k in range(n)) for j in range(n)]
    q = [[(Em[j] + Es[j]) * P[j] - Es[j] * (p[i] + tau[i][j]) for j in range(n)] for i in range(n)]
    resid = max(abs(sum(phi[i][j] * q[i][j] for j in range(n)) - Ex[i] * p[i]) for i in range(n))
    new = [[x[i][j] * (1 + p[i]) * (1 + q[i][j]) for j in range(n)] for i in range(n)]
    q = [[q[i][j] if x[i][j] != 0 else None for j in range(n)] for i in range(n)]  # no flow: undefined
    ps = [X[i] * (p[i] + Ex[i] * p[i] ** 2 / 2) for i in range(n)]
    cs = [-E[j] * (P[j] + Em[j] * P[j] ** 2 / 2) for j in range(n)]
    rev = [sum(new[i][j] * (T1[i][j] - 1) - x[i][j] * (T0[i][j] - 1) for i in range(n)) for j in range(n)]
    return {"world_price_change": p, "composite_price_change": P, "quantity_change": q, "flows": new,
            "producer_surplus": ps, "consumer_surplus": cs, "tariff_revenue": rev,
            "theta": theta, "phi": phi, "residual": resid}


def gauss(A, b):
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        piv = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[piv] = M[piv], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [a - f * bb for a, bb in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


def to_float(v):
    if isinstance(v, list):
        return [to_float(u) for u in v]
    return None if v is None else float(v)


def dumps(obj, ind=0):
    """JSON with one matrix row / vector per line; floats via repr (exact round trip)."""
    pad = " " * ind
    if isinstance(obj, dict):
        items = [f"{pad} {json.dumps(k)}: {dumps(v, ind + 1).lstrip()}" for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(not isinstance(v, (list, dict)) for v in obj):
        return pad + "[" + ", ".join(json.dumps(v) for v in obj) + "]"
    if isinstance(obj, list):
        return pad + "[\n" + ",\n".join(dumps(v, ind + 1) for v in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj)


def main():
    path = os.path.join(HERE, "francois_hall_4x4.json")
    doc = json.load(open(path))
    el = doc["elasticities"]
    ok = True
    computed = {}
    for sc in doc["scenarios"]:
        r = solve(doc["flows"], doc["tariff_power_before"], sc["tariff_power_after"],
                  el["composite_import_demand"], el["substitution"], el["export_supply"])
        assert r["residual"] == 0, "exact solve must clear markets exactly"
        p = r["world_price_change"]
        print(f"scenario {sc['name']}: world price change (exact linear GSIM)")
        for name, v in zip(doc["regions"], p):
            print(f"  {name:6s} {float(v): .10f}")
        pub = sc.get("published", {}).get("world_price_change")
        if pub is not None:
            d = sc["published"]["decimals"]
            mine = [round(float(v), d) for v in p]
            match = all(abs(a - b) < 0.5 * 10 ** (-d) + 1e-15 for a, b in zip(mine, pub))
            print(f"  rounded to {d} decimals: {mine}\n  published:               {pub}\n  reproduced: {match}")
            ok &= match
        computed[sc["name"]] = {k: to_float(v) for k, v in r.items() if k not in ("residual",)}
        print("  composite price change:", [round(float(v), 6) for v in r["composite_price_change"]])
        print("  PS:", [round(float(v), 4) for v in r["producer_surplus"]],
              " CS:", [round(float(v), 4) for v in r["consumer_surplus"]],
              " revenue:", [round(float(v), 4) for v in r["tariff_revenue"]])
    if "--write" in sys.argv:
        doc["computed_linear"] = {
            "note": "Our exact (rational) solution of the linear GSIM with these inputs, rounded to double; "
                    "welfare uses tariffsim's gsim-linear conventions (see gsim_linear.py), not published values.",
            "scenarios": computed,
        }
        with open(path, "w") as fh:
            fh.write(dumps(doc) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
