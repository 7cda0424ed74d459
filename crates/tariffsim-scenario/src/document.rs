//! The raw document: TOML parsed into an owned tree whose every key and value knows its file and
//! byte span, with `extends` parents merged in.
//!
//! Merge rule (child over parent): tables merge key by key, recursively; the arrays of tables
//! `layer`, `rule` and `retaliation` merge element by element, matched on `name` (a child element
//! with a parent's name is merged into it key by key; other elements are appended); any other
//! value replaces the parent's, and remembers it (so `rate = "+5pp"` can be relative to the
//! inherited rate).

use crate::diag::{Diagnostic, Loc, SourceFile, did_you_mean};
use crate::error::ScenarioError;
use std::path::{Path, PathBuf};

/// Most `extends` levels followed before giving up (a guard; cycles are caught separately).
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Deepest nesting of arrays and tables accepted (a scenario needs 4; the guard keeps recursion
/// bounded on hostile input).
pub const MAX_NESTING: usize = 32;

/// A value in the tree.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Date(toml::value::Datetime),
    Array(Vec<Node>),
    Table(Table),
}

/// A value with its location; `inherited` is the parent's value it overrides, if any.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub loc: Loc,
    pub val: Val,
    pub inherited: Option<Box<Node>>,
}

/// One `key = value` entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_loc: Loc,
    pub node: Node,
}

/// A table: entries in key order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl Val {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Float(_) => "a float",
            Val::Bool(_) => "a boolean",
            Val::Date(_) => "a date",
            Val::Array(_) => "an array",
            Val::Table(_) => "a table",
        }
    }
}

/// Largest scenario file read (1 MiB is ~10,000 layers; `check /dev/zero` must not read forever).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads a scenario file: at most [`MAX_SCENARIO_BYTES`] (a larger file or an endless stream is
/// an error, read no further than the cap), valid UTF-8 (an invalid byte is reported with its
/// line, column and byte offset).
pub fn read_scenario_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB: not a scenario file",
                MAX_SCENARIO_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..at];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8: invalid byte 0x{:02x} at line {line}, column {column} (byte offset {at})",
                e.as_bytes()[at]
            ),
        )
    })
}

/// A parsed scenario file with its `extends` chain merged; not yet checked against a baseline.
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) files: Vec<SourceFile>,
    pub(crate) root: Table,
}

impl Document {
    /// Reads `path` and every file it `extends` from disk.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let mut read = |p: &Path| read_scenario_text(p);
        Self::load_with(path, &mut read)
    }

    /// Parses `text` as if read from `path`; `extends` are read from disk relative to it.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, ScenarioError> {
        let main = path.to_path_buf();
        let text = text.to_string();
        let mut read = |p: &Path| {
            if p == main {
                Ok(text.clone())
            } else {
                read_scenario_text(p)
            }
        };
        Self::load_with(path, &mut read)
    }

    /// Loads with a custom reader (used by tests and the fuzzer to stay off the disk).
    pub fn load_with(
        path: &Path,
        read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
    ) -> Result<Self, ScenarioError> {
        let mut files = Vec::new();
        let mut stack = Vec::new();
        let root = load_rec(path, None, read, &mut files, &mut stack)?;
        Ok(Self { files, root })
    }

    /// The files read, the scenario first, then its parents.
    #[must_use]
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// A diagnostic at `loc`.
    pub(crate) fn diag(&self, loc: Loc, message: impl Into<String>) -> Diagnostic {
        match self.files.get(loc.file) {
            Some(f) => Diagnostic::at(f, loc.start, loc.end, message),
            None => Diagnostic::file(PathBuf::from("<scenario>"), message),
        }
    }

    /// The directory of the file `loc` is in (for relative paths written there).
    pub(crate) fn dir_of(&self, loc: Loc) -> PathBuf {
        self.files
            .get(loc.file)
            .and_then(|f| f.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The path of the main file.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.files
            .first()
            .map_or(Path::new(""), |f| f.path.as_path())
    }
}

fn identity(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| normalize(p))
}

