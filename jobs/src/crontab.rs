//! Crontab time expressions, read and matched as Vixie cron (crontab(5)) does:
//! five fields, `minute hour day-of-month month day-of-week`, each a list of
//! numbers, ranges (`1-5`), steps over a range or `*` (`0-30/10`, `*/15`) and,
//! in the month and day-of-week fields, three-letter names (`JAN`, `mon`, any
//! case, also as range ends). Day of week runs 0-7 where 0 and 7 are both
//! Sunday, so `5-7` is Friday to Sunday. The nicknames `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` stand for their
//! five fields.
//!
//! The day rule: when both day fields are restricted (neither starts with `*`),
//! a day matches if EITHER matches (`0 7 1 * MON` is the 1st and every Monday);
//! when one starts with `*` (also `*/2`), both must match, so only the other
//! restricts. [`Expression::next_after`] and [`Expression::latest_in`] find
//! firing times in a time zone by walking the calendar day by day.
//!
//! Where this differs from crontab, on purpose:
//! - Daylight-saving time: a local time that does not exist (skipped by a
//!   spring-forward change) does not fire, and one that exists twice (a
//!   fall-back change) fires once, at its first occurrence. Vixie cron instead
//!   runs fixed-time jobs of a skipped hour right after the change. Asia/Jakarta,
//!   the default zone, has no daylight-saving time.
//! - Every number must lie in its field's range, range ends included (`5-64/30`
//!   is rejected, as Debian's cron and cronie do; original Vixie cron checked
//!   only the values a range actually sets), and a step may not exceed the
//!   field's largest value (`*/60` in minutes), as in Debian's cron.
//! - `@reboot` is refused: a report schedule needs a time.
//!
//! As in Vixie cron, a range runs from low to high (`FRI-SUN` is refused:
//! Sunday is 0 there; write `FRI-7` or `5-7`), a step needs a range or `*`
//! (`5/10` is refused), and names are exactly three letters.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
/// Index = day number; Sunday is 0 (and 7, written as a number).
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Days in one 400-year Gregorian cycle: the calendar (dates and weekdays)
/// repeats after it, so an expression that fires in none of them never fires.
const GREGORIAN_CYCLE_DAYS: u64 = 146_097;

/// One field's rules: name for messages, allowed values, names if any.
struct Field {
    name: &'static str,
    low: u32,
    high: u32,
    names: &'static [&'static str],
    /// How the field's values are described in a message.
    allowed: &'static str,
}

const MINUTE: Field = Field {
    name: "minute",
    low: 0,
    high: 59,
    names: &[],
    allowed: "0-59",
};
const HOUR: Field = Field {
    name: "hour",
    low: 0,
    high: 23,
    names: &[],
    allowed: "0-23",
};
const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    low: 1,
    high: 31,
    names: &[],
    allowed: "1-31",
};
const MONTH: Field = Field {
    name: "month",
    low: 1,
    high: 12,
    names: &MONTH_NAMES,
    allowed: "1-12 or JAN-DEC",
};
const DAY_OF_WEEK: Field = Field {
    name: "day of week",
    low: 0,
    high: 7,
    names: &DAY_NAMES,
    allowed: "0-7 (0 and 7 are Sunday) or SUN-SAT",
};

/// A parsed five-field crontab time expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expression {
    /// Bit n: minute n (0-59).
    minutes: u64,
    /// Bit n: hour n (0-23).
    hours: u32,
    /// Bit n: day n of the month (1-31).
    days_of_month: u32,
    /// Bit n: month n (1-12).
    months: u16,
    /// Bit n: day n of the week, 0 Sunday … 6 Saturday (7 is folded into 0).
    days_of_week: u8,
    /// The day-of-month field starts with `*`.
    day_of_month_star: bool,
    /// The day-of-week field starts with `*`.
    day_of_week_star: bool,
}

