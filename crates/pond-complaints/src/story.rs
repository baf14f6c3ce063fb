//! Complaints told as a story, with no complaint word: a promised time
//! against when it came ("the window was 9 to 12, it is now half past
//! two"), flowers that lasted a short time ("they lasted two days. Two."),
//! a quoted price against the charge ("the tag said 88, I was charged
//! 128"), what was ordered against what came.
//!
//! Times, spans and amounts are read with regular expressions (the `regex`
//! crate, compiled once per process); the words around them come from
//! [`crate::cues`]. Word boundaries are ASCII (`(?-u:\b)`): a Unicode `\b`
//! makes the regex crate leave its fast engines on Chinese text.

use std::sync::LazyLock;

use regex::Regex;

use crate::cues::{Cue, Cues};
use crate::verdict::Signal;
use crate::{Evidence, WHOLE};

/// Weight of a promised time, a price or a mismatch against what happened:
/// as strong as a plain complaint word such as 迟到 or "wrong order".
pub const STORY_WEIGHT: f64 = 2.0;
/// Weight of flowers that lasted a short time, on top of the fading word
/// itself (which the lexicon already counts).
pub const SHORT_LIVED_WEIGHT: f64 = 1.5;
/// Weight of a weaker story: two times and a late cue with no promise, a
/// paid service done by the customer, someone paying less for the same.
pub const WEAK_STORY_WEIGHT: f64 = 1.5;

/// Times of day, weekdays and dates. `一点` is filtered in [`times`]
/// because it also means "a little" (一点都不蔫).
static TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)\d{1,2}(?::\d{2})?\s?(?:am|pm)(?-u:\b)|(?-u:\b)\d{1,2}:\d{2}(?-u:\b)|(?-u:\b)noon(?-u:\b)|(?-u:\b)midday(?-u:\b)",
        r"|(?-u:\b)midnight(?-u:\b)|(?-u:\b)half (?:past \w+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?-u:\b)",
        r"|(?-u:\b)\w+ o'clock(?-u:\b)|(?-u:\b)(?:mon|tues|wednes|thurs|fri|satur|sun)day(?-u:\b)",
        r"|(?-u:\b)(?:today|tomorrow|yesterday|tonight)(?-u:\b)",
        r"|(?-u:\b)(?:at|by|before|for|until|till|from) \d{1,2}(?-u:\b)|(?-u:\b)\d{1,2}\s?(?:to|-|–)\s?\d{1,2}(?-u:\b)",
        r"|(?:\d{1,2}|[一二三四五六七八九十两]{1,3})(?:点半|点钟|点|:\d{2})",
        r"|(?:周|星期|礼拜)[一二三四五六日天]|\d{1,2}号|今天|明天|昨天|第[二三四五六七]天",
        r"|母亲节|父亲节|情人节|七夕|圣诞|生日当天|(?-u:\b)(?:mother's|father's|valentine's) day(?-u:\b)|(?-u:\b)christmas(?-u:\b)",
    ))
    .ok()
});

/// Spans of time: "two days", "an hour", 两天, 一个半小时, 第二天早上.
static SPAN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?-u:\b)(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|forty|fifty|several|a few|under \d+)",
        r"(?: and a half)?\s+(?:hours?|days?|nights?|weeks?|minutes?)(?-u:\b)",
        r"|(?-u:\b)day (?:one|two|three|1|2|3)(?-u:\b)|(?-u:\b)overnight(?-u:\b)|(?-u:\b)by (?:lunch|lunchtime|dinner|evening|tonight|bedtime|morning)(?-u:\b)",
        r"|(?-u:\b)same (?:evening|day|night)(?-u:\b)|(?-u:\b)this morning(?-u:\b)|(?-u:\b)last night(?-u:\b)|(?-u:\b)one night(?-u:\b)",
        r"|(?:\d+|[一二三四五六七八九十两半整]+)个?半?(?:小时|分钟|天|晚上|晚|周|星期)",
        r"|当天|第二天|第三天|隔天|当晚|中午",
    ))
    .ok()
});

/// Amounts of money; bare numbers are kept only when no unit of time or
/// count follows them (see [`amounts`]).
static MONEY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)[$¥￥£€]\s?\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?").ok());

/// Deals stated with numbers: 满200减30, "30 off".
static DEAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)满\d+减\d+|买[一二三两\d]送[一二三\d]|[一二三四五六七八九\d]折|(?-u:\b)\d+ off(?-u:\b)")
        .ok()
});

/// An amount charged on top: 多扣了30, "charged me 30 extra".
static EXTRA: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)多扣|多收|重复扣|扣了两次|(?-u:\b)charged (?:me )?\$?\d+ (?:extra|more)(?-u:\b)",
    )
    .ok()
});

