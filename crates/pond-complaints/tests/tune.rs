//! Figures on the tuning set, `data/tune.tsv`: the set the lexicon weights
//! were adjusted against. Prints every miss with its hits, which is what
//! tuning looks at. `cargo test -p pond-complaints --test tune -- --nocapture`
#![allow(clippy::unwrap_used)]

mod common;

use pond_complaints::Classifier;

#[test]
fn tune_set_figures() {
    let examples = common::load("tune.tsv");
    let (zh, en, misses) = common::evaluate(&Classifier::new(), &examples);
    for m in &misses {
        let hits: Vec<String> = m
            .verdict
            .hits
            .iter()
            .map(|h| {
                format!(
                    "{}{}={:.2}",
                    if h.negated { "¬" } else { "" },
                    h.term,
                    h.weight
                )
            })
            .collect();
        println!(
            "miss label={} score={:.3} vader={:.3} [{}] {}",
            u8::from(m.label),
            m.verdict.score,
            m.verdict.vader_compound,
            hits.join(" "),
            m.text
        );
    }
    common::report("tune", &zh, &en);
    assert!(zh.total() >= 75 && en.total() >= 75);
    for c in [zh, en] {
        assert!(c.precision() >= 0.8 && c.recall() >= 0.8);
    }
}
