//! A digest as a message: the subject, a plain-text part and an HTML part
//! (Bahasa Indonesia first, an English line below each heading; numbers and
//! dates as Indonesians write them: `1.234`, `27 Nov 2026`), and the JSON a
//! webhook receives.

use std::fmt::Write as _;

use serde::Serialize;

use super::Digest;
use crate::indonesian;

/// A composed message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn who(digest: &Digest) -> String {
    match &digest.unit_code {
        Some(code) if digest.unit_name.is_empty() => code.clone(),
        Some(code) => format!("{} ({code})", digest.unit_name),
        None => format!("Biro Kerja Sama, kode wilayah {}", digest.region_code),
    }
}

fn count(n: usize) -> String {
    indonesian::integer(n as i128)
}

/// The subject: who, what and as of when, e.g.
/// `Kerja sama: 3 tahapan terlambat, 1 perjanjian segera berakhir — Dinas Kesehatan (DINKES), 27 Nov 2026`.
pub fn subject(digest: &Digest) -> String {
    let mut parts = Vec::new();
    if !digest.overdue_stages.is_empty() {
        parts.push(format!(
            "{} tahapan terlambat",
            count(digest.overdue_stages.len())
        ));
    }
    if !digest.ending.is_empty() {
        parts.push(format!(
            "{} perjanjian segera berakhir",
            count(digest.ending.len())
        ));
    }
    if !digest.report_gaps.is_empty() {
        parts.push(format!(
            "{} laporan pelaksanaan belum/terlambat",
            count(digest.report_gaps.len())
        ));
    }
    if !digest.recommendations.is_empty() {
        parts.push(format!(
            "{} rekomendasi lewat tenggat",
            count(digest.recommendations.len())
        ));
    }
    if !digest.missing_documents.is_empty() {
        parts.push(format!(
            "{} dokumen belum diarsipkan",
            count(digest.missing_documents.len())
        ));
    }
    format!(
        "Kerja sama: {} — {}, {}",
        parts.join(", "),
        who(digest),
        indonesian::short_date(digest.as_of)
    )
}

/// One line of a section and the agreement's portal link, if any.
struct Line {
    text: String,
    link: Option<String>,
}

/// One section: its Indonesian and English heading and its lines.
struct Section {
    heading_id: &'static str,
    heading_en: &'static str,
    lines: Vec<Line>,
}

/// Lines listed per section: one screen. The heading keeps the full count
/// and a last line says how many more there are (the webhook JSON and the
/// report carry them all).
pub const LINES_PER_SECTION: usize = 12;

fn more_line(total: usize) -> Option<String> {
    (total > LINES_PER_SECTION).then(|| {
        let more = total - LINES_PER_SECTION;
        format!(
            "… dan {} lainnya, lihat laporan evaluasi / and {} more, see the evaluation report",
            count(more),
            more
        )
    })
}

fn days(n: i64) -> String {
    format!("{} hari", indonesian::integer(i128::from(n)))
}

/// The unit, in the bureau's digest (a unit's own digest is all its own).
fn unit_of(digest: &Digest, name: &str) -> String {
    if digest.unit_code.is_some() {
        String::new()
    } else {
        format!(" [{name}]")
    }
}

