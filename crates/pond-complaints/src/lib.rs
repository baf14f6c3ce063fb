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

mod anchor;
mod cues;
mod en;
mod framing;
mod lexicon;
mod model;
mod sarcasm;
mod story;
mod text;
mod tone;
mod verdict;
mod zh;

use std::io::{self, BufRead, Write};
use std::sync::{Arc, LazyLock};

use jieba_rs::Jieba;
use vader_parity::SentimentIntensityAnalyzer;

pub use lexicon::{MAX_TERM_WEIGHT, Term};
pub use story::{SHORT_LIVED_WEIGHT, STORY_WEIGHT, WEAK_STORY_WEIGHT};
pub use text::{Lang, MAX_MESSAGE_BYTES, detect_language};
pub use tone::{EMPHASIS, TONE_MAX};
pub use verdict::{Hit, LineVerdict, Reason, Signal, Speaker, Verdict};

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
/// Weight of the naive Bayes model's lean (see `model.rs`) in the evidence
/// of a Chinese (or mixed) message. Chosen by five-fold cross-validation on
/// the tune part (`tests/model.rs`): at 0.8 the lean alone carries 46
/// unseen complaints over the threshold and 3 other messages.
pub const MODEL_WEIGHT_ZH: f64 = 0.8;
/// The same for English, where the model ranks less well (AUC 0.76 against
/// 0.91 in cross-validation): at 0.5 its lean alone rarely decides.
pub const MODEL_WEIGHT_EN: f64 = 0.5;

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
    /// One of the shop's own terms.
    pub shop: bool,
}

/// The position of evidence about the whole message (VADER, framing).
pub(crate) const WHOLE: usize = usize::MAX;

/// One piece of evidence while a message is scored.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    pub signal: Signal,
    /// Byte position in the message, or [`WHOLE`].
    pub pos: usize,
    pub text: String,
    pub weight: f64,
    /// From a lexicon: reported in [`Verdict::hits`] too.
    pub lexical: bool,
    pub negated: bool,
    /// Counted in the evidence sum; framing reasons only report what they
    /// already took from other items.
    pub counts: bool,
}

impl Evidence {
    pub fn new(signal: Signal, pos: usize, text: String, weight: f64) -> Self {
        Evidence {
            signal,
            pos,
            text,
            weight,
            lexical: false,
            negated: false,
            counts: true,
        }
    }

    /// A reason that reports what a framing rule did to other items.
    pub fn framing(signal: Signal, text: String, weight: f64) -> Self {
        Evidence {
            counts: false,
            ..Evidence::new(signal, WHOLE, text, weight)
        }
    }
}

/// The factor for a hit at token `index` when the sentence turns at `turn`.
pub(crate) fn contrast_factor(index: usize, turn: Option<usize>) -> f64 {
    match turn {
        Some(t) if index < t => CONTRAST_BEFORE,
        Some(t) if index > t => CONTRAST_AFTER,
        _ => 1.0,
    }
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

/// jieba with Pond's built-in words, segmented once per process: loading
/// its 350,000-word dictionary is most of what building a classifier
/// costs, and every classifier without Chinese shop terms shares it.
static BASE_JIEBA: LazyLock<Arc<Jieba>> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for w in lexicon::builtin_user_words() {
        add_user_word(&mut jieba, &w);
    }
    Arc::new(jieba)
});

/// VADER's lexicon, parsed once per process and shared.
static VADER: LazyLock<Arc<SentimentIntensityAnalyzer>> =
    LazyLock::new(|| Arc::new(SentimentIntensityAnalyzer::new()));

/// Builds what every classifier shares, once per process: jieba's
/// dictionary on this thread, and on a second one (the machine has at
/// least two cores where Pond runs) VADER, the model, the lexicons, the cue
/// automaton and the regular expressions, so the first classifier costs
/// about as much as jieba alone and its first message nothing extra. If
/// the thread cannot start, the same work runs here.
fn warm_up() {
    static WARM: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    WARM.get_or_init(|| {
        let rest = || {
            LazyLock::force(&VADER);
            LazyLock::force(&model::TUNED);
            LazyLock::force(&lexicon::BUILTIN);
            cues::warm();
            story::warm();
            sarcasm::warm();
        };
        std::thread::scope(|s| {
            let helper = std::thread::Builder::new()
                .name("pond-complaints-warm".into())
                .spawn_scoped(s, rest);
            LazyLock::force(&BASE_JIEBA);
            if helper.is_err() {
                rest();
            }
        });
    });
}

