//! Locale-shaped dates and times (`06/03/2017, 00:45`, `[8/15/23, 9:12:33 AM]`,
//! `13.6.2018 klo 21.25.15`, `3/6/18 1:55:00 p. m.`, `20-Sep-20 06:46 PM`)
//! and the inference of day/month order over a whole file.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Order of day and month in an all-numeric `NN/NN/YY(YY)` date.
/// Dates with a four-digit first part (`2018-06-13`) or a month name are
/// unambiguous and ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateOrder {
    /// `dd/mm/yyyy`: most of the world.
    DayFirst,
    /// `mm/dd/yyyy`: United States and a few others.
    MonthFirst,
}

/// A date as written, before its day/month order is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawDate {
    first: u32,
    second: u32,
    third: u32,
    first_digits: usize,
    third_digits: usize,
    named_month: bool,
}

/// A wall-clock time as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTime {
    hour: u32,
    minute: u32,
    second: u32,
    /// `Some(true)` for PM, `Some(false)` for AM, `None` for a 24-hour clock.
    pm: Option<bool>,
}

/// Parses a date and time at the start of `s`; returns them and the rest of `s`.
pub(crate) fn parse_datetime(s: &str) -> Option<(RawDate, RawTime, &str)> {
    let (date, rest) = parse_date(s)?;
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let rest = skip_spaces(rest);
    // Finnish writes "13.6.2018 klo 21.25.15".
    let rest = rest.strip_prefix("klo ").unwrap_or(rest);
    let (time, rest) = parse_time(rest)?;
    Some((date, time, rest))
}

fn parse_date(s: &str) -> Option<(RawDate, &str)> {
    let (first, first_digits, rest) = number(s, 4)?;
    let sep = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '/' | '.' | '-'))?;
    let rest = rest.get(sep.len_utf8()..)?;
    if sep == '-' && first_digits <= 2 {
        // DiscordChatExporter's old default: "20-Sep-20 06:46 PM".
        if let Some((month, after)) = month_name(rest) {
            let after = after.strip_prefix('-')?;
            let (year, year_digits, after) = number(after, 4)?;
            let date = RawDate {
                first,
                second: month,
                third: year,
                first_digits,
                third_digits: year_digits,
                named_month: true,
            };
            return Some((date, after));
        }
    }
    let (second, _, rest) = number(rest, 2)?;
    let rest = rest.strip_prefix(sep)?;
    let (third, third_digits, rest) = number(rest, 4)?;
    // Either yyyy-mm-dd or dd/mm/yy(yy) / mm/dd/yy(yy).
    let plausible = if first_digits == 4 {
        third_digits <= 2
    } else {
        first_digits <= 2 && (third_digits == 2 || third_digits == 4)
    };
    if !plausible {
        return None;
    }
    let date = RawDate {
        first,
        second,
        third,
        first_digits,
        third_digits,
        named_month: false,
    };
    Some((date, rest))
}

fn month_name(s: &str) -> Option<(u32, &str)> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let head = s.get(..3)?.to_ascii_lowercase();
    let index = MONTHS.iter().position(|m| *m == head)?;
    Some((u32::try_from(index).ok()? + 1, s.get(3..)?))
}

fn parse_time(s: &str) -> Option<(RawTime, &str)> {
    // Chinese locales put the half of the day first: "下午3:45".
    let (prefix_pm, s) = if let Some(rest) = s.strip_prefix("上午") {
        (Some(false), rest)
    } else if let Some(rest) = s.strip_prefix("下午") {
        (Some(true), rest)
    } else {
        (None, s)
    };
    let (hour, _, rest) = number(s, 2)?;
    let sep = rest.chars().next().filter(|c| matches!(c, ':' | '.'))?;
    let rest = rest.get(1..)?;
    let (minute, minute_digits, rest) = number(rest, 2)?;
    if minute_digits != 2 {
        return None;
    }
    let (second, rest) = match rest.strip_prefix(sep).and_then(|r| number(r, 2)) {
        Some((second, 2, after)) => (second, after),
        _ => (0, rest),
    };
    let (pm, rest) = match prefix_pm {
        Some(pm) => (Some(pm), rest),
        None => match meridiem(skip_spaces(rest)) {
            Some((pm, after)) => (Some(pm), after),
            None => (None, rest),
        },
    };
    let time = RawTime {
        hour,
        minute,
        second,
        pm,
    };
    Some((time, rest))
}

