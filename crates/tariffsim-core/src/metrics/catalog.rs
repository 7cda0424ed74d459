//! [`MetricCatalog`]: the metrics of a run in a fixed order — the defaults, the focus pair's, the
//! on-request trade metrics and their trade pairs, the rerouting metrics — and the period's
//! ratios and shares recomputed from averaged parts.

use super::{BN, Focus, Kind, MetricCatalog, MetricWorkspace, TradePair, share};
use crate::baseline::Baseline;
use crate::equilibrium::Equilibrium;
use crate::error::Result;
use crate::ids::{RegionId, SectorId};

impl MetricCatalog {
    /// All metrics for `baseline`; the focus-pair metrics only when `focus` is given.
    #[must_use]
    pub fn new(baseline: &Baseline, focus: Option<Focus>) -> Self {
        Self::build(baseline, focus)
    }

    /// This catalog with the on-request trade metrics of `names` added (see the module docs;
    /// names already in the catalog are kept as they are). An error names the first name that is
    /// not a metric, or a code that is neither a region nor a group of the baseline.
    pub fn with_extra(mut self, baseline: &Baseline, names: &[String]) -> Result<Self> {
        for name in names {
            if self.index_of(name).is_some() {
                continue;
            }
            let kind = self.parse_extra(baseline, name)?;
            self.names.push(name.clone());
            self.kinds.push(kind);
            // A share's period value is recomputed from its two flows: carry them as metrics.
            let parts: Vec<&str> = name.split('.').collect();
            let flows = match (kind, parts.as_slice()) {
                (Kind::Share(..), ["import_share", m, x]) => {
                    [format!("trade.{x}.{m}"), format!("trade.*.{m}")]
                }
                (Kind::Share(..), ["export_share", x, m]) => {
                    [format!("trade.{x}.{m}"), format!("trade.{x}.*")]
                }
                (Kind::Share(..), ["import_share", m, x, s]) => {
                    [format!("trade.{x}.{m}.{s}"), format!("trade.*.{m}.{s}")]
                }
                (Kind::Share(..), ["export_share", x, m, s]) => {
                    [format!("trade.{x}.{m}.{s}"), format!("trade.{x}.*.{s}")]
                }
                _ => continue,
            };
            for f in flows {
                if self.index_of(&f).is_none() {
                    let k = self.parse_extra(baseline, &f)?;
                    self.names.push(f);
                    self.kinds.push(k);
                }
            }
        }
        Ok(self)
    }

    /// This catalog with the metrics of a rerouting block: `rerouted.C.K.M` per conduit (change in
    /// the value rerouted from C through K to M from the baseline's, USD bn) and `imports_true_origin.M.C`
    /// (change in C's sales to M counted by origin: recorded direct sales plus rerouted value).
    pub fn with_rerouting(
        mut self,
        baseline: &Baseline,
        block: &crate::rerouting::Rerouting,
    ) -> Result<Self> {
        let code = |r: RegionId| baseline.regions().code(r).to_string();
        let (c, m) = (code(block.origin), code(block.destination));
        for (k, d) in block.conduits.iter().enumerate() {
            let name = format!("rerouted.{c}.{}.{m}", code(d.region));
            if self.index_of(&name).is_none() {
                self.names.push(name);
                self.kinds.push(Kind::Rerouted(k));
            }
        }
        let name = format!("imports_true_origin.{m}.{c}");
        if self.index_of(&name).is_none() {
            let Kind::Trade(p) = self.parse_extra(baseline, &format!("trade.{c}.{m}"))? else {
                return Err(crate::CoreError::Incompatible(format!(
                    "`trade.{c}.{m}` is not a trade metric"
                )));
            };
            self.names.push(name);
            self.kinds.push(Kind::TrueOrigin(p));
        }
        Ok(self)
    }

