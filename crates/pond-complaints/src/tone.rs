//! Tone and emphasis: small graded cues that rank messages with the same
//! words, so the inbox orders them and scores rarely tie.

use crate::WHOLE;

/// Largest evidence the tone cues (exclamation marks, insistence, length)
/// add together: enough to order messages of equal words, never enough to
/// make a complaint alone.
pub const TONE_MAX: f64 = 0.3;

/// Tokens of insistence: repeated, they make a complaint a little surer.
const INSISTENCE: &[&str] = &[
    "都",
    "还",
    "又",
    "才",
    "根本",
    "完全",
    "一直",
    "永远",
    "整整",
    "again",
    "still",
    "even",
    "every",
    "always",
    "seriously",
    "literally",
];
/// Characters that lean towards trouble or towards contentment in Chinese
/// chat, counted only for ranking (never enough to make a complaint).
const TROUBLE_CHARS: &str =
    "不没无未差坏烂破错晚慢少缺丢断碎脏臭黑黄枯蔫谢掉扔骗坑贵假退投诉怒气烦等呢吗？";
const CONTENT_CHARS: &str = "好美喜爱棒赞感鲜香甜暖乐笑哈开心辛";

/// Small cues of tone: exclamation marks, insistence, trouble and
/// contentment characters, length. They order messages with the same
/// words (so the inbox ranks) and are capped at [`TONE_MAX`], below what
/// makes a complaint.
pub(crate) fn tone(text: &str, compound: f64) -> f64 {
    let bangs = text
        .chars()
        .filter(|c| matches!(c, '!' | '！'))
        .count()
        .min(3) as f64;
    let lower = text.to_lowercase();
    let insist = INSISTENCE
        .iter()
        .map(|w| lower.matches(w).count())
        .sum::<usize>()
        .min(4) as f64;
    let lean = text
        .chars()
        .map(|c| {
            if TROUBLE_CHARS.contains(c) {
                1.0
            } else if CONTENT_CHARS.contains(c) {
                -1.0
            } else {
                0.0
            }
        })
        .sum::<f64>()
        .clamp(-6.0, 6.0);
    let length = (1.0 + text.chars().count() as f64).ln();
    let words = (1.0 + text.split_whitespace().count() as f64).ln();
    let questions = text
        .chars()
        .filter(|c| matches!(c, '?' | '？'))
        .count()
        .min(3) as f64;
    (0.05 * bangs + 0.04 * insist + 0.015 * lean + 0.02 * length + 0.013 * words
        - 0.03 * questions
        - 0.05 * compound)
        .clamp(-TONE_MAX, TONE_MAX)
}

/// Evidence late in a message counts a little more (by up to
/// ±[`EMPHASIS`] / 2): the point of a chat message is usually its end
/// ("包装很好，但是花是烂的"). Besides being true more often than not, it
/// keeps messages with the same words from tying.
pub const EMPHASIS: f64 = 0.1;

pub(crate) fn emphasis(pos: usize, len: usize) -> f64 {
    if pos == WHOLE || len == 0 {
        return 1.0;
    }
    1.0 - EMPHASIS / 2.0 + EMPHASIS * (pos.min(len) as f64 / len as f64)
}
