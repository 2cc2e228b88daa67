//! A bounded property pass over every parser that reads user text: random
//! and mutated inputs from a seeded generator never panic, anything accepted
//! writes back to exactly the text it was read from (or, for decimals, to the
//! same value), and inputs valid by construction are accepted. No server:
//! these are the functions the handlers call.

use chrono::{DateTime, Utc};
use kerjasama_core::{benefits, decimal, documents, implementation_reports, meetings};
use kerjasama_core::{paging, stages, units};
use kerjasama_jobs::{crontab, rows, runs, schedules};
use uuid::Uuid;

/// Inputs per property.
const ROUNDS: usize = 20_000;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn uuid(&mut self) -> Uuid {
        Uuid::from_u128(u128::from(self.next()) << 64 | u128::from(self.next()))
    }

    /// Up to `max` characters drawn from `alphabet`.
    fn text(&mut self, alphabet: &[char], max: usize) -> String {
        let len = self.below(max + 1);
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }

    /// `valid` with one to three edits: a character replaced, inserted or
    /// removed, a case flipped, the end cut or a piece repeated.
    fn mutate(&mut self, valid: &str, alphabet: &[char]) -> String {
        let mut chars: Vec<char> = valid.chars().collect();
        for _ in 0..=self.below(3) {
            let at = self.below(chars.len() + 1);
            match self.below(6) {
                0 if at < chars.len() => chars[at] = *self.pick(alphabet),
                1 => chars.insert(at, *self.pick(alphabet)),
                2 if at < chars.len() => {
                    chars.remove(at);
                }
                3 if at < chars.len() => {
                    let c = chars[at];
                    chars[at] = if c.is_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    };
                }
                4 => chars.truncate(at),
                _ => {
                    let piece: Vec<char> = chars[at..].iter().take(4).copied().collect();
                    chars.splice(at..at, piece);
                }
            }
        }
        chars.into_iter().collect()
    }
}

/// Characters that break parsers: separators, signs, spaces, hex digits of
/// both cases, NUL, non-ASCII digits and letters.
const HOSTILE: &[char] = &[
    '0', '1', '7', '9', 'a', 'f', 'A', 'F', 'g', 'Z', '-', '_', '.', '/', ':', '{', '}', ' ', '\t',
    '\n', '+', '%', '\0', 'é', '٣', '１', '\u{202e}', 'x',
];

/// Feeds `ROUNDS` random and mutated texts (of `alphabet`) to `check`;
/// `valid` makes a well-formed text, which `check` also sees unchanged.
fn each_input(
    seed: u64,
    alphabet: &[char],
    mut valid: impl FnMut(&mut Rng) -> String,
    mut check: impl FnMut(&str),
) {
    let mut rng = Rng::new(seed);
    for round in 0..ROUNDS {
        let good = valid(&mut rng);
        let text = match round % 4 {
            0 => good,
            1 => rng.text(alphabet, 24),
            _ => rng.mutate(&good, alphabet),
        };
        check(&text);
    }
}

