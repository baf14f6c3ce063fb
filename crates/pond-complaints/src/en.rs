//! The English pipeline: word tokens, phrase matches, negation, questions.
//! General sentiment comes from VADER in `lib.rs`; this adds the phrases of
//! a flower-shop complaint.

use crate::lexicon::{EnLexicon, normalise_en};
use crate::text::{is_clause_break, is_han, is_latin_letter, sentences};
use crate::{NEGATION_WINDOW, RawHit, contrast_factor, effective_weight};

/// Words that negate a term within [`NEGATION_WINDOW`] words after them
/// (plus every word ending in "n't"). Phrases that contain their own
/// negator ("never arrived", "not happy") are lexicon entries and match
/// first.
const NEGATORS: &[&str] = &[
    "not", "no", "never", "nothing", "without", "nor", "neither", "hardly", "barely", "cannot",
    "dont", "didnt", "doesnt", "isnt", "wasnt", "werent", "arent", "cant", "wont", "wouldnt",
    "couldnt", "shouldnt", "havent", "hasnt", "aint",
];

/// After "never", these turn it into praise ("never seen such fresh
/// lilies"), as VADER's own "never so/this" rule does.
const NEVER_INTENSIFIERS: &[&str] = &["so", "such", "this", "that", "better", "more"];

/// Words that turn a sentence: what follows counts more, as in VADER.
const CONTRAST: &[&str] = &["but", "however"];

/// First words of a sincere question ("can I get a refund if…").
const QUESTION_OPENERS: &[&str] = &[
    "can", "could", "would", "will", "do", "does", "did", "is", "are", "am", "was", "were", "how",
    "what", "what's", "when", "which", "who", "any", "should", "may", "might", "shall", "have",
    "has", "is't",
];

/// Single words that make a question rhetorical: it complains.
const RHETORICAL_WORDS: &[&str] = &["why", "seriously", "hello"];
/// Word pairs that make a question rhetorical ("is anyone going to reply?").
const RHETORICAL_PAIRS: &[(&str, &str)] = &[
    ("is", "anyone"),
    ("does", "anyone"),
    ("anyone", "going"),
    ("going", "on"),
    ("how", "many"),
    ("how", "hard"),
    ("where", "is"),
    ("where", "are"),
];

/// Words of a condition: a complaint term inside one is hypothetical.
const HYPOTHETICAL: &[&str] = &["if", "unless", "whether", "incase"];
/// Word pairs of a condition.
const HYPOTHETICAL_PAIRS: &[(&str, &str)] = &[("in", "case"), ("what", "happens")];

/// Word pairs that make the whole message an inquiry.
pub(crate) const INQUIRY_PAIRS: &[(&str, &str)] = &[
    ("just", "checking"),
    ("just", "wondering"),
    ("quick", "question"),
    ("before", "i"),
    ("before", "ordering"),
    ("was", "wondering"),
];

struct Word {
    text: String,
    start: usize,
    /// Punctuation, emoji or Han text: ends the clause.
    boundary: bool,
}