impl Expression {
    /// Reads a crontab time expression; the error says which field is wrong
    /// and why.
    pub fn parse(expression: &str) -> Result<Self, String> {
        let expression = expression.trim();
        let five = match expression.strip_prefix('@') {
            Some(nickname) => nickname_fields(nickname)?,
            None => expression,
        };
        let fields: Vec<&str> = five.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected five fields (minute hour day-of-month month day-of-week) or a nickname \
                 such as @daily, got {} field{}",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ));
        }
        let days_of_week = parse_field(fields[4], &DAY_OF_WEEK)?;
        // Sunday is both 0 and 7.
        let sunday = days_of_week & 1 != 0 || days_of_week & (1 << 7) != 0;
        Ok(Expression {
            minutes: parse_field(fields[0], &MINUTE)?,
            hours: parse_field(fields[1], &HOUR)? as u32,
            days_of_month: parse_field(fields[2], &DAY_OF_MONTH)? as u32,
            months: parse_field(fields[3], &MONTH)? as u16,
            days_of_week: (days_of_week & 0x7e) as u8 | u8::from(sunday),
            day_of_month_star: fields[2].starts_with('*'),
            day_of_week_star: fields[4].starts_with('*'),
        })
    }

    /// Whether the expression fires on `day` (month and the two day fields).
    pub fn matches_day(&self, day: NaiveDate) -> bool {
        if self.months & (1 << day.month()) == 0 {
            return false;
        }
        let by_month_day = self.days_of_month & (1 << day.day()) != 0;
        let by_week_day = self.days_of_week & (1 << day.weekday().num_days_from_sunday()) != 0;
        if self.day_of_month_star || self.day_of_week_star {
            by_month_day && by_week_day
        } else {
            by_month_day || by_week_day
        }
    }

    /// The local times of day it fires at, earliest first.
    fn times_of_day(&self) -> impl DoubleEndedIterator<Item = (u32, u32)> + '_ {
        (0..24u32)
            .filter(|h| self.hours & (1 << h) != 0)
            .flat_map(|h| {
                (0..60u32)
                    .filter(|m| self.minutes & (1 << m) != 0)
                    .map(move |m| (h, m))
            })
    }

    /// The first firing time strictly after `after`, in `zone`; `None` if it
    /// never fires (such as `0 0 30 2 *`).
    pub fn next_after<Z: TimeZone>(&self, zone: &Z, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // A day early: with a fall-back change, a local date can start before
        // `after` reads as that date.
        let first = after.with_timezone(zone).date_naive().pred_opt()?;
        first
            .iter_days()
            .take(GREGORIAN_CYCLE_DAYS as usize + 3)
            .filter(|day| self.matches_day(*day))
            .find_map(|day| {
                self.times_of_day()
                    .filter_map(|(h, m)| instant(zone, day, h, m))
                    .find(|t| *t > after)
            })
    }

    /// The latest firing time in (`after`, `until`], in `zone`.
    pub fn latest_in<Z: TimeZone>(
        &self,
        zone: &Z,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if until <= after {
            return None;
        }
        let last = until.with_timezone(zone).date_naive().succ_opt()?;
        let first = after.with_timezone(zone).date_naive().pred_opt()?;
        let mut day = last;
        while day >= first {
            if self.matches_day(day) {
                // Local times map to instants in the same order, so the first
                // one at or before `until`, walking back, is the latest.
                for (h, m) in self.times_of_day().rev() {
                    let Some(t) = instant(zone, day, h, m) else {
                        continue;
                    };
                    if t <= after {
                        return None;
                    }
                    if t <= until {
                        return Some(t);
                    }
                }
            }
            day = day.checked_sub_days(Days::new(1))?;
        }
        None
    }
}

/// The instant of a local time: none in a gap, the first of two in a fold.
fn instant<Z: TimeZone>(zone: &Z, day: NaiveDate, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    let local = day.and_hms_opt(hour, minute, 0)?;
    zone.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn nickname_fields(nickname: &str) -> Result<&'static str, String> {
    match nickname {
        "yearly" | "annually" => Ok("0 0 1 1 *"),
        "monthly" => Ok("0 0 1 * *"),
        "weekly" => Ok("0 0 * * 0"),
        "daily" | "midnight" => Ok("0 0 * * *"),
        "hourly" => Ok("0 * * * *"),
        "reboot" => Err("@reboot has no time of day; a report schedule needs one".into()),
        _ => Err(format!(
            "@{nickname} is not a nickname; use @yearly, @annually, @monthly, @weekly, @daily, \
             @midnight or @hourly"
        )),
    }
}

/// A field's list as a bit set over `low..=high`.
fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    let mut bits = 0u64;
    for item in text.split(',') {
        bits |= parse_item(item, field).map_err(|e| format!("{}: {e}", field.name))?;
    }
    Ok(bits)
}