fn sections(digest: &Digest) -> Vec<Section> {
    let date = indonesian::short_date;
    let mut out = Vec::new();
    if !digest.overdue_stages.is_empty() {
        out.push(Section {
            heading_id: "Tahapan yang terlambat",
            heading_en: "Overdue procedure stages",
            lines: digest
                .overdue_stages
                .iter()
                .map(|s| Line {
                    text: format!(
                        "{} — tahapan {}: jatuh tempo {}, terlambat {}{}",
                        s.label,
                        s.stage_name,
                        date(s.due_on),
                        days(s.days_overdue),
                        unit_of(digest, &s.unit_name),
                    ),
                    link: s.link.clone(),
                })
                .collect(),
        });
    }
    if !digest.ending.is_empty() {
        out.push(Section {
            heading_id: "Perjanjian yang berakhir dalam 180 hari",
            heading_en: "Agreements ending within 180 days",
            lines: digest
                .ending
                .iter()
                .map(|e| Line {
                    text: format!(
                        "{} — berakhir {} ({} lagi){}",
                        e.label,
                        date(e.effective_until),
                        days(e.days_to_end),
                        unit_of(digest, &e.unit_name),
                    ),
                    link: e.link.clone(),
                })
                .collect(),
        });
    }
    if !digest.report_gaps.is_empty() {
        // One line per agreement, its cycles written compactly.
        let mut by_agreement: Vec<(&str, Vec<&super::ReportGap>)> = Vec::new();
        for gap in &digest.report_gaps {
            match by_agreement.iter_mut().find(|(a, _)| *a == gap.agreement) {
                Some((_, gaps)) => gaps.push(gap),
                None => by_agreement.push((&gap.agreement, vec![gap])),
            }
        }
        out.push(Section {
            heading_id: "Laporan pelaksanaan yang belum masuk atau terlambat",
            heading_en: "Implementation reports missing or late",
            lines: by_agreement
                .into_iter()
                .map(|(_, gaps)| {
                    let first = gaps[0];
                    let starts = |status: &str| -> Vec<chrono::NaiveDate> {
                        gaps.iter()
                            .filter(|g| (g.status == "LATE") == (status == "LATE"))
                            .map(|g| g.cycle_start)
                            .collect()
                    };
                    let (missing, late) = (starts("MISSING"), starts("LATE"));
                    let mut parts = Vec::new();
                    if !missing.is_empty() {
                        parts.push(format!(
                            "belum masuk {}",
                            indonesian::cycles(&first.reporting_cycle, &missing)
                        ));
                    }
                    if !late.is_empty() {
                        parts.push(format!(
                            "terlambat {}",
                            indonesian::cycles(&first.reporting_cycle, &late)
                        ));
                    }
                    Line {
                        text: format!(
                            "{} — {}{}",
                            first.label,
                            parts.join("; "),
                            unit_of(digest, &first.unit_name),
                        ),
                        link: first.link.clone(),
                    }
                })
                .collect(),
        });
    }
    if !digest.recommendations.is_empty() {
        out.push(Section {
            heading_id: "Rekomendasi rapat evaluasi yang lewat tenggat",
            heading_en: "Evaluation-meeting recommendations past their due date",
            lines: digest
                .recommendations
                .iter()
                .map(|r| Line {
                    text: format!(
                        "{}{} — tenggat {}, terlambat {}{}",
                        r.description,
                        r.agreement_label
                            .as_deref()
                            .map(|a| format!(" ({a})"))
                            .unwrap_or_default(),
                        date(r.due_on),
                        days(r.days_overdue),
                        unit_of(digest, &r.unit_name),
                    ),
                    link: r.link.clone(),
                })
                .collect(),
        });
    }
    if !digest.missing_documents.is_empty() {
        out.push(Section {
            heading_id: "Dokumen yang belum diarsipkan",
            heading_en: "Documents not on file in the archive",
            lines: digest
                .missing_documents
                .iter()
                .map(|m| Line {
                    text: format!(
                        "{}: {} — wajib ada sejak {}, {} tanpa berkas{}",
                        m.label,
                        m.document_name,
                        date(m.required_since),
                        days(m.days_missing),
                        unit_of(digest, &m.unit_name),
                    ),
                    link: m.link.clone(),
                })
                .collect(),
        });
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The message of a non-empty digest.
pub fn message(digest: &Digest) -> Message {
    let subject = subject(digest);
    let sections = sections(digest);
    let intro_id = format!(
        "Ringkasan kewajiban kerja sama untuk {} per {}.",
        who(digest),
        indonesian::short_date(digest.as_of)
    );
    let intro_en = "Summary of cooperation follow-ups due, as of the date above.";
    let closing_id = "Pesan ini dikirim otomatis oleh kerjasama. Angka diambil dari tabel laporan evaluasi per tanggal yang sama.";
    let closing_en = "Sent automatically by kerjasama; the figures are those of the evaluation report as of the same date.";

    let mut text = String::new();
    let _ = writeln!(text, "{intro_id}\n{intro_en}\n");
    for s in &sections {
        let _ = writeln!(
            text,
            "{} ({})\n{}",
            s.heading_id,
            count(s.lines.len()),
            s.heading_en
        );
        for line in s.lines.iter().take(LINES_PER_SECTION) {
            match &line.link {
                Some(link) => {
                    let _ = writeln!(text, "- {}\n  {link}", line.text);
                }
                None => {
                    let _ = writeln!(text, "- {}", line.text);
                }
            }
        }
        if let Some(more) = more_line(s.lines.len()) {
            let _ = writeln!(text, "{more}");
        }
        text.push('\n');
    }
    let _ = writeln!(text, "--\n{closing_id}\n{closing_en}");

    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; color: #1a1a1a\">\n<p>{}<br><span lang=\"en\" style=\"color:#555\">{}</span></p>\n",
        escape(&subject),
        escape(&intro_id),
        escape(intro_en)
    );
    for s in &sections {
        let _ = write!(
            html,
            "<h2 style=\"font-size:1.1em;margin-bottom:0\">{} ({})</h2>\n<p lang=\"en\" style=\"color:#555;margin-top:0\">{}</p>\n<ul>\n",
            escape(s.heading_id),
            count(s.lines.len()),
            escape(s.heading_en)
        );
        for line in s.lines.iter().take(LINES_PER_SECTION) {
            match &line.link {
                Some(link) => {
                    let _ = writeln!(
                        html,
                        "<li>{} <a href=\"{}\">buka / open</a></li>",
                        escape(&line.text),
                        escape(link)
                    );
                }
                None => {
                    let _ = writeln!(html, "<li>{}</li>", escape(&line.text));
                }
            }
        }
        html.push_str("</ul>\n");
        if let Some(more) = more_line(s.lines.len()) {
            let _ = writeln!(html, "<p>{}</p>", escape(&more));
        }
    }
    let _ = write!(
        html,
        "<hr><p style=\"color:#555;font-size:0.9em\">{}<br><span lang=\"en\">{}</span></p>\n</body></html>\n",
        escape(closing_id),
        escape(closing_en)
    );
    Message {
        subject,
        text,
        html,
    }
}

#[derive(Serialize)]
struct Counts {
    overdue_stages: usize,
    ending_within_90_days: usize,
    ending_within_180_days: usize,
    report_gaps: usize,
    overdue_recommendations: usize,
    missing_documents: usize,
}

#[derive(Serialize)]
struct Payload<'a> {
    /// The delivery id: the receiver's idempotency key (also the
    /// `Kerjasama-Delivery` header).
    delivery_id: &'a str,
    tick: &'a str,
    subject: &'a str,
    counts: Counts,
    #[serde(flatten)]
    digest: &'a Digest,
}

