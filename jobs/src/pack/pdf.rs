//! The pack as a PDF, typeset in-process by typst (no browser, no external
//! program) with the fonts bundled in the binary: A4 landscape, a running
//! header with the region, the as-of date and the period on every page,
//! "Halaman n dari N" at the foot, each section from a new page, long tables
//! continued over pages with their header row repeated.
//!
//! The content goes into typst as string literals in code mode, never as
//! markup, so no character of an agreement's title can be read as typst
//! syntax.

use std::collections::HashMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use super::chart;
use super::model::{Block, Pack, PackTable};
use crate::error::{JobError, JobResult};

/// The face everything is set in (bundled: typst-assets).
const FONT: &str = "Libertinus Serif";

fn failure(what: &str, detail: impl std::fmt::Display) -> JobError {
    kerjasama_core::CoreError::Internal(format!(
        "typesetting the meeting pack PDF: {what}: {detail}"
    ))
    .into()
}

/// The bundled fonts, parsed once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        let book = FontBook::from_fonts(&fonts);
        (LazyHash::new(book), fonts)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

fn file_id(path: &str) -> JobResult<FileId> {
    let vpath = VirtualPath::new(path).map_err(|e| failure("a file name", format!("{e:?}")))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)))
}

/// One document: its source and the chart images it refers to.
struct PackWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

impl World for PackWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// A typst string literal.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Cells up to this many characters make an `auto` (fit-to-content) column.
const SHORT_CELL: usize = 36;

fn table_source(table: &PackTable) -> String {
    // The first column (what a row is about) takes the room left; a column
    // of short values (numbers, dates, names) is as wide as its widest; a
    // column of long texts (cycle lists, recommendations) shares the room
    // with the first, since an `auto` column of long texts would squeeze
    // the first to nothing.
    let columns: Vec<&str> = (0..table.headers.len())
        .map(|i| {
            let longest = table
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.text.chars().count())
                .max()
                .unwrap_or(0);
            match i {
                0 => "2fr",
                _ if longest > SHORT_CELL => "1fr",
                _ => "auto",
            }
        })
        .collect();
    let numeric: Vec<bool> = (0..table.headers.len())
        .map(|i| {
            table
                .rows
                .iter()
                .any(|r| r.get(i).is_some_and(|c| c.numeric))
        })
        .collect();
    let align: Vec<&str> = numeric
        .iter()
        .map(|n| if *n { "right" } else { "left" })
        .collect();
    let mut src = format!(
        "#table(columns: ({},), align: ({},), stroke: 0.4pt + luma(130), inset: (x: 4pt, y: 3pt),\n  fill: (x, y) => if y == 0 {{ luma(228) }},\n  table.header(",
        columns.join(", "),
        align.join(", ")
    );
    for heading in &table.headers {
        if heading.id == heading.en {
            src.push_str(&format!("[*#{}*], ", lit(&heading.id)));
        } else {
            src.push_str(&format!(
                "[*#{}* \\ #text(size: 0.85em, fill: luma(70))[#{}]], ",
                lit(&heading.id),
                lit(&heading.en)
            ));
        }
    }
    src.push_str("),\n");
    let last = table.rows.len().saturating_sub(1);
    for (i, row) in table.rows.iter().enumerate() {
        src.push_str("  ");
        for cell in row {
            let text = if table.total_row && i == last {
                format!("*#{}*", lit(&cell.text))
            } else {
                format!("#{}", lit(&cell.text))
            };
            match &cell.note {
                Some(note) => src.push_str(&format!(
                    "[{text} \\ #text(size: 0.8em, fill: luma(80))[#{}]], ",
                    lit(note)
                )),
                None => src.push_str(&format!("[{text}], ")),
            }
        }
        src.push('\n');
    }
    src.push_str(")\n");
    if let Some((count, file)) = &table.omitted {
        let count = crate::indonesian::integer(*count as i128);
        src.push_str(&format!(
            // A paragraph of its own: what follows starts a new one.
            "#text(size: 0.9em)[#{}]\n\n",
            lit(&format!(
                "… dan {count} baris lainnya: lihat {file}. / … and {count} more rows in {file}."
            ))
        ));
    }
    src
}

