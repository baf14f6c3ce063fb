//! Language detection and sentence splitting shared by both pipelines.

use serde::{Deserialize, Serialize};

/// The language of a message (or of a [`crate::Term`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Han characters and no Latin word of two letters or more.
    Chinese,
    /// Latin letters and no Han character.
    English,
    /// Both: group chats mix them freely ("这个bouquet太小了"). Both
    /// pipelines run over the message.
    Mixed,
    /// Neither (empty, digits, emoji, punctuation only).
    Unknown,
}

/// Longest prefix of a message that is analysed, in bytes. Chat messages are
/// short; the cap bounds the time one pasted essay can take, and a
/// complaint shows itself in its first few thousand characters.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;

/// Whether `c` is a Han (CJK ideograph) character.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}'
        | '\u{30000}'..='\u{3134F}')
}

/// Whether `c` is a letter of the Latin script (ASCII or accented).
pub(crate) fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (c.is_alphabetic() && ('\u{00C0}'..='\u{024F}').contains(&c))
}

/// Detects the language of `text` from its characters alone.
///
/// A message with a Han character and a Latin word of two letters or more
/// is [`Lang::Mixed`]; single Latin letters ("A款", "B套餐") do not make a
/// Chinese message mixed.
#[must_use]
pub fn detect_language(text: &str) -> Lang {
    let mut han = false;
    let mut latin_word = false;
    let mut run = 0usize;
    for c in text.chars() {
        if is_han(c) {
            han = true;
        }
        if is_latin_letter(c) {
            run += 1;
            if run >= 2 {
                latin_word = true;
            }
        } else {
            run = 0;
        }
        if han && latin_word {
            return Lang::Mixed;
        }
    }
    match (han, latin_word || text.chars().any(is_latin_letter)) {
        (true, _) => Lang::Chinese,
        (false, true) => Lang::English,
        (false, false) => Lang::Unknown,
    }
}

/// Cuts `text` to at most [`MAX_MESSAGE_BYTES`] on a character boundary.
pub(crate) fn capped(text: &str) -> &str {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// One sentence of a message and how it ended.
#[derive(Debug)]
pub(crate) struct Sentence<'a> {
    /// The sentence without its terminator.
    pub text: &'a str,
    /// Ended with `?` or `？` (possibly among other terminators: "?!").
    pub question_mark: bool,
}

/// Whether `c` ends a sentence. `.` is handled apart (see [`sentences`]).
fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n' | '\r' | '…'
    )
}

/// Splits `text` into sentences on terminal punctuation and line breaks. A
/// `.` ends a sentence only before whitespace or at the end, so "$4.50" and
/// "No.3" stay whole.
pub(crate) fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = is_terminator(c)
            || (c == '.' && chars.peek().is_none_or(|&(_, next)| next.is_whitespace()));
        if !ends {
            continue;
        }
        let body = &text[start..i];
        let mut question = matches!(c, '?' | '？');
        let mut end = i + c.len_utf8();
        // Runs of terminators ("??", "?!", "。。。") belong to one sentence.
        while let Some(&(j, d)) = chars.peek() {
            if is_terminator(d) || d == '.' {
                question |= matches!(d, '?' | '？');
                end = j + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        push_sentence(&mut out, body, question);
        start = end;
    }
    push_sentence(&mut out, &text[start..], false);
    out
}

fn push_sentence<'a>(out: &mut Vec<Sentence<'a>>, body: &'a str, question_mark: bool) {
    let body = body.trim();
    if !body.is_empty() {
        out.push(Sentence {
            text: body,
            question_mark,
        });
    }
}

/// Whether `c` separates clauses inside a sentence: negation does not reach
/// across it ("不新鲜，花瓣全黑了" negates only 新鲜).
pub(crate) fn is_clause_break(c: char) -> bool {
    // Commas, brackets, quotes, emoji and the like; not the characters that
    // live inside words and amounts ("don't", "#2231", "$80", "e-mail").
    !c.is_alphanumeric()
        && !c.is_whitespace()
        && !matches!(
            c,
            '\'' | '’' | '#' | '$' | '-' | '%' | '&' | '/' | '@' | '+' | '*' | '¥' | '￥'
        )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn detects_languages() {
        assert_eq!(detect_language("花都蔫了"), Lang::Chinese);
        assert_eq!(detect_language("A款还有吗"), Lang::Chinese);
        assert_eq!(detect_language("never arrived"), Lang::English);
        assert_eq!(detect_language("这个bouquet太小了"), Lang::Mixed);
        assert_eq!(detect_language("🌷 123 !!"), Lang::Unknown);
        assert_eq!(detect_language(""), Lang::Unknown);
    }

    #[test]
    fn splits_sentences_and_marks_questions() {
        let s = sentences("可以退款吗？想先问一下。Cost $4.50. Where are they??");
        let texts: Vec<_> = s.iter().map(|s| (s.text, s.question_mark)).collect();
        assert_eq!(
            texts,
            vec![
                ("可以退款吗", true),
                ("想先问一下", false),
                ("Cost $4.50", false),
                ("Where are they", true)
            ]
        );
    }

    #[test]
    fn caps_on_a_char_boundary() {
        let long = "蔫".repeat(MAX_MESSAGE_BYTES);
        let c = capped(&long);
        assert!(c.len() <= MAX_MESSAGE_BYTES);
        assert!(c.chars().all(|ch| ch == '蔫'));
    }
}