/// `AM`, `pm`, `a.m.`, `p. m.` (Spanish), case-insensitive.
fn meridiem(s: &str) -> Option<(bool, &str)> {
    const TOKENS: [(&str, bool); 8] = [
        ("a. m.", false),
        ("p. m.", true),
        ("a.m.", false),
        ("p.m.", true),
        ("a.m", false),
        ("p.m", true),
        ("am", false),
        ("pm", true),
    ];
    for (token, pm) in TOKENS {
        if let Some(head) = s.get(..token.len())
            && head.eq_ignore_ascii_case(token)
        {
            return Some((pm, s.get(token.len()..)?));
        }
    }
    None
}

/// Skips spaces, including the narrow no-break space (U+202F) that recent
/// WhatsApp versions put before AM/PM, and the no-break space (U+00A0).
pub(crate) fn skip_spaces(s: &str) -> &str {
    s.trim_start_matches([' ', '\u{202F}', '\u{00A0}'])
}

/// Reads 1 to `max_digits` ASCII digits.
fn number(s: &str, max_digits: usize) -> Option<(u32, usize, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > max_digits {
        return None;
    }
    let value = s.get(..digits)?.parse().ok()?;
    Some((value, digits, s.get(digits..)?))
}

impl RawDate {
    /// The calendar date under `order`, or `None` if it does not exist.
    pub(crate) fn resolve(&self, order: DateOrder) -> Option<Date> {
        let (year, month, day) = if self.named_month {
            (self.third, self.second, self.first)
        } else if self.first_digits == 4 {
            (self.first, self.second, self.third)
        } else {
            match order {
                DateOrder::DayFirst => (self.third, self.second, self.first),
                DateOrder::MonthFirst => (self.third, self.first, self.second),
            }
        };
        let year_digits = if self.first_digits == 4 && !self.named_month {
            4
        } else {
            self.third_digits
        };
        // Two-digit years: every chat app in scope postdates 2000.
        let year = if year_digits <= 2 { year + 2000 } else { year };
        Date::new(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .ok()
    }

    /// The date as written, for messages.
    pub(crate) fn describe(&self) -> String {
        if self.named_month {
            format!("{}-{}-{}", self.first, self.second, self.third)
        } else {
            format!("{}/{}/{}", self.first, self.second, self.third)
        }
    }
}

impl RawTime {
    /// The wall-clock time, or `None` if it does not exist (25:00, 13 PM).
    pub(crate) fn resolve(&self) -> Option<Time> {
        let hour = match self.pm {
            None => self.hour,
            Some(_) if !(1..=12).contains(&self.hour) => return None,
            Some(false) => self.hour % 12,
            Some(true) => self.hour % 12 + 12,
        };
        Time::new(
            i8::try_from(hour).ok()?,
            i8::try_from(self.minute).ok()?,
            i8::try_from(self.second).ok()?,
            0,
        )
        .ok()
    }
}

/// Turns a written date and time in `tz` into a UTC timestamp, or says why not.
pub(crate) fn to_timestamp(
    date: &RawDate,
    time: &RawTime,
    order: DateOrder,
    tz: &TimeZone,
) -> Result<Timestamp, String> {
    let day = date.resolve(order).ok_or_else(|| {
        let order_name = match order {
            DateOrder::DayFirst => "day-first",
            DateOrder::MonthFirst => "month-first",
        };
        format!(
            "date {} does not exist when read {order_name}",
            date.describe()
        )
    })?;
    let clock = time.resolve().ok_or_else(|| {
        format!(
            "time {}:{:02}:{:02} does not exist",
            time.hour, time.minute, time.second
        )
    })?;
    local_to_timestamp(DateTime::from_parts(day, clock), tz)
}

/// Converts a local wall-clock time to UTC; times skipped by a DST change
/// move forward, repeated ones take the earlier instant ("compatible").
pub(crate) fn local_to_timestamp(local: DateTime, tz: &TimeZone) -> Result<Timestamp, String> {
    tz.to_ambiguous_timestamp(local)
        .compatible()
        .map_err(|err| format!("time {local} cannot be placed in the time zone: {err}"))
}

/// Evidence for day/month order gathered over a whole file.
///
/// A first part above 12 proves day-first, a second part above 12 proves
/// month-first. When no date proves either (every day of the file is 1-12),
/// the order under which the dates go backwards less often wins: chat exports
/// are in time order. On a tie the answer is day-first, the more common
/// order worldwide; callers who know better set
/// [`ImportOptions::date_order`](crate::ImportOptions::date_order).
#[derive(Debug, Default)]
pub(crate) struct OrderStats {
    first_over_12: u64,
    second_over_12: u64,
    previous_day_first: Option<Date>,
    previous_month_first: Option<Date>,
    backwards_day_first: u64,
    backwards_month_first: u64,
}

impl OrderStats {
    pub(crate) fn observe(&mut self, date: &RawDate) {
        if date.named_month || date.first_digits == 4 {
            return;
        }
        if date.first > 12 {
            self.first_over_12 += 1;
        }
        if date.second > 12 {
            self.second_over_12 += 1;
        }
        if let Some(d) = date.resolve(DateOrder::DayFirst) {
            if self.previous_day_first.is_some_and(|p| d < p) {
                self.backwards_day_first += 1;
            }
            self.previous_day_first = Some(d);
        }
        if let Some(d) = date.resolve(DateOrder::MonthFirst) {
            if self.previous_month_first.is_some_and(|p| d < p) {
                self.backwards_month_first += 1;
            }
            self.previous_month_first = Some(d);
        }
    }