/// Lexical normalisation (`a/./b/../c` -> `a/c`) for paths that do not exist on disk.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Where the `extends` that led here was written (for errors about the parent file).
type Origin = (usize, Loc);

fn load_rec(
    path: &Path,
    origin: Option<Origin>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<String>,
    files: &mut Vec<SourceFile>,
    stack: &mut Vec<PathBuf>,
) -> Result<Table, ScenarioError> {
    let origin_diag = |files: &[SourceFile], message: String| -> ScenarioError {
        let d = match origin.and_then(|(_, loc)| files.get(loc.file).map(|f| (f, loc))) {
            Some((f, loc)) => Diagnostic::at(f, loc.start, loc.end, message),
            None => Diagnostic::file(path.to_path_buf(), message),
        };
        ScenarioError::from(d)
    };
    let id = identity(path);
    if let Some(pos) = stack.iter().position(|p| *p == id) {
        let chain: Vec<String> = stack[pos..]
            .iter()
            .chain(std::iter::once(&id))
            .map(|p| {
                format!(
                    "`{}`",
                    p.file_name().map_or(p.as_os_str(), |n| n).to_string_lossy()
                )
            })
            .collect();
        return Err(origin_diag(
            files,
            format!("`extends` cycle: {}", chain.join(" -> ")),
        ));
    }
    if stack.len() >= MAX_EXTENDS_DEPTH {
        return Err(origin_diag(
            files,
            format!("`extends` chain deeper than {MAX_EXTENDS_DEPTH} files"),
        ));
    }
    let text = match read(path) {
        Ok(t) => t,
        Err(e) => {
            let msg = if origin.is_some() {
                format!("cannot read extended file `{}`: {e}", path.display())
            } else {
                format!("cannot read scenario file `{}`: {e}", path.display())
            };
            return Err(origin_diag(files, msg));
        }
    };
    let file_index = files.len();
    files.push(SourceFile {
        path: path.to_path_buf(),
        text,
    });
    let parsed = toml::de::DeTable::parse(&files[file_index].text);
    let table = match parsed {
        Ok(t) => convert_table(t.get_ref(), file_index, 0).map_err(|(loc, msg)| {
            ScenarioError::from(
                Diagnostic::at(&files[file_index], loc.start, loc.end, msg)
                    .expected("a valid TOML value"),
            )
        })?,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let first = e.message().lines().next().unwrap_or("invalid TOML").trim();
            return Err(Diagnostic::at(
                &files[file_index],
                span.start,
                span.end,
                format!("TOML syntax error: {first}"),
            )
            .expected("valid TOML (https://toml.io)")
            .into());
        }
    };
    let Some(ext) = table.get("extends") else {
        return Ok(table);
    };
    let Val::Str(rel) = &ext.node.val else {
        return Err(Diagnostic::at(
            &files[file_index],
            ext.node.loc.start,
            ext.node.loc.end,
            format!(
                "`extends` must be a string, found {}",
                ext.node.val.type_name()
            ),
        )
        .expected("a path such as \"truce_20.toml\", relative to this file")
        .into());
    };
    let parent_path = path.parent().unwrap_or(Path::new("")).join(rel);
    stack.push(id);
    let parent = load_rec(
        &parent_path,
        Some((file_index, ext.node.loc)),
        read,
        files,
        stack,
    )?;
    stack.pop();
    Ok(merge_tables(parent, table, true))
}

type ConvertError = (Loc, String);

fn convert_table(
    t: &toml::de::DeTable<'_>,
    file: usize,
    depth: usize,
) -> Result<Table, ConvertError> {
    let mut entries = Vec::with_capacity(t.len());
    for (k, v) in t.iter() {
        let ks = k.span();
        entries.push(Entry {
            key: k.get_ref().to_string(),
            key_loc: Loc {
                file,
                start: ks.start,
                end: ks.end,
            },
            node: convert(v, file, depth)?,
        });
    }
    // Source order reads better in messages than the parser's key order.
    entries.sort_by_key(|e| e.key_loc.start);
    Ok(Table { entries })
}

