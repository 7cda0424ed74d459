//! The resolution context: a scenario document and the baseline it is read against, with the
//! typed readers (numbers, rates, dates, regions, sectors, tables) that turn a document node into
//! a value or a diagnostic naming the file, line and column. Shared by the resolver and the
//! timeline builder (which reports overlapping layers through it).

use crate::date::Date;
use crate::diag::{Loc, did_you_mean};
use crate::document::{Document, Entry, Node, Table, Val, check_keys};
use crate::error::{Result, ScenarioError};
use crate::scenario::PartialExporter;
use tariffsim_core::{Baseline, RegionId, SectorId};

pub(crate) struct Cx<'a> {
    pub doc: &'a Document,
    pub baseline: &'a Baseline,
}

pub(crate) enum RawRate {
    Abs(f64),
    Rel(f64),
}

impl<'a> Cx<'a> {
    pub fn err(&self, loc: Loc, msg: impl Into<String>) -> ScenarioError {
        self.doc.diag(loc, msg).into()
    }

    pub(crate) fn err_expected(
        &self,
        loc: Loc,
        msg: impl Into<String>,
        exp: impl Into<String>,
    ) -> ScenarioError {
        self.doc.diag(loc, msg).expected(exp).into()
    }

    /// An unknown name among `names` (a model, a horizon, a sampler, ...): "unknown {what}
    /// `{value}`; did you mean ...", expecting one of them.
    pub(crate) fn unknown_name(
        &self,
        loc: Loc,
        what: &str,
        value: &str,
        names: &[&str],
    ) -> ScenarioError {
        self.err_expected(
            loc,
            format!(
                "unknown {what} `{value}`{}",
                did_you_mean(value, names.iter().copied())
            ),
            format!("one of {}", crate::document::list(names)),
        )
    }

