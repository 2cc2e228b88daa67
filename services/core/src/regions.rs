//! The Kemendagri region catalogue: the 38 provinces and 514 regencies and
//! cities with their names (`data/regions/regions.csv`, compiled in; its
//! source and licence are in `data/regions/SOURCE.md`). It names regions for
//! people ("Provinsi Banten", "Kota Serang") and tells a real region code
//! from one that only has the right shape.

use std::collections::HashMap;
use std::sync::LazyLock;

const DATA: &str = include_str!("../data/regions/regions.csv");

/// What a region is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Province,
    /// Kabupaten.
    Regency,
    /// Kota.
    City,
}

/// One region of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: &'static str,
    /// As the decree writes it: "Banten", "Kabupaten Tangerang", "Kota Serang".
    pub name: &'static str,
    pub level: Level,
}

static CATALOGUE: LazyLock<HashMap<&'static str, Region>> = LazyLock::new(|| {
    DATA.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let mut fields = line.splitn(3, ',');
            let code = fields.next()?;
            let name = fields.next()?;
            let level = match fields.next()?.trim() {
                "province" => Level::Province,
                "regency" => Level::Regency,
                "city" => Level::City,
                _ => return None,
            };
            Some((code, Region { code, name, level }))
        })
        .collect()
});

/// The catalogue's entry for a province or regency/city code.
pub fn get(code: &str) -> Option<&'static Region> {
    CATALOGUE.get(code)
}

/// Whether a region code (of the right shape) names a real region: a
/// province or regency/city of the catalogue, or a district or village code
/// under one (the catalogue stops at regencies and cities).
pub fn is_known(code: &str) -> bool {
    let mut parts = code.split('.');
    let head = match (parts.next(), parts.next()) {
        (Some(p), None) => p.to_string(),
        (Some(p), Some(r)) => format!("{p}.{r}"),
        _ => return false,
    };
    CATALOGUE.contains_key(head.as_str())
}

/// How a person reads a region code: "Provinsi Banten", "Kabupaten
/// Tangerang", "Kota Serang"; a district or village code as its regency's
/// name and the code; an unknown code as itself.
pub fn display(code: &str) -> String {
    if let Some(region) = get(code) {
        return match region.level {
            Level::Province => format!("Provinsi {}", region.name),
            Level::Regency | Level::City => region.name.to_string(),
        };
    }
    let mut parts = code.split('.');
    if let (Some(p), Some(r)) = (parts.next(), parts.next())
        && let Some(region) = get(&format!("{p}.{r}"))
    {
        return format!("{} ({code})", region.name);
    }
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_every_province_regency_and_city() {
        let count = |level| CATALOGUE.values().filter(|r| r.level == level).count();
        assert_eq!(count(Level::Province), 38);
        assert_eq!(count(Level::Regency), 416);
        assert_eq!(count(Level::City), 98);
    }

    #[test]
    fn codes_read_as_their_names() {
        assert_eq!(display("36"), "Provinsi Banten");
        assert_eq!(display("36.03"), "Kabupaten Tangerang");
        assert_eq!(display("36.71"), "Kota Tangerang");
        assert_eq!(display("36.73"), "Kota Serang");
        assert_eq!(display("32.73"), "Kota Bandung");
        assert_eq!(display("36.03.01"), "Kabupaten Tangerang (36.03.01)");
        assert_eq!(display("99"), "99");
    }

    #[test]
    fn only_real_regions_are_known() {
        assert!(is_known("36"));
        assert!(is_known("96"));
        assert!(is_known("36.71"));
        assert!(is_known("36.03.01.2001"));
        assert!(!is_known("99"));
        assert!(!is_known("36.99"));
        assert!(!is_known("36.99.01"));
    }
}
