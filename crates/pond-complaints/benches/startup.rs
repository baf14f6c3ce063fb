//! Start-up cost: the first `Classifier::new()` of a process (what a server
//! pays once when it starts), then later builds, with and without the
//! shop's own terms. Plain timing, not criterion, because only the first
//! build of a process is cold.
//!
//! `cargo bench -p pond-complaints --bench startup`

use std::hint::black_box;
use std::time::Instant;

use pond_complaints::{Classifier, Term};

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let t = Instant::now();
    let first = Classifier::new();
    let cold = t.elapsed();
    let t = Instant::now();
    black_box(first.classify("花都蔫了"));
    let first_message = t.elapsed();
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        black_box(Classifier::new());
    }
    let warm = t.elapsed() / runs;
    let terms = [Term::new("花泥干了", 2.5), Term::new("soggy foam", 2.0)];
    let t = Instant::now();
    for _ in 0..runs {
        black_box(Classifier::new().with_terms(&terms));
    }
    let with_terms = t.elapsed() / runs;
    println!("first Classifier::new() in the process: {:.1} ms", ms(cold));
    println!("first classify after it: {:.2} ms", ms(first_message));
    println!("later Classifier::new(): {:.2} ms", ms(warm));
    println!(
        "later Classifier::new().with_terms(zh + en term): {:.2} ms",
        ms(with_terms)
    );
}
