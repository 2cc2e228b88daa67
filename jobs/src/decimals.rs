//! Exact text of polars' decimals (an i128 and a scale), shared by every
//! writer: CSV rows read back, the workbook and the meeting pack.

/// An i128 with `scale` decimals as plain text, e.g. (6750000010000, 4) → "675000001.0000".
pub fn decimal_text(value: i128, scale: usize) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = value.unsigned_abs().to_string();
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// How many significant digits a decimal text holds (a spreadsheet keeps 15).
pub fn significant_digits(text: &str) -> usize {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal_text(6_750_000_010_000, 4), "675000001.0000");
        assert_eq!(decimal_text(-125, 4), "-0.0125");
        assert_eq!(decimal_text(5, 0), "5");
        assert_eq!(significant_digits("675000001.0000"), 9);
        assert_eq!(significant_digits("9007199254740993.0000"), 16);
    }
}
