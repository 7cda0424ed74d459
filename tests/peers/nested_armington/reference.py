"""Independent reference for the nested (two-level) Armington partial-equilibrium model.

One sector, N regions. Written in LEVELS with primal CES aggregators whose distribution and
efficiency parameters are calibrated from the baseline (classic CGE calibration), not in the
share-weighted hat form used by tariffsim's Rust code.

Data
----
x[i][j]   baseline flow, exporter i -> importer j, USD at exporter prices (diagonal = domestic
          sales, a source like any other for the supply side).
t0, t1    ad-valorem tariff rates before / after (the diagonal may carry an internal tariff).
          T = 1 + t.
sigma_d[j] upper-nest elasticity (domestic good vs import composite), importer j.
sigma_m[j] lower-nest elasticity (among foreign sources i != j), importer j.
eta[j]    elasticity (<= 0) of total composite demand in j w.r.t. its composite price P_j.
eps[i]    supply elasticity of exporter i (math.inf: price fixed at 1).

Units: baseline exporter prices are 1, so baseline quantities q0_ij = x_ij; the internal price
of source i in j is pi_ij = p_i * T_ij (baseline pi0_ij = T0_ij).

CES aggregator (primal form, sigma != 1), items k with quantities q_k and prices pi_k:

    Q = A * ( sum_k delta_k q_k^rho )^(1/rho),     rho = (sigma - 1)/sigma,  sum_k delta_k = 1

  calibration from a baseline (pi0_k, q0_k), composite quantity Q0 = sum_k pi0_k q0_k:
    delta_k = pi0_k q0_k^(1/sigma) / sum_l pi0_l q0_l^(1/sigma)
    A       = Q0 / ( sum_k delta_k q0_k^rho )^(1/rho)
  dual price index and conditional (Hicksian) demand:
    P   = (1/A) * ( sum_k delta_k^sigma pi_k^(1-sigma) )^(1/(1-sigma))
    q_k = Q * A^(sigma-1) * (delta_k P / pi_k)^sigma
  sigma == 1 (Cobb-Douglas):  Q = A prod_k q_k^delta_k, delta_k = value share,
    A = Q0 / prod q0_k^delta_k,  P = (1/A) prod_k (pi_k/delta_k)^delta_k,  q_k = delta_k P Q / pi_k.
  Items with q0_k = 0 are not in the aggregator (their weight is 0 and they stay 0).

Per importer j:
  lower nest  (sigma_m[j]) over foreign sources i != j with pi_ij = p_i T_ij  -> PM_j, M_j
  upper nest  (sigma_d[j]) over {domestic good (pi_jj = p_j T_jj, q = x_jj), import composite
              (price PM_j, quantity M_j)}                                    -> P_j,  Q_j
  Marshallian total demand  Q_j = Q0_j * (P_j / P0_j)^eta[j]
  then M_j, D_j from the upper nest's conditional demands, q_ij from the lower nest's.
  No domestic sales: the upper nest has the import composite only, so P_j = PM_j.
  No imports: the upper nest has the domestic good only; PMhat_j is reported as 1.

Market clearing, for each exporter i with X_i0 = sum_j x_ij > 0 (diagonal included) and
finite eps_i (the others keep p_i = 1):

    sum_j q_ij(p) = X_i0 * p_i^eps_i

solved for log p with scipy.optimize.root ('hybr', then 'lm' if needed), then polished with
Newton steps in mpmath (60 digits), evaluating the same level equations in mpmath.

Outputs (hats are new / baseline):
  phat[i]; price_index[j] = P_j/P0_j; import_price_index[j] = PM_j/PM0_j (1 if no imports);
  flows[i][j] = p_i q_ij (value at exporter prices);
  producer_surplus[i] = X_i0 (phat^(1+eps) - 1)/(1+eps)   (0 if eps = inf or X_i0 = 0);
  consumer_surplus[j] = -E_j (Phat^(1+eta) - 1)/(1+eta)   (-E_j ln Phat if eta = -1),
      E_j = sum_i x_ij T0_ij (diagonal included);
  tariff_revenue[j] = sum_i (flows_ij t1_ij - x_ij t0_ij) (diagonal included).
"""

import math

import mpmath
import numpy as np
from scipy.optimize import root

MP_DPS = 60


class Ops:
    """Number type + elementary functions, so the same equations run in float or mpmath."""

    def __init__(self, high_precision=False):
        if high_precision:
            self.num = mpmath.mpf
            self.log = mpmath.log
            self.exp = mpmath.exp
        else:
            self.num = float
            self.log = math.log
            self.exp = math.exp


