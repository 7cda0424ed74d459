//! Calendar dates (proleptic Gregorian), stored as days since 1970-01-01 so that day counts are
//! subtractions.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date. Ordered; `b.days_since(a)` is the number of days from `a` to `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Date {
    days: i32,
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// Earliest and latest years accepted.
    pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

    /// A validated date (year in [`Date::YEARS`], real month and day).
    #[must_use]
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        (Self::YEARS.contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then(|| Self {
            days: days_from_civil(year, month, day),
        })
    }

    /// Parses `YYYY-MM-DD`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        Self::from_ymd(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    /// `(year, month, day)`.
    #[must_use]
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// The next day.
    #[must_use]
    pub fn succ(self) -> Self {
        Self {
            days: self.days + 1,
        }
    }

    /// The previous day.
    #[must_use]
    pub fn pred(self) -> Self {
        Self {
            days: self.days - 1,
        }
    }

    /// The date `n` days later (earlier for negative `n`), if it is within [`Date::YEARS`].
    #[must_use]
    pub fn plus_days(self, n: i64) -> Option<Self> {
        // Beyond 400 years the result is outside YEARS anyway; the bound keeps the calendar
        // arithmetic far from overflow.
        if n.abs() > 146_097 {
            return None;
        }
        let days = i32::try_from(i64::from(self.days) + n).ok()?;
        let d = Self { days };
        Self::YEARS.contains(&d.ymd().0).then_some(d)
    }

    /// Days from `earlier` to `self` (negative if `self` is earlier).
    #[must_use]
    pub fn days_since(self, earlier: Self) -> i64 {
        i64::from(self.days) - i64::from(earlier.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Date::parse(&s).ok_or_else(|| format!("invalid date `{s}`, expected YYYY-MM-DD"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_counts_days() {
        let a = Date::parse("2025-04-10").unwrap();
        let b = Date::parse("2025-05-14").unwrap();
        assert_eq!(b.days_since(a), 34);
        assert_eq!(a.to_string(), "2025-04-10");
        assert_eq!(Date::parse("1970-01-01").unwrap().days, 0);
        // 2024 is a leap year: 366 days.
        let y0 = Date::parse("2024-01-01").unwrap();
        let y1 = Date::parse("2025-01-01").unwrap();
        assert_eq!(y1.days_since(y0), 366);
        assert_eq!(
            Date::parse("2024-02-29").unwrap().succ().to_string(),
            "2024-03-01"
        );
        for k in -40_000..80_000 {
            let d = Date { days: k };
            let (y, m, dd) = d.ymd();
            assert_eq!(
                Date::from_ymd(y, m, dd).map(|x| x.days),
                Some(k).filter(|_| Date::YEARS.contains(&y))
            );
        }
    }

    #[test]
    fn rejects_bad_dates() {
        for s in [
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-4-10",
            "abcd-ef-gh",
            "2025-04-1é",
            "",
        ] {
            assert!(Date::parse(s).is_none(), "{s}");
        }
    }
}
