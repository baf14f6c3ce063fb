//! Cue phrases: the words that tell who a problem is about, whether it
//! happened, whether it is a story, a polite request or sarcasm. One
//! Aho-Corasick pass finds all of them in a message, so a table of a few
//! hundred phrases costs one scan instead of one `contains` each.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::text::is_latin_letter;

/// What a cue phrase says about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cue {
    /// A time, date or price was promised or shown: 说好, "the window was".
    Promise,
    /// What actually happened came later or not at all: 才, "still", "now".
    Late,
    /// Money changed hands: 收了, 扣了, "charged", "the till".
    Paid,
    /// A deal or a price promise: 买一送一, 包邮, "buy one get one".
    Deal,
    /// The deal did not hold: 没减, 只给了, "wasn't applied".
    DealBroken,
    /// What was ordered: 订的是, "I ordered", "paid for the".
    Ordered,
    /// What came instead: 收到的是, 变成, "these are", "turn into".
    Got,
    /// Paid for a service and still did it oneself: 让我自己, "had to come".
    Myself,
    /// Someone else paid less for the same: 比我便宜, "paid fifty less".
    PaidLess,
    /// Flowers fading: 谢了, 垂头, "drooping", "lasted".
    Decay,
    /// The problem belongs to another business: 另一家, "another shop".
    OtherParty,
    /// The problem is the customer's own: 我手机没电, "my bad", "our buzzer".
    OwnSide,
    /// The writer clears the shop outright: 不是你们的问题, "not your fault".
    Exculpate,
    /// The problem has been put right: 退款已经到账, "the refund arrived".
    Resolved,
    /// A problem feared or expected: 本来担心, "I thought it would".
    Fear,
    /// How it turned out instead: 结果, 没想到, "it arrived", "turned out".
    Outcome,
    /// An apology: 抱歉, 对不起, "sorry", "apologies".
    Apology,
    /// The shop speaking to its customers: 给您, 请谅解, "we'll", "our mistake".
    ShopVoice,
    /// A request to look into something: 麻烦帮忙, "could you check".
    Request,
    /// Thanks or courtesy that a polite complaint wraps itself in.
    Courtesy,
    /// Sarcasm that needs no other evidence: 🙄, 好一个, "so much for".
    SarcasmStrong,
    /// Sarcasm only when the message also reports a problem: 呵呵, 真行,
    /// "thanks a lot", "impressive".
    SarcasmMild,
}

/// The cue phrases, `cue<TAB>phrase` (see the file's header).
const TABLE: &str = include_str!("../lexicon/cues.tsv");

/// The cue a name in `lexicon/cues.tsv` stands for.
fn cue_named(name: &str) -> Option<Cue> {
    Some(match name {
        "promise" => Cue::Promise,
        "late" => Cue::Late,
        "paid" => Cue::Paid,
        "deal" => Cue::Deal,
        "deal_broken" => Cue::DealBroken,
        "ordered" => Cue::Ordered,
        "got" => Cue::Got,
        "myself" => Cue::Myself,
        "paid_less" => Cue::PaidLess,
        "decay" => Cue::Decay,
        "other_party" => Cue::OtherParty,
        "own_side" => Cue::OwnSide,
        "exculpate" => Cue::Exculpate,
        "resolved" => Cue::Resolved,
        "fear" => Cue::Fear,
        "outcome" => Cue::Outcome,
        "apology" => Cue::Apology,
        "shop_voice" => Cue::ShopVoice,
        "request" => Cue::Request,
        "courtesy" => Cue::Courtesy,
        "sarcasm_strong" => Cue::SarcasmStrong,
        "sarcasm_mild" => Cue::SarcasmMild,
        _ => return None,
    })
}

/// The `(cue, phrase)` lines of the table; lines it cannot read are
/// skipped here and caught by a test.
fn table() -> impl Iterator<Item = (Cue, &'static str)> {
    TABLE
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (name, phrase) = l.split_once('\t')?;
            Some((cue_named(name.trim())?, phrase.trim()))
        })
}