/// Splits a sentence into lowercase words with apostrophes kept ("don't")
/// and clause boundaries marked.
fn words(sentence: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let flush = |out: &mut Vec<Word>, start: &mut Option<usize>, end: usize| {
        if let Some(s) = start.take()
            && let Some(raw) = sentence.get(s..end)
        {
            let text = normalise_en(raw.trim_matches(|c| c == '\'' || c == '’'));
            if !text.is_empty() {
                out.push(Word {
                    text,
                    start: s,
                    boundary: false,
                });
            }
        }
    };
    for (i, c) in sentence.char_indices() {
        let in_word = is_latin_letter(c) || c.is_ascii_digit() || matches!(c, '\'' | '’');
        if in_word {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        flush(&mut out, &mut start, i);
        if is_han(c) || is_clause_break(c) {
            out.push(Word {
                text: String::new(),
                start: i,
                boundary: true,
            });
        }
    }
    flush(&mut out, &mut start, sentence.len());
    out
}

fn has_pair(words: &[Word], pairs: &[(&str, &str)]) -> bool {
    words.windows(2).any(|w| {
        pairs
            .iter()
            .any(|(a, b)| w[0].text == *a && w[1].text == *b)
    })
}

fn has_any(words: &[Word], set: &[&str]) -> bool {
    words.iter().any(|w| set.contains(&w.text.as_str()))
}

/// Whether the message as a whole says it only asks ("just checking").
pub(crate) fn is_inquiry(text: &str) -> bool {
    has_pair(&words(text), INQUIRY_PAIRS)
}

fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

/// Finds English lexicon hits in `text` (already capped) and appends them.
/// Returns whether every sentence was damped (a sincere question or a
/// condition), which the caller applies to VADER's contribution. `request`:
/// the message asks the shop to look into something ("could you check?"),
/// so its questions report a problem rather than ask before buying.
pub(crate) fn analyse(
    lex: &EnLexicon,
    text: &str,
    inquiry: bool,
    request: bool,
    hits: &mut Vec<RawHit>,
) -> bool {
    let mut all_damped = true;
    let mut any = false;
    for s in sentences(text) {
        let base = s.text.as_ptr() as usize - text.as_ptr() as usize;
        let ws = words(s.text);
        let Some(first) = ws.iter().find(|w| !w.boundary) else {
            continue;
        };
        any = true;
        let rhetorical = has_any(&ws, RHETORICAL_WORDS) || has_pair(&ws, RHETORICAL_PAIRS);
        let question = s.question_mark || QUESTION_OPENERS.contains(&first.text.as_str());
        let hypothetical = has_any(&ws, HYPOTHETICAL) || has_pair(&ws, HYPOTHETICAL_PAIRS);
        let damped = !rhetorical && (((question || inquiry) && !request) || hypothetical);
        all_damped &= damped;
        scan(lex, &ws, damped, base, hits);
    }
    any && all_damped
}

fn scan(lex: &EnLexicon, ws: &[Word], damped: bool, base: usize, hits: &mut Vec<RawHit>) {
    let turn = ws.iter().position(|w| CONTRAST.contains(&w.text.as_str()));
    let texts: Vec<&str> = ws.iter().map(|w| w.text.as_str()).collect();
    let mut clause_start = 0;
    let mut clause_end = 0;
    let mut i = 0;
    while let Some(w) = ws.get(i) {
        if w.boundary {
            clause_start = i + 1;
            i += 1;
            continue;
        }
        if clause_end <= i {
            clause_end = ws
                .iter()
                .skip(i)
                .position(|w| w.boundary)
                .map_or(ws.len(), |p| i + p);
        }
        let Some((pattern, n)) = texts
            .get(i..clause_end)
            .and_then(|rest| lex.longest_match(rest))
        else {
            i += 1;
            continue;
        };
        // One word wider than Chinese: "not a single stem broken".
        let window = ws
            .get(clause_start.max(i.saturating_sub(NEGATION_WINDOW + 1))..i)
            .unwrap_or(&[]);
        let negated = window.iter().enumerate().any(|(k, v)| {
            is_negator(&v.text)
                && !(v.text == "never"
                    && window
                        .iter()
                        .skip(k + 1)
                        .any(|x| NEVER_INTENSIFIERS.contains(&x.text.as_str())))
        });
        hits.push(RawHit {
            pos: base + w.start,
            term: pattern.text.clone(),
            weight: effective_weight(pattern.entry.weight, negated, damped)
                * contrast_factor(i, turn),
            negated,
            general: pattern.entry.general,
            shop: pattern.entry.shop,
        });
        i += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_apostrophes_and_mark_boundaries() {
        let ws = words("Don't wilt, please!这个");
        let texts: Vec<_> = ws.iter().map(|w| (w.text.as_str(), w.boundary)).collect();
        assert_eq!(
            texts,
            vec![
                ("don't", false),
                ("wilt", false),
                ("", true),
                ("please", false),
                ("", true),
                ("", true),
                ("", true)
            ]
        );
    }
}
