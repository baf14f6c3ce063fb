//! What the classifier answers: the verdict, the evidence behind it, and
//! the words an alert shows for each piece of evidence, in zh and en.

use serde::{Deserialize, Serialize};

use crate::text::Lang;

/// Who wrote a message, when the caller knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// Not known: the classifier also reads the message's voice (a shop
    /// apologising to its customers is not a customer complaining).
    #[default]
    Unknown,
    /// A customer: the staff-voice rule is not applied.
    Customer,
    /// The shop's own staff: never a complaint, whatever the words.
    Staff,
}

/// One lexicon term found in a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The term as written in the lexicon (Chinese: as found in the text).
    pub term: String,
    /// What the hit added to the evidence, after negation, question
    /// damping, sarcasm and framing: positive for a complaint, negative
    /// against.
    pub weight: f64,
    /// Whether a negator before the term flipped it.
    pub negated: bool,
}

/// The kind of a piece of evidence, so an alert can say why it fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// A built-in complaint or praise word.
    Term,
    /// A word of the shop's own terms.
    ShopTerm,
    /// General sentiment of the message (VADER: English words and emoji).
    Sentiment,
    /// A promised time or date against when it came.
    PromisedTime,
    /// Flowers that lasted a short time.
    ShortLived,
    /// A quoted price or deal against what was charged.
    Price,
    /// What was ordered against what came.
    Mismatch,
    /// Sarcasm: praise over bad news, 呵呵, 🙄, scare quotes.
    Sarcasm,
    /// A polite request about a problem: its thanks do not count as praise.
    PoliteRequest,
    /// The problem is someone else's (another shop, a courier, a venue).
    OtherParty,
    /// The problem is the customer's own (their phone, building, mistake).
    OwnSide,
    /// The problem has been put right already.
    Resolved,
    /// A problem feared but not met.
    Feared,
    /// Written in the shop's voice (an apology to customers).
    StaffVoice,
    /// The caller said the writer is staff.
    Staff,
    /// What the message shares with labelled complaints (or with
    /// labelled non-complaints, when negative): the characters or words
    /// of the naive Bayes model that leaned most.
    Resembles,
    /// Small cues of tone (exclamation, insistence, length) that only rank.
    Tone,
}

/// One piece of evidence behind a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// What kind of evidence.
    pub signal: Signal,
    /// The words or pattern it matched, as found in the message.
    pub text: String,
    /// What it added to the evidence sum (negative: it counted against a
    /// complaint, or a framing rule took that much away).
    pub weight: f64,
}

impl Reason {
    /// One line for an alert, in the reader's language (`Lang::Chinese`
    /// gives Chinese, anything else English).
    #[must_use]
    pub fn describe(&self, lang: Lang) -> String {
        let zh = matches!(lang, Lang::Chinese);
        let what = match (self.signal, zh) {
            (Signal::Term, true) if self.weight < 0.0 => "抵消投诉的词",
            (Signal::Term, false) if self.weight < 0.0 => "words against a complaint",
            (Signal::Term, true) => "投诉用语",
            (Signal::Term, false) => "complaint words",
            (Signal::ShopTerm, true) => "店铺自定义词",
            (Signal::ShopTerm, false) => "the shop's own term",
            (Signal::Sentiment, true) => "整体情绪",
            (Signal::Sentiment, false) => "overall sentiment",
            (Signal::PromisedTime, true) => "约定的时间与实际不符",
            (Signal::PromisedTime, false) => "a promised time against what happened",
            (Signal::ShortLived, true) => "花没放几天",
            (Signal::ShortLived, false) => "flowers that lasted a short time",
            (Signal::Price, true) => "标价或优惠与实际收费不符",
            (Signal::Price, false) => "a quoted price or deal against the charge",
            (Signal::Mismatch, true) => "订的与收到的不一样",
            (Signal::Mismatch, false) => "what was ordered against what came",
            (Signal::Sarcasm, true) => "反讽",
            (Signal::Sarcasm, false) => "sarcasm",
            (Signal::PoliteRequest, true) => "客气地请求处理问题",
            (Signal::PoliteRequest, false) => "a polite request about a problem",
            (Signal::OtherParty, true) => "问题出在别家",
            (Signal::OtherParty, false) => "the problem is someone else's",
            (Signal::OwnSide, true) => "问题在顾客自己",
            (Signal::OwnSide, false) => "the problem is the customer's own",
            (Signal::Resolved, true) => "问题已解决",
            (Signal::Resolved, false) => "the problem is resolved",
            (Signal::Feared, true) => "担心的问题没有发生",
            (Signal::Feared, false) => "a feared problem that did not happen",
            (Signal::StaffVoice, true) => "店员的口吻",
            (Signal::StaffVoice, false) => "written in the shop's voice",
            (Signal::Staff, true) => "店员发的消息",
            (Signal::Staff, false) => "a message from staff",
            (Signal::Resembles, true) if self.weight < 0.0 => "与已标注的非投诉相似",
            (Signal::Resembles, false) if self.weight < 0.0 => "resembles labelled non-complaints",
            (Signal::Resembles, true) => "与已标注的投诉相似",
            (Signal::Resembles, false) => "resembles labelled complaints",
            (Signal::Tone, true) => "语气",
            (Signal::Tone, false) => "tone",
        };
        if zh {
            format!("{what}：“{}”（{:+.2}）", self.text, self.weight)
        } else {
            format!(
                "{what}: \u{201c}{}\u{201d} ({:+.2})",
                self.text, self.weight
            )
        }
    }
}

/// The classification of one message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `score >= THRESHOLD`.
    pub complaint: bool,
    /// In [0, 1]: how sure and how serious; see the crate docs.
    pub score: f64,
    /// Detected language of the message.
    pub language: Lang,
    /// Lexicon hits in text order.
    pub hits: Vec<Hit>,
    /// VADER's compound score of the message in [−1, 1] (for Chinese text it
    /// sees only emoji and Latin words).
    pub vader_compound: f64,
    /// Every piece of evidence that moved the score, strongest first: what
    /// an alert shows as the reason it fired.
    pub why: Vec<Reason>,
}

impl Verdict {
    /// The reasons that pushed towards a complaint, strongest first, worded
    /// for an alert.
    #[must_use]
    pub fn explain(&self, lang: Lang) -> Vec<String> {
        self.why
            .iter()
            .filter(|r| r.weight > 0.0 && r.signal != Signal::Tone)
            .map(|r| r.describe(lang))
            .collect()
    }
}

/// One output line of [`crate::classify_lines`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineVerdict {
    /// Whether the line is a complaint.
    pub complaint: bool,
    /// Its score, rounded to four decimals.
    pub score: f64,
    /// The matched words or patterns that pushed towards a complaint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
}
