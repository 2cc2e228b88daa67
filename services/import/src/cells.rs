//! One cell to one typed value. The same rules serve XLSX cells (typed by
//! Excel) and CSV fields (always text).
//!
//! Every reader returns `Ok(None)` for a blank cell (empty, or only
//! whitespace), `Ok(Some(value))`, or a bilingual [`CellError`]; none panics.

use std::borrow::Cow;

use bigdecimal::BigDecimal;
use calamine::{DataRef, ExcelDateTime};
use chrono::NaiveDate;

use super::columns::CodeList;
use kerjasama_core::calendar;

/// A cell as read from a workbook or a CSV field.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw<'a> {
    Empty,
    Text(Cow<'a, str>),
    /// A number cell that is not date-formatted.
    Float(f64),
    Int(i64),
    Bool(bool),
    /// A date-formatted number cell (or a duration).
    DateTime(ExcelDateTime),
    /// A cell of type `d`: ISO 8601 text.
    DateTimeIso(Cow<'a, str>),
    DurationIso(Cow<'a, str>),
    /// An error value such as `#N/A`.
    Error(String),
}

impl<'a> From<DataRef<'a>> for Raw<'a> {
    fn from(value: DataRef<'a>) -> Self {
        match value {
            DataRef::Int(i) => Raw::Int(i),
            DataRef::Float(f) => Raw::Float(f),
            DataRef::String(s) => Raw::Text(Cow::Owned(s)),
            DataRef::SharedString(s) => Raw::Text(Cow::Borrowed(s)),
            DataRef::Bool(b) => Raw::Bool(b),
            DataRef::DateTime(d) => Raw::DateTime(d),
            DataRef::DateTimeIso(s) => Raw::DateTimeIso(Cow::Owned(s)),
            DataRef::DurationIso(s) => Raw::DurationIso(Cow::Owned(s)),
            DataRef::Error(e) => Raw::Error(e.to_string()),
            DataRef::Empty => Raw::Empty,
        }
    }
}

impl Raw<'_> {
    /// Empty, or text of only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the user sees it, for problem reports.
    pub fn display(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(t) | Raw::DateTimeIso(t) | Raw::DurationIso(t) => t.to_string(),
            Raw::Float(f) => format!("{f}"),
            Raw::Int(i) => i.to_string(),
            Raw::Bool(true) => "TRUE".to_string(),
            Raw::Bool(false) => "FALSE".to_string(),
            Raw::DateTime(d) => match excel_date(d) {
                Some(date) if d.is_datetime() => date.format("%Y-%m-%d").to_string(),
                _ => format!("{}", d.as_f64()),
            },
            Raw::Error(e) => e.clone(),
        }
    }
}

/// Why a cell could not be read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub message_id: String,
    pub message_en: String,
}

fn fail<T>(id: impl Into<String>, en: impl Into<String>) -> Result<T, CellError> {
    Err(CellError {
        message_id: id.into(),
        message_en: en.into(),
    })
}

/// A value quoted inside a message: at most 60 characters.
pub fn quote(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("“{head}…”")
    } else {
        format!("“{head}”")
    }
}

fn error_value<T>(e: &str) -> Result<T, CellError> {
    fail(
        format!("Sel berisi nilai galat {e}; perbaiki atau kosongkan."),
        format!("The cell holds the error value {e}; fix or clear it."),
    )
}

