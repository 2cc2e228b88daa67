//! The names people and programs use for records: resource names
//! (`agreements/{id}`), the id segment every resource name shares, and the
//! shape of a Kemendagri region code. Small, general, and below every use
//! case that parses or prints a name.

use uuid::Uuid;

/// `agreements/{id}`.
pub fn agreement_name(id: Uuid) -> String {
    format!("agreements/{id}")
}

/// Parses `agreements/{id}`.
pub fn parse_agreement_name(name: &str) -> Option<Uuid> {
    name.strip_prefix("agreements/").and_then(parse_id)
}

/// The id segment of any resource name: a UUID written as the service writes
/// it (lower case, hyphenated), so that one record has one name. Other
/// spellings (`{…}`, `urn:uuid:…`, upper case, no hyphens) are malformed
/// names, not aliases.
pub fn parse_id(text: &str) -> Option<Uuid> {
    let id = Uuid::try_parse(text).ok()?;
    (id.hyphenated().to_string() == text).then_some(id)
}

/// A Kemendagri region code: `36`, `36.03`, `36.03.01`, `36.03.01.2001`.
pub fn is_region_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('.').collect();
    let widths = [2, 2, 2, 4];
    !parts.is_empty()
        && parts.len() <= widths.len()
        && parts
            .iter()
            .zip(widths)
            .all(|(part, width)| part.len() == width && part.bytes().all(|b| b.is_ascii_digit()))
}
