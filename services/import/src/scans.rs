//! The scans that come with an imported register (`kerjasama import FILE
//! --documents DIR|ZIP`): a folder, or a ZIP of one, holding each
//! agreement's signed text, named by its document number.
//!
//! A file's **key** is its name without the folder and the extension, read
//! as the document number is: letters and digits kept (upper case), every
//! run of anything else (`/`, `.`, `-`, `_`, spaces) read as one separator.
//! `415.4-12-HUK-2024.pdf`, `415.4_12_HUK_2024.PDF` and `415.4/12/HUK/2024`
//! all have the key `415 4 12 HUK 2024`. Hidden files (`.DS_Store`) and
//! `__MACOSX/` are skipped; sub-folders are read too.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The most files one import takes.
pub const MAX_FILES: usize = 10_000;

/// One scan, not yet read.
#[derive(Debug, Clone)]
pub struct ScanFile {
    /// Its path inside the folder or ZIP, as the report names it.
    pub path: String,
    /// Its document-number key.
    pub key: String,
    /// Its file name (what downloads carry).
    pub file_name: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Zipped { archive: PathBuf, index: usize },
}

/// Why the scans could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ScansError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0}: bukan folder atau berkas ZIP yang dapat dibaca / not a folder or a readable ZIP file ({1})"
    )]
    NotZip(String, String),
    #[error(
        "{0}: lebih dari {MAX_FILES} berkas / more than {MAX_FILES} files: import the register in parts"
    )]
    TooMany(String),
}

/// The key of a document number or a file stem (see the module's docs).
pub fn key(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn skipped(path: &str) -> bool {
    path.split('/')
        .any(|part| part.starts_with('.') || part == "__MACOSX")
}

fn scan_file(path: String, source: Source) -> ScanFile {
    let file_name = path.rsplit('/').next().unwrap_or(&path).to_string();
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => &file_name,
    };
    ScanFile {
        key: key(stem),
        file_name: file_name.clone(),
        path,
        source,
    }
}

/// Lists the scans of a folder or a ZIP file, in path order.
pub fn list(location: &Path) -> Result<Vec<ScanFile>, ScansError> {
    let shown = location.display().to_string();
    let io = |source| ScansError::Io {
        path: shown.clone(),
        source,
    };
    let mut files = Vec::new();
    if location.is_dir() {
        let mut pending = vec![location.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).map_err(io)? {
                let entry = entry.map_err(io)?;
                let path = entry.path();
                let relative = path
                    .strip_prefix(location)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if skipped(&relative) {
                    continue;
                }
                let kind = entry.file_type().map_err(io)?;
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file() {
                    files.push(scan_file(relative, Source::File(path)));
                }
                if files.len() > MAX_FILES {
                    return Err(ScansError::TooMany(shown));
                }
            }
        }
    } else {
        let file = std::fs::File::open(location).map_err(io)?;
        let mut archive = zip::ZipArchive::new(file)
            .map_err(|e| ScansError::NotZip(shown.clone(), e.to_string()))?;
        if archive.len() > MAX_FILES {
            return Err(ScansError::TooMany(shown));
        }
        for index in 0..archive.len() {
            let entry = archive
                .by_index(index)
                .map_err(|e| ScansError::NotZip(shown.clone(), e.to_string()))?;
            if entry.is_dir() {
                continue;
            }
            let Some(name) = entry.enclosed_name() else {
                continue; // an absolute or `..` path: never read
            };
            let relative = name.to_string_lossy().replace('\\', "/");
            if skipped(&relative) {
                continue;
            }
            files.push(scan_file(
                relative,
                Source::Zipped {
                    archive: location.to_path_buf(),
                    index,
                },
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Why a scan's bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    #[error("{0}")]
    Io(String),
}

impl ScanFile {
    /// Its bytes, at most `limit` of them (a ZIP entry is inflated no
    /// further than that, whatever its directory claims).
    pub fn read(&self, limit: u64) -> Result<Vec<u8>, ReadError> {
        let mut bytes = Vec::new();
        let read = match &self.source {
            Source::File(path) => {
                std::fs::File::open(path).and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            }
            Source::Zipped { archive, index } => {
                let file =
                    std::fs::File::open(archive).map_err(|e| ReadError::Io(e.to_string()))?;
                let mut archive =
                    zip::ZipArchive::new(file).map_err(|e| ReadError::Io(e.to_string()))?;
                let entry = archive
                    .by_index(*index)
                    .map_err(|e| ReadError::Io(e.to_string()))?;
                entry.take(limit + 1).read_to_end(&mut bytes)
            }
        };
        read.map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(ReadError::TooLarge(limit));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn a_file_name_and_a_document_number_meet_in_their_key() {
        assert_eq!(key("415.4/12-HUK/2024"), "415 4 12 HUK 2024");
        assert_eq!(key("415.4-12-HUK-2024"), "415 4 12 HUK 2024");
        assert_eq!(key("415.4_12_huk_2024"), "415 4 12 HUK 2024");
        assert_eq!(key(" 119/ 07 /PKS "), "119 07 PKS");
        assert_ne!(key("119/07/PKS"), key("119/7/PKS"));
    }
}