    /// The on-request kind of `name`, adding the trade pairs it needs.
    fn parse_extra(&mut self, baseline: &Baseline, name: &str) -> Result<Kind> {
        let bad = |why: String| crate::CoreError::Incompatible(format!("metric `{name}`: {why}"));
        let parts: Vec<&str> = name.split('.').collect();
        // A fourth part names one sector, `trade.CHN.USA.ELECTRONICS`, or a sector group of the
        // baseline, `trade.CHN.USA.METALS_MINERALS` (its members summed).
        let (kind, a, b, sector) = match parts.as_slice() {
            [k, a, b, s] => {
                let set = baseline.sectors();
                let members: Vec<usize> = match (set.index_of(s), set.group(s)) {
                    (Some(code), _) => vec![code.index()],
                    (None, Some(g)) => {
                        let mut m: Vec<usize> = g.members.iter().map(|s| s.index()).collect();
                        m.sort_unstable();
                        m
                    }
                    (None, None) => {
                        return Err(bad(format!(
                            "`{s}` is neither a sector nor a sector group of the baseline"
                        )));
                    }
                };
                (*k, *a, Some(*b), Some(members))
            }
            [k, a, b] => (*k, *a, Some(*b), None),
            [k, a] => (*k, *a, None, None),
            _ => return Err(bad("expected `KIND.REGION[.REGION[.SECTOR]]`".into())),
        };
        if sector.is_some()
            && !matches!(
                kind,
                "trade"
                    | "imports"
                    | "exports"
                    | "imports_pct"
                    | "exports_pct"
                    | "import_share"
                    | "export_share"
            )
        {
            return Err(bad(
                "a sector part is for trade, imports, exports, their _pct and the shares".into(),
            ));
        }
        let mut pair = |exporters: &str, importers: &str| -> Result<usize> {
            let x = resolve_set(baseline, exporters).map_err(bad)?;
            let m = resolve_set(baseline, importers).map_err(bad)?;
            if let Some(k) = self
                .pairs
                .iter()
                .position(|p| p.exporters == x && p.importers == m && p.sectors == sector)
            {
                return Ok(k);
            }
            let p = TradePair {
                exporters: x,
                importers: m,
                sectors: sector.clone(),
                base: 0.0,
            };
            let base: f64 = (0..baseline.n_sectors())
                .filter(|&s| p.covers(s))
                .map(|s| p.sum_block(baseline.sector_flows(s), baseline.n_regions()))
                .sum();
            self.pairs.push(TradePair { base, ..p });
            Ok(self.pairs.len() - 1)
        };
        Ok(match (kind, b) {
            ("trade", Some(b)) | ("exports", Some(b)) => Kind::Trade(pair(a, b)?),
            ("imports", Some(b)) => Kind::Trade(pair(b, a)?),
            ("exports_pct", Some(b)) => Kind::TradePct(pair(a, b)?),
            ("imports_pct", Some(b)) => Kind::TradePct(pair(b, a)?),
            ("exports_pct", None) => Kind::TradePct(pair(a, "*")?),
            ("imports_pct", None) => Kind::TradePct(pair("*", a)?),
            ("exports", None) => Kind::Trade(pair(a, "*")?),
            ("imports", None) => Kind::Trade(pair("*", a)?),
            ("import_share", Some(b)) => Kind::Share(pair(b, a)?, pair("*", a)?),
            ("export_share", Some(b)) => Kind::Share(pair(a, b)?, pair(a, "*")?),
            _ => {
                return Err(bad(
                    "not a metric of the catalog nor one of `trade.X.M`, `imports[_pct].M[.X]`, \
                     `exports[_pct].X[.M]`, `import_share.M.X`, `export_share.X.M`"
                        .into(),
                ));
            }
        })
    }

