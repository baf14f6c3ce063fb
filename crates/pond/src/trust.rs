//! `pond trust`: a member's trust account, asks checked against it, and a
//! program's report of trust spent against value created. The same flows as
//! the API (`pond_app::trust`), so the two cannot disagree.

use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use jiff::Timestamp;
use pond_app::trust::{self, AskInput, ProgramTrust, TrustView};
use pond_core::trust::{AskKind, Decision};
use pond_store::Store;

/// `pond trust ...`.
#[derive(Debug, Subcommand)]
pub enum TrustCmd {
    /// A member's score, what it was spent on and earned by, and whether
    /// each ask may be made now.
    Show {
        /// Member id.
        member: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record an ask of a member; refused (exit 1, with the reason) when
    /// they have been asked too often or their trust is under the threshold.
    Ask {
        /// Member id.
        member: i64,
        /// What is asked.
        #[arg(long, value_enum)]
        kind: Kind,
        /// The program the ask serves.
        #[arg(long)]
        program: Option<i64>,
        /// What was asked, for people.
        #[arg(long)]
        note: Option<String>,
    },
    /// A program's trust spent against value created, and its value audit.
    Report {
        /// Program id.
        program: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The asks made of a member.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// Pass a link on.
    Share,
    /// Put up a poster.
    Poster,
    /// Vote.
    Vote,
    /// Like.
    Like,
}

impl From<Kind> for AskKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Share => AskKind::Share,
            Kind::Poster => AskKind::Poster,
            Kind::Vote => AskKind::Vote,
            Kind::Like => AskKind::Like,
        }
    }
}

/// Runs `pond trust ...`.
pub async fn run(store: &Store, cmd: TrustCmd) -> Result<()> {
    let now = Timestamp::now();
    match cmd {
        TrustCmd::Show { member, json } => {
            let mut tx = store.read().await?;
            let v = trust::member_view(&mut tx, member, now).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_view(&v);
            }
        }
        TrustCmd::Ask {
            member,
            kind,
            program,
            note,
        } => {
            let input = AskInput {
                member_id: Some(member),
                group_id: None,
                kind: kind.into(),
                program_id: program,
                note,
            };
            let a = store
                .write(move |tx| Box::pin(async move { trust::ask(tx, input, now).await }))
                .await?;
            println!(
                "recorded ask {} ({}) of member {member}: trust {} -> {}",
                a.id,
                a.kind.as_str(),
                a.decision.score,
                a.score
            );
        }
        TrustCmd::Report { program, json } => {
            let mut tx = store.read().await?;
            let r = trust::program_report(&mut tx, program, now).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_report(&r);
            }
        }
    }
    Ok(())
}

fn decision_line(d: &Decision) -> String {
    let verdict = if d.allowed { "yes" } else { "no " };
    format!("  {:<7} {verdict}  {}", d.kind.as_str(), d.reason)
}

fn print_view(v: &TrustView) {
    println!(
        "member {}: trust {} of {} (threshold {})",
        v.id, v.score, v.budget, v.threshold
    );
    println!(
        "spent on asks {}, lost to reactions {}, earned {}, recovered {}",
        v.spent_on_asks, v.lost_to_reactions, v.earned, v.recovered
    );
    println!("may be asked now:");
    for d in &v.can_ask {
        println!("{}", decision_line(d));
    }
    if !v.recent.is_empty() {
        println!("latest:");
        for s in &v.recent {
            println!("  {}  {:+}  -> {}  {}", s.at, s.delta, s.score, s.note);
        }
    }
}

/// A program's value audit for people, one line per finding (printed after
/// `pond program create` too).
pub fn audit_lines(a: &pond_core::value_audit::ValueAudit) -> Vec<String> {
    let label = match a.label {
        pond_core::value_audit::Label::ValueCreator => "value creator",
        pond_core::value_audit::Label::ValueExtractor => "value extractor",
    };
    let mut lines = vec![format!(
        "value audit: {label} (per referral: trust spent {}, returned {}; shop value {})",
        a.trust_spent, a.trust_returned, a.shop_value
    )];
    lines.extend(a.reasons.iter().map(|r| format!("  - {r}")));
    lines
}

fn print_report(r: &ProgramTrust) {
    println!("program {}", r.program_id);
    for line in audit_lines(&r.value_audit) {
        println!("{line}");
    }
    println!(
        "trust spent {} on asks, {} lost to reactions; {} returned by rewards; balance {}",
        r.trust_spent, r.trust_lost_to_reactions, r.trust_returned, r.balance
    );
    for a in &r.asks {
        println!(
            "  {:<9} {} asks of {} members, {} trust",
            a.kind, a.asks, a.members, a.trust_spent
        );
    }
    for d in &r.delivered {
        println!(
            "  {:<9} {} rewards, {} {}",
            d.side, d.rewards, d.amount, d.unit
        );
    }
    println!(
        "{} members asked, {} now under the threshold",
        r.members_asked,
        r.members_under_threshold.len()
    );
    for w in &r.members_under_threshold {
        println!("  member {}: trust {}", w.member_id, w.score);
    }
}