    pub(crate) fn table<'n>(
        &self,
        key: &str,
        node: &'n Node,
        section: &str,
        allowed: &[&str],
    ) -> Result<&'n Table> {
        let Val::Table(t) = &node.val else {
            return Err(self.err_expected(
                node.loc,
                format!("`{key}` must be a table, found {}", node.val.type_name()),
                format!("a table {section}"),
            ));
        };
        check_keys(self.doc, t, section, allowed)?;
        Ok(t)
    }

    pub(crate) fn required<'t>(
        &self,
        t: &'t Table,
        key: &str,
        section: &str,
        loc: Loc,
    ) -> Result<&'t Entry> {
        t.get(key)
            .ok_or_else(|| self.err(loc, format!("missing key `{key}` in {section}")))
    }

    pub(crate) fn string<'n>(&self, e: &'n Entry, expected: &str) -> Result<&'n str> {
        match &e.node.val {
            Val::Str(s) => Ok(s),
            other => Err(self.err_expected(
                e.node.loc,
                format!("`{}` must be a string, found {}", e.key, other.type_name()),
                expected.to_string(),
            )),
        }
    }

    pub(crate) fn boolean(&self, e: &Entry) -> Result<bool> {
        match &e.node.val {
            Val::Bool(b) => Ok(*b),
            other => Err(self.err_expected(
                e.node.loc,
                format!("`{}` must be a boolean, found {}", e.key, other.type_name()),
                "`true` or `false`",
            )),
        }
    }

    pub(crate) fn number(&self, e: &Entry, expected: &str) -> Result<f64> {
        let x = match &e.node.val {
            Val::Int(i) => *i as f64,
            Val::Float(x) => *x,
            Val::Str(s) if matches!(s.as_str(), "inf" | "+inf") => f64::INFINITY,
            other => {
                return Err(self.err_expected(
                    e.node.loc,
                    format!("`{}` must be a number, found {}", e.key, other.type_name()),
                    expected.to_string(),
                ));
            }
        };
        if x.is_nan() {
            return Err(self.err_expected(
                e.node.loc,
                format!("`{}` is NaN", e.key),
                expected.to_string(),
            ));
        }
        Ok(x)
    }

    pub(crate) fn finite(&self, e: &Entry, expected: &str) -> Result<f64> {
        let x = self.number(e, expected)?;
        if !x.is_finite() {
            return Err(self.err_expected(
                e.node.loc,
                format!("`{}` must be finite", e.key),
                expected.to_string(),
            ));
        }
        Ok(x)
    }

    pub(crate) fn date(&self, e: &Entry) -> Result<Date> {
        let expected = "a date such as 2025-04-10 (TOML date or \"YYYY-MM-DD\")";
        let parsed = match &e.node.val {
            Val::Date(d) => match (d.date, d.time, d.offset) {
                (Some(dd), None, None) => {
                    Date::from_ymd(i32::from(dd.year), u32::from(dd.month), u32::from(dd.day))
                }
                _ => {
                    return Err(self.err_expected(
                        e.node.loc,
                        format!("`{}` must be a date without a time of day", e.key),
                        expected,
                    ));
                }
            },
            Val::Str(s) => Date::parse(s.trim()),
            other => {
                return Err(self.err_expected(
                    e.node.loc,
                    format!("`{}` must be a date, found {}", e.key, other.type_name()),
                    expected,
                ));
            }
        };
        parsed.ok_or_else(|| {
            self.err_expected(
                e.node.loc,
                format!("`{}` is not a valid date between 1900 and 2200", e.key),
                expected,
            )
        })
    }

    pub(crate) fn raw_rate(&self, node: &Node, key: &str) -> Result<RawRate> {
        let expected = "a rate such as \"145%\", 1.45 (a fraction) or \"+50pp\"";
        let bad = |msg: String| self.err_expected(node.loc, msg, expected);
        let num = |text: &str, whole: &str| -> Result<f64> {
            let t = text.trim();
            let ok = !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
            match t.parse::<f64>() {
                Ok(x) if ok && x.is_finite() => Ok(x),
                _ => Err(bad(format!("`{key}` = \"{whole}\" is not a number"))),
            }
        };
        match &node.val {
            Val::Int(i) => Ok(RawRate::Abs(*i as f64)),
            Val::Float(x) if x.is_finite() => Ok(RawRate::Abs(*x)),
            Val::Float(x) => Err(bad(format!("`{key}` must be finite, found {x}"))),
            Val::Str(s) => {
                let t = s.trim();
                if let Some(p) = t.strip_suffix("pp") {
                    if !(p.starts_with('+') || p.starts_with('-')) {
                        return Err(bad(format!(
                            "relative rate `{t}` needs a sign (\"+50pp\" or \"-10pp\")"
                        )));
                    }
                    Ok(RawRate::Rel(num(p, t)? / 100.0))
                } else if let Some(p) = t.strip_suffix('%') {
                    Ok(RawRate::Abs(num(p, t)? / 100.0))
                } else {
                    Err(bad(format!("`{key}` = \"{t}\" is not a rate")))
                }
            }
            other => Err(bad(format!(
                "`{key}` must be a rate, found {}",
                other.type_name()
            ))),
        }
    }

    /// Resolves a rate node; a relative rate is relative to `prev` (the previous step) or, when
    /// there is none, to the inherited value the node overrides (`extends`).
    pub(crate) fn rate(
        &self,
        node: &Node,
        key: &str,
        prev: Option<f64>,
        allow_extreme: bool,
    ) -> Result<f64> {
        let value = match self.raw_rate(node, key)? {
            RawRate::Abs(x) => x,
            RawRate::Rel(d) => {
                let base = match (prev, &node.inherited) {
                    (Some(p), _) => p,
                    (None, Some(parent)) => self.rate(parent, key, None, true)?,
                    (None, None) => {
                        return Err(self
                            .doc
                            .diag(node.loc, "relative rate with no previous value")
                            .expected("an absolute rate such as \"20%\"")
                            .hint("\"+Npp\" is relative to the previous step of the layer, or to the rate of the same layer in the file this one extends")
                            .into());
                    }
                };
                base + d
            }
        };
        if value < 0.0 {
            return Err(self
                .doc
                .diag(node.loc, format!("negative rate {}%", fmt_pct(value)))
                .expected("an additional duty >= 0")
                .hint("to lower a duty, end its layer (`expires`) or add a step with a lower rate")
                .into());
        }
        if value > RATE_HARD_CAP {
            return Err(self
                .doc
                .diag(
                    node.loc,
                    format!(
                        "rate {} is above {}%, even with `allow_extreme`",
                        if (value * 100.0).is_finite() {
                            format!("{}%", fmt_pct(value))
                        } else {
                            format!("{value:e} (as a fraction)")
                        },
                        fmt_pct(RATE_HARD_CAP)
                    ),
                )
                .expected("a rate <= 100000% (larger values overflow the trade-weighted rates)")
                .into());
        }
        if value > RATE_SANITY_CAP && !allow_extreme {
            return Err(self
                .doc
                .diag(
                    node.loc,
                    format!(
                        "rate {}% is above the sanity cap of {}%",
                        fmt_pct(value),
                        fmt_pct(RATE_SANITY_CAP)
                    ),
                )
                .expected("a rate <= 300% (1.45 means 145%)")
                .hint("set `allow_extreme = true` in this table if the rate is intended")
                .into());
        }
        Ok(value)
    }

    pub(crate) fn strings<'n>(&self, e: &'n Entry, what: &str) -> Result<Vec<(&'n str, Loc)>> {
        let expected = format!("{what}: a string or an array of strings");
        match &e.node.val {
            Val::Str(s) => Ok(vec![(s.as_str(), e.node.loc)]),
            Val::Array(items) => {
                if items.is_empty() {
                    return Err(self.err_expected(
                        e.node.loc,
                        format!("empty selection `{}`", e.key),
                        expected,
                    ));
                }
                items
                    .iter()
                    .map(|n| match &n.val {
                        Val::Str(s) => Ok((s.as_str(), n.loc)),
                        other => Err(self.err_expected(
                            n.loc,
                            format!(
                                "`{}` entries must be strings, found {}",
                                e.key,
                                other.type_name()
                            ),
                            expected.clone(),
                        )),
                    })
                    .collect()
            }
            other => Err(self.err_expected(
                e.node.loc,
                format!(
                    "`{}` must be a string or an array of strings, found {}",
                    e.key,
                    other.type_name()
                ),
                expected,
            )),
        }
    }

    /// Region selection: codes, groups, `"*"` (ascending).
    pub fn regions(&self, e: &Entry) -> Result<Vec<RegionId>> {
        let set = self.baseline.regions();
        let codes: Vec<&str> = set.regions().iter().map(|r| r.code.as_str()).collect();
        let picked = self.select(e, "region", &codes, set.groups(), RegionId::index)?;
        Ok(picked.into_iter().map(RegionId::from_index).collect())
    }

    /// One region code (no groups).
    pub(crate) fn region(&self, e: &Entry) -> Result<RegionId> {
        let code = self.string(e, "a region code such as \"USA\"")?;
        let set = self.baseline.regions();
        if let (None, Some(m)) = (set.index_of(code), self.baseline.member(code)) {
            return Err(self.err_expected(
                e.node.loc,
                format!(
                    "`{code}` ({}) is a country inside the aggregate region `{}`, not a region",
                    m.name,
                    set.code(m.region)
                ),
                "one region code of the baseline (member countries may be named only in a layer's `exporters` and `except`)",
            ));
        }
        set.index_of(code).ok_or_else(|| {
            self.err_expected(
                e.node.loc,
                format!(
                    "unknown region `{code}`{}",
                    did_you_mean(code, set.regions().iter().map(|r| r.code.as_str()))
                ),
                "one region code of the baseline",
            )
        })
    }

    /// Sector selection: codes, groups, `"*"` (ascending).
    pub fn sectors(&self, e: &Entry) -> Result<Vec<SectorId>> {
        let set = self.baseline.sectors();
        let codes: Vec<&str> = set.sectors().iter().map(|r| r.code.as_str()).collect();
        let picked = self.select(e, "sector", &codes, set.groups(), SectorId::index)?;
        Ok(picked.into_iter().map(SectorId::from_index).collect())
    }

    /// The members selected by a list of codes, groups and `"*"` over `codes` (a region or
    /// sector set, `what` names which), as positions in the set (`position` of a group member).
    pub(crate) fn select<Id: Copy>(
        &self,
        e: &Entry,
        what: &str,
        codes: &[&str],
        groups: &[tariffsim_core::Group<Id>],
        position: fn(Id) -> usize,
    ) -> Result<Vec<usize>> {
        let mut mask = vec![false; codes.len()];
        for (code, loc) in self.strings(e, &format!("{what} codes or groups"))? {
            if code == "*" {
                mask.iter_mut().for_each(|m| *m = true);
            } else if let Some(i) = codes.iter().position(|c| *c == code) {
                mask[i] = true;
            } else if let Some(g) = groups.iter().find(|g| g.code == code) {
                g.members.iter().for_each(|&i| mask[position(i)] = true);
            } else if let Some(m) = (what == "region")
                .then(|| self.baseline.member(code))
                .flatten()
            {
                return Err(self
                    .doc
                    .diag(
                        loc,
                        format!(
                            "`{code}` ({}) is a country inside the aggregate region `{}`, not a region",
                            m.name,
                            self.baseline.regions().code(m.region)
                        ),
                    )
                    .expected("a region code or group of the baseline, or \"*\"")
                    .hint(format!(
                        "member countries may be named in a layer's `exporters` and `except` (the duty then applies to their share of `{}`'s trade)",
                        self.baseline.regions().code(m.region)
                    ))
                    .into());
            } else {
                let candidates = codes
                    .iter()
                    .copied()
                    .chain(groups.iter().map(|g| g.code.as_str()));
                return Err(self.err_expected(
                    loc,
                    format!("unknown {what} `{code}`{}", did_you_mean(code, candidates)),
                    format!("a {what} code or group of the baseline, or \"*\""),
                ));
            }
        }
        Ok(indices(&mask))
    }

    /// Sectors: `include` minus `except` (both optional: include defaults to all).
    pub(crate) fn sector_selection(
        &self,
        t: &Table,
        include: &str,
        except: &str,
    ) -> Result<Vec<SectorId>> {
        let mut chosen = match t.get(include) {
            Some(e) => self.sectors(e)?,
            None => self.baseline.sectors().ids().collect(),
        };
        if let Some(e) = t.get(except) {
            let drop = self.sectors(e)?;
            chosen.retain(|k| !drop.contains(k));
            if chosen.is_empty() {
                return Err(self.err_expected(
                    e.node.loc,
                    format!("empty selection: `{except}` removes every entry of `{include}`"),
                    "at least one entry left after the exclusions",
                ));
            }
        }
        Ok(chosen)
    }
}