    fn build(baseline: &Baseline, focus: Option<Focus>) -> Self {
        let n = baseline.n_regions();
        let code = |r: usize| baseline.regions().code(RegionId::from_index(r)).to_string();
        let mut names = Vec::new();
        let mut kinds = Vec::new();
        let mut push = |name: String, kind: Kind| {
            names.push(name);
            kinds.push(kind);
        };
        let mut base_direct = 0.0;
        if let Some(Focus { importer, target }) = focus {
            let (m, c) = (importer.index(), target.index());
            let (mc, cc) = (code(m), code(c));
            base_direct = baseline.bilateral(target, importer);
            push(format!("imports.{mc}.{cc}"), Kind::Direct);
            push(format!("imports_pct.{mc}.{cc}"), Kind::DirectPct);
            push(format!("diversion_ratio.{mc}.{cc}"), Kind::DiversionRatio);
            push(format!("deflection_ratio.{mc}.{cc}"), Kind::DeflectionRatio);
            push(format!("creation.{mc}"), Kind::Creation);
            for k in (0..n).filter(|&k| k != m && k != c) {
                push(
                    format!("diversion.{mc}.{cc}.{}", code(k)),
                    Kind::Diversion(k),
                );
            }
            for d in (0..n).filter(|&d| d != m && d != c) {
                push(
                    format!("deflection.{mc}.{cc}.{}", code(d)),
                    Kind::Deflection(d),
                );
            }
            let sector_code =
                |s: usize| baseline.sectors().code(SectorId::from_index(s)).to_string();
            type SectorCtor = fn(usize) -> Kind;
            let by_sector: [(&str, SectorCtor); 3] = [
                ("imports", Kind::DirectSector),
                ("diversion_by_sector", Kind::DiversionSector),
                ("deflection_by_sector", Kind::DeflectionSector),
            ];
            for (prefix, ctor) in by_sector {
                for s in 0..baseline.n_sectors() {
                    push(format!("{prefix}.{mc}.{cc}.{}", sector_code(s)), ctor(s));
                }
            }
        }
        type Ctor = fn(usize) -> Kind;
        let per_region: [(&str, Ctor); 10] = [
            ("exports", Kind::Exports),
            ("imports", Kind::Imports),
            ("balance", Kind::Balance),
            ("balance_level", Kind::BalanceLevel),
            ("welfare", Kind::Welfare),
            ("revenue", Kind::Revenue),
            ("cs", Kind::Cs),
            ("ps", Kind::Ps),
            ("export_price_pct", Kind::ExportPrice),
            ("import_price_pct", Kind::ImportPrice),
        ];
        for (prefix, ctor) in per_region {
            for r in 0..n {
                push(format!("{prefix}.{}", code(r)), ctor(r));
            }
        }
        push("world_trade".into(), Kind::WorldTrade);
        push("world_trade_pct".into(), Kind::WorldTradePct);
        let base_exports: Vec<f64> = baseline
            .regions()
            .ids()
            .map(|r| baseline.exports(r))
            .collect();
        let base_imports: Vec<f64> = baseline
            .regions()
            .ids()
            .map(|r| baseline.imports(r))
            .collect();
        let base_world = base_exports.iter().sum();
        let (sector_exports, sector_imports) = sector_totals(baseline);
        Self {
            sector_exports,
            sector_imports,
            pairs: Vec::new(),
            focus,
            names,
            kinds,
            n_regions: n,
            base_exports,
            base_imports,
            base_direct,
            base_world,
        }
    }