/// The text of a cell, trimmed. Numbers become their shortest decimal form
/// (`12.5`, `1250000`), date cells `YYYY-MM-DD`. The text must hold no
/// control characters other than tab, line feed and carriage return, and at
/// most [`kerjasama_core::text::max_chars`] characters for `field` (the last segment
/// of a dotted field name is the limit's name).
pub fn text(raw: &Raw<'_>, field: &str) -> Result<Option<String>, CellError> {
    let value = match raw {
        Raw::Empty => return Ok(None),
        Raw::Error(e) => return error_value(e),
        Raw::DurationIso(t) => {
            return fail(
                format!("Sel berisi durasi {}, bukan teks.", quote(t)),
                format!("The cell holds the duration {}, not text.", quote(t)),
            );
        }
        Raw::DateTime(d) if d.is_duration() => {
            return fail(
                "Sel berisi durasi waktu, bukan teks.",
                "The cell holds a duration, not text.",
            );
        }
        Raw::Float(f) if !f.is_finite() => return not_a_number(&raw.display()),
        other => other.display(),
    };
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = value
        .chars()
        .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        let code = format!("U+{:04X}", bad as u32);
        return fail(
            format!("Teks berisi karakter kontrol {code} yang tidak diizinkan."),
            format!("The text holds the control character {code}, which is not allowed."),
        );
    }
    let limit_name = field.rsplit('.').next().unwrap_or(field);
    let max = kerjasama_core::text::max_chars(limit_name);
    if value.chars().take(max + 1).count() > max {
        let n = super::problems::format_count(max as u64);
        let n_en = super::problems::format_count_en(max as u64);
        return fail(
            format!("Teks terlalu panjang: paling banyak {n} karakter."),
            format!("The text is too long: at most {n_en} characters."),
        );
    }
    Ok(Some(value.to_string()))
}

/// The calendar date of a date-formatted cell (the time of day, if any, is
/// dropped). `None` when Excel's serial is not a real date.
fn excel_date(d: &ExcelDateTime) -> Option<NaiveDate> {
    let (y, m, day, ..) = d.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
}

fn in_range(date: NaiveDate) -> Result<NaiveDate, CellError> {
    if calendar::in_range(date) {
        return Ok(date);
    }
    let (first, last) = (calendar::FIRST_DATE, calendar::LAST_DATE);
    fail(
        format!("Tanggal {date} di luar rentang yang diterima, {first} sampai {last}."),
        format!("The date {date} is outside the accepted range, {first} to {last}."),
    )
}

const DATE_FORMS_ID: &str = "gunakan sel tanggal, atau tulis YYYY-MM-DD atau DD/MM/YYYY";
const DATE_FORMS_EN: &str = "use a date cell, or write YYYY-MM-DD or DD/MM/YYYY";

/// A date: a date-formatted cell, an ISO date cell, or text `YYYY-MM-DD`
/// (month and day may have one digit), `DD/MM/YYYY` or `D/M/YYYY`; within
/// [`calendar::FIRST_DATE`]..=[`calendar::LAST_DATE`]. A plain number cell
/// is refused: its meaning as a date would be a guess.
pub fn date(raw: &Raw<'_>) -> Result<Option<NaiveDate>, CellError> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Error(e) => error_value(e),
        Raw::DateTime(d) if d.is_duration() => fail(
            format!("Sel berisi durasi waktu, bukan tanggal; {DATE_FORMS_ID}."),
            format!("The cell holds a duration, not a date; {DATE_FORMS_EN}."),
        ),
        Raw::DateTime(d) if d.as_f64() < 1.0 => fail(
            format!("Sel berisi jam saja, bukan tanggal; {DATE_FORMS_ID}."),
            format!("The cell holds a time of day, not a date; {DATE_FORMS_EN}."),
        ),
        Raw::DateTime(d) => match excel_date(d) {
            Some(date) => in_range(date).map(Some),
            None => fail(
                "Sel tanggal tidak berisi tanggal yang ada di kalender.",
                "The date cell does not hold a real calendar date.",
            ),
        },
        Raw::DurationIso(t) => fail(
            format!(
                "Sel berisi durasi {}, bukan tanggal; {DATE_FORMS_ID}.",
                quote(t)
            ),
            format!(
                "The cell holds the duration {}, not a date; {DATE_FORMS_EN}.",
                quote(t)
            ),
        ),
        Raw::DateTimeIso(t) => {
            let day = t.split('T').next().unwrap_or("");
            match parse_date_text(day) {
                DateText::Date(date) => in_range(date).map(Some),
                _ => fail(
                    format!(
                        "Sel tanggal {} tidak dapat dibaca sebagai tanggal.",
                        quote(t)
                    ),
                    format!("The date cell {} cannot be read as a date.", quote(t)),
                ),
            }
        }
        Raw::Float(_) | Raw::Int(_) => {
            let shown = raw.display();
            fail(
                format!(
                    "Sel berisi angka {shown}, bukan tanggal: format sel sebagai tanggal, atau tulis YYYY-MM-DD atau DD/MM/YYYY."
                ),
                format!(
                    "The cell holds the number {shown}, not a date: format the cell as a date, or write YYYY-MM-DD or DD/MM/YYYY."
                ),
            )
        }
        Raw::Bool(_) => {
            let shown = raw.display();
            fail(
                format!("{} bukan tanggal; {DATE_FORMS_ID}.", quote(&shown)),
                format!("{} is not a date; {DATE_FORMS_EN}.", quote(&shown)),
            )
        }
        Raw::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            match parse_date_text(t) {
                DateText::Date(date) => in_range(date).map(Some),
                DateText::NoSuchDay => fail(
                    format!("{} bukan tanggal yang ada di kalender.", quote(t)),
                    format!("{} is not a real calendar date.", quote(t)),
                ),
                DateText::NotADate => fail(
                    format!("{} bukan tanggal; {DATE_FORMS_ID}.", quote(t)),
                    format!("{} is not a date; {DATE_FORMS_EN}.", quote(t)),
                ),
            }
        }
    }
}