/// The webhook's JSON body.
pub fn payload(digest: &Digest, delivery_id: &str, tick: &str) -> serde_json::Value {
    let subject = subject(digest);
    let payload = Payload {
        delivery_id,
        tick,
        subject: &subject,
        counts: Counts {
            overdue_stages: digest.overdue_stages.len(),
            ending_within_90_days: digest.ending.iter().filter(|e| e.within_90_days).count(),
            ending_within_180_days: digest.ending.len(),
            report_gaps: digest.report_gaps.len(),
            overdue_recommendations: digest.recommendations.len(),
            missing_documents: digest.missing_documents.len(),
        },
        digest,
    };
    serde_json::to_value(&payload).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::digests::{EndingAgreement, OverdueStage};

    fn digest() -> Digest {
        Digest {
            region_code: "36".into(),
            unit_code: Some("DINKES".into()),
            unit_name: "Dinas Kesehatan".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            overdue_stages: vec![OverdueStage {
                agreement: "agreements/x".into(),
                title: "Rujukan <pasien> & ambulans".into(),
                label: "445/12/2022 — Rujukan <pasien> & ambulans".into(),
                unit_code: "DINKES".into(),
                unit_name: "Dinas Kesehatan".into(),
                stage_code: "PENANDATANGANAN".into(),
                stage_name: "Penandatanganan".into(),
                link: Some("https://portal.example/a/x?a=1&b=2".into()),
                due_on: NaiveDate::from_ymd_opt(2023, 1, 2).unwrap(),
                days_overdue: 1425,
            }],
            ending: vec![EndingAgreement {
                agreement: "agreements/y".into(),
                title: "Air bersih".into(),
                label: "Air bersih".into(),
                unit_code: "DINKES".into(),
                unit_name: "Dinas Kesehatan".into(),
                link: None,
                effective_until: NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
                days_to_end: 65,
                within_90_days: true,
            }],
            report_gaps: Vec::new(),
            recommendations: Vec::new(),
            missing_documents: Vec::new(),
        }
    }

    #[test]
    fn a_digest_reads_in_indonesian_first_with_indonesian_numbers() {
        let m = message(&digest());
        assert_eq!(
            m.subject,
            "Kerja sama: 1 tahapan terlambat, 1 perjanjian segera berakhir — Dinas Kesehatan (DINKES), 27 Nov 2026"
        );
        assert!(
            m.text
                .contains("Tahapan yang terlambat (1)\nOverdue procedure stages\n")
        );
        assert!(m.text.contains("terlambat 1.425 hari"));
        assert!(m.text.contains("jatuh tempo 2 Jan 2023"));
        assert!(m.text.contains("berakhir 31 Jan 2027 (65 hari lagi)"));
        // Agreements by number and title, stages by name, no ids; a link
        // when the portal template is set.
        assert!(
            m.text
                .contains("445/12/2022 — Rujukan <pasien> & ambulans — tahapan Penandatanganan:")
        );
        assert!(!m.text.contains("agreements/"));
        assert!(m.text.contains("https://portal.example/a/x?a=1&b=2"));
        assert!(
            m.html
                .contains("href=\"https://portal.example/a/x?a=1&amp;b=2\"")
        );
        assert!(m.html.contains("Rujukan &lt;pasien&gt; &amp; ambulans"));
        assert!(!m.html.contains("<pasien>"));
    }

    #[test]
    fn the_payload_carries_the_delivery_id_and_counts() {
        let p = payload(&digest(), "d-1", "manual:1");
        assert_eq!(p["delivery_id"], "d-1");
        assert_eq!(p["counts"]["overdue_stages"], 1);
        assert_eq!(p["counts"]["ending_within_90_days"], 1);
        assert_eq!(p["unit_code"], "DINKES");
        assert_eq!(p["overdue_stages"][0]["days_overdue"], 1425);
    }
}