/// Every resource-name parser: accepted ⇔ the name writes back to itself.
#[test]
fn resource_names_are_accepted_only_in_their_one_spelling() {
    type Case = (
        &'static str,
        fn(&mut Rng) -> String,
        fn(&str) -> Option<String>,
    );
    let cases: &[Case] = &[
        (
            "agreements/{id}",
            |r| kerjasama_core::names::agreement_name(r.uuid()),
            |t| {
                kerjasama_core::names::parse_agreement_name(t)
                    .map(kerjasama_core::names::agreement_name)
            },
        ),
        (
            "agreements/{a}/indicators/{i}",
            |r| format!("agreements/{}/indicators/{}", r.uuid(), r.uuid()),
            |t| {
                benefits::parse_indicator_name(t)
                    .map(|(a, i)| format!("agreements/{a}/indicators/{i}"))
            },
        ),
        (
            "agreements/{a}/indicators/{i}/realisations/{r}",
            |r| {
                format!(
                    "agreements/{}/indicators/{}/realisations/{}",
                    r.uuid(),
                    r.uuid(),
                    r.uuid()
                )
            },
            |t| {
                benefits::parse_realisation_name(t)
                    .map(|(a, i, r)| format!("agreements/{a}/indicators/{i}/realisations/{r}"))
            },
        ),
        (
            "agreements/{a}/documents/{d}",
            |r| format!("agreements/{}/documents/{}", r.uuid(), r.uuid()),
            |t| documents::parse_name(t).map(|(a, d)| format!("agreements/{a}/documents/{d}")),
        ),
        (
            "agreements/{a}/implementationReports/{r}",
            |r| format!("agreements/{}/implementationReports/{}", r.uuid(), r.uuid()),
            |t| {
                implementation_reports::parse_name(t)
                    .map(|(a, r)| format!("agreements/{a}/implementationReports/{r}"))
            },
        ),
        (
            "agreements/{a}/stages/{code}",
            |r| {
                let code = r.pick(&["PERSIAPAN", "PENANDATANGANAN_KSB", "PERSETUJUAN_DPRD"]);
                format!("agreements/{}/stages/{code}", r.uuid())
            },
            |t| stages::parse_name(t).map(|(a, code)| format!("agreements/{a}/stages/{code}")),
        ),
        (
            "evaluationMeetings/{m}",
            |r| format!("evaluationMeetings/{}", r.uuid()),
            |t| meetings::parse_name(t).map(|m| format!("evaluationMeetings/{m}")),
        ),
        (
            "evaluationMeetings/{m}/recommendations/{r}",
            |r| {
                format!(
                    "evaluationMeetings/{}/recommendations/{}",
                    r.uuid(),
                    r.uuid()
                )
            },
            |t| {
                meetings::parse_recommendation_name(t)
                    .map(|(m, r)| format!("evaluationMeetings/{m}/recommendations/{r}"))
            },
        ),
        (
            "reportSchedules/{s}",
            |r| format!("reportSchedules/{}", r.uuid()),
            |t| schedules::parse_name(t).map(|s| format!("reportSchedules/{s}")),
        ),
        (
            "units/{code}",
            |r| {
                let code = r.pick(&["DLHK", "DINKES", "BAPPEDA-2", "A1", "X.Y_Z"]);
                format!("units/{code}")
            },
            |t| {
                units::parse_name(t)
                    .inspect(|code| assert!(units::is_unit_code(code), "{t:?}"))
                    .map(|code| format!("units/{code}"))
            },
        ),
        (
            "stageTemplates/{type}.{kind}.{variant}",
            |r| {
                let key = r.pick(&[
                    "KSDD.KSB.STANDALONE",
                    "KSDD.PKS.WITH_PARENT",
                    "KSDPL.LOI.STANDALONE",
                    "SINERGI.NOTA_KESEPAKATAN.STANDALONE",
                ]);
                format!("stageTemplates/{key}")
            },
            |t| stages::TemplateKey::parse(t).map(|key| key.name()),
        ),
        (
            "{id} of any name",
            |r| r.uuid().to_string(),
            |t| kerjasama_core::names::parse_id(t).map(|id| id.to_string()),
        ),
    ];
    for (seed, (shape, valid, parse)) in cases.iter().enumerate() {
        let mut accepted = 0;
        each_input(seed as u64 + 1, HOSTILE, *valid, |text| {
            if let Some(written) = parse(text) {
                assert_eq!(written, text, "{shape}: accepted {text:?}");
                accepted += 1;
            }
        });
        let mut rng = Rng::new(seed as u64 + 100);
        for _ in 0..100 {
            let good = valid(&mut rng);
            assert_eq!(parse(&good).as_deref(), Some(good.as_str()), "{shape}");
        }
        assert!(accepted >= ROUNDS / 4, "{shape}: only {accepted} accepted");
    }
}

/// A region code written the other way round: its length says how many
/// levels it has, and the dots sit where the levels end.
fn region_code_by_shape(code: &str) -> bool {
    let dots: &[usize] = match code.len() {
        2 => &[],
        5 => &[2],
        8 => &[2, 5],
        13 => &[2, 5, 8],
        _ => return false,
    };
    code.bytes().enumerate().all(|(i, b)| {
        if dots.contains(&i) {
            b == b'.'
        } else {
            b.is_ascii_digit()
        }
    })
}

