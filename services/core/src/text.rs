//! The one text validator. Every string a caller sends passes [`check`]: the
//! gRPC edge runs it over every string field of every request (by field name,
//! so the limits below are the whole policy), and the domain's own checks of
//! named fields use the same limits.
//!
//! Rejected everywhere: NUL (PostgreSQL cannot store it) and the other C0
//! control characters except tab, line feed and carriage return. Limits are
//! counted in characters (Unicode scalar values), not bytes.

use crate::error::FieldViolation;

/// Free prose: reasons, notes, descriptions, findings.
pub const PROSE_MAX_CHARS: usize = 4_000;
/// Links and opaque page tokens.
pub const LINK_MAX_CHARS: usize = 2_048;
/// Everything else: titles, names, codes, dates, numbers.
pub const DEFAULT_MAX_CHARS: usize = 300;

/// Fields holding free prose.
const PROSE_FIELDS: &[&str] = &[
    "notes",
    "note",
    "description",
    "summary",
    "objective",
    "obstacles",
    "follow_up",
    "text",
    "reason",
    "skip_reason",
    "termination_reason",
    "cancellation_reason",
];

/// The most characters a field of this name may hold.
pub fn max_chars(field: &str) -> usize {
    if PROSE_FIELDS.contains(&field) {
        PROSE_MAX_CHARS
    } else if matches!(field, "uri" | "page_token") {
        LINK_MAX_CHARS
    } else {
        DEFAULT_MAX_CHARS
    }
}

/// Repeated fields: partners of an agreement.
pub const MAX_PARTIES: usize = 20;
/// Findings, and recommendations, of one evaluation meeting.
pub const MAX_MEETING_ITEMS: usize = 100;
/// Any other repeated field of a request (filters, table lists, units).
pub const DEFAULT_MAX_ITEMS: usize = 100;

/// The most items a repeated field of this name may hold.
pub fn max_items(field: &str) -> usize {
    match field {
        "parties" => MAX_PARTIES,
        "findings" | "recommendations" => MAX_MEETING_ITEMS,
        _ => DEFAULT_MAX_ITEMS,
    }
}

/// Checks one string: `path` names it in the error (`meeting.findings[2].text`),
/// `field` is its own name, which chooses the limit.
pub fn check(path: &str, field: &str, value: &str) -> Result<(), FieldViolation> {
    if let Some(bad) = value
        .chars()
        .find(|c| c.is_control() && (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(if bad == '\0' {
            FieldViolation::says(path, &crate::wording::NO_NUL, vec![])
        } else {
            FieldViolation::says(
                path,
                &crate::wording::NO_CONTROL_CHARACTER,
                vec![format!("{:04X}", bad as u32)],
            )
        });
    }
    let max = max_chars(field);
    // Counting stops one past the limit: a 10 MB string costs no more than a short one.
    if value.chars().take(max + 1).count() > max {
        return Err(FieldViolation::says(
            path,
            &crate::wording::AT_MOST_CHARACTERS,
            vec![max.to_string()],
        ));
    }
    Ok(())
}

/// A required single-line text of `min..=max(field)` characters after trimming.
pub fn check_required(path: &str, field: &str, value: &str) -> Result<(), FieldViolation> {
    check(path, field, value)?;
    if value.trim().is_empty() {
        return Err(FieldViolation::says(
            path,
            &crate::wording::REQUIRED,
            vec![],
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_control_characters_are_rejected_newlines_are_not() {
        assert!(check("title", "title", "a\0b").is_err());
        assert!(check("title", "title", "a\u{1b}[31m").is_err());
        assert!(check("notes", "notes", "line one\nline two\ttab\r\n").is_ok());
        assert!(check("title", "title", "Kerja sama – Dinas Kesehatan").is_ok());
        let error = check("parties[0].name", "name", "x\0").unwrap_err();
        assert_eq!(error.field, "parties[0].name");
        assert!(error.description.contains("NUL"));
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        let title = "é".repeat(DEFAULT_MAX_CHARS);
        assert!(check("title", "title", &title).is_ok());
        assert!(check("title", "title", &format!("{title}x")).is_err());
        assert!(check("reason", "reason", &"r".repeat(PROSE_MAX_CHARS)).is_ok());
        assert!(check("reason", "reason", &"r".repeat(PROSE_MAX_CHARS + 1)).is_err());
        assert!(check("reason", "reason", &"r".repeat(1 << 20)).is_err());
    }
}
