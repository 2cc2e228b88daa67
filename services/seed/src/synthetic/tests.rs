use super::words::{SECTORS, UNITS};
use super::*;

#[test]
fn agreement_ids_follow_the_documented_hex_layout() {
    for n in [1u64, 2, 255, 1_000_000, 99_999_999] {
        let hex = format!("{:012x}7000{}000{:012x}", SYNTHETIC_EPOCH_MS + n, '8', n);
        assert_eq!(synthetic_agreement_id(n).simple().to_string(), hex);
        assert_eq!(synthetic_agreement_id(n).get_version_num(), 7);
        assert_eq!(
            synthetic_agreement_id(n).get_variant(),
            uuid::Variant::RFC4122
        );
    }
    assert_eq!(
        synthetic_agreement_id(1).to_string(),
        "018bcfe5-6801-7000-8000-000000000001"
    );
    assert!(synthetic_agreement_id(2) > synthetic_agreement_id(1));
    assert_ne!(synthetic_id(5, 1, 0), synthetic_agreement_id(5));
}

#[test]
fn regions_split_the_ordinals_into_contiguous_blocks() {
    for agreements in [1u64, 2, 7, 2_000, 2_501, 12_345, 100_000] {
        let regions = region_count(agreements);
        let mut next = 1;
        for r in 0..regions {
            let range = region_agreements(agreements, r);
            assert_eq!(*range.start(), next, "N={agreements} r={r}");
            assert!(
                range.end() >= range.start(),
                "N={agreements} r={r} is empty"
            );
            for n in [*range.start(), *range.end()] {
                assert_eq!(region_of(agreements, n), r, "N={agreements} n={n}");
            }
            next = range.end() + 1;
        }
        assert_eq!(next, agreements + 1);
    }
    assert_eq!(region_count(2_000), 2);
    assert_eq!(region_count(1_000_000), 400);
}

#[test]
fn region_and_unit_codes_have_the_shapes_the_schema_demands() {
    let shape = |code: &str| kerjasama_core::names::is_region_code(code);
    let mut seen = std::collections::HashSet::new();
    for r in 0..MAX_REGIONS {
        let code = region_code(r);
        assert!(shape(&code), "{code}");
        assert!(code.len() == 2 || code.len() == 5, "{code}");
        assert!(seen.insert(code.clone()), "{code} twice");
        if code.len() == 5 {
            let rr: u32 = code[3..].parse().unwrap();
            assert!((1..=69).contains(&rr) || (71..=99).contains(&rr), "{code}");
        }
    }
    assert_eq!(region_code(0), "36");
    assert_eq!(region_code(38), "36.01");
    for (acronym, _, sector) in UNITS {
        let code = unit_code("36.03", 0).replace("BAPPEDA", acronym);
        let ok = code.len() <= 32
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        assert!(ok, "{code}");
        assert!(SECTORS.iter().any(|s| s.0 == sector), "{sector}");
    }
    for seed in 0..50 {
        assert!((20..=40).contains(&unit_count(seed, 3)));
    }
}

#[test]
fn copy_text_values_are_escaped_and_formatted() {
    let mut buf = Vec::new();
    Row { buf: &mut buf }
        .text("a\tb\\c\nd")
        .null()
        .int(-42)
        .decimal(12345, 2)
        .decimal(7, 2)
        .decimal(500, 0)
        .date(ymd(2026, 9, 30))
        .boolean(true)
        .end();
    assert_eq!(
        String::from_utf8(buf).unwrap(),
        "a\\tb\\\\c\\nd\t\\N\t-42\t123.45\t0.07\t500\t2026-09-30\tt\n"
    );
    assert_eq!(
        timestamp(SYNTHETIC_EPOCH_MS + 1),
        "2023-11-14 22:13:20.001+00"
    );
}

#[test]
fn cycles_are_calendar_quarters_and_semesters() {
    assert_eq!(
        cycle_of(ymd(2025, 5, 17), 3),
        (ymd(2025, 4, 1), ymd(2025, 6, 30))
    );
    assert_eq!(
        cycle_of(ymd(2025, 12, 31), 6),
        (ymd(2025, 7, 1), ymd(2025, 12, 31))
    );
    assert_eq!(
        cycle_of(ymd(2024, 2, 29), 12),
        (ymd(2024, 1, 1), ymd(2024, 12, 31))
    );
}

#[test]
fn the_random_streams_are_fixed_by_seed_and_key() {
    let draw = |seed, key| {
        let mut rng = Rng::new(seed, STREAM_RECORD, key);
        (0..4).map(|_| rng.next_u64()).collect::<Vec<_>>()
    };
    assert_eq!(draw(1, 7), draw(1, 7));
    assert_ne!(draw(1, 7), draw(2, 7));
    assert_ne!(draw(1, 7), draw(1, 8));
    let mut rng = Rng::new(3, 3, 3);
    for _ in 0..1000 {
        let v = rng.between(-3, 4);
        assert!((-3..=4).contains(&v));
        assert!(rng.below(5) < 5);
        let u = rng.unit();
        assert!((0.0..1.0).contains(&u));
    }
}
