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
    format!(
        "Kerja sama: {} — {}, {}",
        parts.join(", "),
        who(digest),
        indonesian::short_date(digest.as_of)
    )
}

/// One section: its Indonesian and English heading and its lines.
struct Section {
    heading_id: &'static str,
    heading_en: &'static str,
    lines: Vec<String>,
}

/// Lines listed per section in a message; the heading keeps the full count
/// and a last line says how many more there are (the webhook JSON and the
/// report carry them all).
pub const LINES_PER_SECTION: usize = 100;

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
                .map(|s| {
                    format!(
                        "{} — tahapan {}: jatuh tempo {}, terlambat {} [{}; {}]",
                        s.title,
                        s.stage_code,
                        date(s.due_on),
                        days(s.days_overdue),
                        s.unit_code,
                        s.agreement
                    )
                })
                .collect(),
        });
    }
    if !digest.ending.is_empty() {
        out.push(Section {
            heading_id: "Perjanjian yang berakhir dalam 90/180 hari",
            heading_en: "Agreements ending within 90/180 days",
            lines: digest
                .ending
                .iter()
                .map(|e| {
                    format!(
                        "{} — berakhir {} ({} lagi; {}) [{}; {}]",
                        e.title,
                        date(e.effective_until),
                        days(e.days_to_end),
                        if e.within_90_days {
                            "≤ 90 hari"
                        } else {
                            "≤ 180 hari"
                        },
                        e.unit_code,
                        e.agreement
                    )
                })
                .collect(),
        });
    }
    if !digest.report_gaps.is_empty() {
        out.push(Section {
            heading_id: "Laporan pelaksanaan yang belum masuk atau terlambat",
            heading_en: "Implementation reports missing or late",
            lines: digest
                .report_gaps
                .iter()
                .map(|g| {
                    let status = match (g.status.as_str(), g.submitted_on) {
                        ("LATE", Some(on)) => format!("terlambat, disampaikan {}", date(on)),
                        ("LATE", None) => "terlambat".to_string(),
                        _ => "belum disampaikan".to_string(),
                    };
                    format!(
                        "{} — siklus {} s.d. {}, batas {}: {} [{}; {}]",
                        g.title,
                        date(g.cycle_start),
                        date(g.cycle_end),
                        date(g.deadline),
                        status,
                        g.unit_code,
                        g.agreement
                    )
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
                .map(|r| {
                    format!(
                        "{} — tenggat {}, terlambat {} [{}; {}]",
                        r.description,
                        date(r.due_on),
                        days(r.days_overdue),
                        r.unit_code,
                        r.agreement.as_deref().unwrap_or(&r.meeting)
                    )
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
            let _ = writeln!(text, "- {line}");
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
            let _ = writeln!(html, "<li>{}</li>", escape(line));
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
                unit_code: "DINKES".into(),
                stage_code: "PENANDATANGANAN".into(),
                due_on: NaiveDate::from_ymd_opt(2023, 1, 2).unwrap(),
                days_overdue: 1425,
            }],
            ending: vec![EndingAgreement {
                agreement: "agreements/y".into(),
                title: "Air bersih".into(),
                unit_code: "DINKES".into(),
                effective_until: NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
                days_to_end: 65,
                within_90_days: true,
            }],
            report_gaps: Vec::new(),
            recommendations: Vec::new(),
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
        assert!(
            m.text
                .contains("berakhir 31 Jan 2027 (65 hari lagi; ≤ 90 hari)")
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
