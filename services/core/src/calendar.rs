//! Calendar dates are Asia/Jakarta (WIB, UTC+7, no daylight saving): "today"
//! is the date there, whatever the server's time zone.

use chrono::{Datelike, NaiveDate, Utc};

pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Jakarta;

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&ZONE).date_naive()
}

/// A date as Indonesians write it, for text people read: `27 November 2026`.
pub fn indonesian_date(day: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    format!(
        "{} {} {}",
        day.day(),
        MONTHS[day.month0() as usize],
        day.year()
    )
}

/// The earliest business date the register accepts.
pub const FIRST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a valid date");
/// The latest business date the register accepts.
pub const LAST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a valid date");

/// The one date parser: exactly `YYYY-MM-DD` (four-digit year, two-digit
/// month and day, no sign, no spaces), a real calendar day, within
/// [`FIRST_DATE`]..=[`LAST_DATE`]. Everything else is `None`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?)?;
    in_range(date).then_some(date)
}

/// Whether a date lies in the accepted business range.
pub fn in_range(date: NaiveDate) -> bool {
    (FIRST_DATE..=LAST_DATE).contains(&date)
}

/// What [`parse_date`] accepts, for error messages.
pub const DATE_RULE: &str = "a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31";

/// Why `text` is not a date [`parse_date`] accepts: a day that does not
/// exist in the calendar (`2026-02-30`) is told apart from text of the wrong
/// form or outside the range. One wording for the API and the command line.
pub fn date_problem(text: &str) -> &'static crate::wording::Wording {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let year: i32 = if shaped {
        text[0..4].parse().unwrap_or(0)
    } else {
        0
    };
    if shaped && (1900..=2199).contains(&year) {
        &crate::wording::NOT_A_CALENDAR_DATE
    } else {
        &crate::wording::NOT_A_DATE
    }
}

/// [`date_problem`] as a person reads it: Bahasa Indonesia, then English.
pub fn date_problem_text(text: &str) -> String {
    let wording = date_problem(text);
    let values = vec![text.to_string()];
    format!(
        "{} / {}",
        wording.indonesian(&values),
        wording.english(&values)
    )
}

/// The calendar quarter containing `date`: (first day, last day).
pub fn quarter_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::Datelike;
    let first_month = (date.month0() / 3) * 3 + 1;
    let start = NaiveDate::from_ymd_opt(date.year(), first_month, 1).expect("valid quarter start");
    let next = if first_month == 10 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), first_month + 3, 1)
    }
    .expect("valid next quarter start");
    (start, next.pred_opt().expect("day before a quarter start"))
}

#[cfg(test)]
mod date_problem_tests {
    use super::*;

    #[test]
    fn an_impossible_day_is_not_a_calendar_date() {
        assert_eq!(
            date_problem_text("2026-02-30"),
            "2026-02-30 bukan tanggal kalender / 2026-02-30 is not a calendar date"
        );
        assert_eq!(date_problem("2026-13-01").code, "NOT_A_CALENDAR_DATE");
        assert_eq!(date_problem("30/02/2026").code, "NOT_A_DATE");
        assert_eq!(date_problem("2300-01-01").code, "NOT_A_DATE");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bounded property pass: whatever the text, the parser never panics and
    /// accepts only what formats back to itself inside the range.
    #[test]
    fn parse_date_accepts_only_canonical_in_range_dates() {
        let noise: Vec<char> = "+- /.T:Z\u{0}é１".chars().collect();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..200_000 {
            // Mostly date-shaped text with random digits, sometimes noise or a length change.
            let len = match next() % 8 {
                0 => (next() % 14) as usize,
                _ => 10,
            };
            let text: String = (0..len)
                .map(|i| match next() % 20 {
                    0 => noise[(next() % noise.len() as u64) as usize],
                    _ if i == 4 || i == 7 => '-',
                    // Leading digits drawn near real dates, so many texts parse.
                    _ => {
                        let range = match i {
                            0 => 3,
                            5 => 2,
                            8 => 4,
                            _ => 10,
                        };
                        char::from(b'0' + (next() % range) as u8)
                    }
                })
                .collect();
            if let Some(date) = parse_date(&text) {
                assert_eq!(date.format("%Y-%m-%d").to_string(), text);
                assert!(in_range(date));
                accepted += 1;
            }
        }
        assert!(
            accepted > 1_000,
            "the generator should reach valid dates too"
        );
        let mut day = FIRST_DATE;
        while day <= LAST_DATE {
            assert_eq!(parse_date(&day.format("%Y-%m-%d").to_string()), Some(day));
            day = day + chrono::Days::new(97);
        }
    }

    #[test]
    fn quarter_bounds() {
        let d = |s| parse_date(s).unwrap();
        assert_eq!(
            quarter_of(d("2026-11-25")),
            (d("2026-10-01"), d("2026-12-31"))
        );
        assert_eq!(
            quarter_of(d("2026-01-01")),
            (d("2026-01-01"), d("2026-03-31"))
        );
        assert_eq!(
            quarter_of(d("2024-05-31")),
            (d("2024-04-01"), d("2024-06-30"))
        );
    }

    #[test]
    fn dates_must_be_iso() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("26-02-03").is_none());
        assert!(parse_date("+2025-01-1").is_none());
        assert!(parse_date("0000-01-01").is_none());
        assert!(parse_date("-001-01-01").is_none());
        assert!(parse_date("1899-12-31").is_none());
        assert!(parse_date("2200-01-01").is_none());
        assert!(parse_date("2026-1-013").is_none());
        assert!(parse_date("2026-02-03 ").is_none());
        assert!(parse_date("２０２６-02-03").is_none());
        assert_eq!(parse_date("1900-01-01"), Some(FIRST_DATE));
        assert_eq!(parse_date("2199-12-31"), Some(LAST_DATE));
        assert_eq!(
            parse_date("2026-02-03"),
            NaiveDate::from_ymd_opt(2026, 2, 3)
        );
    }
}