/// What a date text turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateText {
    Date(NaiveDate),
    /// The shape of a date, but no such day (`31/02/2026`).
    NoSuchDay,
    NotADate,
}

/// `YYYY-M(M)-D(D)` or `D(D)/M(M)/YYYY`, ASCII digits only; the range is not
/// checked here.
pub fn parse_date_text(text: &str) -> DateText {
    fn digits(part: &str, min: usize, max: usize) -> Option<u32> {
        let ok = (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        if ok { part.parse().ok() } else { None }
    }
    let parts: Vec<&str> = if text.contains('-') {
        text.split('-').collect()
    } else {
        text.split('/').rev().collect()
    };
    // Both forms, as [year, month, day].
    let [year, month, day] = parts.as_slice() else {
        return DateText::NotADate;
    };
    let (Some(year), Some(month), Some(day)) =
        (digits(year, 4, 4), digits(month, 1, 2), digits(day, 1, 2))
    else {
        return DateText::NotADate;
    };
    let Ok(year) = i32::try_from(year) else {
        return DateText::NotADate;
    };
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => DateText::Date(date),
        None => DateText::NoSuchDay,
    }
}

fn not_a_number<T>(shown: &str) -> Result<T, CellError> {
    fail(
        format!(
            "{} bukan angka: tulis misalnya 1250000, 1.250.000, 1.250.000,50 atau 1250000.5 (boleh diawali Rp).",
            quote(shown)
        ),
        format!(
            "{} is not a number: write e.g. 1250000, 1.250.000, 1.250.000,50 or 1250000.5 (an Rp prefix is allowed).",
            quote(shown)
        ),
    )
}