/// The typst source of the pack and the chart files it refers to.
fn source(pack: &Pack) -> JobResult<(String, Vec<(String, String)>)> {
    let mut charts = Vec::new();
    let running_left = format!("{} · {}", pack.title, pack.region);
    let running_right = format!("per {} · periode {}", pack.as_of, pack.period);
    let mut src = format!(
        r#"#set document(title: {title}, author: "kerjasama")
#set text(font: {font}, size: 10pt, lang: "id")
#set par(justify: false)
#set page(paper: "a4", flipped: true, margin: (x: 14mm, top: 20mm, bottom: 16mm),
  header: context {{
    set text(size: 8pt, fill: luma(50))
    grid(columns: (1fr, auto), [#{left}], [#{right}])
    v(-4pt)
    line(length: 100%, stroke: 0.4pt + luma(100))
  }},
  footer: context {{
    set text(size: 8pt, fill: luma(50))
    grid(columns: (1fr, auto), [#{provenance}],
      [Halaman #counter(page).display() dari #counter(page).final().first()])
  }})
#show heading: set text(size: 14pt)
#show heading: set block(above: 0pt, below: 8pt)
#text(size: 20pt, weight: "bold")[#{title}] \
#text(size: 11pt)[*#{region}* · per *#{as_of}* · periode #{period}]
#v(6pt)
"#,
        title = lit(&pack.title),
        font = lit(FONT),
        left = lit(&running_left),
        right = lit(&running_right),
        provenance = lit(&pack.provenance),
        region = lit(&pack.region),
        as_of = lit(&pack.as_of),
        period = lit(&pack.period),
    );
    for (s, section) in pack.sections.iter().enumerate() {
        if s > 0 {
            src.push_str("#pagebreak(weak: true)\n");
        }
        src.push_str(&format!(
            "#heading(level: 1)[#{} #text(weight: \"regular\", fill: luma(80))[#{}]]\n",
            lit(&section.heading.id),
            lit(&format!("/ {}", section.heading.en))
        ));
        for block in &section.blocks {
            match block {
                Block::Sentences(lines) => {
                    src.push_str("#set text(size: 11.5pt)\n");
                    for line in lines {
                        src.push_str(&format!("- #{}\n", lit(line)));
                    }
                    src.push_str("#set text(size: 10pt)\n");
                }
                Block::Paragraph(text) => src.push_str(&format!("#{}\n\n", lit(text))),
                Block::Table(table) => {
                    src.push_str("#set text(size: 8.5pt)\n");
                    src.push_str(&table_source(table));
                    src.push_str("#set text(size: 10pt)\n");
                }
                Block::Chart(c) => {
                    let name = format!("/chart-{}.svg", charts.len() + 1);
                    charts.push((name.clone(), chart::svg(c, FONT)?));
                    src.push_str(&format!(
                        "#align(center, image({}, width: 92%))\n#v(6pt)\n",
                        lit(&name)
                    ));
                }
            }
        }
    }
    Ok((src, charts))
}

/// Typesets the pack into PDF bytes.
pub fn render(pack: &Pack) -> JobResult<Vec<u8>> {
    let (text, charts) = source(pack)?;
    let main = Source::new(file_id("/meeting_pack.typ")?, text);
    let mut files = HashMap::new();
    for (name, svg) in charts {
        files.insert(file_id(&name)?, Bytes::new(svg.into_bytes()));
    }
    let world = PackWorld { main, files };
    let document: PagedDocument = typst::compile(&world).output.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        failure("typst", messages.join("; "))
    })?;
    let mut pdf =
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            failure("PDF export", messages.join("; "))
        })?;
    blank_suspects(&mut pdf);
    Ok(pdf)
}

/// The catalogue's `/MarkInfo` says `/Suspects false`, which is the default
/// and valid PDF, but poppler (pdfinfo, pdftotext, most Linux viewers) calls
/// it "wrong type". The entry is blanked with spaces of the same length, so
/// every byte offset of the cross-reference table stays right.
fn blank_suspects(pdf: &mut [u8]) {
    const ENTRY: &[u8] = b"/Suspects false";
    if let Some(at) = pdf.windows(ENTRY.len()).position(|w| w == ENTRY) {
        pdf[at..at + ENTRY.len()].fill(b' ');
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Heading, Section};
    use super::*;

    fn sample() -> Pack {
        let heading = |id: &str, en: &str| Heading {
            id: id.into(),
            en: en.into(),
        };
        let cell = |text: &str, numeric: bool| Cell {
            text: text.into(),
            note: None,
            numeric,
        };
        Pack {
            title: "Rapat Evaluasi Kerja Sama Daerah".into(),
            region: "Wilayah 32".into(),
            as_of: "30 September 2026".into(),
            period: "1 Juli 2026 – 30 September 2026".into(),
            provenance: "Dibuat 7 Desember 2026 pukul 12.38 WIB · ref. laporan 01a24f03 · kerjasama 0.1.0".into(),
            sections: vec![
                Section {
                    anchor: "a",
                    heading: heading("Ringkasan eksekutif", "Executive summary"),
                    blocks: vec![Block::Sentences(vec![
                        "12 kerja sama berakhir dalam 90 hari; \"kutip\" #tagar $dolar [kurung] \\ *bintang* _garis_ <a> @b".into(),
                    ])],
                },
                Section {
                    anchor: "b",
                    heading: heading("Tabel", "Table"),
                    blocks: vec![
                        Block::Table(PackTable {
                            headers: vec![heading("Judul", "Title"), heading("KSDD", "KSDD")],
                            rows: vec![vec![
                                Cell {
                                    text: "Air bersih = #1 // ok".into(),
                                    note: Some("agreements/0190".into()),
                                    numeric: false,
                                },
                                cell("1.234", true),
                            ]],
                            total_row: false,
                            omitted: Some((5, "renewal_watch.csv".into())),
                        }),
                        Block::Paragraph("Tidak ada.".into()),
                        Block::Chart(chart::BarChart {
                            title: "Grafik".into(),
                            categories: vec!["A".into(), "B".into()],
                            series: vec![("satu".into(), vec![1.0, 3.0])],
                            scale: chart::Scale::Count,
                            stacked: false,
                        }),
                    ],
                },
            ],
        }
    }

    #[test]
    fn typesets_a_pack_whatever_its_text_holds() {
        let pack = sample();
        let pdf = match render(&pack) {
            Ok(pdf) => pdf,
            Err(e) => panic!("{e}\n{}", source(&pack).unwrap().0),
        };
        assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    }
}