fn convert(
    v: &toml::Spanned<toml::de::DeValue<'_>>,
    file: usize,
    depth: usize,
) -> Result<Node, ConvertError> {
    use toml::de::DeValue;
    let span = v.span();
    let loc = Loc {
        file,
        start: span.start,
        end: span.end,
    };
    if depth > MAX_NESTING {
        return Err((
            loc,
            format!("values nested deeper than {MAX_NESTING} levels"),
        ));
    }
    let val = match v.get_ref() {
        DeValue::String(s) => Val::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|&c| c != '_').collect();
            let n = i128::from_str_radix(&digits, i.radix())
                .map_err(|_| (loc, format!("integer `{}` is out of range", i.as_str())))?;
            Val::Int(n)
        }
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|&c| c != '_').collect();
            let x = match text.trim_start_matches('+') {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" | "-nan" => f64::NAN,
                other => other
                    .parse::<f64>()
                    .map_err(|_| (loc, format!("invalid float `{}`", f.as_str())))?,
            };
            Val::Float(x)
        }
        DeValue::Boolean(b) => Val::Bool(*b),
        DeValue::Datetime(d) => Val::Date(*d),
        DeValue::Array(a) => Val::Array(
            a.iter()
                .map(|x| convert(x, file, depth + 1))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        DeValue::Table(t) => Val::Table(convert_table(t, file, depth + 1)?),
    };
    Ok(Node {
        loc,
        val,
        inherited: None,
    })
}

/// Arrays of tables merged element-wise by `name`.
const NAMED_ARRAYS: &[&str] = &["layer", "rule", "retaliation"];

fn name_of(node: &Node) -> Option<&str> {
    match &node.val {
        Val::Table(t) => match t.get("name").map(|e| &e.node.val) {
            Some(Val::Str(s)) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

fn merge_tables(parent: Table, child: Table, top: bool) -> Table {
    let mut out = parent;
    for e in child.entries {
        if top && e.key == "extends" {
            continue;
        }
        let Some(pos) = out.entries.iter().position(|p| p.key == e.key) else {
            out.entries.push(e);
            continue;
        };
        let old = out.entries.remove(pos);
        let node = merge_nodes(&e.key, old.node, e.node);
        out.entries.insert(
            pos,
            Entry {
                key: e.key,
                key_loc: e.key_loc,
                node,
            },
        );
    }
    if top {
        out.entries.retain(|e| e.key != "extends");
    }
    out
}

fn merge_nodes(key: &str, old: Node, new: Node) -> Node {
    match (old.val, new.val) {
        (Val::Table(a), Val::Table(b)) => Node {
            loc: new.loc,
            val: Val::Table(merge_tables(a, b, false)),
            inherited: None,
        },
        (Val::Array(a), Val::Array(b)) if NAMED_ARRAYS.contains(&key) => {
            let mut items = a;
            for item in b {
                let pos =
                    name_of(&item).and_then(|n| items.iter().position(|p| name_of(p) == Some(n)));
                match pos {
                    Some(p) => {
                        let prev = items.remove(p);
                        items.insert(p, merge_nodes("", prev, item));
                    }
                    None => items.push(item),
                }
            }
            Node {
                loc: new.loc,
                val: Val::Array(items),
                inherited: None,
            }
        }
        (old_val, new_val) => Node {
            loc: new.loc,
            val: new_val,
            inherited: Some(Box::new(Node {
                loc: old.loc,
                val: old_val,
                inherited: old.inherited,
            })),
        },
    }
}

/// Checks a table's keys against the allowed list: the error names the key and suggests the
/// nearest allowed one.
pub(crate) fn check_keys(
    doc: &Document,
    table: &Table,
    section: &str,
    allowed: &[&str],
) -> Result<(), ScenarioError> {
    for e in &table.entries {
        if !allowed.contains(&e.key.as_str()) {
            return Err(doc
                .diag(
                    e.key_loc,
                    format!(
                        "unknown key `{}` in {section}{}",
                        e.key,
                        did_you_mean(&e.key, allowed.iter().copied())
                    ),
                )
                .expected(format!("one of {}", list(allowed)))
                .into());
        }
    }
    Ok(())
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