/// Reads a number written as text into plain notation (`-?digits(.digits)?`).
///
/// Accepted, after trimming, an optional `-` and an optional `Rp` or `Rp.`
/// prefix (any case, spaces allowed after it):
/// - if the text contains a comma, the comma is the decimal mark and dots are
///   thousands separators (`1.250,5`, `1.250.000,00`, `0,75`); the part before
///   the comma is plain digits or digits grouped by dots in threes;
/// - else if it is 1 to 3 digits followed by one or more groups of `.` and
///   three digits (`1.250`, `1.250.000`), the dots are thousands separators:
///   so `1.250` is one thousand two hundred fifty, not 1.25;
/// - else it must be plain: digits, optionally `.` and digits (`1250000.5`).
///
/// Anything else (two commas, `1,250,000`, spaces inside, exponents) is `None`.
pub fn parse_number_text(text: &str) -> Option<String> {
    fn all_digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }
    fn grouped(s: &str) -> bool {
        let mut groups = s.split('.');
        let first = groups.next().unwrap_or("");
        let mut rest = groups.peekable();
        rest.peek().is_some()
            && all_digits(first)
            && first.len() <= 3
            && rest.all(|g| g.len() == 3 && all_digits(g))
    }
    fn strip_rp(s: &str) -> &str {
        let bytes = s.as_bytes();
        if bytes.len() >= 2 && bytes[..2].eq_ignore_ascii_case(b"rp") {
            let rest = &s[2..];
            rest.strip_prefix('.').unwrap_or(rest).trim_start()
        } else {
            s
        }
    }
    let mut s = text.trim();
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest.trim_start();
    }
    s = strip_rp(s);
    if !negative && let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    }
    let plain = if let Some((integer, fraction)) = s.split_once(',') {
        if !all_digits(fraction) || !(all_digits(integer) || grouped(integer)) {
            return None;
        }
        format!("{}.{fraction}", integer.replace('.', ""))
    } else if grouped(s) {
        s.replace('.', "")
    } else {
        let (integer, fraction) = s.split_once('.').unwrap_or((s, "0"));
        if !all_digits(integer) || !all_digits(fraction) {
            return None;
        }
        s.to_string()
    };
    Some(if negative { format!("-{plain}") } else { plain })
}

/// The plain decimal text of a number cell or a number text, before limits.
fn number_text(raw: &Raw<'_>) -> Result<Option<String>, CellError> {
    match raw {
        Raw::Empty => Ok(None),
        Raw::Error(e) => error_value(e),
        Raw::Int(i) => Ok(Some(i.to_string())),
        // Rust prints the shortest text that reads back as the same f64, and
        // never in exponent form: exactly what Excel shows for the number.
        Raw::Float(f) if f.is_finite() => Ok(Some(format!("{f}"))),
        Raw::Float(_) => not_a_number(&raw.display()),
        Raw::DateTime(_) | Raw::DateTimeIso(_) | Raw::DurationIso(_) => {
            let shown = raw.display();
            fail(
                format!(
                    "Sel diformat sebagai tanggal/waktu ({shown}), bukan angka: ubah format sel menjadi angka."
                ),
                format!(
                    "The cell is formatted as a date or time ({shown}), not a number: format it as a number."
                ),
            )
        }
        Raw::Bool(_) => not_a_number(&raw.display()),
        Raw::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            match parse_number_text(t) {
                Some(plain) => Ok(Some(plain)),
                None => not_a_number(t),
            }
        }
    }
}

/// An exact decimal (see [`parse_number_text`] for text). At most the
/// digits [`kerjasama_core::decimal::parse`] allows (18 before, 4 after the point).
pub fn decimal(raw: &Raw<'_>) -> Result<Option<BigDecimal>, CellError> {
    let Some(plain) = number_text(raw)? else {
        return Ok(None);
    };
    // "-0.50" and "0.50" keep their digits; trailing fractional zeros are not
    // counted against the 4-digit limit.
    let trimmed = match plain.split_once('.') {
        Some((integer, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                integer.to_string()
            } else {
                format!("{integer}.{fraction}")
            }
        }
        None => plain.clone(),
    };
    match kerjasama_core::decimal::parse(&trimmed) {
        Ok(value) => Ok(Some(value)),
        Err(_) => fail(
            "Angka terlalu panjang: paling banyak 18 digit sebelum dan 4 digit sesudah tanda desimal.",
            "The number is too long: at most 18 digits before and 4 after the decimal point.",
        ),
    }
}

