//! Declared dates, as people write them: `2026-01-04`, `2026-01-04T10:00Z`,
//! `January 2, 2026`, `2 Jan 2026`, `2026/01/04`.

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        ((1900..=2999).contains(&year) && (1..=days).contains(&day)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// The date of an RFC 3339 time or `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let y = s.get(0..4)?.parse().ok()?;
        let m = s.get(5..7)?.parse().ok()?;
        let d = s.get(8..10)?.parse().ok()?;
        (s.as_bytes().get(4) == Some(&b'-')).then_some(())?;
        Date::new(y, m, d)
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn days(self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    (full[i].starts_with(&w) || w == "sept").then_some(i as u32 + 1)
}

/// The first date in `text`, if it has one.
pub fn find_date(text: &str) -> Option<Date> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        // 2026-01-04, 2026/01/04, 2026-01-04T10:00:00Z
        let digits: Vec<&str> = w.split(['-', '/', 'T']).collect();
        if digits.len() >= 3
            && digits[0].len() == 4
            && let (Ok(y), Ok(m), Ok(d)) = (
                digits[0].parse(),
                digits[1].parse(),
                digits[2]
                    .get(..2.min(digits[2].len()))
                    .unwrap_or("")
                    .parse(),
            )
            && let Some(date) = Date::new(y, m, d)
        {
            return Some(date);
        }
        // 20260104 in names like ROLLBACK_DRILL_20260320.
        if w.len() == 8 && w.bytes().all(|b| b.is_ascii_digit()) {
            let (y, m, d) = (&w[..4], &w[4..6], &w[6..]);
            if let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse())
                && let Some(date) = Date::new(y, m, d)
            {
                return Some(date);
            }
        }
        // January 2, 2026 / Jan 2 2026
        if let Some(m) = month(w) {
            let day = words
                .get(i + 1)
                .map(|s| s.trim_end_matches(['s', 't', 'n', 'd', 'r', 'h']));
            let year = words.get(i + 2);
            if let (Some(d), Some(y)) = (day, year)
                && let (Ok(d), Ok(y)) = (d.parse(), y.trim_end_matches('.').parse())
                && let Some(date) = Date::new(y, m, d)
            {
                return Some(date);
            }
        }
        // 2 January 2026
        if let Ok(d) = w
            .trim_end_matches(['s', 't', 'n', 'd', 'r', 'h'])
            .parse::<u32>()
            && let (Some(mw), Some(y)) = (words.get(i + 1), words.get(i + 2))
            && let Some(m) = month(mw.trim_end_matches('.'))
            && let Ok(y) = y.trim_end_matches('.').parse()
            && let Some(date) = Date::new(y, m, d)
        {
            return Some(date);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_written() {
        let d = |s: &str| find_date(s).map(Date::iso);
        assert_eq!(d("2026-01-04").as_deref(), Some("2026-01-04"));
        assert_eq!(d("2026-01-04T10:00:00Z").as_deref(), Some("2026-01-04"));
        assert_eq!(d("January 2, 2026").as_deref(), Some("2026-01-02"));
        assert_eq!(d("Jan 2 2026 (GMT)").as_deref(), Some("2026-01-02"));
        assert_eq!(d("2nd January 2026").as_deref(), Some("2026-01-02"));
        assert_eq!(d("2026/02/29"), None); // not a leap year
        assert_eq!(d("ROLLBACK_DRILL_20260320").as_deref(), None); // one word
        assert_eq!(d("drill 20260320").as_deref(), Some("2026-03-20"));
        assert_eq!(d("TBD"), None);
        assert_eq!(d("May the fourth"), None);
    }

    #[test]
    fn day_numbers() {
        assert_eq!(Date::new(1970, 1, 1).map(Date::days), Some(0));
        assert_eq!(Date::new(2026, 11, 21).map(Date::days), Some(20_778));
        let a = Date::new(2024, 2, 28).map(Date::days).unwrap_or(0);
        let b = Date::new(2024, 3, 1).map(Date::days).unwrap_or(0);
        assert_eq!(b - a, 2);
    }
}
