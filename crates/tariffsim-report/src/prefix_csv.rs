//! A streaming CSV reader that parses each record only up to the last field it is asked for.
//!
//! `draws.csv` is wide (hundreds of metric columns) while a chart needs a few columns near the
//! front (the sampled parameters and one metric); a general CSV parser walks every byte of every
//! field through its state machine. This reader splits fields with `memchr` and, once it has the
//! fields asked for, skips to the end of the record with one `memchr3` for a quote or a line end
//! (falling back to field-by-field skipping when a quote shows up, so a quoted line break in a
//! skipped field cannot end the record early).
//!
//! Dialect: RFC 4180 as the `csv` crate reads and writes it: `,` separates fields; a field that
//! starts with `"` is quoted, runs to the next `"` not doubled, and may hold `,`, `""` and line
//! breaks; records end at LF, CRLF or a lone CR; empty lines are skipped; the last record may
//! lack a line end; a quote inside an unquoted field is an ordinary byte. Differences from the
//! `csv` crate, on malformed input only: bytes between a closing quote and the next separator
//! keep the field verbatim, quotes included (the `csv` crate joins them to the quoted text), and
//! fields after the ones asked for are not counted, so a record with more or fewer fields than
//! the header is only noticed when a field asked for is missing.

use memchr::{memchr, memchr3};
use std::borrow::Cow;
use std::io::{self, Read};

/// Where a field lies in the buffer, and whether it was quoted (then `""` stands for `"`).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    quoted: bool,
}

/// How far a scan of the buffered bytes got.
enum Scan {
    /// A record ends at this offset (the next record starts there).
    Record(usize),
    /// The buffer ends inside the record: read more and scan it again.
    NeedMore,
    /// No record left.
    End,
}

/// Reads records of `R`, each up to a given number of fields.
pub struct PrefixReader<R> {
    source: R,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    fields: Vec<Span>,
    /// Fields of a quoted-and-escaped kind, unescaped on demand.
    scratch: Vec<u8>,
}

impl<R: Read> PrefixReader<R> {
    /// A reader with a 1 MiB buffer (grown when a record is longer).
    pub fn new(source: R) -> Self {
        Self::with_capacity(1 << 20, source)
    }

