//! The words of a stored file, for finding it by what it says: the text layer
//! of a PDF (pdf-extract), the paragraphs of a DOCX (`word/document.xml`) or
//! an ODT (`content.xml`), read in-process. Images and scans without a text
//! layer have none ("no text"); there is no OCR.
//!
//! Extraction never takes the server down: a PDF the extractor cannot read
//! (or panics on) simply has no text, and the text kept is bounded so its
//! search vector stays within PostgreSQL's limit.

use std::io::Read;

use super::content::MediaType;

/// At most this many characters of a file's text are kept and indexed
/// (PostgreSQL's tsvector holds at most 1 MB; a long agreement is some
/// 100,000 characters).
pub const MAX_TEXT_CHARS: usize = 300_000;

/// The most a DOCX or ODT part may inflate to while its text is read.
const MAX_XML_BYTES: u64 = 64 * 1024 * 1024;

/// The text of `bytes` (a file of kind `kind`), whitespace collapsed and
/// bounded; `None` when the file has none (an image, a scan, an unreadable
/// PDF).
pub fn extract(kind: MediaType, bytes: &[u8]) -> Option<String> {
    let raw = match kind {
        MediaType::Pdf => pdf(bytes),
        MediaType::Docx => xml_part(bytes, "word/document.xml", b"w:p"),
        MediaType::Odt => xml_part(bytes, "content.xml", b"text:p"),
        MediaType::Jpeg | MediaType::Png | MediaType::Tiff => None,
    }?;
    let text = tidy(&raw);
    (!text.is_empty()).then_some(text)
}

fn pdf(bytes: &[u8]) -> Option<String> {
    // The extractor may panic on a malformed file; that file has no text.
    std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes).ok())
        .ok()
        .flatten()
}

/// The character data of the XML part `name` of a ZIP package, a line break
/// after every element named `paragraph`.
fn xml_part(bytes: &[u8], name: &str, paragraph: &[u8]) -> Option<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut xml = Vec::new();
    zip.by_name(name)
        .ok()?
        .take(MAX_XML_BYTES)
        .read_to_end(&mut xml)
        .ok()?;
    Some(xml_text(&xml, paragraph))
}

/// Character data outside tags, entities decoded; `</paragraph>` ends a line.
fn xml_text(xml: &[u8], paragraph: &[u8]) -> String {
    let mut out = Vec::with_capacity(xml.len() / 4);
    let mut i = 0;
    while i < xml.len() {
        if xml[i] == b'<' {
            let end = xml[i..]
                .iter()
                .position(|b| *b == b'>')
                .map_or(xml.len(), |p| i + p);
            let tag = &xml[i + 1..end.min(xml.len())];
            // `name` itself, not a longer name that starts with it.
            let is = |name: &[u8]| {
                tag.strip_prefix(name)
                    .is_some_and(|rest| rest.is_empty() || matches!(rest[0], b'/' | b' '))
            };
            if tag.strip_prefix(b"/") == Some(paragraph) || is(b"w:br") || is(b"text:line-break") {
                out.push(b'\n');
            } else if is(b"w:tab") || is(b"text:tab") || is(b"text:s") {
                out.push(b' ');
            }
            i = end + 1;
        } else {
            out.push(xml[i]);
            i += 1;
        }
    }
    decode_entities(&String::from_utf8_lossy(&out))
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lines trimmed, runs of spaces made one, empty lines dropped, control
/// characters removed, and at most [`MAX_TEXT_CHARS`] characters.
fn tidy(raw: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for line in raw.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || (c.is_control() && c != '\n'))
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            continue;
        }
        let line = words.join(" ");
        let n = line.chars().count();
        let separator = usize::from(!out.is_empty());
        if count + separator + n > MAX_TEXT_CHARS {
            let room = MAX_TEXT_CHARS.saturating_sub(count + separator);
            if room > 0 {
                if separator == 1 {
                    out.push('\n');
                }
                out.extend(line.chars().take(room));
            }
            break;
        }
        if separator == 1 {
            out.push('\n');
        }
        out.push_str(&line);
        count += separator + n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
            for (name, text) in parts {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap();
            }
            zip.finish().unwrap();
        }
        bytes
    }

    #[test]
    fn docx_and_odt_paragraphs_are_read_with_entities() {
        let docx = package(&[
            ("[Content_Types].xml", "<Types/>"),
            (
                "word/document.xml",
                "<w:document><w:body><w:p><w:r><w:t>Pasal 1 &amp; Pasal 2</w:t></w:r></w:p>\
                 <w:p><w:r><w:t xml:space=\"preserve\">Pengelolaan  sampah </w:t><w:t>regional</w:t></w:r></w:p>\
                 </w:body></w:document>",
            ),
        ]);
        assert_eq!(
            extract(MediaType::Docx, &docx).as_deref(),
            Some("Pasal 1 & Pasal 2\nPengelolaan sampah regional")
        );
        let odt = package(&[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            (
                "content.xml",
                "<office:text><text:p>Kesepakatan &#x42;ersama</text:p><text:p>Kota<text:s/>\
                 <text:span>Serang</text:span></text:p></office:text>",
            ),
        ]);
        assert_eq!(
            extract(MediaType::Odt, &odt).as_deref(),
            Some("Kesepakatan Bersama\nKota Serang")
        );
    }

    #[test]
    fn images_and_broken_pdfs_have_no_text() {
        assert_eq!(extract(MediaType::Png, b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(extract(MediaType::Pdf, b"%PDF-1.4\n garbage"), None);
    }

    #[test]
    fn text_is_bounded() {
        let long = "kata ".repeat(MAX_TEXT_CHARS);
        assert_eq!(tidy(&long).chars().count(), MAX_TEXT_CHARS);
        assert_eq!(tidy("  a \t b \n\n c  "), "a b\nc");
    }
}