/// `*`, `*/step`, `n`, `a-b` or `a-b/step`.
fn parse_item(item: &str, field: &Field) -> Result<u64, String> {
    if item.is_empty() {
        return Err("an empty list item".into());
    }
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    let (from, to) = if range == "*" {
        (field.low, field.high)
    } else if let Some((low, high)) = range.split_once('-') {
        let (from, to) = (value(low, field)?, value(high, field)?);
        if from > to {
            // Sunday is 0 when written SUN, so FRI-SUN runs backwards.
            let hint = if field.high == 7 && to == 0 {
                format!(" (Sunday is also 7: write {low}-7)")
            } else {
                String::new()
            };
            return Err(format!(
                "the range {range} runs backwards; a range goes from low to high{hint}"
            ));
        }
        (from, to)
    } else if let Some(step) = step {
        return Err(format!(
            "{item}: a step needs a range or *, as in */{step} or {range}-{high}/{step}",
            high = field.high
        ));
    } else {
        let n = value(range, field)?;
        (n, n)
    };
    let step = match step {
        None => 1,
        Some(text) => {
            let step = number(text).ok_or_else(|| format!("step {text:?} is not a number"))?;
            if step == 0 || step > field.high {
                return Err(format!("step {step} is not 1-{}", field.high));
            }
            step
        }
    };
    Ok((from..=to)
        .step_by(step as usize)
        .fold(0u64, |bits, n| bits | (1 << n)))
}

/// A number in the field's range, or one of its names.
fn value(text: &str, field: &Field) -> Result<u32, String> {
    let n = match number(text) {
        Some(n) => Some(n),
        None => field
            .names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(text))
            .map(|i| i as u32 + field.low),
    };
    match n {
        Some(n) if (field.low..=field.high).contains(&n) => Ok(n),
        _ if text.is_empty() => Err("a range needs a number on both sides of -".into()),
        _ => Err(format!("{text:?} is not {}", field.allowed)),
    }
}

/// Decimal digits only (no sign, no spaces). Too many digits for a u32 read
/// as u32::MAX, which is outside every field's range.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u32::MAX))
}

/// How far back a first pass looks for a due tick.
const LOOKBACK_DAYS: i64 = 400;