impl Cx<'_> {
    /// A layer's exporters: `exporters` minus `except`, where both may name countries inside an
    /// aggregate region (`THA` inside `ASEAN_OTH`). A named member selects its share of the
    /// aggregate's exports ([`tariffsim_core::Member::share`]); a member in `except` removes
    /// its share from an aggregate selected whole. Returns the exporters (whole or partial) and
    /// the partial ones with their shares.
    pub(crate) fn exporter_selection(
        &self,
        t: &Table,
        section_loc: Loc,
        section: &str,
    ) -> Result<(Vec<RegionId>, Vec<PartialExporter>)> {
        let b = self.baseline;
        let include = t.get("exporters").ok_or_else(|| {
            self.err(section_loc, format!("missing key `exporters` in {section}"))
        })?;
        // Split each list into region selections and member codes.
        let split = |e: &Entry| -> Result<RegionsAndMembers> {
            let items = self.strings(e, "region codes or groups")?;
            let mut members = Vec::new();
            let mut regions = Vec::new();
            for (code, loc) in items {
                if b.member(code).is_some() {
                    if members.iter().any(|(c, _): &(String, Loc)| c == code) {
                        return Err(self.err_expected(
                            loc,
                            format!("`{code}` is listed twice in `{}`", e.key),
                            "each member country once",
                        ));
                    }
                    members.push((code.to_string(), loc));
                } else {
                    regions.push((code, loc));
                }
            }
            let mut picked = Vec::new();
            if !regions.is_empty() {
                let node = Node {
                    loc: e.node.loc,
                    val: Val::Array(
                        regions
                            .iter()
                            .map(|(c, l)| Node {
                                loc: *l,
                                val: Val::Str((*c).to_string()),
                                inherited: None,
                            })
                            .collect(),
                    ),
                    inherited: None,
                };
                picked = self.regions(&Entry {
                    key: e.key.clone(),
                    key_loc: e.key_loc,
                    node,
                })?;
            }
            Ok((picked, members))
        };
        let (mut whole, named) = split(include)?;
        let mut partial: Vec<PartialExporter> = Vec::new();
        for (code, loc) in &named {
            let Some(m) = b.member(code) else { continue };
            if whole.contains(&m.region) {
                return Err(self.err_expected(
                    *loc,
                    format!(
                        "`{code}` is inside `{}`, which `exporters` already selects whole",
                        b.regions().code(m.region)
                    ),
                    "either the aggregate or some of its member countries",
                ));
            }
            add_member(&mut partial, m, code);
        }
        if let Some(e) = t.get("except") {
            let (drop, named_out) = split(e)?;
            whole.retain(|k| !drop.contains(k));
            partial.retain(|p| !drop.contains(&p.exporter));
            for (code, loc) in &named_out {
                let Some(m) = b.member(code) else { continue };
                if named.iter().any(|(c, _)| c == code) {
                    return Err(self.err_expected(
                        *loc,
                        format!("`{code}` is in both `exporters` and `except`"),
                        "a member country in one of the two lists",
                    ));
                }
                let selected_members = |p: &PartialExporter| {
                    p.exporter == m.region && p.members.iter().all(|c| !c.starts_with('-'))
                };
                if partial.iter().any(selected_members) {
                    // Other members of the same aggregate were selected: disjoint, nothing to
                    // remove.
                    continue;
                }
                if let Some(pos) = whole.iter().position(|&k| k == m.region) {
                    whole.remove(pos);
                    partial.push(PartialExporter {
                        exporter: m.region,
                        members: vec![format!("-{code}")],
                        shares: m.export_shares.iter().map(|x| 1.0 - x).collect(),
                    });
                } else if let Some(p) = partial.iter_mut().find(|p| {
                    p.exporter == m.region && p.members.iter().all(|c| c.starts_with('-'))
                }) {
                    p.members.push(format!("-{code}"));
                    p.shares
                        .iter_mut()
                        .zip(&m.export_shares)
                        .for_each(|(a, x)| *a = (*a - x).max(0.0));
                } else {
                    return Err(self.err_expected(
                        *loc,
                        format!(
                            "`except` names `{code}`, but `exporters` does not select its aggregate `{}`",
                            b.regions().code(m.region)
                        ),
                        "exceptions among the selected exporters",
                    ));
                }
            }
        }
        for p in &mut partial {
            p.shares.iter_mut().for_each(|x| *x = x.clamp(0.0, 1.0));
        }
        partial.retain(|p| p.shares.iter().any(|x| *x > 0.0));
        let mut exporters: Vec<RegionId> = whole
            .iter()
            .copied()
            .chain(partial.iter().map(|p| p.exporter))
            .collect();
        exporters.sort_unstable();
        exporters.dedup();
        partial.sort_by_key(|p| p.exporter);
        if exporters.is_empty() {
            return Err(self.err_expected(
                t.get("except").map_or(include.node.loc, |e| e.node.loc),
                "empty selection: `except` removes every entry of `exporters`",
                "at least one entry left after the exclusions",
            ));
        }
        Ok((exporters, partial))
    }
}