class CES:
    """Primal CES (or Cobb-Douglas) aggregator calibrated in levels."""

    def __init__(self, sigma, pi0, q0, ops):
        n = ops.num
        self.ops = ops
        self.sigma = n(sigma)
        self.cd = sigma == 1
        pi0 = [n(v) for v in pi0]
        q0 = [n(v) for v in q0]
        s = self.sigma
        if self.cd:
            value = [p * q for p, q in zip(pi0, q0)]
            tot = sum(value)
            self.delta = [v / tot for v in value]
            q_index = ops.exp(sum(d * ops.log(q) for d, q in zip(self.delta, q0)))
            self.A = tot / q_index
        else:
            raw = [p * q ** (1 / s) for p, q in zip(pi0, q0)]
            tot = sum(raw)
            self.delta = [r / tot for r in raw]
            rho = (s - 1) / s
            Q0 = sum(p * q for p, q in zip(pi0, q0))
            self.A = Q0 / sum(d * q**rho for d, q in zip(self.delta, q0)) ** (1 / rho)

    def quantity(self, q):
        """Primal aggregate (used only for self-checks)."""
        ops, s = self.ops, self.sigma
        if self.cd:
            return self.A * ops.exp(sum(d * ops.log(v) for d, v in zip(self.delta, q)))
        rho = (s - 1) / s
        return self.A * sum(d * v**rho for d, v in zip(self.delta, q)) ** (1 / rho)

    def price(self, pi):
        ops, s = self.ops, self.sigma
        if self.cd:
            return ops.exp(sum(d * (ops.log(p) - ops.log(d)) for d, p in zip(self.delta, pi))) / self.A
        return sum(d**s * p ** (1 - s) for d, p in zip(self.delta, pi)) ** (1 / (1 - s)) / self.A

    def demand(self, pi, P, Q):
        s = self.sigma
        if self.cd:
            return [d * P * Q / p for d, p in zip(self.delta, pi)]
        return [Q * self.A ** (s - 1) * (d * P / p) ** s for d, p in zip(self.delta, pi)]


class Importer:
    """Calibrated two-level demand system of one importer j."""

    def __init__(self, j, x, T0, sigma_d, sigma_m, eta, ops):
        n = len(x)
        num = ops.num
        self.j = j
        self.ops = ops
        self.eta = num(eta)
        self.foreign = [i for i in range(n) if i != j and x[i][j] > 0]
        self.has_dom = x[j][j] > 0
        self.lower = None
        if self.foreign:
            self.lower = CES(sigma_m, [T0[i][j] for i in self.foreign], [x[i][j] for i in self.foreign], ops)
            self.PM0 = self.lower.price([num(T0[i][j]) for i in self.foreign])
            self.M0 = self.lower.quantity([num(x[i][j]) for i in self.foreign])
        pi0, q0 = [], []
        if self.has_dom:
            pi0.append(T0[j][j])
            q0.append(x[j][j])
        if self.lower is not None:
            pi0.append(self.PM0)
            q0.append(self.M0)
        self.upper = CES(sigma_d, pi0, q0, ops)
        self.P0 = self.upper.price([num(v) for v in pi0])
        self.Q0 = self.upper.quantity([num(v) for v in q0])

    def solve(self, p, T1):
        """Demand at exporter prices p and tariff powers T1: returns (q column dict, P, PM)."""
        j = self.j
        q = {}
        pi_up = []
        PM = None
        if self.lower is not None:
            pi_m = [p[i] * T1[i][j] for i in self.foreign]
            PM = self.lower.price(pi_m)
        if self.has_dom:
            pi_up.append(p[j] * T1[j][j])
        if PM is not None:
            pi_up.append(PM)
        P = self.upper.price(pi_up)
        Q = self.Q0 * (P / self.P0) ** self.eta
        up = self.upper.demand(pi_up, P, Q)
        if self.has_dom:
            q[j] = up[0]
        if PM is not None:
            M = up[-1]
            for i, qi in zip(self.foreign, self.lower.demand(pi_m, PM, M)):
                q[i] = qi
        return q, P, PM


class Model:
    def __init__(self, x, t0, t1, sigma_d, sigma_m, eta, eps, high_precision=False):
        ops = Ops(high_precision)
        num = ops.num
        self.ops = ops
        self.n = n = len(x)
        # exact decimal conversion of the float inputs into mpmath (mpf(float) is exact)
        self.x = [[num(v) for v in row] for row in x]
        self.T0 = [[1 + num(v) for v in row] for row in t0]
        self.T1 = [[1 + num(v) for v in row] for row in t1]
        self.eps = [None if (e is None or math.isinf(e)) else num(e) for e in eps]
        self.X0 = [sum(row) for row in self.x]
        self.active = [i for i in range(n) if self.X0[i] > 0 and self.eps[i] is not None]
        self.importers = [
            Importer(j, self.x, self.T0, sigma_d[j], sigma_m[j], eta[j], ops) if any(self.x[i][j] > 0 for i in range(n)) else None
            for j in range(n)
        ]

    def prices(self, logp_active):
        p = [self.ops.num(1)] * self.n
        for k, i in enumerate(self.active):
            p[i] = self.ops.exp(logp_active[k])
        return p

    def demand(self, p):
        n = self.n
        q = [[self.ops.num(0)] * n for _ in range(n)]
        P = [self.ops.num(1)] * n
        PM = [self.ops.num(1)] * n
        for j, imp in enumerate(self.importers):
            if imp is None:
                continue
            col, Pj, PMj = imp.solve(p, self.T1)
            for i, v in col.items():
                q[i][j] = v
            P[j] = Pj / imp.P0
            if PMj is not None:
                PM[j] = PMj / imp.PM0
        return q, P, PM

    def residual(self, logp_active):
        """Relative excess demand: sum_j q_ij / (X_i0 p_i^eps_i) - 1 for active exporters."""
        p = self.prices(logp_active)
        q, _, _ = self.demand(p)
        return [sum(q[i]) / (self.X0[i] * p[i] ** self.eps[i]) - 1 for i in self.active]


