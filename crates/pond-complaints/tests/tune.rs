//! Figures on the tune part of the development set (`data/tune.tsv` +
//! `data/tune-patterns.tsv`): the messages the terms, weights and rules
//! were adjusted against. Prints every miss with its reasons, which is
//! what tuning looks at.
//!
//! `cargo test -p pond-complaints --test tune -- --nocapture`
#![allow(clippy::unwrap_used)]

mod common;

use pond_complaints::Classifier;

#[test]
fn tune_set_figures() {
    let examples = common::load_part("tune");
    let f = common::evaluate(&Classifier::new(), &examples);
    common::report("tune", &f);
    assert!(f.zh.total() >= 150 && f.en.total() >= 150);
    for c in [f.zh, f.en] {
        assert!(c.precision() >= 0.85 && c.recall() >= 0.85);
    }
    assert!(f.auc >= 0.9);
}
