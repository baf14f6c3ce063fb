//! Prints the verdict and its reasons for each line of stdin: what tuning
//! and alert review look at.
//!
//! `echo 花都蔫了 | cargo run -q -p pond-complaints --example why`

use std::io::BufRead;

use pond_complaints::{Classifier, Lang};

fn main() {
    let c = Classifier::new();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let v = c.classify(&line);
        let lang = if matches!(v.language, Lang::Chinese | Lang::Mixed) {
            Lang::Chinese
        } else {
            Lang::English
        };
        println!(
            "{:.3} {} {line}",
            v.score,
            if v.complaint { "COMPLAINT" } else { "-" }
        );
        for r in &v.why {
            println!("    {}", r.describe(lang));
        }
    }
}
