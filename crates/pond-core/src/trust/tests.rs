//! The trust model against hand-computed scores.

use super::*;

fn at(day: i64, hour: i64) -> Timestamp {
    Timestamp::from_millisecond(1_767_225_600_000 + day * DAY_MS + hour * 3_600_000)
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn ev(day: i64, hour: i64, what: What) -> Event {
    Event {
        at: at(day, hour),
        what,
        program: Some(1),
    }
}

fn member(events: &[Event], now: Timestamp) -> Trust {
    replay(&Policy::default(), Subject::Member, events, now)
}

#[test]
fn a_member_asked_too_often_is_refused_with_the_reason() {
    let p = Policy::default();
    let events = [
        ev(0, 9, What::Ask(AskKind::Share)),
        ev(2, 9, What::Ask(AskKind::Like)),
    ];
    let now = at(3, 9);
    let t = member(&events, now);
    // 100 - 10 - 5, plus one point for each of the three full days.
    assert_eq!(t.score, 88);
    let d = can_ask(&p, &t, AskKind::Share, now);
    assert!(!d.allowed);
    assert_eq!(d.code, Some("asked_too_often"));
    assert_eq!(d.reason, "2 asks in the last 7 days (limit 2)");
    assert_eq!(d.next_possible_at, Some(at(7, 9)));
    // Once the first ask leaves the window, the member may be asked again.
    let later = at(7, 9);
    let d = can_ask(&p, &member(&events, later), AskKind::Share, later);
    assert!(d.allowed, "{}", d.reason);
}

#[test]
fn a_member_under_the_threshold_is_not_asked() {
    let p = Policy::default();
    let events = [
        ev(0, 9, What::Ask(AskKind::Poster)),
        ev(0, 10, What::Reaction(Reaction::Block)),
        ev(1, 9, What::Reaction(Reaction::Mute)),
    ];
    let now = at(1, 10);
    let t = member(&events, now);
    // 100 - 15 (poster) - 40 (block) + 1 (a day) - 20 (mute) = 26.
    assert_eq!(t.score, 26);
    assert_eq!((t.spent_on_asks, t.lost_to_reactions), (15, 60));
    let d = can_ask(&p, &t, AskKind::Like, now);
    assert_eq!(d.code, Some("trust_exhausted"));
    assert!(
        d.reason.starts_with("trust 26 is under the threshold 40"),
        "{}",
        d.reason
    );
}

#[test]
fn trust_comes_back_as_value_is_delivered() {
    let p = Policy::default();
    let mut events = vec![
        ev(0, 9, What::Ask(AskKind::Poster)),
        ev(0, 10, What::Reaction(Reaction::Block)),
        ev(0, 11, What::Reaction(Reaction::Mute)),
    ];
    let now = at(0, 12);
    assert_eq!(member(&events, now).score, 25);
    events.push(ev(0, 12, What::Gain(Gain::RewardApproved)));
    assert_eq!(member(&events, now).score, 40);
    events.push(ev(0, 12, What::Gain(Gain::FriendRewarded)));
    events.push(ev(0, 12, What::Gain(Gain::UsefulContent)));
    let t = member(&events, now);
    assert_eq!((t.score, t.earned), (55, 30));
    assert!(can_ask(&p, &t, AskKind::Share, now).allowed);
    // Value never lifts trust above the budget.
    let full = member(&[ev(0, 9, What::Gain(Gain::RewardApproved))], now);
    assert_eq!((full.score, full.earned), (100, 0));
}

#[test]
fn a_reaction_after_an_ask_costs_extra_and_one_without_costs_nothing() {
    let after = member(
        &[
            ev(0, 9, What::Ask(AskKind::Share)),
            ev(3, 9, What::Reaction(Reaction::Mute)),
        ],
        at(3, 9),
    );
    // 100 - 10 + 3 days - 20.
    assert_eq!(after.score, 73);
    assert_eq!(after.steps[1].delta, -20);
    assert!(after.steps[1].note.contains("within 7 days of a share ask"));
    let unrelated = member(
        &[
            ev(0, 9, What::Ask(AskKind::Share)),
            ev(8, 9, What::Reaction(Reaction::Mute)),
        ],
        at(8, 9),
    );
    assert_eq!(unrelated.steps[1].delta, 0);
    assert_eq!(unrelated.score, 98);
}

#[test]
fn replay_is_the_same_in_any_input_order_and_ignores_the_future() {
    let events = [
        ev(0, 9, What::Ask(AskKind::Share)),
        ev(0, 9, What::Reaction(Reaction::Leave)),
        ev(1, 9, What::Gain(Gain::RewardApproved)),
        ev(5, 9, What::Ask(AskKind::Vote)),
    ];
    let mut reversed = events;
    reversed.reverse();
    let now = at(2, 0);
    assert_eq!(member(&events, now), member(&reversed, now));
    // The leave in the ask's own millisecond answers the ask; the vote
    // has not happened yet.
    let t = member(&events, now);
    assert_eq!(t.steps.len(), 3);
    assert_eq!(t.score, 100 - 10 - 20 + 1 + 15, "the vote is not counted");
}

#[test]
fn groups_are_broadcast_to_and_nothing_else() {
    let p = Policy::default();
    let g = [
        ev(0, 9, What::Ask(AskKind::Broadcast)),
        ev(0, 10, What::Reaction(Reaction::Leave)),
        ev(0, 11, What::Reaction(Reaction::Leave)),
    ];
    let now = at(0, 12);
    let t = replay(&p, Subject::Group, &g, now);
    assert_eq!(t.score, 100 - 10 - 5 - 5);
    assert!(can_ask(&p, &t, AskKind::Broadcast, now).allowed);
    assert_eq!(
        can_ask(&p, &t, AskKind::Share, now).code,
        Some("wrong_subject")
    );
    let m = member(&[], now);
    assert_eq!(
        can_ask(&p, &m, AskKind::Broadcast, now).code,
        Some("wrong_subject")
    );
}

#[test]
fn a_reaction_is_charged_to_the_program_of_the_ask_it_answers() {
    let mute = Event {
        at: at(1, 9),
        what: What::Reaction(Reaction::Mute),
        program: None,
    };
    let ask = Event {
        at: at(0, 9),
        what: What::Ask(AskKind::Poster),
        program: Some(7),
    };
    let t = member(&[ask, mute], at(1, 9));
    assert_eq!(t.steps[1].program, Some(7));
    let late = Event {
        at: at(9, 9),
        ..mute
    };
    assert_eq!(member(&[ask, late], at(9, 9)).steps[1].program, None);
}