/// Scores chat messages for complaints. Build one and share it: the first
/// classifier of a process loads jieba's dictionary and VADER's lexicon
/// (about 0.1 s); later ones share them, and classifying takes `&self`.
pub struct Classifier {
    jieba: Arc<Jieba>,
    model: Arc<model::Model>,
    zh: lexicon::ZhLexicon,
    en: lexicon::EnLexicon,
    vader: Arc<SentimentIntensityAnalyzer>,
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
        warm_up();
        let (zh, en) = lexicon::BUILTIN.clone();
        Self {
            jieba: Arc::clone(&BASE_JIEBA),
            model: Arc::clone(&model::TUNED),
            zh,
            en,
            vader: Arc::clone(&VADER),
        }
    }

    /// The same classifier with operators' own terms added. A term already
    /// in a lexicon takes the new weight. Terms with a non-finite weight or
    /// empty text are ignored.
    #[must_use]
    pub fn with_terms(mut self, extra: &[Term]) -> Self {
        let mut chinese = false;
        for t in extra {
            if !t.weight.is_finite() || t.text.trim().is_empty() {
                continue;
            }
            // Operators' terms are about the shop: never halved as general.
            if t.is_chinese() {
                // Not added to jieba: copying its dictionary costs tens of
                // milliseconds, and a term it cuts across is still found
                // on the characters (`zh::spanning`).
                self.zh.insert_shop(t.text.trim(), t.weight);
                chinese = true;
            } else {
                self.en.insert_shop(&t.text, t.weight);
            }
        }
        if chinese {
            self.zh.finish();
        }
        self
    }

    /// The same classifier with its naive Bayes model trained on
    /// `examples` instead of the tune part: for cross-validation in tests.
    #[doc(hidden)]
    #[must_use]
    pub fn with_model_trained_on(mut self, examples: &[(bool, &str)]) -> Self {
        self.model = Arc::new(model::Model::train(examples.iter().copied()));
        self
    }

    /// The naive Bayes model's lean for `text` alone (before its weight):
    /// for cross-validation in tests.
    #[doc(hidden)]
    #[must_use]
    pub fn model_lean(&self, text: &str) -> f64 {
        self.model.lean(text::capped(text)).0
    }

    /// Scores one message whose writer is not known. Deterministic, total
    /// (never panics), and reads at most [`MAX_MESSAGE_BYTES`] of it.
    #[must_use]
    pub fn classify(&self, text: &str) -> Verdict {
        self.classify_from(text, Speaker::Unknown)
    }

    /// Scores one message from `speaker`. A message from [`Speaker::Staff`]
    /// is never a complaint (score 0); [`Speaker::Customer`] turns off the
    /// rule that reads the shop's voice.
    #[must_use]
    pub fn classify_from(&self, text: &str, speaker: Speaker) -> Verdict {
        let text = text::capped(text);
        let language = detect_language(text);
        if speaker == Speaker::Staff {
            return Verdict {
                complaint: false,
                score: 0.0,
                language,
                hits: Vec::new(),
                vader_compound: 0.0,
                why: vec![Reason {
                    signal: Signal::Staff,
                    text: String::new(),
                    weight: 0.0,
                }],
            };
        }
        let cues = cues::Cues::of(text);
        let request = cues.has(cues::Cue::Request);
        let mut hits = Vec::new();
        let zh_inquiry = zh::INQUIRY.iter().any(|m| text.contains(m));
        let en_inquiry = en::is_inquiry(text);
        let inquiry = (zh_inquiry || en_inquiry) && !request;
        let mut only_asks = false;
        if matches!(language, Lang::Chinese | Lang::Mixed) {
            zh::analyse(&self.jieba, &self.zh, text, inquiry, request, &mut hits);
            only_asks |= zh_inquiry && !request;
        }
        if matches!(language, Lang::English | Lang::Mixed) {
            only_asks |= en::analyse(&self.en, text, inquiry, request, &mut hits);
        }
        hits.sort_by_key(|h| h.pos);
        let general_factor = if anchor::anchored(text) {
            1.0
        } else {
            UNANCHORED_FACTOR
        };
        let mut ev: Vec<Evidence> = hits
            .into_iter()
            .map(|h| Evidence {
                signal: if h.shop {
                    Signal::ShopTerm
                } else {
                    Signal::Term
                },
                pos: h.pos,
                text: h.term,
                weight: if h.general {
                    h.weight * general_factor
                } else {
                    h.weight
                },
                lexical: true,
                negated: h.negated,
                counts: true,
            })
            .collect();
        // VADER on every message: for Chinese text it scores only emoji and
        // Latin words ("😡", "OK"), which is what it can judge there.
        let compound = self.vader.polarity_scores(text).compound;
        let compound = if compound.is_finite() {
            compound.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        let vader = effective_weight(-VADER_WEIGHT * compound, false, only_asks) * general_factor;
        if vader != 0.0 {
            ev.push(Evidence::new(
                Signal::Sentiment,
                WHOLE,
                format!("{compound:+.3}"),
                vader,
            ));
        }
        let (lean, top) = self.model.lean(text);
        let model_weight = if matches!(language, Lang::English) {
            MODEL_WEIGHT_EN
        } else {
            MODEL_WEIGHT_ZH
        };
        let lean = effective_weight(model_weight * lean, false, only_asks);
        if lean != 0.0 {
            ev.push(Evidence::new(Signal::Resembles, WHOLE, top.join(" "), lean));
        }
        let before_story = ev.len();
        story::find(&cues, &mut ev);
        if only_asks {
            for e in ev.iter_mut().skip(before_story) {
                e.weight *= QUESTION_FACTOR;
            }
        }
        sarcasm::apply(&cues, &mut ev);
        framing::apply(&cues, speaker, &mut ev);
        for e in ev.iter_mut().filter(|e| e.counts) {
            e.weight *= tone::emphasis(e.pos, text.len());
        }
        let tone = tone::tone(text, compound);
        let evidence: f64 = ev
            .iter()
            .filter(|e| e.counts)
            .map(|e| e.weight)
            .sum::<f64>()
            + tone;
        let score = score_of(evidence);
        let mut why: Vec<Reason> = ev
            .iter()
            .filter(|e| !e.counts || e.weight.abs() >= 0.005)
            .map(|e| Reason {
                signal: e.signal,
                text: e.text.clone(),
                weight: e.weight,
            })
            .collect();
        why.push(Reason {
            signal: Signal::Tone,
            text: String::new(),
            weight: tone,
        });
        why.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        Verdict {
            complaint: score >= THRESHOLD,
            score,
            language,
            hits: ev
                .into_iter()
                .filter(|e| e.lexical)
                .map(|e| Hit {
                    term: e.text,
                    weight: e.weight,
                    negated: e.negated,
                })
                .collect(),
            vader_compound: compound,
            why,
        }
    }

    /// Reads one message per line from `reader` and writes one JSON object
    /// per line to `writer`: `{"complaint":true,"score":0.9526,"why":[…]}`,
    /// the score rounded to four decimals, `why` the matched words or
    /// patterns that pushed towards a complaint (left out when none). Every
    /// input line gets an output line (an empty line scores as an empty
    /// message) so outputs line up with inputs; bytes that are not UTF-8
    /// are replaced, not refused. Stops at the first I/O error.
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
                why: v
                    .why
                    .iter()
                    .filter(|r| r.weight > 0.0 && r.signal != Signal::Tone)
                    .map(|r| r.text.clone())
                    .collect(),
            };
            serde_json::to_writer(&mut writer, &out).map_err(io::Error::other)?;
            writer.write_all(b"\n")?;
        }
        writer.flush()
    }
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
        // A shop's term is not added to jieba (that would copy its
        // dictionary); it is found however jieba cuts it.
        let c = c.with_terms(&[Term::new("花泥干了", 2.0), Term::new("泥干", 2.0)]);
        for (text, term) in [("花泥干了怎么办", "花泥干了"), ("花泥干得很快", "泥干")]
        {
            let v = c.classify(text);
            assert!(
                v.hits.iter().any(|h| h.term == term),
                "{text}: {:?}",
                v.hits
            );
        }
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