/// A whole number within `bounds` (inclusive) if given. A fraction of zeros
/// (`1.250.000,00`) is whole; any other fraction is refused.
pub fn integer(raw: &Raw<'_>, bounds: Option<(i64, i64)>) -> Result<Option<i64>, CellError> {
    let Some(plain) = number_text(raw)? else {
        return Ok(None);
    };
    let integer = match plain.split_once('.') {
        Some((integer, fraction)) if fraction.bytes().all(|b| b == b'0') => integer,
        Some(_) => {
            return match bounds {
                Some((min, max)) => out_of_bounds(min, max),
                None => fail(
                    "Harus bilangan bulat, tanpa desimal.",
                    "Must be a whole number, without decimals.",
                ),
            };
        }
        None => plain.as_str(),
    };
    let Ok(value) = integer.parse::<i64>() else {
        return fail("Angka terlalu besar.", "The number is too large.");
    };
    match bounds {
        Some((min, max)) if !(min..=max).contains(&value) => out_of_bounds(min, max),
        _ => Ok(Some(value)),
    }
}

fn out_of_bounds<T>(min: i64, max: i64) -> Result<T, CellError> {
    fail(
        format!(
            "Harus bilangan bulat dari {min} sampai {max} (tulis 75 untuk 75 %, bukan sel berformat persen)."
        ),
        format!(
            "Must be a whole number from {min} to {max} (write 75 for 75 %, not a percent-formatted cell)."
        ),
    )
}

/// Yes or no: an Excel boolean, 1 or 0, or text (any case) `ya`, `y`, `yes`,
/// `true`, `benar`, `1` / `tidak`, `t`, `no`, `n`, `false`, `salah`, `0`.
/// (`t` is *tidak*: no.)
pub fn boolean(raw: &Raw<'_>) -> Result<Option<bool>, CellError> {
    let shown = match raw {
        Raw::Empty => return Ok(None),
        Raw::Error(e) => return error_value(e),
        Raw::Bool(b) => return Ok(Some(*b)),
        Raw::Int(1) => return Ok(Some(true)),
        Raw::Int(0) => return Ok(Some(false)),
        Raw::Float(f) if *f == 1.0 => return Ok(Some(true)),
        Raw::Float(f) if *f == 0.0 => return Ok(Some(false)),
        Raw::Text(t) => {
            let t = t.trim();
            match t.to_lowercase().as_str() {
                "" => return Ok(None),
                "ya" | "y" | "yes" | "true" | "benar" | "1" => return Ok(Some(true)),
                "tidak" | "t" | "no" | "n" | "false" | "salah" | "0" => return Ok(Some(false)),
                _ => t.to_string(),
            }
        }
        other => other.display(),
    };
    fail(
        format!("{} bukan ya/tidak: tulis ya atau tidak.", quote(&shown)),
        format!(
            "{} is not yes/no: write ya (yes) or tidak (no).",
            quote(&shown)
        ),
    )
}

/// The comparison form of a code: upper case, runs of spaces and `-` as `_`.
pub fn normalize_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.trim().chars() {
        if c.is_whitespace() || c == '-' || c == '_' {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_uppercase());
        }
    }
    out
}