/// The latest tick of `cron` in `zone` that is after `after` and not after `now`.
pub fn due_tick(
    cron: &Expression,
    zone: chrono_tz::Tz,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let floor = now - chrono::Duration::days(LOOKBACK_DAYS);
    cron.latest_in(&zone, after.max(floor), now)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use chrono_tz::Tz;

    use super::*;

    fn local(zone: Tz, text: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        zone.from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .to_utc()
    }

    fn next(expression: &str, zone: Tz, from: &str) -> Option<String> {
        Expression::parse(expression)
            .unwrap_or_else(|e| panic!("{expression}: {e}"))
            .next_after(&zone, local(zone, from))
            .map(|t| {
                t.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M %a %Z")
                    .to_string()
            })
    }

    #[test]
    fn crontab_examples_fire_when_crontab_says() {
        use chrono_tz::Asia::Jakarta;
        // 2026-11-26 is a Thursday.
        let thursday = "2026-11-26 23:10";
        for (expression, from, expected) in [
            // Day of week 0-7: 5-7 is Friday, Saturday, Sunday.
            ("0 0 * * 5-7", thursday, "2026-11-27 00:00 Fri WIB"),
            (
                "0 0 * * 5-7",
                "2026-11-27 00:00",
                "2026-11-28 00:00 Sat WIB",
            ),
            (
                "0 0 * * 5-7",
                "2026-11-28 00:00",
                "2026-11-29 00:00 Sun WIB",
            ),
            (
                "0 0 * * 5-7",
                "2026-11-29 00:00",
                "2026-12-04 00:00 Fri WIB",
            ),
            ("0 0 * * 7", thursday, "2026-11-29 00:00 Sun WIB"),
            ("0 0 * * 0", thursday, "2026-11-29 00:00 Sun WIB"),
            ("0 0 * * sun", thursday, "2026-11-29 00:00 Sun WIB"),
            ("0 0 * * SAT-7", thursday, "2026-11-28 00:00 Sat WIB"),
            // Both day fields restricted: either matches.
            ("0 7 1 * MON", thursday, "2026-11-30 07:00 Mon WIB"),
            (
                "0 7 1 * MON",
                "2026-11-30 07:00",
                "2026-12-01 07:00 Tue WIB",
            ),
            (
                "0 7 1 * MON",
                "2026-12-01 07:00",
                "2026-12-07 07:00 Mon WIB",
            ),
            ("0 0 1-7 * SUN", thursday, "2026-11-29 00:00 Sun WIB"),
            ("0 0 13 * FRI", thursday, "2026-11-27 00:00 Fri WIB"),
            ("0 0 29 2 MON", thursday, "2027-02-01 00:00 Mon WIB"),
            // One of them `*` (also `*/n`): only the other restricts.
            ("0 7 1 * *", thursday, "2026-12-01 07:00 Tue WIB"),
            ("0 7 * * MON", thursday, "2026-11-30 07:00 Mon WIB"),
            ("0 7 */10 * MON", thursday, "2026-12-21 07:00 Mon WIB"),
            ("0 0 1-7 * */7", thursday, "2026-12-06 00:00 Sun WIB"),
            // Ranges, steps, lists, names.
            ("30 6 * * MON-FRI", thursday, "2026-11-27 06:30 Fri WIB"),
            (
                "*/15 9-17 * * 1-5",
                "2026-11-27 17:50",
                "2026-11-30 09:00 Mon WIB",
            ),
            ("5-59/20 * * * *", thursday, "2026-11-26 23:25 Thu WIB"),
            ("0 12 * JAN,jul *", thursday, "2027-01-01 12:00 Fri WIB"),
            ("0 7 1 1,4,7,10 *", thursday, "2027-01-01 07:00 Fri WIB"),
            ("0 0 31 * *", thursday, "2026-12-31 00:00 Thu WIB"),
            ("0 0 29 2 *", thursday, "2028-02-29 00:00 Tue WIB"),
            (
                "59 23 31 12 *",
                "2026-12-31 23:59",
                "2027-12-31 23:59 Fri WIB",
            ),
            // Nicknames.
            ("@hourly", thursday, "2026-11-27 00:00 Fri WIB"),
            ("@daily", thursday, "2026-11-27 00:00 Fri WIB"),
            ("@weekly", thursday, "2026-11-29 00:00 Sun WIB"),
            ("@monthly", thursday, "2026-12-01 00:00 Tue WIB"),
            ("@yearly", thursday, "2027-01-01 00:00 Fri WIB"),
        ] {
            assert_eq!(
                next(expression, Jakarta, from).as_deref(),
                Some(expected),
                "{expression} after {from}"
            );
        }
        assert_eq!(next("0 0 30 2 *", Jakarta, thursday), None, "never fires");
    }

    #[test]
    fn daylight_saving_gaps_do_not_fire_and_folds_fire_once() {
        use chrono_tz::America::New_York;
        // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist.
        assert_eq!(
            next("30 2 * * *", New_York, "2026-03-07 12:00").as_deref(),
            Some("2026-03-09 02:30 Mon EDT")
        );
        // 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:30 fires once.
        assert_eq!(
            next("30 1 * * *", New_York, "2026-10-31 12:00").as_deref(),
            Some("2026-11-01 01:30 Sun EDT")
        );
        let first = local(New_York, "2026-11-01 01:30");
        let expression = Expression::parse("30 1 * * *").unwrap();
        let after = expression.next_after(&New_York, first).unwrap();
        assert_eq!(
            after.with_timezone(&New_York).to_string(),
            "2026-11-02 01:30:00 EST"
        );
        assert_eq!(
            expression.latest_in(&New_York, first, after - chrono::Duration::minutes(1)),
            None,
            "not again in the repeated hour"
        );
    }

    #[test]
    fn the_latest_tick_in_a_window() {
        use chrono_tz::Asia::Jakarta;
        let monday_or_first = Expression::parse("0 7 1 * MON").unwrap();
        let (after, until) = (
            local(Jakarta, "2026-11-20 00:00"),
            local(Jakarta, "2026-12-05 00:00"),
        );
        assert_eq!(
            monday_or_first.latest_in(&Jakarta, after, until),
            Some(local(Jakarta, "2026-12-01 07:00"))
        );
        // `until` itself is in the window, `after` is not.
        let at = local(Jakarta, "2026-12-01 07:00");
        assert_eq!(monday_or_first.latest_in(&Jakarta, after, at), Some(at));
        assert_eq!(
            monday_or_first.latest_in(&Jakarta, at, until),
            None,
            "nothing after the 1st until the 5th"
        );
    }

    #[test]
    fn malformed_expressions_are_refused_with_the_field_named() {
        for (expression, message) in [
            ("* * * *", "expected five fields"),
            ("* * * * * *", "expected five fields"),
            ("", "expected five fields"),
            ("0 0 * * 8", "day of week: \"8\" is not 0-7"),
            ("61 * * * *", "minute: \"61\" is not 0-59"),
            ("0 24 * * *", "hour: \"24\" is not 0-23"),
            ("0 0 0 * *", "day of month: \"0\" is not 1-31"),
            ("0 0 32 * *", "day of month"),
            ("0 0 * 13 *", "month: \"13\" is not 1-12"),
            ("0 0 * 0 *", "month"),
            (
                "0 0 * * FRI-SUN",
                "runs backwards; a range goes from low to high (Sunday is also 7: write FRI-7)",
            ),
            ("0 0 * * 5-0", "write 5-7"),
            ("30-10 * * * *", "minute: the range 30-10 runs backwards"),
            ("5/10 * * * *", "minute: 5/10: a step needs a range or *"),
            ("*/0 * * * *", "minute: step 0 is not 1-59"),
            ("*/60 * * * *", "minute: step 60 is not 1-59"),
            ("5-64/30 * * * *", "minute: \"64\" is not 0-59"),
            ("*/x * * * *", "step \"x\" is not a number"),
            ("0 0 * * */MON", "step \"MON\" is not a number"),
            ("1,,2 * * * *", "minute: an empty list item"),
            ("1, * * * *", "minute: an empty list item"),
            ("0 0 * * 1-", "a range needs a number on both sides"),
            ("-5 * * * *", "a range needs a number on both sides"),
            ("*-5 * * * *", "minute: \"*\" is not 0-59"),
            ("MON * * * *", "minute: \"MON\" is not 0-59"),
            ("0 0 * * MONDAY", "day of week: \"MONDAY\" is not"),
            ("0 0 * JANUARY *", "month: \"JANUARY\" is not"),
            ("0 0 ? * *", "day of month"),
            ("0 0 L * *", "day of month"),
            ("0 0 * * 1#2", "day of week"),
            ("0 0 * * +1", "day of week"),
            ("4294967296 * * * *", "minute"),
            ("@reboot", "@reboot has no time of day"),
            ("@DAILY", "@DAILY is not a nickname"),
            ("@every 5m", "is not a nickname"),
            ("every monday", "expected five fields"),
        ] {
            let error = Expression::parse(expression)
                .map(|_| ())
                .expect_err(expression);
            assert!(
                error.contains(message),
                "{expression:?}: {error:?} does not say {message:?}"
            );
        }
        for fine in [
            "0 0 * * 0-7",
            "0 0 * * 7-7",
            "*/59 * * * *",
            "0-59/59 0-23/23 1-31/31 1-12/12 0-7/7",
            "00 07 01 01 00",
            "\t0\t7 * * mon-Fri ",
            "0 0 * Jan-DEC Sun",
        ] {
            assert!(Expression::parse(fine).is_ok(), "{fine}");
        }
    }

    /// A second reading of crontab(5), written from the man page without the
    /// code above: each field becomes the set of values it allows, and a
    /// minute fires when every field allows it, with the day-of-month /
    /// day-of-week rule ("if both fields are restricted (i.e., don't start
    /// with *), the command will be run when either field matches").
    mod reference {
        use chrono::{Datelike, NaiveDateTime, Timelike};

        pub struct Crontab {
            /// minute, hour, day of month, month, day of week: allowed[v].
            allowed: [Vec<bool>; 5],
            dom_restricted: bool,
            dow_restricted: bool,
        }

        const RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

        fn number(field: usize, text: &str) -> Option<u32> {
            let (low, high) = RANGES[field];
            let lower = text.to_ascii_lowercase();
            let n = if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
                text.parse::<u32>().ok()?
            } else if field == 3 {
                MONTHS.iter().position(|m| *m == lower)? as u32 + 1
            } else if field == 4 {
                DAYS.iter().position(|d| *d == lower)? as u32
            } else {
                return None;
            };
            (low..=high).contains(&n).then_some(n)
        }

        fn element(field: usize, text: &str, allowed: &mut [bool]) -> Option<()> {
            let (low, high) = RANGES[field];
            let (base, step) = match text.find('/') {
                Some(i) => {
                    let step = &text[i + 1..];
                    if step.is_empty() || !step.chars().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    let step: u32 = step.parse().ok()?;
                    if step < 1 || step > high {
                        return None;
                    }
                    (&text[..i], Some(step))
                }
                None => (text, None),
            };
            let (first, last) = if base == "*" {
                (low, high)
            } else if let Some(i) = base.find('-') {
                let (a, b) = (number(field, &base[..i])?, number(field, &base[i + 1..])?);
                if a > b {
                    return None;
                }
                (a, b)
            } else if step.is_none() {
                let n = number(field, base)?;
                (n, n)
            } else {
                return None;
            };
            let mut v = first;
            while v <= last {
                allowed[v as usize] = true;
                v += step.unwrap_or(1);
            }
            Some(())
        }

        pub fn parse(expression: &str) -> Option<Crontab> {
            let fields: Vec<&str> = expression.split_whitespace().collect();
            if fields.len() != 5 {
                return None;
            }
            let mut allowed: [Vec<bool>; 5] = Default::default();
            for (i, text) in fields.iter().enumerate() {
                allowed[i] = vec![false; RANGES[i].1 as usize + 1];
                for item in text.split(',') {
                    element(i, item, &mut allowed[i])?;
                }
            }
            Some(Crontab {
                allowed,
                dom_restricted: !fields[2].starts_with('*'),
                dow_restricted: !fields[4].starts_with('*'),
            })
        }

        impl Crontab {
            pub fn fires(&self, at: NaiveDateTime) -> bool {
                let dow = at.weekday().num_days_from_sunday() as usize;
                let dom_ok = self.allowed[2][at.day() as usize];
                // "0 or 7 is Sun"
                let dow_ok = self.allowed[4][dow] || (dow == 0 && self.allowed[4][7]);
                let day_ok = if self.dom_restricted && self.dow_restricted {
                    dom_ok || dow_ok
                } else {
                    dom_ok && dow_ok
                };
                self.allowed[0][at.minute() as usize]
                    && self.allowed[1][at.hour() as usize]
                    && self.allowed[3][at.month() as usize]
                    && day_ok
            }
        }
    }

    /// splitmix64: a small deterministic generator, enough to vary the cases.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u32) -> u32 {
            (self.next() % u64::from(n)) as u32
        }

        fn chance(&mut self, percent: u32) -> bool {
            self.below(100) < percent
        }

        fn between(&mut self, low: u32, high: u32) -> u32 {
            low + self.below(high - low + 1)
        }
    }

    /// One random field, mostly valid, sometimes not.
    fn random_field(random: &mut Random, field: usize) -> String {
        const RANGES: [(u32, u32); 5] = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
        let (low, high) = RANGES[field];
        let name = |random: &mut Random, n: u32| -> String {
            match field {
                3 if random.chance(30) => MONTH_NAMES[n as usize - 1].to_lowercase(),
                4 if n < 7 && random.chance(30) => DAY_NAMES[n as usize].to_string(),
                _ => n.to_string(),
            }
        };
        if random.chance(5) {
            // Malformed: out of range, backwards, a step without a range,
            // a zero step, an empty item, junk.
            return match random.below(6) {
                0 => (high + 1 + random.below(5)).to_string(),
                1 => format!("{}-{}", high, low),
                2 => format!("{}/{}", low, random.between(1, 5)),
                3 => "*/0".into(),
                4 => format!("{low},"),
                _ => "x".into(),
            };
        }
        // How often a field is `*` or `*/n`: months mostly, so that many
        // expressions fire within the horizon.
        let wide = [50, 50, 40, 60, 40][field];
        if random.chance(wide) {
            return if random.chance(70) {
                "*".into()
            } else {
                format!("*/{}", random.between(1, high.min(12)))
            };
        }
        let items = random.between(1, 3);
        (0..items)
            .map(|_| {
                let a = random.between(low, high);
                match random.below(3) {
                    0 => name(random, a),
                    1 => {
                        let b = random.between(a, high);
                        format!("{}-{}", name(random, a), name(random, b))
                    }
                    _ => {
                        let b = random.between(a, high);
                        format!("{a}-{b}/{}", random.between(1, 10))
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn matches_a_minute_by_minute_reading_of_the_man_page() {
        use chrono::Duration;
        const CASES: usize = 1500;
        const HORIZON_MINUTES: i64 = 6 * 24 * 60;
        let zones: [Tz; 5] = [
            chrono_tz::UTC,
            chrono_tz::Asia::Jakarta,
            chrono_tz::America::New_York,
            chrono_tz::Europe::Berlin,
            // Half-hour daylight saving.
            chrono_tz::Australia::Lord_Howe,
        ];
        // The daylight-saving changes of 2026 (UTC), to start just before.
        let changes = [
            (chrono_tz::America::New_York, "2026-03-08 07:00"),
            (chrono_tz::America::New_York, "2026-11-01 06:00"),
            (chrono_tz::Europe::Berlin, "2026-03-29 01:00"),
            (chrono_tz::Europe::Berlin, "2026-10-25 01:00"),
            (chrono_tz::Australia::Lord_Howe, "2026-04-04 15:00"),
            (chrono_tz::Australia::Lord_Howe, "2026-10-03 15:30"),
        ];
        let mut random = Random(0x6b65_726a_6173_616d);
        let (mut compared, mut refused) = (0, 0);
        for case in 0..CASES {
            let mut fields: Vec<String> = (0..5)
                .map(|field| random_field(&mut random, field))
                .collect();
            let near_change = random.chance(30);
            if near_change {
                // Every hour of the change's day, more often than not.
                for field in &mut fields[1..] {
                    if random.chance(60) {
                        *field = "*".into();
                    }
                }
            }
            let expression = fields.join(" ");
            let ours = Expression::parse(&expression);
            let theirs = reference::parse(&expression);
            assert_eq!(
                ours.is_ok(),
                theirs.is_some(),
                "case {case}: {expression:?} accepted by one reading only: {ours:?}"
            );
            let (Ok(ours), Some(theirs)) = (ours, theirs) else {
                refused += 1;
                continue;
            };
            compared += 1;
            let (zone, base) = if near_change {
                let (zone, at) = changes[random.below(changes.len() as u32) as usize];
                let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M")
                    .unwrap()
                    .and_utc();
                (
                    zone,
                    at - Duration::minutes(i64::from(random.below(4 * 60))),
                )
            } else {
                let zone = zones[random.below(zones.len() as u32) as usize];
                // Anywhere in 2026-2028.
                let at = 1_767_225_600 + i64::from(random.below(94_608_000));
                (zone, DateTime::from_timestamp(at, 0).unwrap())
            };
            let start = base + Duration::seconds(i64::from(random.below(60)));
            let fires = |t: DateTime<Utc>| {
                let at = t.with_timezone(&zone).naive_local();
                theirs.fires(at)
                    && zone.from_local_datetime(&at).earliest().map(|e| e.to_utc()) == Some(t)
            };
            let first_minute =
                DateTime::from_timestamp(start.timestamp() / 60 * 60 + 60, 0).unwrap();
            let minutes = (0..HORIZON_MINUTES).map(|m| first_minute + Duration::minutes(m));
            let expected = minutes.clone().find(|t| fires(*t));
            let found = ours.next_after(&zone, start);
            match expected {
                Some(t) => assert_eq!(
                    found,
                    Some(t),
                    "case {case}: {expression:?} in {zone} after {start}"
                ),
                None => assert!(
                    found.is_none_or(|t| t >= first_minute + Duration::minutes(HORIZON_MINUTES)),
                    "case {case}: {expression:?} in {zone} after {start}: {found:?} was missed"
                ),
            }
            let until =
                first_minute + Duration::minutes(i64::from(random.below(HORIZON_MINUTES as u32)));
            let expected = minutes.rev().filter(|t| *t <= until).find(|t| fires(*t));
            assert_eq!(
                ours.latest_in(&zone, start, until),
                expected,
                "case {case}: {expression:?} in {zone} in ({start}, {until}]"
            );
        }
        assert!(
            compared > CASES / 2 && refused > 10,
            "{compared} compared, {refused} refused"
        );
    }
}
