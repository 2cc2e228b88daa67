//! What a file is, from its content (magic bytes, and for ZIP packages the
//! parts inside), never from its name; and what the archive refuses: an
//! executable, an archive, a package that is not a DOCX or ODT document, a
//! DOCX with macros, a PDF that carries JavaScript, embedded files or a
//! launch action, an encrypted PDF.
//!
//! PDF names are read the way a PDF reader reads them (`#xx` escapes
//! decoded), in the file's own syntax and inside every object stream
//! (inflated: they hide dictionaries there), so `/J#61vaScript` or a
//! compressed `/JS` is found too; the data of other streams (images, fonts)
//! is pixels and glyphs, not syntax, and is not read as names.

use std::io::Read;

/// The kinds of file the archive keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
    Tiff,
    Docx,
    Odt,
}

impl MediaType {
    pub const ALL: &'static [MediaType] = &[
        MediaType::Pdf,
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Tiff,
        MediaType::Docx,
        MediaType::Odt,
    ];

    /// The IANA media type (`Content-Type`).
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Tiff => "image/tiff",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.mime() == mime)
    }

    /// The file name extension that goes with the content.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Tiff => "tif",
            MediaType::Docx => "docx",
            MediaType::Odt => "odt",
        }
    }
}

/// Why a file is refused (English phrases; the wordings translate them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a kind the archive keeps: what it is.
    Kind(&'static str),
    /// A PDF that carries something active: what.
    PdfActive(&'static str),
    PdfEncrypted,
}

/// The most a PDF's compressed streams may inflate to, all together, while
/// they are checked: past it the file is refused rather than half-checked.
const MAX_INFLATED: u64 = 512 * 1024 * 1024;

/// Identifies `bytes` (a whole file).
pub fn identify(bytes: &[u8]) -> Result<MediaType, Refusal> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        return check_pdf(bytes).map(|()| MediaType::Pdf);
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(MediaType::Jpeg);
    }
    if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(MediaType::Png);
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Ok(MediaType::Tiff);
    }
    if starts(b"PK\x03\x04") {
        return package(bytes);
    }
    if starts(b"MZ")
        || starts(b"\x7FELF")
        || starts(&[0xCA, 0xFE, 0xBA, 0xBE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCF])
        || starts(&[0xCF, 0xFA, 0xED, 0xFE])
        || starts(&[0xCE, 0xFA, 0xED, 0xFE])
        || starts(b"#!")
    {
        return Err(Refusal::Kind("an executable program"));
    }
    let tar = bytes.get(257..262) == Some(b"ustar".as_slice());
    if starts(b"Rar!")
        || starts(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C])
        || starts(&[0x1F, 0x8B])
        || starts(b"BZh")
        || starts(&[0xFD, b'7', b'z', b'X', b'Z', 0x00])
        || starts(&[0x28, 0xB5, 0x2F, 0xFD])
        || starts(b"PK\x05\x06")
        || tar
    {
        return Err(Refusal::Kind("an archive (ZIP, RAR, 7z, gzip, …)"));
    }
    Err(Refusal::Kind("of a kind the archive does not recognise"))
}

/// A ZIP package: a DOCX or an ODT document, or refused.
fn package(bytes: &[u8]) -> Result<MediaType, Refusal> {
    let not_a_document = Refusal::Kind("a ZIP package that is not a DOCX or ODT document");
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Err(not_a_document);
    };
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("mimetype") {
        let mut mimetype = String::new();
        let read = zip
            .by_name("mimetype")
            .ok()
            .and_then(|f| f.take(128).read_to_string(&mut mimetype).ok());
        if read.is_some() && mimetype.trim() == MediaType::Odt.mime() && has("content.xml") {
            return Ok(MediaType::Odt);
        }
        return Err(not_a_document);
    }
    if has("[Content_Types].xml") && has("word/document.xml") {
        if names.iter().any(|n| n.ends_with("vbaProject.bin")) {
            return Err(Refusal::Kind("a DOCX with macros"));
        }
        return Ok(MediaType::Docx);
    }
    Err(not_a_document)
}