/// A rate as a percentage without trailing zeros (1.45 -> "145").
pub fn fmt_pct(rate: f64) -> String {
    let s = format!("{:.4}", rate * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// No rate above this (100,000%), even with `allow_extreme`: a duty of that size already stops
/// the trade it taxes, and far larger values (1e308) overflow the timeline's trade-weighted rates
/// to infinity — a file `check` passes must not fail `run` on input.
pub const RATE_HARD_CAP: f64 = 1000.0;

/// Rates above this need `allow_extreme = true` on the layer (300%: above any duty in force in
/// 2025, whose peak was 145% on China plus Section 301/232, so a larger value is most likely a
/// typo such as `145` for `145%`).
pub const RATE_SANITY_CAP: f64 = 3.0;

/// Adds member `m` (code `code`) to the partial selection of its aggregate: its shares add to
/// those of members of the same aggregate already selected (capped at 1, the whole aggregate).
pub(crate) fn add_member(
    partial: &mut Vec<PartialExporter>,
    m: &tariffsim_core::Member,
    code: &str,
) {
    match partial.iter_mut().find(|p| p.exporter == m.region) {
        Some(p) => {
            p.members.push(code.to_string());
            p.shares
                .iter_mut()
                .zip(&m.export_shares)
                .for_each(|(a, x)| *a = (*a + x).min(1.0));
        }
        None => partial.push(PartialExporter {
            exporter: m.region,
            members: vec![code.to_string()],
            shares: m.export_shares.clone(),
        }),
    }
}

pub(crate) fn indices(mask: &[bool]) -> Vec<usize> {
    mask.iter()
        .enumerate()
        .filter(|(_, m)| **m)
        .map(|(k, _)| k)
        .collect()
}

pub(crate) fn array_of_tables<'n>(cx: &Cx<'_>, e: &'n Entry) -> Result<&'n [Node]> {
    match &e.node.val {
        Val::Array(items) => Ok(items),
        other => Err(cx.err_expected(
            e.node.loc,
            format!(
                "`{}` must be an array of tables, found {}",
                e.key,
                other.type_name()
            ),
            format!("`[[{}]]` sections", e.key),
        )),
    }
}

/// Regions selected whole, and member countries named (with where).
type RegionsAndMembers = (Vec<RegionId>, Vec<(String, Loc)>);
