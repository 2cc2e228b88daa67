//! The demo register's signed texts in the document archive, so that a demo
//! shows what the archive does: two signed agreements in three get a document
//! of their own kind holding a generated PDF with a text layer (its title,
//! number, parties and clauses in Bahasa Indonesia), uploaded through the
//! archive's own use case; the third has none, so the missing-documents list
//! of the reports and digests has something to say. Run once, right after
//! the demo register is loaded.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::access::Principal;
use kerjasama_core::archive::{self, Upload};
use kerjasama_core::codes::DocumentType;
use kerjasama_core::documents::{self, NewDocument};
use kerjasama_core::error::{CoreError, CoreResult};
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{agreement_parties, agreements};

/// A one-page PDF whose text layer is `lines` (Helvetica, WinAnsi; one line
/// each), with an exact cross-reference table: what a word processor's
/// "save as PDF" or a scanner's searchable PDF holds.
pub fn text_pdf(lines: &[&str]) -> Vec<u8> {
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)")
    };
    let mut content = String::from("BT /F1 11 Tf 72 770 Td 14 TL\n");
    for line in lines {
        content.push_str(&format!("({}) Tj T*\n", escape(line)));
    }
    content.push_str("ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).into_bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    pdf
}

/// Files the signed texts of the demo's signed agreements (two in three);
/// returns how many.
pub async fn load(pool: &PgPool, settings: &archive::Settings) -> CoreResult<usize> {
    let actor = Principal::system("demo-loader");
    let mut conn = pool.get().await?;
    let signed: Vec<(
        uuid::Uuid,
        String,
        String,
        String,
        Option<chrono::NaiveDate>,
    )> = agreements::table
        .filter(agreements::delete_time.is_null())
        .filter(agreements::signed_on.is_not_null())
        .order(agreements::document_number)
        .select((
            agreements::id,
            agreements::document_kind,
            agreements::document_number,
            agreements::title,
            agreements::signed_on,
        ))
        .load(&mut conn)
        .await?;
    let mut filed = 0;
    for (i, (id, kind, number, title, signed_on)) in signed.into_iter().enumerate() {
        if i % 3 == 2 {
            continue; // left without its signed text: a missing document
        }
        let parties: Vec<String> = agreement_parties::table
            .filter(agreement_parties::agreement_id.eq(id))
            .order(agreement_parties::position)
            .select(agreement_parties::name)
            .load(&mut conn)
            .await?;
        let kind = DocumentType::from_code(&kind).ok_or_else(|| {
            CoreError::Internal(format!("demo archive: {kind} is not a document type"))
        })?;
        let document = documents::create(
            pool,
            &actor,
            id,
            NewDocument {
                kind,
                number: number.clone(),
                document_date: signed_on,
                title: title.clone(),
                uri: format!("https://arsip.bantenprov.go.id/demo/{id}.pdf"),
                sha256: None,
                size_bytes: None,
            },
        )
        .await?;
        let mut lines = vec![
            title.to_uppercase(),
            format!("Nomor: {number}"),
            String::new(),
            "Para Pihak:".to_string(),
            "Pemerintah Provinsi Banten".to_string(),
        ];
        lines.extend(parties);
        lines.extend(
            [
                "",
                "Pasal 1 Maksud dan Tujuan",
                "Para Pihak sepakat bekerja sama sesuai kewenangan masing-masing untuk",
                "meningkatkan pelayanan publik dan kesejahteraan masyarakat.",
                "Pasal 2 Ruang Lingkup",
                &format!(
                    "Ruang lingkup kerja sama ini adalah {}.",
                    title.to_lowercase()
                ),
                "Pasal 3 Pembiayaan",
                "Biaya pelaksanaan dibebankan pada APBD masing-masing Pihak.",
                "Pasal 4 Pelaporan",
                "Pelaksanaan kerja sama dilaporkan setiap triwulan kepada Gubernur Banten.",
            ]
            .map(str::to_string),
        );
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let pdf = text_pdf(&lines);
        let received = settings
            .store
            .receive(
                futures::stream::iter([Ok::<_, std::convert::Infallible>(pdf)]),
                settings.max_file_bytes,
            )
            .await
            .map_err(|e| CoreError::Internal(format!("demo archive: {e}")))?;
        archive::upload(
            pool,
            settings,
            &actor,
            (id, document.id),
            Upload {
                file_name: String::new(),
                expected_sha256: None,
            },
            received,
        )
        .await?;
        filed += 1;
    }
    Ok(filed)
}
