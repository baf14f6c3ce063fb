//! Lexicons: the built-in term lists, operators' own terms, and lookup.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::text::{Lang, detect_language};

/// Shop-domain Chinese complaint terms (also fed to jieba's user dictionary).
const ZH_DOMAIN: &str = include_str!("../lexicon/zh_domain.tsv");
/// General Chinese sentiment words written for Pond (see README).
const ZH_GENERAL: &str = include_str!("../lexicon/zh_general.tsv");
/// Shop-domain English complaint phrases.
const EN_DOMAIN: &str = include_str!("../lexicon/en_domain.tsv");
/// General English sentiment words (VADER scores the rest of English).
const EN_GENERAL: &str = include_str!("../lexicon/en_general.tsv");

/// Largest weight magnitude a term may carry: one operator term cannot
/// outvote everything else in a message by mistake (a typo of 300 for 3.0).
pub const MAX_TERM_WEIGHT: f64 = 10.0;

/// A lexicon term: a word or phrase and how much it counts.
///
/// A positive weight is evidence of a complaint, a negative weight evidence
/// against one (praise, reassurance). For scale: the built-in 投诉 and
/// "never arrived" weigh 3.0, 蔫 and "wilted" 2.0, 新鲜 and "fresh" −1.2;
/// one term of weight above [`crate::EVIDENCE_BIAS`] alone makes a
/// complaint.
///
/// English terms are lowercase words separated by spaces; a trailing `*` on
/// a word matches any word that starts with it (`wilt*`). Chinese terms are
/// matched on jieba tokens and added to jieba's user dictionary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// The word or phrase.
    pub text: String,
    /// Evidence weight, clamped to ±[`MAX_TERM_WEIGHT`]; a non-finite weight
    /// makes the term ignored.
    pub weight: f64,
    /// Language of the term; `None` detects it from the text (any Han
    /// character makes it Chinese).
    pub lang: Option<Lang>,
}

impl Term {
    /// A term whose language is detected from its text.
    #[must_use]
    pub fn new(text: impl Into<String>, weight: f64) -> Self {
        Self {
            text: text.into(),
            weight,
            lang: None,
        }
    }

    /// The same term with its language given.
    #[must_use]
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// Whether the term goes to the Chinese lexicon.
    pub(crate) fn is_chinese(&self) -> bool {
        match self.lang {
            Some(Lang::Chinese) => true,
            Some(Lang::English) => false,
            // Mixed, Unknown or not given: a Han character decides.
            _ => matches!(detect_language(&self.text), Lang::Chinese | Lang::Mixed),
        }
    }
}

/// Parses a built-in `weight<TAB>term` file. Malformed lines are skipped
/// here and caught by a test, so a bad edit fails CI instead of panicking
/// at run time.
pub(crate) fn parse(source: &str) -> Vec<Term> {
    source
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (w, t) = l.split_once('\t')?;
            let weight: f64 = w.trim().parse().ok()?;
            let text = t.trim();
            (!text.is_empty()).then(|| Term::new(text, weight))
        })
        .collect()
}

/// Lines of the built-in files that [`parse`] cannot read (for the test).
#[cfg(test)]
pub(crate) fn malformed_builtin_lines() -> Vec<String> {
    [ZH_DOMAIN, ZH_GENERAL, EN_DOMAIN, EN_GENERAL]
        .iter()
        .flat_map(|s| s.lines())
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter(|l| parse(l).is_empty())
        .map(str::to_owned)
        .collect()
}

/// Clamps a weight into range; `None` for NaN and infinities.
fn sane(weight: f64) -> Option<f64> {
    weight
        .is_finite()
        .then(|| weight.clamp(-MAX_TERM_WEIGHT, MAX_TERM_WEIGHT))
}

/// A lexicon weight and whether it is general sentiment (as opposed to a
/// shop-domain term): general evidence counts half in a message that does
/// not mention the shop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub weight: f64,
    pub general: bool,
    /// One of the shop's own terms (reported as such in a verdict).
    pub shop: bool,
}

