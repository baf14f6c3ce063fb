//! Numbers and dates the way the shop reads them: in its time zone, in the
//! page's language.

use crate::join::Lang;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// An integer with thousands separators: 12,345.
pub fn num(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio as a percentage with one decimal: 15.2%.
pub fn percent(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{:.1}%", ratio * 100.0)
    } else {
        "–".into()
    }
}

/// A day: 2026年11月23日 or 23 Nov 2026.
pub fn date(lang: Lang, tz: &TimeZone, at: Timestamp) -> String {
    let z = at.to_zoned(tz.clone());
    match lang {
        Lang::Zh => z.strftime("%Y年%-m月%-d日").to_string(),
        Lang::En => z.strftime("%-d %b %Y").to_string(),
    }
}

/// A day and a time of day in the shop's zone.
pub fn datetime(lang: Lang, tz: &TimeZone, at: Timestamp) -> String {
    let z = at.to_zoned(tz.clone());
    match lang {
        Lang::Zh => z.strftime("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => z.strftime("%-d %b %Y %H:%M").to_string(),
    }
}

/// An instant kept as UTC milliseconds, as a day and time.
pub fn datetime_ms(lang: Lang, tz: &TimeZone, ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| datetime(lang, tz, t))
        .unwrap_or_else(|_| "–".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(-1234567), "-1,234,567");
        assert_eq!(num(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn dates_follow_the_zone_and_language() {
        let at: Timestamp = "2026-11-22T18:30:00Z".parse().unwrap_or_default();
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC);
        assert_eq!(datetime(Lang::Zh, &shanghai, at), "2026年11月23日 02:30");
        assert_eq!(date(Lang::En, &TimeZone::UTC, at), "22 Nov 2026");
        assert_eq!(percent(0.152), "15.2%");
    }
}
