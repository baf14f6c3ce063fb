//! Five-fold cross-validation of the whole classifier on the tune part:
//! its naive Bayes model is trained on four fifths and measured on the
//! fifth it has not seen, so the figures say how the model's weight
//! (`MODEL_WEIGHT`) generalises without touching the held-out part.
//!
//! `cargo test -p pond-complaints --test model -- --nocapture`
#![allow(clippy::unwrap_used)]

mod common;

use pond_complaints::Classifier;

#[test]
fn five_fold_cross_validation_on_the_tune_part() {
    let examples = common::load_part("tune");
    let mut all = Vec::new();
    let mut leans: Vec<(f64, bool, &str)> = Vec::new();
    for fold in 0..5 {
        let train: Vec<(bool, &str)> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 != fold)
            .map(|(_, e)| (e.complaint, e.text.as_str()))
            .collect();
        let c = Classifier::new().with_model_trained_on(&train);
        let test: Vec<common::Example> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 == fold)
            .map(|(_, e)| common::Example {
                complaint: e.complaint,
                pattern: e.pattern.clone(),
                text: e.text.clone(),
            })
            .collect();
        for e in &test {
            leans.push((c.model_lean(&e.text), e.complaint, common::group(&e.text)));
        }
        all.push(common::evaluate(&c, &test));
    }
    let (mut zh, mut en) = (common::Counts::default(), common::Counts::default());
    for f in &all {
        for (a, b) in [(&mut zh, &f.zh), (&mut en, &f.en)] {
            a.tp += b.tp;
            a.fp += b.fp;
            a.fn_ += b.fn_;
            a.tn += b.tn;
        }
    }
    for (name, c) in [("Chinese", zh), ("English", en)] {
        println!(
            "cv: {name} precision {:.3} recall {:.3} ({} {} {} {})",
            c.precision(),
            c.recall(),
            c.tp,
            c.fp,
            c.fn_,
            c.tn
        );
    }
    for lang in ["zh", "en"] {
        let scored: Vec<(f64, bool)> = leans
            .iter()
            .filter(|l| l.2 == lang)
            .map(|l| (l.0, l.1))
            .collect();
        let mean = |label: bool| {
            let v: Vec<f64> = scored
                .iter()
                .filter(|s| s.1 == label)
                .map(|s| s.0)
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let right = scored.iter().filter(|s| (s.0 > 0.0) == s.1).count();
        // How many messages the lean alone would carry over the threshold
        // (evidence 1.0, less about 0.15 of tone) at each weight.
        for w in [0.4, 0.6, 0.8, 1.0] {
            let over = |label: bool| {
                scored
                    .iter()
                    .filter(|s| s.1 == label && w * s.0 >= 0.85)
                    .count()
            };
            println!(
                "cv: {lang} weight {w}: lean alone carries {} complaints, {} others",
                over(true),
                over(false)
            );
        }
        println!(
            "cv: model alone, {lang}: ROC AUC {:.3}, sign right {right}/{}, mean lean of complaints {:.2}, of others {:.2}",
            common::auc(&scored),
            scored.len(),
            mean(true),
            mean(false)
        );
    }
    let auc: f64 = all.iter().map(|f| f.auc).sum::<f64>() / all.len() as f64;
    println!("cv: mean ROC AUC {auc:.3}");
    assert!(zh.precision() >= 0.8 && en.precision() >= 0.8);
    assert!(auc >= 0.9);
}
