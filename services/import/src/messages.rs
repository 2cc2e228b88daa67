//! The import's problem report in Bahasa Indonesia.
//!
//! A bulk import is read by bureau staff, so its report gives each of the core
//! rules' messages in Bahasa Indonesia first and the core's English second.
//! The Indonesian is looked up by the rule's code
//! ([`kerjasama_core::wording`]), never by matching English text; an outcome
//! without a wording (an edge check, a rule added without one) is not lost: it
//! comes back prefixed, still in English.

use kerjasama_core::{CoreError, FieldViolation};

/// What precedes a message that has no Indonesian wording.
pub const UNTRANSLATED: &str = "Isian tidak sesuai aturan: ";

/// One rejected field's message in Bahasa Indonesia.
pub fn violation(violation: &FieldViolation) -> String {
    violation
        .indonesian()
        .unwrap_or_else(|| format!("{UNTRANSLATED}{}", violation.description))
}

/// A row's rejection that is not about one field, in Bahasa Indonesia.
pub fn error(error: &CoreError) -> String {
    match error {
        CoreError::NotFound { resource } => format!("{resource} tidak ditemukan"),
        CoreError::AlreadyExists { resource } => format!("{resource} sudah ada"),
        CoreError::PermissionDenied(why) => format!("Tidak diizinkan: {why}"),
        CoreError::InvalidArgument(violations) => violations
            .iter()
            .map(|v| format!("{}: {}", v.field, violation(v)))
            .collect::<Vec<_>>()
            .join("; "),
        CoreError::Refused { .. } => error.indonesian_refusal().unwrap_or_default(),
        other => format!("{UNTRANSLATED}{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerjasama_core::wording;

    #[test]
    fn a_rule_is_translated_by_its_code() {
        let v = FieldViolation::says(
            "period_start",
            &wording::PERIOD_OVERLAPS,
            vec![
                "realisations/x".into(),
                "2026-01-01".into(),
                "2026-03-31".into(),
            ],
        );
        assert_eq!(
            v.description,
            "the period overlaps realisation realisations/x (2026-01-01 to 2026-03-31) of the same indicator"
        );
        assert_eq!(
            violation(&v),
            "periode ini tumpang tindih dengan realisasi realisations/x (2026-01-01 s.d. 2026-03-31) pada indikator yang sama"
        );
    }

    #[test]
    fn the_translation_does_not_depend_on_the_english_text() {
        // The same code with different English (as after a rewording) still
        // reads in Indonesian: the lookup never looks at `description`.
        let mut v = FieldViolation::says("budget_idr", &wording::NOT_NEGATIVE, vec![]);
        v.description = "may not be below zero".into();
        assert_eq!(violation(&v), "tidak boleh bernilai negatif");
    }

    #[test]
    fn a_message_without_a_wording_falls_back_to_english() {
        let v = FieldViolation::new("x", "something new");
        assert_eq!(violation(&v), format!("{UNTRANSLATED}something new"));
        assert_eq!(
            error(&CoreError::not_found("units/DINKES")),
            "units/DINKES tidak ditemukan"
        );
        assert!(error(&CoreError::FailedPrecondition("no".into())).starts_with(UNTRANSLATED));
    }

    #[test]
    fn a_state_rule_refusal_reads_in_indonesian() {
        let refusal = CoreError::refused(
            &wording::STAGE_START_BLOCKED,
            vec![
                "PENATAUSAHAAN".into(),
                "PENANDATANGANAN".into(),
                "PENDING".into(),
            ],
        );
        assert_eq!(
            refusal.to_string(),
            "stage PENATAUSAHAAN cannot start before stage PENANDATANGANAN is done or skipped (it is PENDING)"
        );
        assert_eq!(
            error(&refusal),
            "tahapan PENATAUSAHAAN tidak dapat dimulai sebelum tahapan PENANDATANGANAN selesai atau dilewati (statusnya PENDING)"
        );
        let addendum = CoreError::refused(
            &wording::NO_REPORTING_CYCLES,
            vec![
                "agreements/x".into(),
                "ADDENDUM".into(),
                "the agreement it amends reports its implementation".into(),
            ],
        );
        assert!(!error(&addendum).contains("amends"), "{}", error(&addendum));
    }

    /// Every wording, filled with sample values, leaves no placeholder and
    /// no English time-zone name in the Indonesian.
    #[test]
    fn every_wording_reads_in_indonesian() {
        let values: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
        for w in wording::ALL {
            let out = w.indonesian(&values);
            assert!(!out.contains("Asia/Jakarta"), "{out}");
            for i in 0..10 {
                assert!(!out.contains(&format!("{{{i}}}")), "{}: {out}", w.code);
            }
        }
    }
}
