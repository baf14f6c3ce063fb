//! Complaint detection for Pond's customer chat groups.
//!
//! A complaint posted in a group reaches every member, so Pond flags it as
//! early as it can. [`Classifier::classify`] scores one message (Chinese,
//! English or mixed) and says whether it is a complaint:
//!
//! ```
//! use pond_complaints::Classifier;
//!
//! let c = Classifier::new();
//! assert!(c.classify("花都蔫了还没人管").complaint);
//! assert!(c.classify("My order never arrived").complaint);
//! assert!(!c.classify("可以退款吗？").complaint);
//! assert!(!c.classify("不差，比我想象的好看").complaint);
//! ```
//!
//! # Scoring model
//!
//! Every lexicon term found in the message adds its weight to an evidence
//! sum E (positive weights: complaint terms; negative: praise and
//! reassurance). A term negated by a word shortly before it (不, 没, not,
//! never, …) flips sign: negated praise ("一点都不新鲜", "not fresh") counts
//! [`NEGATED_PRAISE_FACTOR`] times its weight for a complaint, a negated
//! complaint term ("不蔫", "not late") [`NEGATED_COMPLAINT_FACTOR`] times
//! against. Complaint evidence in a sincere question or a condition ("可以
//! 退款吗？", "what if it arrives late?") is multiplied by
//! [`QUESTION_FACTOR`]; rhetorical questions ("为什么还没送到？", "why did
//! nobody tell me?") are not damped. VADER's compound c (English words and
//! emoji) adds −[`VADER_WEIGHT`]·c. Then
//!
//! `score = 1 / (1 + exp(−STEEPNESS · (E − EVIDENCE_BIAS)))`
//!
//! and the message is a complaint when `score ≥ THRESHOLD` (0.5), that is
//! when E ≥ [`EVIDENCE_BIAS`]: one strong complaint term, or two weaker
//! signals, is enough. The crate README has the lexicon sources and the
//! held-out precision and recall.

mod en;
mod lexicon;
mod text;
mod zh;

use std::io::{self, BufRead, Write};

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};
use vader_parity::SentimentIntensityAnalyzer;

pub use lexicon::{MAX_TERM_WEIGHT, Term};
pub use text::{Lang, MAX_MESSAGE_BYTES, detect_language};

/// Score at or above which a message is a complaint.
pub const THRESHOLD: f64 = 0.5;
/// Evidence at which the score crosses [`THRESHOLD`].
pub const EVIDENCE_BIAS: f64 = 1.0;
/// Slope of the logistic that maps evidence to a score: at 1.5 a single
/// 3.0-weight term scores 0.95 and a lone 0.5-weight word 0.32.
pub const STEEPNESS: f64 = 1.5;
/// Multiplier for negated praise ("不新鲜", "not happy"): slightly above 1
/// because denying a quality the shop sells is pointed.
pub const NEGATED_PRAISE_FACTOR: f64 = 1.2;
/// Multiplier for a negated complaint term ("不蔫", "没迟到", "not late"):
/// reassurance, but weaker than the complaint it denies.
pub const NEGATED_COMPLAINT_FACTOR: f64 = 0.5;
/// Multiplier for complaint evidence inside a sincere question or a
/// condition: customers ask about refunds and late delivery before they buy.
pub const QUESTION_FACTOR: f64 = 0.3;
/// Weight of VADER's compound score (in −1..1) in the evidence.
pub const VADER_WEIGHT: f64 = 1.0;
/// How many tokens before a term a negator may stand.
pub const NEGATION_WINDOW: usize = 3;
/// Multipliers for hits before and after a contrast word in the same
/// sentence (but, however, 但是, 不过…): the turn is what the writer means,
/// the same rule and factors as VADER's "but".
pub const CONTRAST_BEFORE: f64 = 0.5;
/// See [`CONTRAST_BEFORE`].
pub const CONTRAST_AFTER: f64 = 1.5;
/// Multiplier for general sentiment (general-lexicon words and VADER) in a
/// message that mentions nothing of the shop: "traffic is awful today" is
/// not about the shop; a complaint names its object (flowers, order,
/// delivery, staff, "you").
pub const UNANCHORED_FACTOR: f64 = 0.5;