/// Chinese terms, looked up by exact text.
#[derive(Debug, Default, Clone)]
pub(crate) struct ZhLexicon {
    pub terms: HashMap<String, Entry>,
    /// Longest term in characters: bounds how many tokens a match may span.
    pub max_chars: usize,
    /// Terms of two characters or more, for the terms jieba cuts across
    /// (花|刺扎|到 hides 扎到); rebuilt by [`ZhLexicon::finish`].
    pub spanning: Option<AhoCorasick>,
    /// The term of each pattern of `spanning`.
    pub spanning_terms: Vec<String>,
}

impl ZhLexicon {
    pub fn insert(&mut self, text: &str, weight: f64, general: bool) {
        let Some(weight) = sane(weight) else { return };
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.max_chars = self.max_chars.max(text.chars().count());
        self.terms.insert(
            text.to_owned(),
            Entry {
                weight,
                general,
                shop: false,
            },
        );
    }

    /// Inserts one of the shop's own terms.
    pub fn insert_shop(&mut self, text: &str, weight: f64) {
        self.insert(text, weight, false);
        if let Some(e) = self.terms.get_mut(text.trim()) {
            e.shop = true;
        }
    }

    pub fn get(&self, text: &str) -> Option<Entry> {
        self.terms.get(text).copied()
    }

    /// Builds the automaton of multi-character terms once the terms are in.
    pub fn finish(&mut self) {
        let mut terms: Vec<String> = self
            .terms
            .keys()
            .filter(|t| t.chars().count() >= 2)
            .cloned()
            .collect();
        terms.sort();
        self.spanning = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&terms)
            .ok();
        self.spanning_terms = terms;
    }
}

/// One word of an English pattern.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub text: String,
    /// Matches any token starting with `text` (written `text*`).
    pub prefix: bool,
}

impl Word {
    pub fn matches(&self, token: &str) -> bool {
        if self.prefix {
            token.starts_with(&self.text)
        } else {
            token == self.text
        }
    }
}

/// An English term as a sequence of words.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub text: String,
    pub words: Vec<Word>,
    pub entry: Entry,
}

/// English terms, indexed by their first word.
#[derive(Debug, Default, Clone)]
pub(crate) struct EnLexicon {
    pub patterns: Vec<Pattern>,
    /// Patterns whose first word is exact, by that word.
    by_first: HashMap<String, Vec<usize>>,
    /// Patterns whose first word is a prefix: few, so scanned every time.
    prefix_first: Vec<usize>,
}

