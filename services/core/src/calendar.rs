//! Calendar dates are Asia/Jakarta (WIB, UTC+7, no daylight saving): "today"
//! is the date there, whatever the server's time zone.

use chrono::{NaiveDate, Utc};

pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Jakarta;

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&ZONE).date_naive()
}

/// Parses an ISO `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
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
mod tests {
    use super::*;

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
        assert_eq!(
            parse_date("2026-02-03"),
            NaiveDate::from_ymd_opt(2026, 2, 3)
        );
    }
}