/// One lexicon term found in a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The term as written in the lexicon (Chinese: as found in the text).
    pub term: String,
    /// What the hit added to the evidence, after negation and question
    /// damping: positive for a complaint, negative against.
    pub weight: f64,
    /// Whether a negator before the term flipped it.
    pub negated: bool,
}

/// The classification of one message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `score >= THRESHOLD`.
    pub complaint: bool,
    /// In [0, 1]; see the crate docs for the model.
    pub score: f64,
    /// Detected language of the message.
    pub language: Lang,
    /// Lexicon hits in text order.
    pub hits: Vec<Hit>,
    /// VADER's compound score of the message in [−1, 1] (for Chinese text it
    /// sees only emoji and Latin words); it adds −`VADER_WEIGHT`·compound to
    /// the evidence, damped like a term when the message only asks.
    pub vader_compound: f64,
}

/// A hit with its byte position, so hits of both pipelines sort into text
/// order.
#[derive(Debug)]
pub(crate) struct RawHit {
    pub pos: usize,
    pub term: String,
    pub weight: f64,
    pub negated: bool,
    /// From a general-sentiment lexicon (halved when the message does not
    /// mention the shop).
    pub general: bool,
}

/// The factor for a hit at token `index` when the sentence turns at `turn`.
pub(crate) fn contrast_factor(index: usize, turn: Option<usize>) -> f64 {
    match turn {
        Some(t) if index < t => CONTRAST_BEFORE,
        Some(t) if index > t => CONTRAST_AFTER,
        _ => 1.0,
    }
}

/// Words that show a message is about the shop, its flowers or an order.
/// Chinese anchors are substrings, English ones word prefixes.
const ZH_ANCHORS: &[&str] = &[
    "花", "束", "单", "送", "店", "你们", "客服", "老板", "包装", "快递", "质量", "服务", "价",
    "货", "收到", "盒", "瓶", "卡片", "贺卡", "玫瑰", "百合", "配送", "小哥", "师傅", "退",
];
const EN_ANCHORS: &[&str] = &[
    "flower",
    "bouquet",
    "bunch",
    "order",
    "deliver",
    "rose",
    "lil",
    "tulip",
    "peon",
    "sunflower",
    "hydrangea",
    "carnation",
    "orchid",
    "arrangement",
    "vase",
    "box",
    "packag",
    "wrap",
    "stem",
    "petal",
    "driver",
    "courier",
    "florist",
    "service",
    "shop",
    "store",
    "staff",
    "website",
    "card",
    "refund",
    "price",
    "quality",
    "experience",
    "you",
    "your",
    "they",
    "them",
    "these",
    "those",
    "wreath",
    "plant",
];

/// Whether `text` mentions the shop, its flowers or an order.
fn anchored(text: &str) -> bool {
    ZH_ANCHORS.iter().any(|a| text.contains(a))
        || text
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .any(|w| {
                let w = w.to_lowercase();
                EN_ANCHORS.iter().any(|a| w.starts_with(a))
            })
}

/// What a lexicon weight contributes after negation and damping.
pub(crate) fn effective_weight(weight: f64, negated: bool, damped: bool) -> f64 {
    let w = match (negated, weight > 0.0) {
        (false, _) => weight,
        (true, true) => -weight * NEGATED_COMPLAINT_FACTOR,
        (true, false) => -weight * NEGATED_PRAISE_FACTOR,
    };
    if damped && w > 0.0 {
        w * QUESTION_FACTOR
    } else {
        w
    }
}