/// One cue found in a message: its kind and byte range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    pub cue: Cue,
    pub start: usize,
    pub end: usize,
}

struct Table {
    automaton: AhoCorasick,
    /// The cue of each pattern, by pattern index.
    cues: Vec<Cue>,
    /// Whether a pattern is Latin (matched on word boundaries).
    latin: Vec<bool>,
}

/// Built once per process: the automaton is the same for every classifier.
static TABLE_AUTOMATON: LazyLock<Option<Table>> = LazyLock::new(|| {
    let mut phrases = Vec::new();
    let mut cues = Vec::new();
    let mut latin = Vec::new();
    for (cue, phrase) in table() {
        phrases.push(phrase);
        cues.push(cue);
        latin.push(phrase.chars().any(is_latin_letter));
    }
    // Overlapping search needs the standard match kind; every phrase of
    // every cue is reported, so "another shop" and "shop" both count.
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&phrases)
        .ok()
        .map(|automaton| Table {
            automaton,
            cues,
            latin,
        })
});

/// Builds the automaton now rather than on the first message.
pub(crate) fn warm() {
    LazyLock::force(&TABLE_AUTOMATON);
}

/// Whether the byte range `start..end` of `text` stands on word boundaries:
/// no Latin letter or digit right before or after it.
/// Only ends that are themselves letters or digits need a boundary: ", got"
/// may follow "roses".
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let wordy = |c: Option<char>| c.is_some_and(|c| is_latin_letter(c) || c.is_ascii_digit());
    let phrase = text.get(start..end).unwrap_or("");
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    let cut_before = wordy(phrase.chars().next()) && wordy(before);
    let cut_after = wordy(phrase.chars().next_back()) && wordy(after);
    !cut_before && !cut_after
}

/// Every cue in `text`, in text order.
pub(crate) fn find(text: &str) -> Vec<Found> {
    let Some(table) = TABLE_AUTOMATON.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in table.automaton.find_overlapping_iter(text) {
        let i = m.pattern().as_usize();
        let (Some(&cue), Some(&latin)) = (table.cues.get(i), table.latin.get(i)) else {
            continue;
        };
        if latin && !on_word_boundaries(text, m.start(), m.end()) {
            continue;
        }
        out.push(Found {
            cue,
            start: m.start(),
            end: m.end(),
        });
    }
    out
}

/// The cues of one message, with quick questions over them.
pub(crate) struct Cues<'a> {
    pub text: &'a str,
    pub found: Vec<Found>,
}

impl<'a> Cues<'a> {
    pub fn of(text: &'a str) -> Self {
        Cues {
            text,
            found: find(text),
        }
    }

    pub fn has(&self, cue: Cue) -> bool {
        self.found.iter().any(|f| f.cue == cue)
    }

    /// The first occurrence of `cue`.
    pub fn first(&self, cue: Cue) -> Option<Found> {
        self.found.iter().find(|f| f.cue == cue).copied()
    }

    /// The first occurrence of `cue` starting at or after byte `from`.
    pub fn first_after(&self, cue: Cue, from: usize) -> Option<Found> {
        self.found
            .iter()
            .find(|f| f.cue == cue && f.start >= from)
            .copied()
    }

    /// The matched text of a cue.
    pub fn text_of(&self, f: Found) -> &'a str {
        self.text.get(f.start..f.end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_cues_need_word_boundaries() {
        let c = Cues::of("I left themes aside");
        assert!(!c.has(Cue::OwnSide), "'i left them' inside 'i left themes'");
        let c = Cues::of("I LEFT THEM by the heater");
        assert!(c.has(Cue::OwnSide));
        // A phrase that starts with a comma needs no boundary before it.
        assert!(Cues::of("Ordered a dozen roses, got ten").has(Cue::Got));
    }

    #[test]
    fn every_table_line_is_read() {
        let lines = TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(table().count(), lines);
    }

    #[test]
    fn chinese_cues_match_anywhere() {
        let c = Cues::of("楼下另一家花店的玫瑰两天就谢了");
        assert!(c.has(Cue::OtherParty) && c.has(Cue::Decay));
    }
}
