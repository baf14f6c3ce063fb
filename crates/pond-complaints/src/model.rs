//! A small naive Bayes model over characters (Chinese) and words
//! (English), trained on the tune part of Pond's labelled development set
//! (`data/tune*.tsv`, compiled into the crate; the held-out part never).
//!
//! Rules and lexicons see only the words someone listed; complaints use
//! many more ("花茎都是软的", "past their best"). The model gives every
//! message a graded lean from the characters and words it shares with
//! labelled complaints and non-complaints, which the rules then frame
//! (someone else's problem, resolved, staff). It is trained once per
//! process, in about a millisecond, from text that ships with the crate:
//! nothing is fetched or read at run time.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use crate::text::{is_han, is_latin_letter};

/// The tune part of the development set.
const TUNE: &[&str] = &[
    include_str!("../data/tune.tsv"),
    include_str!("../data/tune-patterns.tsv"),
];

/// Characters that negate the next two: 不, 没, 别, 无, 未.
const NEGATORS: &str = "不没别无未";

/// Laplace smoothing of the feature counts.
const SMOOTHING: f64 = 1.0;
/// Features seen in fewer labelled messages than this are ignored: a word
/// met once says more about the writer than about complaints.
const MIN_COUNT: u32 = 2;

/// Log-likelihood ratios of features, complaint against not.
#[derive(Debug, Default)]
pub(crate) struct Model {
    ratios: HashMap<String, f64>,
}

/// Calls `visit` with each feature of a message: Han characters and pairs
/// of adjacent Han characters, lowercase Latin words and pairs of words.
/// Features may repeat; one buffer is reused, so scoring allocates nothing
/// per feature.
fn each_feature(text: &str, mut visit: impl FnMut(&str)) {
    let mut buf = String::new();
    let mut prev_han: Option<char> = None;
    let mut word = String::new();
    let mut prev_word = String::new();
    let mut flush = |word: &mut String, prev_word: &mut String, visit: &mut dyn FnMut(&str)| {
        if word.is_empty() {
            return;
        }
        if !prev_word.is_empty() {
            buf.clear();
            buf.push_str(prev_word);
            buf.push(' ');
            buf.push_str(word);
            visit(&buf);
        }
        visit(word);
        std::mem::swap(prev_word, word);
        word.clear();
    };
    let mut han = String::new();
    // Han characters right after a negator are marked, so "不好看" does not
    // count as "好看" (praise).
    let mut negated = 0u8;
    for c in text.chars() {
        if is_han(c) {
            han.clear();
            if negated > 0 {
                han.push('¬');
            }
            han.push(c);
            visit(&han);
            if let Some(p) = prev_han {
                han.insert(usize::from(negated > 0) * '¬'.len_utf8(), p);
                visit(&han);
            }
            prev_han = Some(c);
            negated = if NEGATORS.contains(c) {
                2
            } else {
                negated.saturating_sub(1)
            };
        } else {
            prev_han = None;
            negated = 0;
        }
        if is_latin_letter(c) || c == '\'' || c == '’' {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut prev_word, &mut visit);
            if !c.is_whitespace() {
                prev_word.clear();
            }
        }
    }
    flush(&mut word, &mut prev_word, &mut visit);
}

/// The distinct features of a message (for training and tests).
pub(crate) fn features(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_feature(text, |f| out.push(f.to_owned()));
    out.sort_unstable();
    out.dedup();
    out
}

impl Model {
    /// Trains on `(complaint, text)` examples.
    pub fn train<'a>(examples: impl IntoIterator<Item = (bool, &'a str)>) -> Model {
        let mut pos: HashMap<String, u32> = HashMap::new();
        let mut neg: HashMap<String, u32> = HashMap::new();
        let (mut n_pos, mut n_neg) = (0u32, 0u32);
        for (label, text) in examples {
            let counts = if label {
                n_pos += 1;
                &mut pos
            } else {
                n_neg += 1;
                &mut neg
            };
            for f in features(text) {
                *counts.entry(f).or_default() += 1;
            }
        }
        let mut ratios = HashMap::new();
        let keys: Vec<&String> = pos.keys().chain(neg.keys()).collect();
        for k in keys {
            let p = pos.get(k).copied().unwrap_or(0);
            let n = neg.get(k).copied().unwrap_or(0);
            if p + n < MIN_COUNT {
                continue;
            }
            let rp = (f64::from(p) + SMOOTHING) / (f64::from(n_pos) + 2.0 * SMOOTHING);
            let rn = (f64::from(n) + SMOOTHING) / (f64::from(n_neg) + 2.0 * SMOOTHING);
            ratios.insert(k.clone(), (rp / rn).ln());
        }
        Model { ratios }
    }

    /// The lean of `text`: the mean log-likelihood ratio of its known
    /// features times the square root of their number, so longer messages
    /// lean more surely but not without bound; and the three features that
    /// leaned most towards a complaint, for the verdict's reasons.
    pub fn lean(&self, text: &str) -> (f64, Vec<String>) {
        // Keys borrowed from the model: no allocation per feature.
        let mut known: Vec<(&str, f64)> = Vec::new();
        each_feature(text, |f| {
            if let Some((k, r)) = self.ratios.get_key_value(f) {
                known.push((k.as_str(), *r));
            }
        });
        // The same key is the same string of the map: compare addresses,
        // not text.
        known.sort_unstable_by_key(|k| k.0.as_ptr() as usize);
        known.dedup_by_key(|k| k.0.as_ptr() as usize);
        if known.is_empty() {
            return (0.0, Vec::new());
        }
        let sum: f64 = known.iter().map(|k| k.1).sum();
        let lean = sum / (known.len() as f64).sqrt();
        // The features that leaned the way the message leans, most first.
        known.sort_by(|a, b| (b.1 * lean.signum()).total_cmp(&(a.1 * lean.signum())));
        let top = known
            .into_iter()
            .filter(|k| k.1 * lean > 0.0)
            .take(3)
            .map(|k| k.0.to_owned())
            .collect();
        (lean, top)
    }
}

/// Parses `label<TAB>[pattern<TAB>]text` lines.
fn labelled(source: &str) -> impl Iterator<Item = (bool, &str)> {
    source.lines().filter_map(|l| {
        let (label, rest) = l.split_once('\t')?;
        let text = rest.rsplit_once('\t').map_or(rest, |(_, t)| t);
        match label {
            "1" => Some((true, text)),
            "0" => Some((false, text)),
            _ => None,
        }
    })
}

/// The model trained on the tune part, once per process.
pub(crate) static TUNED: LazyLock<Arc<Model>> =
    LazyLock::new(|| Arc::new(Model::train(TUNE.iter().flat_map(|s| labelled(s)))));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_of_both_scripts() {
        let f = features("花都蔫了 never arrived");
        for want in ["花", "花都", "蔫了", "never", "never arrived", "arrived"] {
            assert!(f.iter().any(|x| x == want), "{want} in {f:?}");
        }
    }

    #[test]
    fn the_tuned_model_leans_the_right_way() {
        assert!(TUNED.lean("花都烂了，太差了").0 > 0.0);
        assert!(TUNED.lean("谢谢老板，花很漂亮").0 < 0.0);
        assert!(TUNED.lean("they never arrived, still waiting").0 > 0.0);
        assert!(TUNED.lean("thank you, she loved them").0 < 0.0);
    }
}
