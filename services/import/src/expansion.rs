//! What a workbook may expand to, checked from its ZIP directory before any
//! of it is read (a ZIP bomb is refused without being decompressed):
//!
//! - each part at most [`MAX_PART_BYTES`], the shared strings table at most
//!   [`MAX_SHARED_STRINGS_BYTES`] (it is held in memory whole);
//! - all parts together at most [`total_bound`] of the upload's size:
//!   [`EXPANSION_RATIO`] times it, at least [`EXPANSION_FLOOR`], never more
//!   than [`MAX_EXPANDED_BYTES`];
//! - at most [`MAX_PARTS`] parts;
//! - an XML part's declared `uniqueCount` (the number of shared strings, which the
//!   reader reserves room for at once) at most one per [`MIN_BYTES_PER_STRING`]
//!   bytes of the part.
//!
//! The ZIP reader never decompresses more than a part declares, so the
//! declared sizes bound what is read.

use std::io::{Cursor, Read};

/// The largest part (a sheet's XML).
pub const MAX_PART_BYTES: u64 = 128 * 1024 * 1024;
/// The largest shared strings table.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 32 * 1024 * 1024;
/// The most a workbook may expand to, whatever its size.
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// How many times its own size a workbook may expand to…
pub const EXPANSION_RATIO: u64 = 50;
/// …and how much any workbook may expand to regardless.
pub const EXPANSION_FLOOR: u64 = 16 * 1024 * 1024;
/// The most parts a workbook may have.
pub const MAX_PARTS: usize = 10_000;
/// A shared string takes at least this many bytes of XML (`<si><t/></si>`
/// is 13).
pub const MIN_BYTES_PER_STRING: u64 = 10;

/// How much a workbook of `upload` bytes may expand to in all.
pub fn total_bound(upload: u64) -> u64 {
    upload
        .saturating_mul(EXPANSION_RATIO)
        .clamp(EXPANSION_FLOOR, MAX_EXPANDED_BYTES)
}

/// Why a workbook is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// One part declares more than its limit.
    Part {
        part: String,
        declared: u64,
        limit: u64,
    },
    /// All parts together declare more than the upload's bound.
    Total {
        declared: u64,
        limit: u64,
    },
    TooManyParts {
        parts: usize,
    },
    /// A shared strings table claims more strings than its bytes can hold.
    StringCount {
        part: String,
        claimed: u64,
        bytes: u64,
    },
}

/// Checks `archive` (an upload of `upload` bytes) against the bounds.
pub fn check(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, upload: u64) -> Result<(), Refusal> {
    if archive.len() > MAX_PARTS {
        return Err(Refusal::TooManyParts {
            parts: archive.len(),
        });
    }
    let mut total: u64 = 0;
    let mut parts = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        // A part the directory cannot describe is left to the reader, which
        // refuses the workbook as damaged.
        let Ok(entry) = archive.by_index_raw(index) else {
            continue;
        };
        let name = entry
            .name()
            .map_or_else(|_| format!("#{index}"), |name| name.to_string());
        let declared = entry.size();
        let limit = if name.to_ascii_lowercase().contains("sharedstrings") {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        if declared > limit {
            return Err(Refusal::Part {
                part: name,
                declared,
                limit,
            });
        }
        total = total.saturating_add(declared);
        parts.push((index, name, declared));
    }
    let limit = total_bound(upload);
    if total > limit {
        return Err(Refusal::Total {
            declared: total,
            limit,
        });
    }
    // Only XML parts can be a shared strings table; media are never unpacked here.
    for (index, name, declared) in parts {
        if !name.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        if let Some(claimed) = unique_count(archive, index)
            && claimed > declared / MIN_BYTES_PER_STRING
        {
            return Err(Refusal::StringCount {
                part: name,
                claimed,
                bytes: declared,
            });
        }
    }
    Ok(())
}

/// The `uniqueCount` a part declares in its first 4 KiB, if any.
fn unique_count(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, index: usize) -> Option<u64> {
    let mut head = Vec::with_capacity(4096);
    archive
        .by_index(index)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    let text = String::from_utf8_lossy(&head);
    let start = text.find("uniqueCount")? + "uniqueCount".len();
    let rest = text[start..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let digits: String = rest[1..].chars().take_while(|c| *c != quote).collect();
    // A count that does not even parse is as absurd as a huge one.
    Some(digits.trim().parse::<u64>().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut bytes));
            for (name, content) in parts {
                writer
                    .start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                writer.write_all(content).unwrap();
            }
            writer.finish().unwrap();
        }
        bytes
    }

    fn checked(bytes: &[u8]) -> Result<(), Refusal> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        check(&mut archive, bytes.len() as u64)
    }

    #[test]
    fn the_total_bound_grows_with_the_upload_between_a_floor_and_a_ceiling() {
        assert_eq!(total_bound(1), EXPANSION_FLOOR);
        assert_eq!(total_bound(1024 * 1024), 50 * 1024 * 1024);
        assert_eq!(total_bound(32 * 1024 * 1024), MAX_EXPANDED_BYTES);
    }

    #[test]
    fn a_shared_strings_table_claiming_more_strings_than_it_can_hold_is_refused() {
        let honest = b"<?xml version=\"1.0\"?><sst uniqueCount=\"2\"><si><t>a</t></si><si><t>b</t></si></sst>";
        assert_eq!(
            checked(&zip_of(&[("xl/sharedStrings.xml", honest.to_vec())])),
            Ok(())
        );
        let lying =
            b"<?xml version=\"1.0\"?><sst uniqueCount=\"99999999999\"><si><t>a</t></si></sst>";
        assert!(matches!(
            checked(&zip_of(&[("xl/strings.xml", lying.to_vec())])),
            Err(Refusal::StringCount {
                claimed: 99_999_999_999,
                ..
            })
        ));
    }

    #[test]
    fn too_many_parts_are_refused() {
        let parts: Vec<(String, Vec<u8>)> = (0..=MAX_PARTS)
            .map(|i| (format!("p{i}"), Vec::new()))
            .collect();
        let parts: Vec<(&str, Vec<u8>)> =
            parts.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
        assert!(matches!(
            checked(&zip_of(&parts)),
            Err(Refusal::TooManyParts { .. })
        ));
    }
}
