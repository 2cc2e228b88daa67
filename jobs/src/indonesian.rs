//! Numbers and dates as Indonesians write them, for text people read (the
//! meeting pack): `1.234` (dot between thousands), `Rp 1.250.000.000`,
//! `12,5 %` (decimal comma), `27 November 2026`.

use chrono::{Datelike, NaiveDate};

/// `1234567` → `1.234.567`.
pub fn integer(value: i128) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    if value < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// An exact decimal amount of rupiah (`"611250000.5000"`) rounded half up to
/// whole rupiah: `Rp 611.250.001`. `None` when the text is not a decimal.
pub fn rupiah(decimal: &str) -> Option<String> {
    let (negative, digits) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut value: i128 = whole.parse().ok()?;
    if fraction.as_bytes().first().is_some_and(|d| *d >= b'5') {
        value += 1;
    }
    Some(format!(
        "Rp {}",
        integer(if negative { -value } else { value })
    ))
}

/// An exact decimal (`"611250000.5000"`) with a dot between thousands and a
/// decimal comma, without trailing zeros: `611.250.000,5`. Text that is not
/// a decimal is returned as it is.
pub fn decimal(text: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let Ok(whole_value) = whole.parse::<i128>() else {
        return text.to_string();
    };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if negative { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{}", integer(whole_value))
    } else {
        format!("{sign}{},{fraction}", integer(whole_value))
    }
}

/// A ratio (`0.125`) as a percentage with one decimal: `12,5 %`.
pub fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0).replace('.', ",")
}

/// `27 November 2026`.
pub fn date(day: NaiveDate) -> String {
    kerjasama_core::calendar::indonesian_date(day)
}

/// `27 Nov 2026` (the short month names: Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des).
pub fn short_date(day: NaiveDate) -> String {
    const SHORT: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ];
    format!(
        "{} {} {}",
        day.day(),
        SHORT[day.month0() as usize],
        day.year()
    )
}

/// "lewat 463 hari" for a negative count of days to the end, else the count.
pub fn days_left(days: i64) -> String {
    if days < 0 {
        format!("lewat {} hari", integer(i128::from(-days)))
    } else {
        format!("{} hari", integer(i128::from(days)))
    }
}

const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

/// A cycle: its ordinal (consecutive cycles differ by one), year and part.
type CycleKey = (i32, i32, usize);

/// A cycle's ordinal (consecutive cycles differ by one) and its parts.
fn ordinal(cycle: &str, start: NaiveDate) -> CycleKey {
    let year = start.year();
    match cycle {
        "SEMESTER" => {
            let s = if start.month() <= 6 { 0 } else { 1 };
            (year * 2 + s as i32, year, s)
        }
        "YEARLY" => (year, year, 0),
        _ => {
            let q = ((start.month() - 1) / 3) as usize;
            (year * 4 + q as i32, year, q)
        }
    }
}

fn cycle_name(cycle: &str, year: i32, part: usize, with_year: bool) -> String {
    let year_text = if with_year {
        format!(" {year}")
    } else {
        String::new()
    };
    match cycle {
        "SEMESTER" => format!("Semester {}{year_text}", ROMAN[part]),
        "YEARLY" => year.to_string(),
        _ => format!("Triwulan {}{year_text}", ROMAN[part]),
    }
}

/// Cycles written compactly: consecutive ones as a range ("Triwulan I–III
/// 2026", "Triwulan IV 2025 – Triwulan I 2026", "2024–2026"), others listed.
pub fn cycles(cycle: &str, starts: &[NaiveDate]) -> String {
    let mut keyed: Vec<CycleKey> = starts.iter().map(|s| ordinal(cycle, *s)).collect();
    keyed.sort();
    keyed.dedup();
    let mut runs: Vec<(CycleKey, CycleKey)> = Vec::new();
    for key in keyed {
        match runs.last_mut() {
            Some((_, last)) if last.0 + 1 == key.0 => *last = key,
            _ => runs.push((key, key)),
        }
    }
    runs.iter()
        .map(|(first, last)| {
            if first == last {
                cycle_name(cycle, first.1, first.2, true)
            } else if cycle == "YEARLY" {
                format!("{}–{}", first.1, last.1)
            } else if first.1 == last.1 {
                format!(
                    "{}–{} {}",
                    cycle_name(cycle, first.1, first.2, false),
                    ROMAN[last.2],
                    first.1
                )
            } else {
                format!(
                    "{} – {}",
                    cycle_name(cycle, first.1, first.2, true),
                    cycle_name(cycle, last.1, last.2, true)
                )
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_read_as_indonesians_write_them() {
        assert_eq!(integer(0), "0");
        assert_eq!(integer(999), "999");
        assert_eq!(integer(1_234), "1.234");
        assert_eq!(integer(1_250_000_000), "1.250.000.000");
        assert_eq!(integer(-12_345), "-12.345");
        assert_eq!(rupiah("1250000000").as_deref(), Some("Rp 1.250.000.000"));
        assert_eq!(rupiah("611250000.0000").as_deref(), Some("Rp 611.250.000"));
        assert_eq!(rupiah("611250000.5000").as_deref(), Some("Rp 611.250.001"));
        assert_eq!(rupiah("-1500.4").as_deref(), Some("Rp -1.500"));
        assert_eq!(rupiah("1e9"), None);
        assert_eq!(decimal("611250000.5000"), "611.250.000,5");
        assert_eq!(decimal("1200.0000"), "1.200");
        assert_eq!(decimal("-0.25"), "-0,25");
        assert_eq!(decimal("n/a"), "n/a");
        assert_eq!(percent(0.125), "12,5 %");
        assert_eq!(percent(1.0), "100,0 %");
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(date(day), "27 November 2026");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()),
            "1 Agustus 2026"
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn cycles_are_written_compactly() {
        assert_eq!(
            cycles("QUARTERLY", &[d(2026, 1, 1), d(2026, 4, 1), d(2026, 7, 1)]),
            "Triwulan I–III 2026"
        );
        assert_eq!(
            cycles("QUARTERLY", &[d(2025, 10, 1), d(2026, 1, 1)]),
            "Triwulan IV 2025 – Triwulan I 2026"
        );
        assert_eq!(
            cycles("QUARTERLY", &[d(2025, 1, 1), d(2025, 7, 1)]),
            "Triwulan I 2025, Triwulan III 2025"
        );
        assert_eq!(
            cycles("SEMESTER", &[d(2025, 7, 1), d(2026, 1, 1)]),
            "Semester II 2025 – Semester I 2026"
        );
        assert_eq!(
            cycles("YEARLY", &[d(2024, 1, 1), d(2025, 1, 1), d(2026, 1, 1)]),
            "2024–2026"
        );
        assert_eq!(cycles("QUARTERLY", &[]), "");
    }

    #[test]
    fn days_past_the_end_read_as_such() {
        assert_eq!(days_left(-463), "lewat 463 hari");
        assert_eq!(days_left(12), "12 hari");
    }
}