    pub(crate) fn decide(&self) -> DateOrder {
        match (self.first_over_12 > 0, self.second_over_12 > 0) {
            (true, false) => DateOrder::DayFirst,
            (false, true) => DateOrder::MonthFirst,
            // Contradictory file: go with the majority; the other lines are
            // reported as skipped because their dates do not exist.
            (true, true) if self.second_over_12 > self.first_over_12 => DateOrder::MonthFirst,
            (true, true) => DateOrder::DayFirst,
            (false, false) if self.backwards_month_first < self.backwards_day_first => {
                DateOrder::MonthFirst
            }
            (false, false) => DateOrder::DayFirst,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> (RawDate, RawTime, &str) {
        match parse_datetime(s) {
            Some(parsed) => parsed,
            None => panic!("no date in {s:?}"),
        }
    }

    #[test]
    fn parses_locale_variants() {
        let (d, t, rest) = dt("06/03/2017, 00:45 - x");
        assert_eq!(d.resolve(DateOrder::DayFirst), Date::new(2017, 3, 6).ok());
        assert_eq!(t.resolve(), Time::new(0, 45, 0, 0).ok());
        assert_eq!(rest, " - x");

        let (_, t, rest) = dt("8/15/23, 9:12:33 PM] y");
        assert_eq!(t.resolve(), Time::new(21, 12, 33, 0).ok());
        assert_eq!(rest, "] y");

        let (d, t, _) = dt("13.6.2018 klo 21.25.15");
        assert_eq!(d.resolve(DateOrder::DayFirst), Date::new(2018, 6, 13).ok());
        assert_eq!(t.resolve(), Time::new(21, 25, 15, 0).ok());

        let (_, t, _) = dt("3/6/18 1:55:00 p. m.]");
        assert_eq!(t.resolve(), Time::new(13, 55, 0, 0).ok());
        let (_, t, _) = dt("3/6/18, 12:05\u{202F}AM");
        assert_eq!(t.resolve(), Time::new(0, 5, 0, 0).ok());

        let (d, t, _) = dt("20-Sep-20 06:46 PM");
        assert_eq!(
            d.resolve(DateOrder::MonthFirst),
            Date::new(2020, 9, 20).ok()
        );
        assert_eq!(t.resolve(), Time::new(18, 46, 0, 0).ok());

        let (d, _, _) = dt("2018-06-13 21:25");
        assert_eq!(
            d.resolve(DateOrder::MonthFirst),
            Date::new(2018, 6, 13).ok()
        );
    }

    #[test]
    fn rejects_non_dates() {
        assert!(parse_datetime("hello").is_none());
        assert!(parse_datetime("1/2/3, 10:00").is_none());
        assert!(parse_datetime("12/12/2020, 1:5").is_none());
        let (_, t, _) = dt("1/1/20, 13:00 PM");
        assert!(t.resolve().is_none());
    }

    #[test]
    fn infers_month_first_from_monotonic_dates() {
        let mut stats = OrderStats::default();
        for s in [
            "06/03/2017, 00:45",
            "08/05/2017, 01:48",
            "09/04/2017, 01:50",
        ] {
            stats.observe(&dt(s).0);
        }
        assert_eq!(stats.decide(), DateOrder::MonthFirst);
    }
}