/// Lowercases and normalises apostrophes the way the tokenizer does.
pub(crate) fn normalise_en(word: &str) -> String {
    word.chars()
        .map(|c| if c == '’' { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

impl EnLexicon {
    pub fn insert(&mut self, text: &str, weight: f64, general: bool) {
        self.insert_entry(text, weight, general, false);
    }

    /// Inserts one of the shop's own terms.
    pub fn insert_shop(&mut self, text: &str, weight: f64) {
        self.insert_entry(text, weight, false, true);
    }

    fn insert_entry(&mut self, text: &str, weight: f64, general: bool, shop: bool) {
        let Some(weight) = sane(weight) else { return };
        let entry = Entry {
            weight,
            general,
            shop,
        };
        let words: Vec<Word> = text
            .split_whitespace()
            .map(|w| {
                let w = normalise_en(w);
                match w.strip_suffix('*') {
                    Some(stem) if !stem.is_empty() => Word {
                        text: stem.to_owned(),
                        prefix: true,
                    },
                    _ => Word {
                        text: w,
                        prefix: false,
                    },
                }
            })
            .collect();
        let Some(first) = words.first() else { return };
        let text = words
            .iter()
            .map(|w| {
                if w.prefix {
                    format!("{}*", w.text)
                } else {
                    w.text.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        // A term given again replaces the earlier one (operators override
        // built-in weights this way).
        if let Some(i) = self.patterns.iter().position(|p| p.text == text) {
            if let Some(p) = self.patterns.get_mut(i) {
                p.entry = entry;
            }
            return;
        }
        let index = self.patterns.len();
        if first.prefix {
            self.prefix_first.push(index);
        } else {
            self.by_first
                .entry(first.text.clone())
                .or_default()
                .push(index);
        }
        self.patterns.push(Pattern { text, words, entry });
    }

    /// The longest pattern matching `tokens` from its start, with its length
    /// in tokens. Ties go to the pattern defined first.
    pub fn longest_match(&self, tokens: &[&str]) -> Option<(&Pattern, usize)> {
        let first = tokens.first()?;
        let exact = self.by_first.get(*first).map_or(&[][..], Vec::as_slice);
        // (index, length) of the best match so far.
        let mut best: Option<(usize, usize)> = None;
        for &i in exact.iter().chain(self.prefix_first.iter()) {
            let Some(p) = self.patterns.get(i) else {
                continue;
            };
            let n = p.words.len();
            let fits = tokens.len() >= n && p.words.iter().zip(tokens).all(|(w, t)| w.matches(t));
            if fits && best.is_none_or(|(bi, bn)| n > bn || (n == bn && i < bi)) {
                best = Some((i, n));
            }
        }
        let (i, n) = best?;
        self.patterns.get(i).map(|p| (p, n))
    }
}

/// The built-in lexicons, parsed once per process; every classifier
/// starts from a copy (a few hundred entries, microseconds).
pub(crate) static BUILTIN: std::sync::LazyLock<(ZhLexicon, EnLexicon)> =
    std::sync::LazyLock::new(builtin);

/// The built-in lexicons.
pub(crate) fn builtin() -> (ZhLexicon, EnLexicon) {
    let mut zh = ZhLexicon::default();
    // General words first so that a domain term of the same text wins.
    for t in parse(ZH_GENERAL) {
        zh.insert(&t.text, t.weight, true);
    }
    for t in parse(ZH_DOMAIN) {
        zh.insert(&t.text, t.weight, false);
    }
    zh.finish();
    let mut en = EnLexicon::default();
    for t in parse(EN_GENERAL) {
        en.insert(&t.text, t.weight, true);
    }
    for t in parse(EN_DOMAIN) {
        en.insert(&t.text, t.weight, false);
    }
    (zh, en)
}

/// The Chinese domain terms, which go into jieba's user dictionary so that
/// segmentation keeps them whole.
pub(crate) fn builtin_user_words() -> Vec<String> {
    parse(ZH_DOMAIN).into_iter().map(|t| t.text).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builtin_files_parse_cleanly() {
        assert_eq!(malformed_builtin_lines(), Vec::<String>::new());
    }

    #[test]
    fn builtin_files_have_no_duplicates() {
        for src in [ZH_DOMAIN, ZH_GENERAL, EN_DOMAIN, EN_GENERAL] {
            let mut seen = std::collections::HashSet::new();
            for t in parse(src) {
                assert!(seen.insert(t.text.clone()), "duplicate term {}", t.text);
            }
        }
    }

    #[test]
    fn longest_english_match_wins() {
        let (_, en) = builtin();
        let (p, n) = en.longest_match(&["refund", "policy", "please"]).unwrap();
        assert_eq!((p.text.as_str(), n), ("refund policy", 2));
        let (p, n) = en.longest_match(&["wilting", "fast"]).unwrap();
        assert_eq!((p.text.as_str(), n), ("wilt*", 1));
    }

    #[test]
    fn insane_weights_are_ignored_or_clamped() {
        let mut zh = ZhLexicon::default();
        zh.insert("坑", f64::NAN, false);
        assert_eq!(zh.get("坑"), None);
        zh.insert("坑", 1e9, false);
        assert_eq!(zh.get("坑").map(|e| e.weight), Some(MAX_TERM_WEIGHT));
    }
}
