//! How a problem is framed, which decides whether it is a complaint about
//! the shop at all: whose problem it is (another shop's, the customer's
//! own), whether it is already resolved or was only feared, whether the
//! shop itself is speaking (staff apologising), and whether a problem is
//! wrapped in politeness (whose thanks are not praise).
//!
//! Each rule scales the complaint evidence (positive weights) and reports
//! how much it took away, so an alert reviewer sees why a message with
//! complaint words did not fire.

use crate::cues::{Cue, Cues, Found};
use crate::verdict::{Signal, Speaker};
use crate::{Evidence, WHOLE};

/// What is left of complaint evidence written in the shop's voice
/// ("非常抱歉给您添麻烦了" is an apology, not a complaint).
pub const STAFF_VOICE_FACTOR: f64 = 0.05;
/// …when the writer clears the shop ("not your fault", 跟你们没关系).
pub const EXCULPATE_FACTOR: f64 = 0.1;
/// …when the problem is another business's (another shop, the courier).
pub const OTHER_PARTY_FACTOR: f64 = 0.15;
/// …when the problem is the customer's own (their phone, their buzzer).
pub const OWN_SIDE_FACTOR: f64 = 0.15;
/// …when the problem has been put right ("the refund arrived, thank you").
pub const RESOLVED_FACTOR: f64 = 0.2;
/// …of evidence between a fear and its outcome ("I thought it would be
/// crushed, it arrived perfect").
pub const FEARED_FACTOR: f64 = 0.15;
/// …of evidence after a fear with no outcome told ("担心会送晚"): a worry
/// is not yet a complaint, but it is not nothing either.
pub const WORRY_FACTOR: f64 = 0.4;
/// Complaint evidence a polite request needs beside it for its thanks to
/// stop counting as praise.
pub const REQUEST_NEEDS: f64 = 0.5;

/// Words of courtesy that a polite complaint wraps itself in.
const COURTESY_TERMS: &[&str] = &[
    "谢谢",
    "感谢",
    "多谢",
    "辛苦了",
    "辛苦",
    "thank*",
    "cheers",
    "lovely",
];

/// Scales the complaint evidence of the items `pick` selects and records
/// the loss as a reason.
fn scale(
    ev: &mut Vec<Evidence>,
    factor: f64,
    signal: Signal,
    text: &str,
    pick: impl Fn(&Evidence) -> bool,
) {
    let mut lost = 0.0;
    for e in ev.iter_mut().filter(|e| e.weight > 0.0 && pick(e)) {
        let kept = e.weight * factor;
        lost += e.weight - kept;
        e.weight = kept;
    }
    // Reported even when there was nothing to take: a reviewer sees that
    // the message was read as, say, the customer's own problem.
    ev.push(Evidence::framing(signal, text.to_owned(), -lost));
}

/// The strongest message-wide framing found, as (factor, signal, cue).
fn whose<'a>(cues: &'a Cues<'a>, speaker: Speaker) -> Option<(f64, Signal, Found)> {
    let mut best: Option<(f64, Signal, Found)> = None;
    let mut consider = |factor: f64, signal: Signal, found: Option<Found>| {
        if let Some(f) = found
            && best.is_none_or(|b| factor < b.0)
        {
            best = Some((factor, signal, f));
        }
    };
    if speaker != Speaker::Customer
        && cues.has(Cue::Apology)
        && let Some(v) = cues.first(Cue::ShopVoice)
    {
        consider(STAFF_VOICE_FACTOR, Signal::StaffVoice, Some(v));
    }
    consider(
        EXCULPATE_FACTOR,
        Signal::OtherParty,
        cues.first(Cue::Exculpate),
    );
    consider(
        OTHER_PARTY_FACTOR,
        Signal::OtherParty,
        cues.first(Cue::OtherParty),
    );
    consider(OWN_SIDE_FACTOR, Signal::OwnSide, cues.first(Cue::OwnSide));
    consider(RESOLVED_FACTOR, Signal::Resolved, cues.first(Cue::Resolved));
    best
}

/// Applies the framing rules to `ev`.
pub(crate) fn apply(cues: &Cues<'_>, speaker: Speaker, ev: &mut Vec<Evidence>) {
    let complaint: f64 = ev.iter().map(|e| e.weight.max(0.0)).sum();

    // Politeness: "could you check? Thanks!" after a problem is courtesy.
    if complaint >= REQUEST_NEEDS
        && let Some(r) = cues.first(Cue::Request)
    {
        let mut lost = 0.0;
        for e in ev.iter_mut().filter(|e| e.weight < 0.0 && is_courtesy(e)) {
            lost -= e.weight;
            e.weight = 0.0;
        }
        if lost > 0.0 {
            ev.push(Evidence::framing(
                Signal::PoliteRequest,
                cues.text_of(r).to_owned(),
                lost,
            ));
        }
    }

    // A fear and how it turned out.
    if let Some(f) = cues.first(Cue::Fear) {
        let outcome = cues.first_after(Cue::Outcome, f.end);
        let (end, factor) = outcome.map_or((WHOLE, WORRY_FACTOR), |o| (o.start, FEARED_FACTOR));
        let what = match outcome {
            Some(o) => format!("{}…{}", cues.text_of(f), cues.text_of(o)),
            None => cues.text_of(f).to_owned(),
        };
        scale(ev, factor, Signal::Feared, &what, |e| {
            e.pos != WHOLE && e.pos >= f.start && e.pos < end
        });
    }

    if let Some((factor, signal, found)) = whose(cues, speaker) {
        scale(ev, factor, signal, cues.text_of(found), |_| true);
    }
}

fn is_courtesy(e: &Evidence) -> bool {
    e.signal == Signal::Sentiment
        || COURTESY_TERMS.iter().any(|t| match t.strip_suffix('*') {
            Some(stem) => e.text.starts_with(stem),
            None => e.text == *t,
        })
}
