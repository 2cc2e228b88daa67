//! Exact decimal values on the wire: plain decimal strings such as `1500000000`
//! or `12.5`, stored as SQL `numeric`, never as floating point.

use std::str::FromStr;

pub use bigdecimal::BigDecimal;

/// At most this many digits before and after the decimal point.
const MAX_INTEGER_DIGITS: usize = 18;
const MAX_FRACTION_DIGITS: usize = 4;

/// Parses `-?digits(.digits)?`; no exponent, no thousands separators, no spaces.
pub fn parse(text: &str) -> Result<BigDecimal, String> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(integer) || (unsigned.contains('.') && !digits(fraction)) {
        return Err(format!(
            "{text:?} is not a plain decimal number such as 1500000 or 12.5 (use '.' for decimals, no thousands separators)"
        ));
    }
    if integer.len() > MAX_INTEGER_DIGITS || fraction.len() > MAX_FRACTION_DIGITS {
        return Err(format!(
            "at most {MAX_INTEGER_DIGITS} digits before and {MAX_FRACTION_DIGITS} after the decimal point"
        ));
    }
    BigDecimal::from_str(text).map_err(|e| e.to_string())
}

/// Whether the value has no fractional part (rupiah amounts are whole).
pub fn is_whole(value: &BigDecimal) -> bool {
    value.is_integer()
}

/// The canonical text: plain notation, no trailing fractional zeros.
pub fn format(value: &BigDecimal) -> String {
    let text = value.normalized().to_plain_string();
    if text == "-0" { "0".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_round_trip_exactly() {
        for (input, canonical) in [
            ("1500000000", "1500000000"),
            ("9007199254740993", "9007199254740993"),
            ("12.50", "12.5"),
            ("0.0001", "0.0001"),
            ("-3", "-3"),
            ("100", "100"),
            ("0", "0"),
        ] {
            assert_eq!(format(&parse(input).unwrap()), canonical, "{input}");
        }
    }

    #[test]
    fn other_notations_are_rejected() {
        for input in [
            "1e9",
            "1.500.000",
            "1,5",
            " 1",
            "",
            ".5",
            "5.",
            "0.00001",
            "1234567890123456789",
        ] {
            assert!(parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn whole_numbers() {
        assert!(is_whole(&parse("1500").unwrap()));
        assert!(is_whole(&parse("1500.00").unwrap()));
        assert!(!is_whole(&parse("1500.5").unwrap()));
    }
}
