//! Unit tests of the float text, the `draws.csv` rows and the shard ranges.

use super::format::{row_line, write_f64_std};
use super::*;

/// The Ryū path writes std's text, except that where two shortest digit strings are
/// equally close (an exact tie in the last digit) Ryū rounds to even and std up: every
/// value still reads back as the same double. Random bit patterns (every exponent), values
/// log-uniform over the magnitudes a run writes, integers, and the ends of the plain range.
#[test]
fn fast_float_text_is_std_text_up_to_last_digit_ties() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut values = vec![
        1e-5,
        -1e-5,
        1e16,
        -1e16,
        9.999_999_999_999_998e15,
        0.1,
        0.5,
        1.0,
        12.0,
        -3.0,
        1e15,
        123_456_789_012_345.0,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        1e-7,
        2.5e-6,
        0.000_01,
        0.000_099_999_999_999_999_99,
        1e21,
        1e22,
        0.3,
        2.0 / 3.0,
    ];
    for k in 0..1_000_000 {
        let bits = next();
        values.push(match k % 4 {
            0 => f64::from_bits(bits),
            1 => {
                let e = (bits % 1000) as f64 / 1000.0 * 26.0 - 8.0;
                let sign = if bits >> 63 == 1 { -1.0 } else { 1.0 };
                sign * 10f64.powf(e) * (1.0 + (bits >> 20) as f64 / (1u64 << 44) as f64)
            }
            2 => ((bits >> 11) % 2_000_000_000) as f64 - 1e9,
            _ => ((bits >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e3,
        });
    }
    let (mut fast, mut reference) = (Vec::new(), Vec::new());
    let (mut checked, mut ties) = (0, 0);
    for &x in values.iter().filter(|x| x.is_finite()) {
        fast.clear();
        reference.clear();
        write_f64(&mut fast, x);
        write_f64_std(&mut reference, x);
        let (a, b) = (
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&reference),
        );
        checked += 1;
        assert_eq!(a.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{a}");
        if a != b {
            // A tie: same length, same text up to the last digit, one apart there.
            ties += 1;
            let (a, b) = (a.as_bytes(), b.as_bytes());
            let last = a.len() - 1;
            assert!(
                a.len() == b.len() && a[..last] == b[..last],
                "{x:e}: {a:?} {b:?}"
            );
            assert_eq!(a[last] + 1, b[last], "{x:e}");
        }
    }
    // Ties are rare (about 0.15% of random values, none among short decimals).
    assert!(ties * 200 < checked, "{ties} ties of {checked}");
    for x in [
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.1,
        1.45,
        12.0,
    ] {
        assert_eq!(fmt_f64(x), format!("{x}"));
    }
}

/// Rows written directly are the `csv` crate's rows, byte for byte: any reason text
/// (commas, quotes, line breaks, unicode, empty), any values, ok or failed.
#[test]
fn rows_are_the_csv_crates() {
    use proptest::prelude::*;
    let reason = prop_oneof![
        proptest::string::string_regex("[a-z ,\"\r\n#'\t;]{0,12}").unwrap(),
        proptest::string::string_regex(".{0,8}").unwrap(),
    ];
    let values = proptest::collection::vec(any::<f64>(), 0..8);
    proptest!(ProptestConfig::with_cases(1000), |(
        draw in any::<u64>(),
        values in values,
        n_params in 0usize..4,
        reason in proptest::option::of(reason),
    )| {
        let n_params = n_params.min(values.len());
        let mut line = Vec::new();
        row_line(&mut line, draw, &values, n_params, reason.as_deref());
        let mut fields: Vec<Vec<u8>> = vec![
            draw.to_string().into_bytes(),
            if reason.is_some() { b"failed".to_vec() } else { b"ok".to_vec() },
            reason.clone().unwrap_or_default().into_bytes(),
        ];
        for (k, &x) in values.iter().enumerate() {
            let mut cell = Vec::new();
            if reason.is_none() || k < n_params {
                write_f64(&mut cell, x);
            }
            fields.push(cell);
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&fields).unwrap();
        let expect = w.into_inner().unwrap();
        prop_assert_eq!(
            String::from_utf8_lossy(&line),
            String::from_utf8_lossy(&expect)
        );
    });
}

#[test]
fn shard_ranges_partition() {
    for draws in [0u64, 1, 7, 100, 1001] {
        for n in 1..6 {
            let mut next = 0;
            for k in 1..=n {
                let (a, b) = shard_range(draws, k, n).unwrap();
                assert_eq!(a, next);
                next = b;
            }
            assert_eq!(next, draws);
        }
    }
    assert!(shard_range(10, 0, 3).is_err());
    assert!(shard_range(10, 4, 3).is_err());
}

#[test]
fn float_format_round_trips() {
    for x in [
        0.0,
        -0.0,
        1.0,
        0.1,
        1e-20,
        -3.7e300,
        123_456.789,
        5e-6,
        f64::MIN_POSITIVE,
    ] {
        let s = fmt_f64(x);
        assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
    }
}
