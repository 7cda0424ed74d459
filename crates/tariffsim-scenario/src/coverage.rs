//! Coverage in scenario files: the share of a cell's trade a layer covers, as one share or a
//! table by sector and sector group, and its dated steps (`coverage`, `coverage_step`).

use crate::context::{Cx, array_of_tables};
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::document::{Entry, Table, Val};
use crate::error::Result;
use crate::keys::COVERAGE_STEP_KEYS;
use crate::scenario::CoverageStep;
use tariffsim_core::SectorId;

impl Cx<'_> {
    /// A coverage value: a share in [0, 1], or a table of shares by sector code or sector group
    /// code with `"*"` for the rest. A group sets the share of each of its members; a sector's
    /// own key takes precedence over any group containing it (in any order); two groups giving
    /// one sector (without a key of its own) different shares is an error at the later group.
    /// Every sector of `sectors` must get a share.
    pub(crate) fn coverage_value(&self, e: &Entry, sectors: &[SectorId]) -> Result<Vec<f64>> {
        let ns = self.baseline.n_sectors();
        let share = |e: &Entry| -> Result<f64> {
            let x = self.finite(e, "a share in [0, 1]")?;
            if !(0.0..=1.0).contains(&x) {
                return Err(self.err_expected(
                    e.node.loc,
                    format!("coverage {x} is outside [0, 1]"),
                    "a share of the cell's trade in [0, 1] (0.86 = 86%)",
                ));
            }
            Ok(x)
        };
        let Val::Table(t) = &e.node.val else {
            return Ok(vec![share(e)?; ns]);
        };
        let set = self.baseline.sectors();
        let mut own: Vec<Option<f64>> = vec![None; ns];
        let mut rest: Option<f64> = None;
        let mut groups = Vec::new();
        // Sector keys and "*" first, so a sector's own key wins over a group in any order.
        for entry in &t.entries {
            let x = share(entry)?;
            if entry.key == "*" {
                rest = Some(x);
            } else if let Some(s) = set.index_of(&entry.key) {
                own[s.index()] = Some(x);
            } else if let Some(g) = set.group(&entry.key) {
                groups.push((entry, g, x));
            } else {
                return Err(self.err_expected(
                    entry.key_loc,
                    format!(
                        "unknown sector `{}` in `{}`{}",
                        entry.key,
                        e.key,
                        did_you_mean(
                            &entry.key,
                            set.sectors()
                                .iter()
                                .map(|x| x.code.as_str())
                                .chain(set.groups().iter().map(|g| g.code.as_str()))
                        )
                    ),
                    "sector codes or sector groups of the baseline, or \"*\" for every other sector",
                ));
            }
        }
        // (share, group code) each sector without a key of its own got from a group.
        let mut by_group: Vec<Option<(f64, &str)>> = vec![None; ns];
        for (entry, g, x) in groups {
            for &s in g.members.iter().filter(|&&s| own[s.index()].is_none()) {
                match by_group[s.index()] {
                    Some((y, first)) if (y - x).abs() > 0.0 => {
                        return Err(self
                            .doc
                            .diag(
                                entry.key_loc,
                                format!(
                                    "`{}` gives sector {} a coverage of {x}, but `{first}` (listed earlier, which also contains it) gives {y}",
                                    g.code,
                                    set.code(s)
                                ),
                            )
                            .expected(
                                "groups that agree on the sectors they share, or a key of the sector's own",
                            )
                            .hint(format!(
                                "add `{} = share` to the table: a sector's own key takes precedence over its groups",
                                set.code(s)
                            ))
                            .into());
                    }
                    Some(_) => {}
                    None => by_group[s.index()] = Some((x, g.code.as_str())),
                }
            }
        }
        let out: Vec<Option<f64>> = own
            .iter()
            .zip(&by_group)
            .map(|(o, g)| o.or(g.map(|(x, _)| x)))
            .collect();
        let missing: Vec<&str> = sectors
            .iter()
            .filter(|&&s| out[s.index()].is_none() && rest.is_none())
            .map(|&s| set.code(s))
            .collect();
        if !missing.is_empty() {
            return Err(self.err_expected(
                e.node.loc,
                format!(
                    "`{}` gives no share for sector{} {} of the layer",
                    e.key,
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
                "a share for every sector the layer selects (by its code or a group), or `\"*\" = share` for the rest",
            ));
        }
        Ok(out.into_iter().map(|x| x.or(rest).unwrap_or(1.0)).collect())
    }

    /// `coverage` and `[[<section>.coverage_step]]`: the share of each selected cell's trade the
    /// layer applies to, by date (empty: full coverage).
    pub(crate) fn coverage(
        &self,
        t: &Table,
        section: &str,
        sectors: &[SectorId],
        effective: Date,
        expires: Option<Date>,
    ) -> Result<Vec<CoverageStep>> {
        let mut steps = Vec::new();
        match t.get("coverage") {
            Some(e) => steps.push(CoverageStep {
                from: effective,
                shares: self.coverage_value(e, sectors)?,
            }),
            None => {
                if let Some(e) = t.get("coverage_step") {
                    return Err(self.err_expected(
                        e.key_loc,
                        "`coverage_step` without `coverage`",
                        "a `coverage` (from `effective`) before dated changes of it",
                    ));
                }
                return Ok(steps);
            }
        }
        if let Some(e) = t.get("coverage_step") {
            for node in array_of_tables(self, e)? {
                let st = self.table(
                    "coverage_step",
                    node,
                    &format!("[[{section}.coverage_step]]"),
                    COVERAGE_STEP_KEYS,
                )?;
                let de = self.required(st, "date", "a coverage step", node.loc)?;
                let ce = self.required(st, "coverage", "a coverage step", node.loc)?;
                let date = self.date(de)?;
                let prev = steps.last().map_or(effective, |s: &CoverageStep| s.from);
                if date <= prev {
                    return Err(self.err_expected(
                        de.node.loc,
                        format!(
                            "coverage step date {date} is not after the previous change ({prev})"
                        ),
                        "coverage step dates after `effective`, in increasing order",
                    ));
                }
                if expires.is_some_and(|x| date >= x) {
                    return Err(self.err_expected(
                        de.node.loc,
                        format!("coverage step date {date} is not before `expires`"),
                        "coverage step dates while the layer is in force",
                    ));
                }
                steps.push(CoverageStep {
                    from: date,
                    shares: self.coverage_value(ce, sectors)?,
                });
            }
        }
        // Full coverage throughout is no coverage at all (keeps such files bit-identical).
        if steps
            .iter()
            .all(|c| c.shares.iter().all(|x| crate::scenario::is_full(*x)))
        {
            steps.clear();
        }
        Ok(steps)
    }
}