/// Maps an evidence sum to a score in [0, 1].
fn score_of(evidence: f64) -> f64 {
    let s = 1.0 / (1.0 + (-STEEPNESS * (evidence - EVIDENCE_BIAS)).exp());
    if s.is_nan() { 0.0 } else { s.clamp(0.0, 1.0) }
}

/// Scores chat messages for complaints. Build one and share it: building
/// loads jieba's dictionary and VADER's lexicon (tens of milliseconds),
/// classifying is cheap and takes `&self`.
pub struct Classifier {
    jieba: Jieba,
    zh: lexicon::ZhLexicon,
    en: lexicon::EnLexicon,
    vader: SentimentIntensityAnalyzer,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("zh_terms", &self.zh.terms.len())
            .field("en_terms", &self.en.patterns.len())
            .finish_non_exhaustive()
    }
}

impl Default for Classifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Classifier {
    /// A classifier with the built-in lexicons.
    #[must_use]
    pub fn new() -> Self {
        let (zh, en, user_words) = lexicon::builtin();
        let mut jieba = Jieba::new();
        for w in &user_words {
            add_user_word(&mut jieba, w);
        }
        Self {
            jieba,
            zh,
            en,
            vader: SentimentIntensityAnalyzer::new(),
        }
    }

    /// The same classifier with operators' own terms added. A term already
    /// in a lexicon takes the new weight; Chinese terms also go into
    /// jieba's user dictionary. Terms with a non-finite weight or empty
    /// text are ignored.
    #[must_use]
    pub fn with_terms(mut self, extra: &[Term]) -> Self {
        for t in extra {
            if !t.weight.is_finite() || t.text.trim().is_empty() {
                continue;
            }
            // Operators' terms are about the shop: never halved as general.
            if t.is_chinese() {
                self.zh.insert(&t.text, t.weight, false);
                add_user_word(&mut self.jieba, t.text.trim());
            } else {
                self.en.insert(&t.text, t.weight, false);
            }
        }
        self
    }

    /// Scores one message. Deterministic, total (never panics), and reads at
    /// most [`MAX_MESSAGE_BYTES`] of it.
    #[must_use]
    pub fn classify(&self, text: &str) -> Verdict {
        let text = text::capped(text);
        let language = detect_language(text);
        let mut hits = Vec::new();
        let zh_inquiry = zh::INQUIRY.iter().any(|m| text.contains(m));
        let en_inquiry = en::is_inquiry(text);
        let mut only_asks = false;
        if matches!(language, Lang::Chinese | Lang::Mixed) {
            zh::analyse(
                &self.jieba,
                &self.zh,
                text,
                zh_inquiry || en_inquiry,
                &mut hits,
            );
            only_asks |= zh_inquiry;
        }
        if matches!(language, Lang::English | Lang::Mixed) {
            only_asks |= en::analyse(&self.en, text, zh_inquiry || en_inquiry, &mut hits);
        }
        hits.sort_by_key(|h| h.pos);
        let general_factor = if anchored(text) {
            1.0
        } else {
            UNANCHORED_FACTOR
        };
        for h in hits.iter_mut().filter(|h| h.general) {
            h.weight *= general_factor;
        }
        // VADER on every message: for Chinese text it scores only emoji and
        // Latin words ("😡", "OK"), which is what it can judge there.
        let compound = self.vader.polarity_scores(text).compound;
        let compound = if compound.is_finite() {
            compound.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let vader = effective_weight(-VADER_WEIGHT * compound, false, only_asks) * general_factor;
        let evidence: f64 = hits.iter().map(|h| h.weight).sum::<f64>() + vader;
        let score = score_of(evidence);
        Verdict {
            complaint: score >= THRESHOLD,
            score,
            language,
            hits: hits
                .into_iter()
                .map(|h| Hit {
                    term: h.term,
                    weight: h.weight,
                    negated: h.negated,
                })
                .collect(),
            vader_compound: compound,
        }
    }

    /// Reads one message per line from `reader` and writes one JSON object
    /// per line to `writer`: `{"complaint":true,"score":0.9526}`, the score
    /// rounded to four decimals. Every input line gets an output line (an
    /// empty line scores as an empty message) so outputs line up with
    /// inputs; bytes that are not UTF-8 are replaced, not refused. Stops at
    /// the first I/O error.
    pub fn classify_lines<R: BufRead, W: Write>(
        &self,
        mut reader: R,
        mut writer: W,
    ) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            let v = self.classify(text);
            let out = LineVerdict {
                complaint: v.complaint,
                score: (v.score * 10_000.0).round() / 10_000.0,
            };
            serde_json::to_writer(&mut writer, &out).map_err(io::Error::other)?;
            writer.write_all(b"\n")?;
        }
        writer.flush()
    }
}