#[test]
fn region_codes_are_exactly_the_kemendagri_shapes() {
    let digits = |r: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + r.below(10) as u8))
            .collect()
    };
    let mut accepted = 0;
    each_input(
        7,
        HOSTILE,
        |r| {
            let levels = [2, 2, 2, 4];
            let depth = 1 + r.below(4);
            let parts: Vec<String> = levels[..depth].iter().map(|&n| digits(r, n)).collect();
            parts.join(".")
        },
        |text| {
            let ok = kerjasama_core::names::is_region_code(text);
            assert_eq!(ok, region_code_by_shape(text), "{text:?}");
            accepted += usize::from(ok);
        },
    );
    assert!(accepted >= ROUNDS / 4);
}

/// The canonical text of a plain decimal, computed from its digits.
fn canonical_decimal(negative: bool, integer: &str, fraction: &str) -> String {
    let integer = integer.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let integer = if integer.is_empty() { "0" } else { integer };
    let magnitude = if fraction.is_empty() {
        integer.to_string()
    } else {
        format!("{integer}.{fraction}")
    };
    if negative && magnitude != "0" {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

#[test]
fn decimals_accept_plain_notation_and_keep_the_exact_value() {
    use std::str::FromStr;
    let alphabet: Vec<char> = "0123456789.-+e, _"
        .chars()
        .chain(HOSTILE.iter().copied())
        .collect();
    let mut rng = Rng::new(11);
    let digits = |r: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + r.below(10) as u8))
            .collect()
    };
    for round in 0..ROUNDS {
        // Valid by construction: at most 18 + 4 digits.
        let negative = rng.below(3) == 0;
        let integer_digits = 1 + rng.below(18);
        let integer = digits(&mut rng, integer_digits);
        let fraction_digits = rng.below(5);
        let fraction = digits(&mut rng, fraction_digits);
        let mut text = if negative {
            "-".to_string()
        } else {
            String::new()
        };
        text.push_str(&integer);
        if !fraction.is_empty() {
            text = format!("{text}.{fraction}");
        }
        let value = decimal::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(
            decimal::format(&value),
            canonical_decimal(negative, &integer, &fraction),
            "{text:?}"
        );
        // Random and mutated: never a panic; whatever is accepted keeps its
        // exact value and its canonical text reads back to itself.
        let other = match round % 2 {
            0 => rng.mutate(&text, &alphabet),
            _ => rng.text(&alphabet, 26),
        };
        if let Ok(value) = decimal::parse(&other) {
            let unsigned = other.strip_prefix('-').unwrap_or(&other);
            let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
            assert!(
                (1..=18).contains(&int.len())
                    && frac.len() <= 4
                    && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()),
                "accepted {other:?}"
            );
            assert_eq!(value, decimal::BigDecimal::from_str(&other).unwrap());
            let written = decimal::format(&value);
            assert_eq!(decimal::parse(&written), Ok(value.clone()), "{other:?}");
            assert_eq!(decimal::format(&decimal::parse(&written).unwrap()), written);
        }
    }
}

/// A token with one character changed, added or removed is never accepted;
/// a real one is accepted only for its own request.
#[test]
fn page_tokens_decode_only_as_issued() {
    let mut rng = Rng::new(13);
    let key_chars: Vec<char> = HOSTILE
        .iter()
        .copied()
        .chain(['"', '\\', '}', 'ß'])
        .collect();
    for round in 0..ROUNDS / 4 {
        let cursor = paging::Cursor {
            key: rng.text(&key_chars, 30),
            id: rng.text(&key_chars, 10),
        };
        let fingerprint = format!("{:x}", rng.next());
        let token = paging::encode(cursor.clone(), &fingerprint);
        assert_eq!(
            paging::decode(&token, &fingerprint).unwrap(),
            Some(cursor.clone())
        );
        assert!(paging::decode(&token, &format!("{fingerprint}0")).is_err());
        let base64: Vec<char> =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/%"
                .chars()
                .collect();
        let other = match round % 3 {
            0 => rng.text(&base64, 120),
            _ => rng.mutate(&token, &base64),
        };
        match paging::decode(&other, &fingerprint) {
            Ok(Some(decoded)) => {
                assert_eq!(other, token, "a changed token was accepted");
                assert_eq!(decoded, cursor);
            }
            Ok(None) => assert!(other.is_empty()),
            Err(kerjasama_core::CoreError::InvalidArgument(v)) => {
                assert_eq!(v[0].field, "page_token")
            }
            Err(e) => panic!("{other:?}: {e:?}"),
        }
    }
}