/// One code of `list`, as its canonical upper-case code (case, surrounding
/// spaces, and spaces or `-` for `_` are forgiven).
pub fn code(raw: &Raw<'_>, list: CodeList) -> Result<Option<&'static str>, CellError> {
    let shown = match raw {
        Raw::Empty => return Ok(None),
        Raw::Error(e) => return error_value(e),
        Raw::Text(t) => {
            if t.trim().is_empty() {
                return Ok(None);
            }
            let wanted = normalize_code(t);
            if let Some(found) = list.codes().into_iter().find(|c| *c == wanted) {
                return Ok(Some(found));
            }
            t.trim().to_string()
        }
        other => other.display(),
    };
    let allowed = list.codes().join(", ");
    fail(
        format!("Kode {} tidak dikenal; pilihan: {allowed}.", quote(&shown)),
        format!("Unknown code {}; allowed: {allowed}.", quote(&shown)),
    )
}

/// A cell's A1 name from 0-based row and column (`(0, 27)` is `AB1`).
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    let col: String = letters.into_iter().rev().collect();
    format!("{col}{}", u64::from(row) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType;
    use std::str::FromStr;

    fn t(s: &str) -> Raw<'_> {
        Raw::Text(Cow::Borrowed(s))
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn dates_from_cells_and_both_text_forms() {
        let serial = |v| Raw::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        assert_eq!(date(&serial(46_022.0)), Ok(Some(d(2025, 12, 31))));
        assert_eq!(date(&serial(46_022.75)), Ok(Some(d(2025, 12, 31))));
        assert!(
            date(&serial(0.5))
                .unwrap_err()
                .message_en
                .contains("time of day")
        );
        let iso = Raw::DateTimeIso(Cow::Borrowed("2026-03-04T00:00:00"));
        assert_eq!(date(&iso), Ok(Some(d(2026, 3, 4))));
        assert_eq!(date(&t(" 2026-03-04 ")), Ok(Some(d(2026, 3, 4))));
        assert_eq!(date(&t("04/03/2026")), Ok(Some(d(2026, 3, 4))));
        assert_eq!(date(&t("4/3/2026")), Ok(Some(d(2026, 3, 4))));
        assert_eq!(date(&t("")), Ok(None));
        assert_eq!(date(&Raw::Empty), Ok(None));
        let e = date(&t("31/02/2026")).unwrap_err();
        assert!(e.message_id.contains("“31/02/2026”"), "{e:?}");
        assert!(e.message_en.contains("calendar"));
        let e = date(&t("besok")).unwrap_err();
        assert!(e.message_en.contains("“besok” is not a date"), "{e:?}");
        let e = date(&t("1899-12-31")).unwrap_err();
        assert!(e.message_en.contains("outside"), "{e:?}");
        assert!(date(&t("2200-01-01")).is_err());
        let e = date(&Raw::Float(45_000.0)).unwrap_err();
        assert!(e.message_en.contains("number 45000"), "{e:?}");
        assert!(date(&t("2026/03/04")).is_err());
        assert!(date(&t("04-03-2026")).is_err());
        assert!(date(&t("٢٠٢٦-03-04")).is_err());
        let duration = Raw::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert!(date(&duration).is_err());
        assert!(
            date(&Raw::Error("#N/A".into()))
                .unwrap_err()
                .message_en
                .contains("#N/A")
        );
    }

    #[test]
    fn indonesian_and_plain_numbers_are_exact() {
        for (input, plain) in [
            ("1234.5", "1234.5"),
            ("1.250.000.000", "1250000000"),
            ("1.250,5", "1250.5"),
            ("1.250", "1250"),
            ("0,75", "0.75"),
            ("1250,75", "1250.75"),
            ("Rp 1.250.000", "1250000"),
            ("Rp.1.250.000,00", "1250000.00"),
            ("rp. 5", "5"),
            ("-1.250,5", "-1250.5"),
            ("Rp -7", "-7"),
            ("12", "12"),
        ] {
            assert_eq!(parse_number_text(input).as_deref(), Some(plain), "{input}");
        }
        for bad in [
            "1,250,000",
            "1.25.000",
            "12.3456.789",
            "1e5",
            "1 250",
            "",
            "-",
            "Rp",
            ",5",
            "5,",
            "1.2.3",
            "abc",
            "+5",
            "1.250.00",
        ] {
            assert_eq!(parse_number_text(bad), None, "{bad}");
        }
        assert_eq!(decimal(&t("1.250,5")), Ok(Some(dec("1250.5"))));
        assert_eq!(decimal(&Raw::Float(0.1)), Ok(Some(dec("0.1"))));
        assert_eq!(
            decimal(&Raw::Float(1_250_000.25)),
            Ok(Some(dec("1250000.25")))
        );
        assert_eq!(decimal(&Raw::Int(-3)), Ok(Some(dec("-3"))));
        assert_eq!(decimal(&t("12.50000")), Ok(Some(dec("12.5"))));
        assert!(
            decimal(&Raw::Float(1.0 / 3.0))
                .unwrap_err()
                .message_en
                .contains("18 digits")
        );
        assert!(decimal(&Raw::Float(1e21)).is_err());
        assert!(decimal(&Raw::Float(f64::NAN)).is_err());
        assert!(decimal(&Raw::Bool(true)).is_err());
        assert_eq!(decimal(&t("  ")), Ok(None));
    }

    #[test]
    fn integers_refuse_fractions_and_respect_bounds() {
        assert_eq!(integer(&t("1.250.000.000"), None), Ok(Some(1_250_000_000)));
        assert_eq!(integer(&t("Rp 1.250.000,00"), None), Ok(Some(1_250_000)));
        assert_eq!(
            integer(&Raw::Float(1.5e12), None),
            Ok(Some(1_500_000_000_000))
        );
        assert!(
            integer(&Raw::Float(12.5), None)
                .unwrap_err()
                .message_en
                .contains("whole")
        );
        assert!(integer(&t("1.250,5"), None).is_err());
        assert!(integer(&t("99999999999999999999"), None).is_err());
        assert_eq!(integer(&t("100"), Some((0, 100))), Ok(Some(100)));
        assert!(integer(&t("101"), Some((0, 100))).is_err());
        assert!(
            integer(&Raw::Float(0.75), Some((0, 100)))
                .unwrap_err()
                .message_en
                .contains("percent")
        );
    }

    #[test]
    fn booleans_codes_and_text() {
        for yes in ["ya", "YA", " y ", "Yes", "TRUE", "1", "benar"] {
            assert_eq!(boolean(&t(yes)), Ok(Some(true)), "{yes}");
        }
        for no in ["tidak", "T", "no", "false", "0", "Salah", "n"] {
            assert_eq!(boolean(&t(no)), Ok(Some(false)), "{no}");
        }
        assert_eq!(boolean(&Raw::Bool(false)), Ok(Some(false)));
        assert_eq!(boolean(&Raw::Float(1.0)), Ok(Some(true)));
        assert!(boolean(&t("mungkin")).is_err());
        assert!(boolean(&Raw::Float(2.0)).is_err());

        assert_eq!(
            code(&t(" ksdd "), CodeList::CooperationType),
            Ok(Some("KSDD"))
        );
        assert_eq!(
            code(&t("nota kesepakatan"), CodeList::DocumentKind),
            Ok(Some("NOTA_KESEPAKATAN"))
        );
        let e = code(&t("MOU"), CodeList::DocumentKind).unwrap_err();
        assert!(
            e.message_en
                .contains("LOI, KSB, PKS, ADDENDUM, NOTA_KESEPAKATAN"),
            "{e:?}"
        );
        assert!(code(&Raw::Float(3.0), CodeList::Beneficiary).is_err());

        assert_eq!(text(&t("  Dinas  "), "title"), Ok(Some("Dinas".into())));
        assert_eq!(
            text(&Raw::Float(36.71), "region_code"),
            Ok(Some("36.71".into()))
        );
        assert_eq!(
            text(&Raw::Float(12.0), "document_number"),
            Ok(Some("12".into()))
        );
        assert_eq!(text(&t("   "), "title"), Ok(None));
        assert!(
            text(&t("a\u{1}b"), "title")
                .unwrap_err()
                .message_en
                .contains("U+0001")
        );
        assert!(text(&t(&"x".repeat(301)), "parties.name").is_err());
        assert!(text(&t(&"x".repeat(4000)), "summary").is_ok());
        assert!(text(&t("baris\nkedua"), "note").is_ok());
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(4, 25), "Z5");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 16_383), "XFD10");
        assert!(!cell_name(u32::MAX, u32::MAX).is_empty());
    }
}
