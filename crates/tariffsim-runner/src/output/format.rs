//! Numbers and lines as the run files write them: floats in shortest round-trip form, one
//! `draws.csv` row, pretty JSON.

use serde::Serialize;

/// Formats a float in shortest round-trip form (plain decimal in a readable range, else
/// scientific).
#[must_use]
pub fn fmt_f64(x: f64) -> String {
    let mut s = Vec::new();
    write_f64(&mut s, x);
    String::from_utf8(s).unwrap_or_default()
}

/// Appends [`fmt_f64`]'s text to `buf` without allocating a `String` per value.
///
/// The text is std's: `{x}` (plain decimal) for `x = 0` and `1e-5 <= |x| < 1e16`, `{x:e}`
/// otherwise, shortest digits that round-trip. Finite non-zero values are formatted with Ryū
/// (`ryu` crate, several times faster than `core::fmt`; a Monte Carlo writes hundreds of values
/// per draw), whose output in exactly that range is plain decimal and elsewhere `d.ddde±x`, with
/// the same shortest, closest digits; a trailing `.0` on integers in plain form (`12.0` for std's
/// `12`) is dropped. Where two shortest digit strings are exactly equally close, Ryū rounds the
/// last digit to even and std up (`…22.2` vs `…22.3`, about 0.15% of random 17-digit values):
/// both read back as the same double. A unit test compares the two on a million values.
pub fn write_f64(buf: &mut Vec<u8>, x: f64) {
    if x == 0.0 {
        // std's text for the zeros (common: every change in a phase without a shock).
        buf.extend_from_slice(if x.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    if !x.is_finite() {
        write_f64_std(buf, x);
        return;
    }
    let mut ryu = ryu::Buffer::new();
    let text = ryu.format_finite(x).as_bytes();
    buf.extend_from_slice(text.strip_suffix(b".0").unwrap_or(text));
}

/// [`write_f64`] through `core::fmt` (the reference the fast path is tested against).
pub(super) fn write_f64_std(buf: &mut Vec<u8>, x: f64) {
    use std::io::Write as _;
    let a = x.abs();
    // Writing to a Vec<u8> cannot fail.
    let _ = if x == 0.0 || (1e-5..1e16).contains(&a) {
        write!(buf, "{x}")
    } else {
        write!(buf, "{x:e}")
    };
}

pub(super) fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).unwrap_or_default();
    v.push(b'\n');
    v
}

/// One `draws.csv` line (with its `\n`) into `line`: `draw,status,reason`, then the values —
/// for a failed draw its parameters and empty metric cells. Written directly rather than field
/// by field through the `csv` crate (hundreds of numeric fields per row, none of which needs
/// quoting); the reason is quoted exactly when the `csv` crate would quote it (it contains a
/// comma, a quote or a line break; quotes doubled). A proptest compares whole rows with the
/// `csv` crate's.
pub(super) fn row_line(
    line: &mut Vec<u8>,
    draw: u64,
    row: &[f64],
    n_params: usize,
    reason: Option<&str>,
) {
    use std::io::Write as _;
    line.clear();
    // Writing to a Vec<u8> cannot fail.
    let _ = write!(line, "{draw}");
    let values = match reason {
        None => {
            line.extend_from_slice(b",ok,");
            row
        }
        Some(r) => {
            line.extend_from_slice(b",failed,");
            if r.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
                line.push(b'"');
                for b in r.bytes() {
                    if b == b'"' {
                        line.push(b'"');
                    }
                    line.push(b);
                }
                line.push(b'"');
            } else {
                line.extend_from_slice(r.as_bytes());
            }
            &row[..n_params]
        }
    };
    for &x in values {
        line.push(b',');
        write_f64(line, x);
    }
    for _ in values.len()..row.len() {
        line.push(b',');
    }
    line.push(b'\n');
}