    /// Metric names, in the order [`MetricCatalog::fill`] writes them.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Recomputes the focus ratios of an averaged row (e.g. a period's day-weighted average of
    /// its phases) from the averaged parts: a diversion ratio of an average is the averaged
    /// diversion over the averaged fall in direct imports, not the average of the phases'
    /// ratios. The same convention as [`Self::fill`]: no direct change at all gives ratio 0.
    /// Without a focus pair there is nothing to recompute.
    pub fn recompute_ratios(&self, row: &mut [f64]) {
        self.recompute_shares(row);
        let (mut direct, mut diversion_ratio, mut deflection_ratio) = (None, None, None);
        let (mut diversion, mut deflection) = (0.0, 0.0);
        for (k, kind) in self.kinds.iter().enumerate() {
            match kind {
                Kind::Direct => direct = Some(k),
                Kind::DiversionRatio => diversion_ratio = Some(k),
                Kind::DeflectionRatio => deflection_ratio = Some(k),
                Kind::Diversion(_) => diversion += row[k],
                Kind::Deflection(_) => deflection += row[k],
                _ => {}
            }
        }
        let Some(d) = direct else {
            return;
        };
        let loss = -row[d];
        let ratio = |x: f64| if loss == 0.0 { 0.0 } else { x / loss };
        if let Some(k) = diversion_ratio {
            row[k] = ratio(diversion);
        }
        if let Some(k) = deflection_ratio {
            row[k] = ratio(deflection);
        }
    }

    /// Recomputes the shares of an averaged row from its averaged trade changes: a period's share
    /// is the share of the period's flows. A share needs the changes of both its pairs in the
    /// row; [`Self::with_extra`] does not add them, so here they are recomputed from the row's
    /// `Trade`/`TradePct` entries where present and otherwise left as averaged.
    fn recompute_shares(&self, row: &mut [f64]) {
        let change_of = |p: usize| -> Option<f64> {
            self.kinds
                .iter()
                .enumerate()
                .find_map(|(k, kind)| match *kind {
                    Kind::Trade(q) if q == p => Some(row[k] / BN),
                    Kind::TradePct(q) if q == p => Some(row[k] / 100.0 * self.pairs[p].base),
                    _ => None,
                })
        };
        let mut updates = Vec::new();
        for (k, kind) in self.kinds.iter().enumerate() {
            if let Kind::Share(num, den) = *kind
                && let (Some(a), Some(b)) = (change_of(num), change_of(den))
            {
                updates.push((k, share(self.pairs[num].base + a, self.pairs[den].base + b)));
            }
        }
        for (k, v) in updates {
            row[k] = v;
        }
    }

    /// Number of metrics.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no metrics (never, for a valid baseline).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of a metric by name.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The focus pair, if any.
    #[must_use]
    pub fn focus(&self) -> Option<Focus> {
        self.focus
    }

    /// Convenience: computes the metrics into a new vector of `(name, value)` pairs.
    #[must_use]
    pub fn evaluate(&self, baseline: &Baseline, eq: &Equilibrium) -> Vec<(String, f64)> {
        let mut ws = MetricWorkspace::default();
        let mut out = vec![0.0; self.len()];
        self.fill(baseline, eq, &mut ws, &mut out);
        self.names.iter().cloned().zip(out).collect()
    }
}

/// The regions a code stands for: a region, a group of the baseline, or `*` (every region).
fn resolve_set(baseline: &Baseline, code: &str) -> std::result::Result<Vec<usize>, String> {
    let regions = baseline.regions();
    if code == "*" {
        return Ok((0..regions.len()).collect());
    }
    if let Some(i) = regions.index_of(code) {
        return Ok(vec![i.index()]);
    }
    if let Some(g) = regions.group(code) {
        return Ok(g.members.iter().map(|r| r.index()).collect());
    }
    Err(format!(
        "`{code}` is neither a region nor a group of the baseline (regions: {})",
        regions
            .regions()
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Baseline exports by exporter and imports by importer of every sector, off the diagonal,
/// `[s * N + r]`.
fn sector_totals(baseline: &Baseline) -> (Vec<f64>, Vec<f64>) {
    let n = baseline.n_regions();
    let n_sectors = baseline.n_sectors();
    let mut exports = vec![0.0; n * n_sectors];
    let mut imports = vec![0.0; n * n_sectors];
    for s in 0..n_sectors {
        let block = baseline.sector_flows(s);
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                let x = block[i * n + j];
                exports[s * n + i] += x;
                imports[s * n + j] += x;
            }
        }
    }
    (exports, imports)
}
