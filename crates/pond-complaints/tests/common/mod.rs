//! Shared evaluation code for the labelled data sets in `data/` (see
//! `data/README.md`): precision and recall per language, ROC AUC, ties,
//! and figures per hard-case pattern.
#![allow(dead_code)]

use std::collections::BTreeMap;

use pond_complaints::{Classifier, Lang, Verdict, detect_language};

/// One labelled message.
pub struct Example {
    pub complaint: bool,
    /// The hard case it stands for (`base` for the two-column files).
    pub pattern: String,
    pub text: String,
}

/// Reads a `label<TAB>text` or `label<TAB>pattern<TAB>text` file from the
/// crate's `data/` directory.
pub fn load(name: &str) -> Vec<Example> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    let raw = std::fs::read_to_string(&path).unwrap();
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.splitn(3, '\t');
            let label = cols.next().unwrap();
            let second = cols.next().unwrap();
            let (pattern, text) = match cols.next() {
                Some(text) => (second.to_owned(), text.to_owned()),
                None => ("base".to_owned(), second.to_owned()),
            };
            Example {
                complaint: match label {
                    "1" => true,
                    "0" => false,
                    other => panic!("bad label {other:?} in {name}"),
                },
                pattern,
                text,
            }
        })
        .collect()
}

/// The tune part or the held-out part: both files of it.
pub fn load_part(part: &str) -> Vec<Example> {
    let mut all = load(&format!("{part}.tsv"));
    all.extend(load(&format!("{part}-patterns.tsv")));
    all
}

/// Which half of the evaluation a message belongs to: mixed messages
/// count with Chinese (they are Chinese sentences with English words).
pub fn group(text: &str) -> &'static str {
    match detect_language(text) {
        Lang::Chinese | Lang::Mixed => "zh",
        Lang::English | Lang::Unknown => "en",
    }
}

/// Confusion counts for one group.
#[derive(Default, Debug, Clone, Copy)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.fn_ + self.tn
    }
    fn add(&mut self, label: bool, said: bool) {
        match (label, said) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A misclassified message with its verdict.
pub struct Miss {
    pub label: bool,
    pub pattern: String,
    pub text: String,
    pub verdict: Verdict,
}

/// Everything measured on one set.
pub struct Figures {
    pub zh: Counts,
    pub en: Counts,
    /// ROC AUC of the score, all messages, and per language.
    pub auc: f64,
    pub auc_zh: f64,
    pub auc_en: f64,
    /// Messages that share their score with another message.
    pub tied: usize,
    pub n: usize,
    pub by_pattern: BTreeMap<String, (usize, usize)>,
    pub misses: Vec<Miss>,
    /// Groups of messages with the same score.
    pub ties: Vec<(f64, Vec<String>)>,
}

/// ROC AUC: the chance that a random complaint scores above a random
/// non-complaint, ties counting half (Mann–Whitney U).
pub fn auc(scored: &[(f64, bool)]) -> f64 {
    let pos: Vec<f64> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    let neg: Vec<f64> = scored.iter().filter(|s| !s.1).map(|s| s.0).collect();
    if pos.is_empty() || neg.is_empty() {
        return 1.0;
    }
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}

/// Classifies every example.
pub fn evaluate(c: &Classifier, examples: &[Example]) -> Figures {
    let (mut zh, mut en, mut misses) = (Counts::default(), Counts::default(), Vec::new());
    let mut scored = Vec::new();
    let mut scored_zh = Vec::new();
    let mut scored_en = Vec::new();
    let mut by_pattern: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for e in examples {
        let v = c.classify(&e.text);
        let is_zh = group(&e.text) == "zh";
        if is_zh { &mut zh } else { &mut en }.add(e.complaint, v.complaint);
        scored.push((v.score, e.complaint));
        if is_zh {
            &mut scored_zh
        } else {
            &mut scored_en
        }
        .push((v.score, e.complaint));
        let p = by_pattern.entry(e.pattern.clone()).or_default();
        p.1 += 1;
        if e.complaint == v.complaint {
            p.0 += 1;
        } else {
            misses.push(Miss {
                label: e.complaint,
                pattern: e.pattern.clone(),
                text: e.text.clone(),
                verdict: v,
            });
        }
    }
    let mut groups: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (e, s) in examples.iter().zip(&scored) {
        groups
            .entry(s.0.to_bits())
            .or_default()
            .push(e.text.clone());
    }
    let ties = groups
        .into_iter()
        .filter(|(_, t)| t.len() > 1)
        .map(|(s, t)| (f64::from_bits(s), t))
        .collect();
    let mut scores: Vec<u64> = scored.iter().map(|s| s.0.to_bits()).collect();
    scores.sort_unstable();
    let tied = scores
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            (*i > 0 && scores[i - 1] == **s) || scores.get(i + 1).is_some_and(|n| n == *s)
        })
        .count();
    Figures {
        zh,
        en,
        auc: auc(&scored),
        auc_zh: auc(&scored_zh),
        auc_en: auc(&scored_en),
        tied,
        n: scored.len(),
        by_pattern,
        misses,
        ties,
    }
}

/// Prints the figures.
pub fn report(set: &str, f: &Figures) {
    println!("{set}: language  n  precision  recall  auc  (tp fp fn tn)");
    for (name, c, a) in [("Chinese", &f.zh, f.auc_zh), ("English", &f.en, f.auc_en)] {
        println!(
            "{set}: {name:<8} {:>3}  {:.3}      {:.3}   {:.3}  ({} {} {} {})",
            c.total(),
            c.precision(),
            c.recall(),
            a,
            c.tp,
            c.fp,
            c.fn_,
            c.tn
        );
    }
    println!(
        "{set}: ROC AUC {:.3}; {} of {} messages share their score with another",
        f.auc, f.tied, f.n
    );
    if std::env::var_os("POND_SHOW_TIES").is_some() {
        for (score, texts) in &f.ties {
            println!("{set} tie {score:.6}: {}", texts.join(" | "));
        }
    }
    for (p, (right, n)) in &f.by_pattern {
        println!("{set}: pattern {p:<15} {right:>3}/{n:<3} right");
    }
    for m in &f.misses {
        let why: Vec<String> = m
            .verdict
            .why
            .iter()
            .map(|r| format!("{:?}:{}={:+.2}", r.signal, r.text, r.weight))
            .collect();
        println!(
            "{set} miss: label={} {} score={:.3} [{}] {}",
            u8::from(m.label),
            m.pattern,
            m.verdict.score,
            why.join(" "),
            m.text
        );
    }
}