/// One output line of [`classify_lines`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineVerdict {
    /// Whether the line is a complaint.
    pub complaint: bool,
    /// Its score, rounded to four decimals.
    pub score: f64,
}

/// [`Classifier::classify_lines`] with a classifier of the built-in
/// lexicons: the entry point of `pond classify`.
///
/// ```
/// let input = "花都蔫了还没人管\nthank you!\n";
/// let mut out = Vec::new();
/// pond_complaints::classify_lines(input.as_bytes(), &mut out).unwrap();
/// let out = String::from_utf8(out).unwrap();
/// assert!(out.lines().next().unwrap().starts_with(r#"{"complaint":true,"#));
/// assert_eq!(out.lines().count(), 2);
/// ```
pub fn classify_lines<R: BufRead, W: Write>(reader: R, writer: W) -> io::Result<()> {
    Classifier::new().classify_lines(reader, writer)
}

/// Adds a multi-character word to jieba's dictionary so it is not split.
/// Words jieba already knows keep their frequency (raising it would change
/// how their neighbours segment); single characters are tokens anyway.
fn add_user_word(jieba: &mut Jieba, word: &str) {
    if word.chars().count() >= 2 && !jieba.has_word(word) {
        jieba.add_word(word, None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(c: &Classifier, text: &'a str) -> Vec<&'a str> {
        c.jieba
            .cut(text, false)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    #[test]
    fn user_dictionary_keeps_domain_terms_whole() {
        let c = Classifier::new();
        // Without the user words jieba gives 差|评, 没收|到 ("confiscate").
        for (text, term) in [
            ("必须给差评", "差评"),
            ("我根本没收到", "没收到"),
            ("花都蔫了", "蔫了"),
            ("还没送到呢", "没送到"),
            ("店员态度差", "态度差"),
            ("客服不回消息", "客服不回"),
        ] {
            assert!(
                words(&c, text).contains(&term),
                "{text}: {:?}",
                words(&c, text)
            );
        }
        let c = c.with_terms(&[Term::new("花泥干了", 2.0)]);
        assert!(words(&c, "花泥干了怎么办").contains(&"花泥干了"));
    }

    #[test]
    fn effective_weights() {
        assert!((effective_weight(2.0, false, false) - 2.0).abs() < 1e-12);
        assert!((effective_weight(2.0, true, false) + 1.0).abs() < 1e-12);
        assert!((effective_weight(-1.0, true, false) - 1.2).abs() < 1e-12);
        assert!((effective_weight(2.0, false, true) - 0.6).abs() < 1e-12);
        // Damping never touches evidence against a complaint.
        assert!((effective_weight(-1.0, false, true) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn score_crosses_threshold_at_the_bias() {
        assert!((score_of(EVIDENCE_BIAS) - THRESHOLD).abs() < 1e-12);
        assert!(score_of(f64::INFINITY) <= 1.0 && score_of(f64::NEG_INFINITY) >= 0.0);
        assert!((0.0..=1.0).contains(&score_of(f64::NAN)));
    }
}