    /// A reader with a `capacity`-byte buffer (grown when a record is longer).
    pub fn with_capacity(capacity: usize, source: R) -> Self {
        Self {
            source,
            buf: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            eof: false,
            fields: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Reads the next record's first `count` fields (fewer if the record has fewer; every field
    /// with `usize::MAX`). `Ok(false)` when there is no record left.
    pub fn next_record(&mut self, count: usize) -> io::Result<bool> {
        loop {
            match self.scan(count) {
                Scan::Record(next) => {
                    self.start = next;
                    return Ok(true);
                }
                Scan::End => {
                    self.fields.clear();
                    return Ok(false);
                }
                Scan::NeedMore => self.refill()?,
            }
        }
    }

    /// Number of fields read from the current record.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the current record has no field read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `k` of the current record, unescaped (`""` → `"` in a quoted field).
    #[must_use]
    pub fn field(&mut self, k: usize) -> Option<Cow<'_, [u8]>> {
        let span = *self.fields.get(k)?;
        let raw = &self.buf[span.start..span.end];
        if !span.quoted || memchr(b'"', raw).is_none() {
            return Some(Cow::Borrowed(raw));
        }
        self.scratch.clear();
        let mut rest = raw;
        while let Some(q) = memchr(b'"', rest) {
            // Inside a quoted field every `"` is the first of a doubled pair.
            self.scratch.extend_from_slice(&rest[..=q]);
            rest = rest.get(q + 2..).unwrap_or_default();
        }
        self.scratch.extend_from_slice(rest);
        Some(Cow::Owned(self.scratch.clone()))
    }

    /// Moves the unconsumed bytes to the front and reads more (growing the buffer when one
    /// record fills it).
    fn refill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.end == self.buf.len() {
            self.buf.resize(2 * self.buf.len(), 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(k) => {
                    self.end += k;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Scans one record from `start`, recording its first `count` fields.
    fn scan(&mut self, count: usize) -> Scan {
        let (eof, end) = (self.eof, self.end);
        let b = &self.buf[..end];
        let mut p = self.start;
        // Empty lines are skipped.
        loop {
            match b.get(p) {
                Some(b'\n' | b'\r') => match after_line_end(b, p, eof) {
                    Some(next) => p = next,
                    None => return Scan::NeedMore,
                },
                Some(_) => break,
                None if eof => return Scan::End,
                None => return Scan::NeedMore,
            }
        }
        self.fields.clear();
        let mut skipping = false;
        loop {
            // At the start of a field.
            if !skipping && self.fields.len() >= count {
                // The rest of the record at once, unless a quote could hide a line end.
                match memchr3(b'"', b'\n', b'\r', &b[p..]) {
                    Some(k) if b[p + k] != b'"' => {
                        return after_line_end(b, p + k, eof).map_or(Scan::NeedMore, Scan::Record);
                    }
                    Some(_) => skipping = true,
                    None if eof => return Scan::Record(end),
                    None => return Scan::NeedMore,
                }
            }
            let span;
            if b.get(p) == Some(&b'"') {
                // Quoted: up to the first quote that is not doubled.
                let mut q = p + 1;
                let close = loop {
                    match memchr(b'"', &b[q..]) {
                        None if eof => break end,
                        None => return Scan::NeedMore,
                        Some(k) => {
                            let at = q + k;
                            match b.get(at + 1) {
                                Some(b'"') => q = at + 2,
                                None if !eof => return Scan::NeedMore,
                                _ => break at,
                            }
                        }
                    }
                };
                let after = (close + 1).min(end);
                let stop = match memchr3(b',', b'\n', b'\r', &b[after..]) {
                    Some(k) => after + k,
                    None if eof => end,
                    None => return Scan::NeedMore,
                };
                span = if stop == after {
                    Span {
                        start: p + 1,
                        end: close,
                        quoted: true,
                    }
                } else {
                    // Bytes between the closing quote and the separator (malformed): the field
                    // is kept verbatim, quotes included.
                    Span {
                        start: p,
                        end: stop,
                        quoted: false,
                    }
                };
                p = stop;
            } else {
                let stop = match memchr3(b',', b'\n', b'\r', &b[p..]) {
                    Some(k) => p + k,
                    None if eof => end,
                    None => return Scan::NeedMore,
                };
                span = Span {
                    start: p,
                    end: stop,
                    quoted: false,
                };
                p = stop;
            }
            if !skipping && self.fields.len() < count {
                self.fields.push(span);
            }
            // At a separator, a line end or the end of the data.
            match b.get(p) {
                Some(b',') => p += 1,
                Some(_) => return after_line_end(b, p, eof).map_or(Scan::NeedMore, Scan::Record),
                None => return Scan::Record(end),
            }
        }
    }
}

/// Where the next record starts after the line end at `b[p]` (`\n`, `\r\n` or a lone `\r`, as
/// the `csv` crate reads them); `None` when a `\r` ends the buffered data before the end of the
/// input (a `\n` may follow).
fn after_line_end(b: &[u8], p: usize, eof: bool) -> Option<usize> {
    match (b[p], b.get(p + 1)) {
        (b'\r', Some(b'\n')) => Some(p + 2),
        (b'\r', None) if !eof => None,
        _ => Some(p + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record of `text` as the `csv` crate reads it (no header, any field count).
    fn by_csv_crate(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        r.byte_records()
            .map(|rec| rec.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    fn by_prefix(text: &[u8], count: usize, capacity: usize) -> Vec<Vec<Vec<u8>>> {
        let mut r = PrefixReader::with_capacity(capacity, text);
        let mut out = Vec::new();
        while r.next_record(count).unwrap() {
            out.push(
                (0..r.len())
                    .map(|k| r.field(k).unwrap().into_owned())
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn reads_quotes_line_breaks_and_crlf() {
        let text = b"a,b,c\r\n1,\"x, \"\"y\"\"\nz\",3\n\n4,,\"\"\r\n5,6,7";
        let expect = by_csv_crate(text);
        assert_eq!(expect.len(), 4);
        assert_eq!(by_prefix(text, usize::MAX, 3), expect);
        assert_eq!(by_prefix(text, usize::MAX, 1 << 10), expect);
        // Only the first field: the quoted line break in the skipped field does not split the
        // record.
        let first: Vec<Vec<Vec<u8>>> = expect.iter().map(|r| r[..1].to_vec()).collect();
        assert_eq!(by_prefix(text, 1, 2), first);
    }

    /// Mostly number-like fields, sometimes ones that need quoting.
    fn field() -> impl Strategy<Value = Vec<u8>> {
        let numeric = prop_oneof![Just(b'1'), Just(b'.'), Just(b'-'), Just(b'e')];
        let special = prop_oneof![
            Just(b'"'),
            Just(b','),
            Just(b'\n'),
            Just(b'\r'),
            Just(b'x'),
            Just(b' ')
        ];
        prop_oneof![
            4 => proptest::collection::vec(numeric, 0..6),
            1 => proptest::collection::vec(special, 0..6),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Arbitrary bytes never panic; without quotes (where the two dialects cannot differ)
        /// the fields are the `csv` crate's, whatever the mix of CR, LF, empty lines and empty
        /// fields.
        #[test]
        fn arbitrary_bytes(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'\n'), Just(b'\r'), Just(b'"')],
                0..80,
            ),
            count in 0usize..6,
            capacity in 1usize..16,
        ) {
            let got = by_prefix(&bytes, count, capacity);
            if !bytes.contains(&b'"') {
                let expect: Vec<Vec<Vec<u8>>> = by_csv_crate(&bytes)
                    .into_iter()
                    .map(|r| r.into_iter().take(count).collect())
                    .collect();
                prop_assert_eq!(got, expect);
            }
        }

        /// Whatever the `csv` crate writes (quoting where needed, LF or CRLF), this reader gives
        /// the `csv` crate's fields, for any prefix length and buffer size.
        #[test]
        fn agrees_with_the_csv_crate(
            records in proptest::collection::vec(proptest::collection::vec(field(), 1..8), 1..12),
            crlf in any::<bool>(),
            count in 0usize..10,
            capacity in 1usize..64,
        ) {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            for r in &records {
                w.write_record(r).unwrap();
            }
            let text = w.into_inner().unwrap();
            let expect: Vec<Vec<Vec<u8>>> = by_csv_crate(&text)
                .into_iter()
                .map(|r| r.into_iter().take(count).collect())
                .collect();
            prop_assert_eq!(by_prefix(&text, count, capacity), expect);
        }
    }
}
