//! Shared evaluation code for the labelled data sets in `data/`.

use pond_complaints::{Classifier, Lang, Verdict, detect_language};

/// One labelled message.
pub struct Example {
    pub complaint: bool,
    pub text: String,
}

/// Reads a `label<TAB>text` file from the crate's `data/` directory.
pub fn load(name: &str) -> Vec<Example> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    let raw = std::fs::read_to_string(&path).unwrap();
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (label, text) = l.split_once('\t').unwrap();
            Example {
                complaint: match label {
                    "1" => true,
                    "0" => false,
                    other => panic!("bad label {other:?} in {name}"),
                },
                text: text.to_owned(),
            }
        })
        .collect()
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
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A misclassified message with its verdict.
pub struct Miss {
    pub label: bool,
    pub text: String,
    pub verdict: Verdict,
}

/// Classifies every example; counts per group ("zh", "en") and the misses.
pub fn evaluate(c: &Classifier, examples: &[Example]) -> (Counts, Counts, Vec<Miss>) {
    let (mut zh, mut en, mut misses) = (Counts::default(), Counts::default(), Vec::new());
    for e in examples {
        let v = c.classify(&e.text);
        let counts = if group(&e.text) == "zh" {
            &mut zh
        } else {
            &mut en
        };
        match (e.complaint, v.complaint) {
            (true, true) => counts.tp += 1,
            (false, true) => counts.fp += 1,
            (true, false) => counts.fn_ += 1,
            (false, false) => counts.tn += 1,
        }
        if e.complaint != v.complaint {
            misses.push(Miss {
                label: e.complaint,
                text: e.text.clone(),
                verdict: v,
            });
        }
    }
    (zh, en, misses)
}

/// Prints the figures as a small table.
pub fn report(set: &str, zh: &Counts, en: &Counts) {
    println!("{set}: language  n  precision  recall  (tp fp fn tn)");
    for (name, c) in [("Chinese", zh), ("English", en)] {
        println!(
            "{set}: {name:<8} {:>3}  {:.3}      {:.3}   ({} {} {} {})",
            c.total(),
            c.precision(),
            c.recall(),
            c.tp,
            c.fp,
            c.fn_,
            c.tn
        );
    }
}
