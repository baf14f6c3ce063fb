//! Messages classified per second, over the 743 labelled messages of
//! `data/` (about half Chinese, half English), and the cost of building a
//! classifier once the process has built one (`benches/startup.rs` measures
//! the first).
//!
//! `cargo bench -p pond-complaints --bench classify`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pond_complaints::{Classifier, Term};

/// Every message of `data/*.tsv` (the text is the last column).
fn messages() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    [
        "tune.tsv",
        "heldout.tsv",
        "tune-patterns.tsv",
        "heldout-patterns.tsv",
    ]
    .iter()
    .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
    .flat_map(|s| {
        s.lines()
            .filter_map(|l| l.rsplit_once('\t').map(|(_, t)| t.to_owned()))
            .collect::<Vec<_>>()
    })
    .collect()
}

fn classify(c: &mut Criterion) {
    let classifier = Classifier::new();
    let all = messages();
    let (zh, en): (Vec<&String>, Vec<&String>) = all
        .iter()
        .partition(|m| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    let mut group = c.benchmark_group("classify");
    for (name, set) in [
        ("all", all.iter().collect::<Vec<_>>()),
        ("chinese", zh),
        ("english", en),
    ] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for m in &set {
                    black_box(classifier.classify(black_box(m)));
                }
            });
        });
    }
    group.finish();
    let mut build = c.benchmark_group("build");
    build.sample_size(10);
    build.bench_function("Classifier::new", |b| {
        b.iter(|| black_box(Classifier::new()))
    });
    let terms = [Term::new("花泥干了", 2.5), Term::new("soggy foam", 2.0)];
    build.bench_function("Classifier::new().with_terms", |b| {
        b.iter(|| black_box(Classifier::new().with_terms(&terms)))
    });
    build.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
