//! The `baseline` key: a baseline name (or path), or a `[baseline]` table with `name` and
//! `sectors` — the sectors to aggregate the baseline to before the file is resolved against it
//! (`"coarse13"`, sector and sector-group codes, or a grouping file `sector,group[,name]`;
//! `tariffsim_core::SectorGrouping`, [`crate::grouping_file`]).

use crate::diag::{Diagnostic, Loc, did_you_mean};
use crate::document::{Document, Entry, Node, Val, list};
use crate::error::{Result, ScenarioError};
use crate::grouping_file::{self, is_grouping_file};
use crate::keys::BASELINE_KEYS;
use crate::scenario::Scenario;
use tariffsim_core::aggregate::named_groupings;
use tariffsim_core::{Baseline, CoreError, SectorGrouping, SectorSet};

/// How [`Document::resolve_with`] (and [`crate::load_with`]) prepares the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Sectors to aggregate the baseline to, overriding the file's `[baseline] sectors` (the
    /// command line's `--sectors`): a named grouping (`coarse13`), sector and sector-group
    /// codes separated by commas, or a grouping file (`.csv`, relative to the working directory).
    pub sectors: Option<String>,
}

/// The `sectors` of `[baseline]` as written: a string, or an array of codes.
enum SectorsSpec<'d> {
    Text(&'d str, Loc),
    Codes(Vec<(&'d str, Loc)>, Loc),
}

impl Document {
    /// The baseline the file names: a built-in name as written, or — when the value contains a
    /// path separator or a `.` — a path resolved relative to the file that names it. The name is
    /// `baseline = "..."` or the `name` of a `[baseline]` table (which, in a file that `extends`
    /// another, may be left to the parent's `baseline`).
    pub fn baseline_ref(&self) -> Result<String> {
        crate::resolve::lint_keys(self)?;
        let Some(e) = self.root.get("baseline") else {
            return Err(self
                .diag(Loc::default(), "missing key `baseline`")
                .expected("baseline = \"world2024\" (a built-in name) or a path to a baseline file")
                .into());
        };
        let node = self.baseline_name_node(e)?;
        match &node.val {
            Val::Str(s) if s.contains(['/', '\\', '.']) => {
                Ok(self.dir_of(node.loc).join(s).to_string_lossy().into_owned())
            }
            Val::Str(s) if !s.trim().is_empty() => Ok(s.clone()),
            other => Err(self
                .diag(
                    node.loc,
                    format!(
                        "`baseline` must be a non-empty string or a table, found {}",
                        if matches!(other, Val::Str(_)) {
                            "an empty string"
                        } else {
                            other.type_name()
                        }
                    ),
                )
                .expected("a built-in baseline name such as \"world2024\", or a path")
                .into()),
        }
    }

    /// The node holding the baseline's name: the value of `baseline`, or the `name` of the
    /// `[baseline]` table, or the parent's name it inherits.
    fn baseline_name_node<'d>(&'d self, e: &'d Entry) -> Result<&'d Node> {
        let Val::Table(t) = &e.node.val else {
            return Ok(&e.node);
        };
        if let Some(n) = t.get("name") {
            return Ok(&n.node);
        }
        // `[baseline]` over a parent's `baseline = "..."`: the table replaced the string.
        if let Some(parent) = e.node.inherited.as_deref()
            && matches!(parent.val, Val::Str(_))
        {
            return Ok(parent);
        }
        Err(self
            .diag(e.key_loc, "missing key `name` in [baseline]")
            .expected("name = \"world2024\" (a built-in name) or a path to a baseline file")
            .into())
    }

    /// A diagnostic at the baseline's name (for the caller's baseline-loading errors).
    #[must_use]
    pub fn baseline_error(&self, message: impl Into<String>) -> ScenarioError {
        let loc = self
            .root
            .get("baseline")
            .map(|e| {
                self.baseline_name_node(e)
                    .map_or(e.node.loc, |node| node.loc)
            })
            .unwrap_or_default();
        self.diag(loc, message).into()
    }

    /// The `sectors` of the `[baseline]` table as written (`None` without one).
    fn sectors_spec(&self) -> Result<Option<SectorsSpec<'_>>> {
        let Some(Val::Table(t)) = self.root.get("baseline").map(|e| &e.node.val) else {
            return Ok(None);
        };
        let Some(e) = t.get("sectors") else {
            return Ok(None);
        };
        let expected = "a named grouping such as \"coarse13\", or sector and sector-group codes (a comma-separated string or an array of strings)";
        let wrong = |loc: Loc, found: &str| -> ScenarioError {
            self.diag(
                loc,
                format!("`sectors` must be a string or an array of strings, found {found}"),
            )
            .expected(expected)
            .into()
        };
        match &e.node.val {
            Val::Str(s) => Ok(Some(SectorsSpec::Text(s, e.node.loc))),
            Val::Array(items) if !items.is_empty() => items
                .iter()
                .map(|n| match &n.val {
                    Val::Str(s) => Ok((s.as_str(), n.loc)),
                    other => Err(wrong(n.loc, other.type_name())),
                })
                .collect::<Result<Vec<_>>>()
                .map(|codes| Some(SectorsSpec::Codes(codes, e.node.loc))),
            Val::Array(_) => Err(wrong(e.node.loc, "an empty array")),
            other => Err(wrong(e.node.loc, other.type_name())),
        }
    }

    /// The baseline with its sectors aggregated as `options.sectors` or, without it, the file's
    /// `[baseline] sectors` say; returns the grouping's label too (`None`: not aggregated).
    pub fn prepare_baseline(
        &self,
        baseline: Baseline,
        options: &LoadOptions,
    ) -> Result<(Baseline, Option<String>)> {
        // The file's key is checked even when the command line overrides it.
        let from_file = self.sectors_spec()?;
        let file_loc = match &from_file {
            Some(SectorsSpec::Text(_, loc) | SectorsSpec::Codes(_, loc)) => *loc,
            None => Loc::default(),
        };
        let set = baseline.sectors();
        // An override has no place in the file: its errors name the file and the baseline.
        let override_error = |spec: &str, e: &CoreError| -> ScenarioError {
            Diagnostic::file(
                self.path().to_path_buf(),
                format!(
                    "cannot aggregate the sectors of baseline `{}` to `{}`: {}",
                    baseline.provenance().name,
                    spec.trim(),
                    grouping_message(e, set)
                ),
            )
            .expected(GROUPING_EXPECTED)
            .into()
        };
        let grouping = match (&options.sectors, from_file) {
            // A grouping file: relative to the working directory on the command line, to the
            // scenario file in it.
            (Some(spec), _) if is_grouping_file(spec) => {
                grouping_file::read(spec, std::path::Path::new(spec.trim()), set)?
            }
            (None, Some(SectorsSpec::Text(spec, loc))) if is_grouping_file(spec) => {
                grouping_file::read(spec, &self.dir_of(loc).join(spec.trim()), set)?
            }
            (Some(spec), _) => {
                SectorGrouping::parse(spec, set).map_err(|e| override_error(spec, &e))?
            }
            (None, Some(SectorsSpec::Text(spec, loc))) => {
                SectorGrouping::parse(spec, set).map_err(|e| self.grouping_error(loc, &e, set))?
            }
            (None, Some(SectorsSpec::Codes(codes, loc))) => {
                let plain: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
                SectorGrouping::from_codes(&plain.join(","), &plain, set).map_err(|e| {
                    let at = match &e {
                        CoreError::UnknownGroupingCode { code, .. } => codes
                            .iter()
                            .find(|(c, _)| c == code)
                            .map_or(loc, |(_, l)| *l),
                        _ => loc,
                    };
                    self.grouping_error(at, &e, set)
                })?
            }
            (None, None) => return Ok((baseline, None)),
        };
        let aggregated =
            baseline
                .aggregate_sectors(&grouping)
                .map_err(|e| match &options.sectors {
                    Some(spec) => override_error(spec, &e),
                    None => self.grouping_error(file_loc, &e, set),
                })?;
        Ok((aggregated, Some(grouping.label().to_string())))
    }

    fn grouping_error(&self, loc: Loc, e: &CoreError, set: &SectorSet) -> ScenarioError {
        self.diag(loc, grouping_message(e, set))
            .expected(GROUPING_EXPECTED)
            .hint("`tariffsim baseline show` lists the baseline's sectors and sector groups")
            .into()
    }

    /// Asks `resolver` for the baseline the file names (an `Err` message is reported at the
    /// baseline's name), aggregates its sectors when `options` or `[baseline] sectors` ask
    /// (before anything else is resolved: layers name sectors of the aggregated baseline), and
    /// resolves. Returns the baseline the scenario was resolved against.
    pub fn resolve_with<E: std::fmt::Display>(
        &self,
        options: &LoadOptions,
        resolver: impl FnOnce(&str) -> std::result::Result<Baseline, E>,
    ) -> Result<(Scenario, Baseline)> {
        let name = self.baseline_ref()?;
        let baseline = resolver(&name)
            .map_err(|e| self.baseline_error(format!("cannot load baseline `{name}`: {e}")))?;
        let (baseline, sectors) = self.prepare_baseline(baseline, options)?;
        let scenario = crate::resolve::resolve(self, &baseline, &name, sectors.as_deref())?;
        Ok((scenario, baseline))
    }
}

const GROUPING_EXPECTED: &str = "a named grouping (\"coarse13\"), sector and sector-group codes of the baseline separated by commas, or a grouping file (.csv: sector,group), each sector in exactly one";

/// The message of a grouping error, with a did-you-mean for an unknown code.
fn grouping_message(e: &CoreError, set: &SectorSet) -> String {
    let codes = || {
        set.sectors()
            .iter()
            .map(|s| s.code.as_str())
            .chain(set.groups().iter().map(|g| g.code.as_str()))
    };
    match e {
        CoreError::UnknownGroupingCode { grouping, code } if grouping.trim() == code => {
            let named = named_groupings();
            format!(
                "unknown sectors `{code}`: neither a named grouping ({}) nor a sector or sector group of the baseline{}",
                list(&named),
                did_you_mean(code, named.iter().copied().chain(codes()))
            )
        }
        CoreError::UnknownGroupingCode { grouping, code } => format!(
            "unknown sector `{code}` in sectors `{grouping}`{}",
            did_you_mean(code, codes())
        ),
        other => other.to_string(),
    }
}

/// The entries of a `[baseline]` table that are not among its keys (for
/// [`crate::resolve::lint_keys`]).
pub(crate) fn unknown_baseline_keys(doc: &Document) -> Vec<&Entry> {
    let Some(Val::Table(t)) = doc.root.get("baseline").map(|e| &e.node.val) else {
        return Vec::new();
    };
    t.entries
        .iter()
        .filter(|e| !BASELINE_KEYS.contains(&e.key.as_str()))
        .collect()
}