/// GetMetricRows and ListReportRuns read their tokens' cursors; a token the
/// service signed over any key (as a future bug might) is refused unless the
/// key is a position, and every position reads back to itself.
#[test]
fn report_page_tokens_round_trip_and_refuse_foreign_cursors() {
    let mut rng = Rng::new(17);
    let fingerprint = rows::page::fingerprint("reportRuns/x", "overdue_stages");
    let noise: Vec<char> = HOSTILE
        .iter()
        .copied()
        .chain("TZ:+-.0123456789".chars())
        .collect();
    for _ in 0..ROUNDS / 4 {
        let offset = match rng.below(3) {
            0 => rng.below(1000),
            1 => rng.next() as usize,
            _ => usize::MAX - rng.below(3),
        };
        let token = rows::page::token(offset, &fingerprint);
        assert_eq!(rows::page::offset(&token, &fingerprint).unwrap(), offset);
        assert!(rows::page::offset(&token, "other").is_err());

        let micros = (rng.next() % 7_000_000_000_000_000) as i64 - 2_000_000_000_000_000;
        let time = DateTime::<Utc>::from_timestamp_micros(micros).expect("in range");
        let id = rng.uuid();
        let token = runs::page::token(time, id, &fingerprint);
        assert_eq!(
            runs::page::position(&token, &fingerprint).unwrap(),
            Some((time, id))
        );
        assert!(runs::page::position(&token, "other").is_err());

        // Signed cursors of any content: never a panic, only positions pass.
        let key = match rng.below(3) {
            0 => rng.text(&noise, 30),
            1 => rng.mutate(&offset.to_string(), &noise),
            _ => rng.mutate(
                &time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                &noise,
            ),
        };
        let forged = paging::encode(
            paging::Cursor {
                key: key.clone(),
                id: rng.mutate(&id.to_string(), &noise),
            },
            &fingerprint,
        );
        if let Ok(offset) = rows::page::offset(&forged, &fingerprint) {
            let again = rows::page::token(offset, &fingerprint);
            assert_eq!(rows::page::offset(&again, &fingerprint).unwrap(), offset);
        }
        if let Ok(Some((time, id))) = runs::page::position(&forged, &fingerprint) {
            let again = runs::page::token(time, id, &fingerprint);
            assert_eq!(
                runs::page::position(&again, &fingerprint).unwrap(),
                Some((time, id)),
                "{key:?}"
            );
        }
    }
}

/// Cron expressions and time zones of report schedules: never a panic, and
/// an accepted expression can be asked for its next tick.
#[test]
fn schedule_expressions_never_panic() {
    let fields: [&[&str]; 5] = [
        &["*", "0", "59", "*/15", "0-30/5", "1,2,3"],
        &["*", "7", "23", "8-17", "*/6"],
        &["*", "1", "31", "1-15", "*/2"],
        &["*", "1", "12", "JAN", "1,4,7,10", "FEB-MAR"],
        &["*", "0", "7", "MON-FRI", "SUN", "1-5"],
    ];
    let alphabet: Vec<char> = "0123456789*/,- @MONTUEJAN"
        .chars()
        .chain(HOSTILE.iter().copied())
        .collect();
    let mut accepted = 0;
    each_input(
        19,
        &alphabet,
        |r| {
            fields
                .iter()
                .map(|choices| *r.pick(choices))
                .collect::<Vec<_>>()
                .join(" ")
        },
        |text| {
            if let Ok(expression) = crontab::Expression::parse(text) {
                accepted += 1;
                let _ = expression.next_after(&Utc, DateTime::<Utc>::UNIX_EPOCH);
            }
            let _ = schedules::parse_zone(text);
        },
    );
    assert!(accepted >= ROUNDS / 4, "only {accepted} expressions parsed");
}