/// Refuses a PDF that carries JavaScript, embedded files or a launch
/// action, or is encrypted.
///
/// What can carry those is the file's own syntax: its dictionaries (the
/// catalogue, actions, name trees, the trailer), written in the file or
/// packed into object streams (`/Type /ObjStm`, usually Flate-compressed).
/// So the file is read with every stream's data left out, and each object
/// stream is inflated (bounded) and read the same way. Other streams' data
/// (images, fonts, page contents) is arbitrary bytes in which `/JS` occurs
/// by chance: a genuine scan must not be refused for its pixels.
fn check_pdf(bytes: &[u8]) -> Result<(), Refusal> {
    let mut inflated_total = 0u64;
    // Where the syntax not yet read starts.
    let mut syntax = 0;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"stream") {
        let keyword = at + found;
        let mut data = keyword + b"stream".len();
        at = data;
        // Only the keyword `stream` followed by an end of line starts a
        // stream's data (`endstream` ends one).
        if keyword >= 3 && &bytes[keyword - 3..keyword] == b"end" {
            continue;
        }
        match bytes.get(data..data + 2) {
            Some(b"\r\n") => data += 2,
            Some([b'\n', _]) => data += 1,
            _ => continue,
        }
        let before = &bytes[syntax..keyword];
        check_names(before)?;
        // The stream's dictionary: what follows the last `obj` keyword.
        let dictionary = rfind(before, b"obj").map_or(before, |p| &before[p..]);
        let end = find(&bytes[data..], b"endstream").map_or(bytes.len(), |p| data + p);
        let mut object_stream = false;
        for_each_name(dictionary, |name| {
            object_stream |= name == b"ObjStm";
            Ok(())
        })?;
        if object_stream {
            let mut inflated = Vec::new();
            let room = MAX_INFLATED.saturating_sub(inflated_total) + 1;
            let mut decoder = flate2::read::ZlibDecoder::new(&bytes[data..end]).take(room);
            // An object stream that is not Flate is read as it is.
            if decoder.read_to_end(&mut inflated).is_err() || inflated.is_empty() {
                inflated = bytes[data..end].to_vec();
            }
            inflated_total += inflated.len() as u64;
            if inflated_total > MAX_INFLATED {
                return Err(Refusal::Kind("a PDF too large to check when inflated"));
            }
            check_names(&inflated)?;
        }
        syntax = end;
        at = end;
    }
    check_names(&bytes[syntax.min(bytes.len())..])
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Calls `f` with every PDF name (`/Name`, `#xx` escapes decoded) in
/// `bytes`, until it returns a refusal.
fn for_each_name(
    bytes: &[u8],
    mut f: impl FnMut(&[u8]) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    let delimiter = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%' | 0
            )
    };
    let mut i = 0;
    let mut name = Vec::with_capacity(32);
    while i < bytes.len() {
        if bytes[i] != b'/' {
            i += 1;
            continue;
        }
        i += 1;
        name.clear();
        while i < bytes.len() && !delimiter(bytes[i]) && name.len() < 64 {
            if bytes[i] == b'#'
                && let Some(hex) = bytes.get(i + 1..i + 3)
                && let Ok(text) = std::str::from_utf8(hex)
                && let Ok(value) = u8::from_str_radix(text, 16)
            {
                name.push(value);
                i += 3;
                continue;
            }
            name.push(bytes[i]);
            i += 1;
        }
        f(&name)?;
    }
    Ok(())
}

/// Refuses the names that make a PDF active or encrypted.
fn check_names(bytes: &[u8]) -> Result<(), Refusal> {
    for_each_name(bytes, |name| match name {
        b"JavaScript" | b"JS" => Err(Refusal::PdfActive("JavaScript")),
        b"EmbeddedFile" | b"EmbeddedFiles" => Err(Refusal::PdfActive("embedded files")),
        b"Launch" => Err(Refusal::PdfActive("an automatic action")),
        b"Encrypt" => Err(Refusal::PdfEncrypted),
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n1 0 obj\n<< {body} >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
            .into_bytes()
    }

    #[test]
    fn kinds_are_told_by_content_not_name() {
        assert_eq!(identify(&pdf("/Type /Catalog")), Ok(MediaType::Pdf));
        assert_eq!(
            identify(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Ok(MediaType::Jpeg)
        );
        assert_eq!(
            identify(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Ok(MediaType::Png)
        );
        assert_eq!(identify(b"II*\0\x08\0\0\0"), Ok(MediaType::Tiff));
        assert!(matches!(identify(b"MZ\x90\0"), Err(Refusal::Kind(_))));
        assert!(matches!(identify(b"\x7FELF\x02"), Err(Refusal::Kind(_))));
        assert!(matches!(identify(b"Rar!\x1a\x07"), Err(Refusal::Kind(_))));
        assert!(matches!(identify(b"hello, world"), Err(Refusal::Kind(_))));
        assert!(matches!(identify(b""), Err(Refusal::Kind(_))));
    }

    #[test]
    fn active_and_encrypted_pdfs_are_refused_however_their_names_are_written() {
        let active = |body: &str| identify(&pdf(body));
        assert_eq!(
            active("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
            Err(Refusal::PdfActive("JavaScript"))
        );
        assert_eq!(
            active("/OpenAction << /S /J#61vaScript >>"),
            Err(Refusal::PdfActive("JavaScript"))
        );
        assert_eq!(
            active("/Names << /EmbeddedFiles 2 0 R >>"),
            Err(Refusal::PdfActive("embedded files"))
        );
        assert_eq!(active("/Encrypt 5 0 R"), Err(Refusal::PdfEncrypted));
        assert_eq!(
            active("/AA << /O << /S /Launch /F (calc.exe) >> >>"),
            Err(Refusal::PdfActive("an automatic action"))
        );
        // A name that merely starts the same is not the same name.
        assert_eq!(active("/JSON (x) /JavaScripts (y)"), Ok(MediaType::Pdf));
    }

    #[test]
    fn names_inside_compressed_streams_are_read_too() {
        use std::io::Write;
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder
            .write_all(b"<< /S /JavaScript /JS (app.alert(1)) >>")
            .unwrap();
        let compressed = encoder.finish().unwrap();
        let mut file =
            b"%PDF-1.7\n2 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n".to_vec();
        file.extend_from_slice(&compressed);
        file.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        assert_eq!(identify(&file), Err(Refusal::PdfActive("JavaScript")));
    }

    #[test]
    fn an_images_bytes_are_not_read_as_names() {
        // A scan's image data happens to hold "/JS " and "/Encrypt": pixels,
        // not syntax; the file is a plain PDF.
        let mut file = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\
            5 0 obj\n<< /Type /XObject /Subtype /Image /Length 40 >>\nstream\n"
            .to_vec();
        file.extend_from_slice(b"\x00\xff/JS \x10/Encrypt\x00/Launch \x01\x02\x03/EmbeddedFile ");
        file.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        assert_eq!(identify(&file), Ok(MediaType::Pdf));
        // The same names in the syntax after it are read.
        let mut active = file.clone();
        active.extend_from_slice(b"6 0 obj\n<< /S /JavaScript >>\nendobj\n");
        assert_eq!(identify(&active), Err(Refusal::PdfActive("JavaScript")));
    }
}