/// Compiles the regular expressions now rather than on the first message.
pub(crate) fn warm() {
    for re in [&TIME, &SPAN, &MONEY, &DEAL, &EXTRA] {
        LazyLock::force(re);
    }
}

fn matches<'t>(re: &LazyLock<Option<Regex>>, text: &'t str) -> Vec<(usize, usize, &'t str)> {
    re.as_ref()
        .map(|re| {
            re.find_iter(text)
                .map(|m| (m.start(), m.end(), m.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Times of day and dates in `text`, as byte ranges.
fn times(text: &str) -> Vec<(usize, usize)> {
    matches(&TIME, text)
        .into_iter()
        .filter(|&(s, e, m)| {
            if m != "一点" {
                return true;
            }
            // 一点 is a time only before 就/才/到/前/钟…, not in 一点都不.
            let next = text.get(e..).and_then(|t| t.chars().next());
            let prev = text.get(..s).and_then(|t| t.chars().next_back());
            next.is_some_and(|c| "就才到前左多送开".contains(c))
                && !prev.is_some_and(|c| "晚早快慢小多少好有差".contains(c))
        })
        .map(|(s, e, _)| (s, e))
        .collect()
}

/// Whether a span of time is short for cut flowers: hours, a night, or
/// at most three days.
fn short_span(span: &str) -> bool {
    let s = span.to_lowercase();
    if s.contains("minute") || s.contains("分钟") || s.contains("week") || s.contains('周') {
        return false;
    }
    if s.contains("hour") || s.contains("小时") || s.contains("night") || s.contains('晚') {
        return true;
    }
    if s.contains("day") || s.contains('天') {
        let few = [
            "a day",
            "one",
            "two",
            "three",
            "1 ",
            "2 ",
            "3 ",
            "1d",
            "day 1",
            "day 2",
            "day 3",
            "一天",
            "两天",
            "二天",
            "三天",
            "1天",
            "2天",
            "3天",
            "当天",
            "第二天",
            "第三天",
            "隔天",
            "same day",
        ];
        return few.iter().any(|f| s.contains(f));
    }
    // by dinner, this morning, 中午, 当晚.
    true
}

/// Amounts of money in `text`, skipping numbers that are times, spans or
/// counts (11枝, 24 hours, 5pm).
fn amounts(text: &str, not: &[(usize, usize)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (s, e, m) in matches(&MONEY, text) {
        if not.iter().any(|&(a, b)| s < b && a < e) {
            continue;
        }
        let rest = text.get(e..).unwrap_or("").trim_start();
        let unit_follows = rest.starts_with(|c: char| "点号天小分枝朵个周月年次%:：".contains(c))
            || [
                "am", "pm", "stem", "minute", "hour", "day", "star", "th", "st", "nd", "rd",
            ]
            .iter()
            .any(|u| rest.to_lowercase().starts_with(u));
        let digits: String = m
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let big_enough = digits.parse::<f64>().is_ok_and(|v| v >= 5.0);
        if unit_follows || !big_enough || out.contains(&digits) {
            continue;
        }
        out.push(digits);
    }
    out
}

/// Appends the story signals of `text` to `out`.
pub(crate) fn find(cues: &Cues<'_>, out: &mut Vec<Evidence>) {
    let text = cues.text;
    let times = times(text);
    let spans: Vec<(usize, usize, &str)> = matches(&SPAN, text);
    let promise = cues.first(Cue::Promise);
    let late = cues.has(Cue::Late);
    let points = times.len() + spans.len();
    let mut push = |signal, pos: usize, weight, what: String| {
        out.push(Evidence::new(signal, pos, what, weight));
    };

    // A promised time against when it came.
    if let Some(p) = promise
        && (points >= 2 || (points == 1 && late))
    {
        let what = format!("{}…{}", cues.text_of(p), last_of(text, &times, &spans));
        push(Signal::PromisedTime, p.start, STORY_WEIGHT, what);
    } else if promise.is_none() && times.len() >= 2 && late {
        push(
            Signal::PromisedTime,
            times.first().map_or(WHOLE, |t| t.0),
            WEAK_STORY_WEIGHT,
            last_of(text, &times, &[]),
        );
    }

    // Flowers that lasted a short time.
    if let Some(span) = spans.iter().find(|s| short_span(s.2))
        && let Some(decay) = cues.first(Cue::Decay)
    {
        let what = format!("{}…{}", span.2, cues.text_of(decay));
        push(Signal::ShortLived, span.0, SHORT_LIVED_WEIGHT, what);
    }

    // A price against the charge.
    let mut not_money: Vec<(usize, usize)> = times.clone();
    not_money.extend(spans.iter().map(|s| (s.0, s.1)));
    let amounts = amounts(text, &not_money);
    let paid = cues.first(Cue::Paid);
    let extra = matches(&EXTRA, text);
    let deal = cues.first(Cue::Deal).map(|f| (f.start, cues.text_of(f)));
    let deal = deal.or_else(|| matches(&DEAL, text).first().map(|d| (d.0, d.2)));
    if let Some(p) = paid
        && amounts.len() >= 2
    {
        let what = format!("{}…{}", cues.text_of(p), amounts.join(" → "));
        push(Signal::Price, p.start, STORY_WEIGHT, what);
    } else if let Some(x) = extra.first() {
        push(Signal::Price, x.0, STORY_WEIGHT, x.2.to_owned());
    } else if let Some((at, d)) = deal
        && let Some(b) = cues.first(Cue::DealBroken).or_else(|| cues.first(Cue::Got))
    {
        let what = format!("{d}…{}", cues.text_of(b));
        push(Signal::Price, at, STORY_WEIGHT, what);
    } else if let Some(p) = paid
        && let Some(m) = cues.first(Cue::Myself)
    {
        let what = format!("{}…{}", cues.text_of(p), cues.text_of(m));
        push(Signal::Price, p.start, WEAK_STORY_WEIGHT, what);
    } else if let Some(l) = cues.first(Cue::PaidLess) {
        push(
            Signal::Price,
            l.start,
            WEAK_STORY_WEIGHT,
            cues.text_of(l).to_owned(),
        );
    }

    // What was ordered against what came; "变成了", "turned into" alone
    // say it too, less surely.
    if let Some(o) = cues.first(Cue::Ordered)
        && let Some(g) = cues.first_after(Cue::Got, o.end)
    {
        let what = format!("{}…{}", cues.text_of(o), cues.text_of(g));
        push(Signal::Mismatch, o.start, STORY_WEIGHT, what);
    } else if let Some(g) = cues.first(Cue::Got).filter(|g| {
        let t = cues.text_of(*g).to_lowercase();
        t.contains("变成") || t.contains("into")
    }) {
        push(
            Signal::Mismatch,
            g.start,
            WEAK_STORY_WEIGHT,
            cues.text_of(g).to_owned(),
        );
    }
}

/// The last time or span of a message, which is usually what happened.
fn last_of(text: &str, times: &[(usize, usize)], spans: &[(usize, usize, &str)]) -> String {
    let last_time = times.last().map(|&(s, e)| (s, e));
    let last_span = spans.last().map(|&(s, e, _)| (s, e));
    let last = match (last_time, last_span) {
        (Some(a), Some(b)) => Some(if a.0 > b.0 { a } else { b }),
        (a, b) => a.or(b),
    };
    last.and_then(|(s, e)| text.get(s..e))
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(text: &str) -> Vec<Signal> {
        let mut out = Vec::new();
        find(&Cues::of(text), &mut out);
        out.into_iter().map(|e| e.signal).collect()
    }

    #[test]
    fn yi_dian_is_a_time_only_as_a_time() {
        assert_eq!(times("婚礼一点就开始").len(), 1);
        assert!(times("一点都不蔫").is_empty());
        assert!(times("晚一点到").is_empty());
    }

    #[test]
    fn amounts_skip_times_spans_and_counts() {
        let t = "标签上写的是88，结账收了我128";
        assert_eq!(amounts(t, &[]), ["88", "128"]);
        assert!(amounts("少了两枝，订单写的是11枝", &[]).is_empty());
        assert!(amounts("at 5pm", &[]).is_empty());
    }

    #[test]
    fn stories_in_both_languages() {
        assert_eq!(
            signals("The window was 9 to 12. It is now half past two."),
            [Signal::PromisedTime]
        );
        assert_eq!(
            signals("说好十二点前送到，一点半还在路上"),
            [Signal::PromisedTime]
        );
        assert_eq!(signals("They lasted two days. Two."), [Signal::ShortLived]);
        assert_eq!(signals("买回来两天就全垂头了"), [Signal::ShortLived]);
        assert_eq!(
            signals("The tag said 88, I was charged 128."),
            [Signal::Price]
        );
        assert_eq!(signals("小程序上显示199，到店里要我付259"), [Signal::Price]);
        assert_eq!(
            signals("我订的是粉玫瑰，收到的是红色的"),
            [Signal::Mismatch]
        );
        assert!(signals("放了一周还很精神").is_empty());
        assert!(signals("How much is delivery to the east side?").is_empty());
    }
}
