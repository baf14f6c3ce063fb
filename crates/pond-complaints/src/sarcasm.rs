//! Sarcasm: praise words over bad news ("great, another dead bouquet",
//! 太棒了，花盒里全是水), markers that carry it on their own (🙄, 好一个,
//! "thanks for nothing", "so much for") and scare quotes around what the
//! shop promised (“新鲜”, 'same day delivery'). When a message is read as
//! sarcastic, its praise counts for the complaint instead of against it.

use std::sync::LazyLock;

use regex::Regex;

use crate::Evidence;
use crate::cues::{Cue, Cues};
use crate::verdict::Signal;

/// Weight of a marker that is sarcastic on its own.
pub const STRONG_WEIGHT: f64 = 1.5;
/// Weight of a mild marker (呵呵, "great") in a message that reports a
/// problem.
pub const MILD_WEIGHT: f64 = 1.0;
/// Complaint evidence a mild marker needs beside it: "great, my husband
/// remembered" is praise, "great, another dead bouquet" is not.
pub const MILD_NEEDS: f64 = 0.5;
/// Share of a praise word's weight that counts for the complaint once the
/// message is read as sarcastic.
pub const FLIPPED_PRAISE: f64 = 0.5;

/// A short quoted phrase after a space, punctuation or the start: 'fresh',
/// “当日达”. Apostrophes inside words ("it's") do not open a quote.
static QUOTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s，,。：:(（\p{Han}])["“'‘「]([^"“”'‘’「」\n]{1,20})["”'’」]"#).ok()
});

/// Compiles the regular expression now rather than on the first message.
pub(crate) fn warm() {
    LazyLock::force(&QUOTED);
}

/// The quoted phrases of `text`.
fn quoted(text: &str) -> Vec<(usize, String)> {
    QUOTED
        .as_ref()
        .map(|re| {
            re.captures_iter(text)
                .filter_map(|c| c.get(1).map(|m| (m.start(), m.as_str().to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads `ev` as sarcastic when the markers say so: flips praise and adds
/// the marker's own weight. Runs before framing, so "great, the refund
/// arrived" stays resolved.
pub(crate) fn apply(cues: &Cues<'_>, ev: &mut Vec<Evidence>) {
    let complaint: f64 = ev.iter().map(|e| e.weight.max(0.0)).sum();
    let strong = cues.first(Cue::SarcasmStrong);
    let mild = cues.first(Cue::SarcasmMild);
    let quotes = quoted(cues.text);
    let marker = if let Some(s) = strong {
        Some((s.start, cues.text_of(s).to_owned(), STRONG_WEIGHT))
    } else if let Some((at, q)) = quotes.first().filter(|_| complaint > 0.0 || mild.is_some()) {
        Some((*at, format!("“{q}”"), STRONG_WEIGHT))
    } else {
        mild.filter(|_| complaint >= MILD_NEEDS)
            .map(|m| (m.start, cues.text_of(m).to_owned(), MILD_WEIGHT))
    };
    let Some((at, text, weight)) = marker else {
        return;
    };
    for e in ev.iter_mut().filter(|e| e.weight < 0.0) {
        e.weight = -e.weight * FLIPPED_PRAISE;
    }
    ev.push(Evidence::new(Signal::Sarcasm, at, text, weight));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_not_apostrophes() {
        assert!(quoted("it's Caitlin not Katelyn").is_empty());
        assert_eq!(
            quoted("Loving the 'same day delivery' that takes three days")
                .first()
                .map(|q| q.1.as_str()),
            Some("same day delivery")
        );
        assert_eq!(
            quoted("你们家的\"新鲜\"真是让我开眼了")
                .first()
                .map(|q| q.1.as_str()),
            Some("新鲜")
        );
    }
}