def _newton_mp(mp_model, z, steps=12, tol=mpmath.mpf(10) ** (-45)):
    m = len(z)
    z = [mpmath.mpf(v) for v in z]
    h = mpmath.mpf(10) ** (-25)
    for _ in range(steps):
        r = mp_model.residual(z)
        if max(abs(v) for v in r) < tol:
            break
        J = mpmath.matrix(m, m)
        for c in range(m):
            zc = list(z)
            zc[c] += h
            rc = mp_model.residual(zc)
            for rr in range(m):
                J[rr, c] = (rc[rr] - r[rr]) / h
        dz = mpmath.lu_solve(J, mpmath.matrix(r))
        z = [z[k] - dz[k] for k in range(m)]
    return z, max(abs(v) for v in mp_model.residual(z))


def solve_case(case):
    """Solve one case dict (inputs as in cases.json); returns (expected dict, diagnostics)."""
    x, t0, t1 = case["flows"], case["t0"], case["t1"]
    eps = [math.inf if e is None else e for e in case["eps"]]
    args = (x, t0, t1, case["sigma_d"], case["sigma_m"], case["eta"], eps)
    fm = Model(*args)
    m = len(fm.active)
    diag = {"active": m}
    z = np.zeros(m)
    if m:
        sol = root(lambda v: np.array(fm.residual(list(v))), z, method="hybr", options={"xtol": 1e-15, "maxfev": 20000})
        if not sol.success or max(abs(v) for v in fm.residual(list(sol.x))) > 1e-10:
            sol = root(lambda v: np.array(fm.residual(list(v))), sol.x, method="lm", options={"xtol": 1e-15, "ftol": 1e-15})
        z = sol.x
        diag["scipy_resid"] = float(max(abs(v) for v in fm.residual(list(z))))
        with mpmath.workdps(MP_DPS):
            mp_model = Model(*args, high_precision=True)  # calibrate at 60 digits too
            zmp, res = _newton_mp(mp_model, list(z))
            diag["mp_resid"] = float(res)
            out = _outputs(mp_model, zmp, case)
    else:
        with mpmath.workdps(MP_DPS):
            mp_model = Model(*args, high_precision=True)
            out = _outputs(mp_model, [], case)
            diag["mp_resid"] = 0.0
    # float-level market clearing check at the rounded answer
    zf = [math.log(out["phat"][i]) for i in fm.active]
    diag["float_resid"] = max([abs(v) for v in fm.residual(zf)] + [0.0])
    return out, diag


def _outputs(mm, z, case):
    ops = mm.ops
    n = mm.n
    p = mm.prices(z)
    q, P, PM = mm.demand(p)
    flows = [[p[i] * q[i][j] for j in range(n)] for i in range(n)]
    ps = []
    for i in range(n):
        if mm.eps[i] is None or mm.X0[i] == 0:
            ps.append(mpmath.mpf(0))
        else:
            e = mm.eps[i]
            ps.append(mm.X0[i] * (p[i] ** (1 + e) - 1) / (1 + e))
    cs = []
    for j in range(n):
        E = sum(mm.x[i][j] * mm.T0[i][j] for i in range(n))
        eta = ops.num(case["eta"][j])
        if case["eta"][j] == -1:
            cs.append(-E * ops.log(P[j]))
        else:
            cs.append(-E * (P[j] ** (1 + eta) - 1) / (1 + eta))
    rev = [sum(flows[i][j] * (mm.T1[i][j] - 1) - mm.x[i][j] * (mm.T0[i][j] - 1) for i in range(n)) for j in range(n)]
    def f(v):
        # exact zeros (e.g. revenue change under a zero shock) come out as ~1e-60 noise at 60 digits
        return 0.0 if abs(v) < mpmath.mpf(10) ** (-40) else float(v)

    return {
        "phat": [f(v) for v in p],
        "price_index": [f(v) for v in P],
        "import_price_index": [f(v) for v in PM],
        "flows": [[f(v) for v in row] for row in flows],
        "producer_surplus": [f(v) for v in ps],
        "consumer_surplus": [f(v) for v in cs],
        "tariff_revenue": [f(v) for v in rev],
    }
