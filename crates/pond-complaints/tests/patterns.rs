//! One test for each pattern of issue 20, in Chinese and in English: the
//! verdict, and the reason it gives (what an alert shows). The messages
//! here are not in `data/`.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use pond_complaints::{Classifier, Lang, Signal, Speaker, Term, Verdict};

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(Classifier::new)
}

fn verdict(text: &str) -> Verdict {
    classifier().classify(text)
}

fn has(v: &Verdict, signal: Signal) -> bool {
    v.why.iter().any(|r| r.signal == signal)
}

/// A complaint whose reasons include `signal`.
#[track_caller]
fn complaint_because(text: &str, signal: Signal) {
    let v = verdict(text);
    assert!(v.complaint, "{text}: {:.3} {:?}", v.score, v.why);
    assert!(has(&v, signal), "{text}: no {signal:?} in {:?}", v.why);
}

/// Not a complaint, and `signal` says why.
#[track_caller]
fn cleared_because(text: &str, signal: Signal) {
    let v = verdict(text);
    assert!(!v.complaint, "{text}: {:.3} {:?}", v.score, v.why);
    assert!(has(&v, signal), "{text}: no {signal:?} in {:?}", v.why);
}

#[test]
fn a_promised_time_against_when_it_came() {
    complaint_because("约的十点到十一点，结果下午一点才送来", Signal::PromisedTime);
    complaint_because("说好的周三送，周五才到", Signal::PromisedTime);
    complaint_because(
        "Delivery slot was 10 to 11. The van came at 1:15.",
        Signal::PromisedTime,
    );
    complaint_because(
        "You promised Tuesday. It turned up Thursday afternoon.",
        Signal::PromisedTime,
    );
}

#[test]
fn flowers_that_lasted_a_short_time() {
    complaint_because("才一天，花瓣就掉了一半", Signal::ShortLived);
    complaint_because("两天就全垂头了", Signal::ShortLived);
    complaint_because(
        "One day. The petals were dropping after one day.",
        Signal::ShortLived,
    );
    complaint_because("Lasted two nights in a cool room.", Signal::ShortLived);
}

#[test]
fn a_quoted_price_against_the_charge() {
    complaint_because("价签上是66，收银台收了我96", Signal::Price);
    complaint_because("说好买二送一，结果只给了两束", Signal::Price);
    complaint_because("The label said 35 and the till charged 49.", Signal::Price);
    complaint_because(
        "Website said free delivery, then another $15 appeared.",
        Signal::Price,
    );
}

#[test]
fn what_was_ordered_against_what_came() {
    complaint_because("我订的是香槟玫瑰，收到的是粉色的", Signal::Mismatch);
    complaint_because(
        "I ordered sunflowers but these are daisies.",
        Signal::Mismatch,
    );
}

#[test]
fn polite_complaints_are_complaints() {
    // The thanks and the question mark of a polite complaint do not
    // outweigh the problem it reports.
    complaint_because(
        "您好，麻烦帮忙查一下，我好像被多收了20块钱，谢谢",
        Signal::Price,
    );
    complaint_because(
        "Hi, sorry to bother you, you charged me 20 extra, could you check? Thanks!",
        Signal::Price,
    );
    let v = verdict("麻烦帮忙看看，花瓶有一道裂缝，谢谢");
    assert!(v.complaint, "{:?}", v.why);
    let v = verdict("Could you have a look? Two stems arrived snapped. Thank you!");
    assert!(v.complaint, "{:?}", v.why);
}

#[test]
fn sarcasm_is_read() {
    complaint_because("呵呵，又送错地址了", Signal::Sarcasm);
    complaint_because("真行，花送到时已经蔫了", Signal::Sarcasm);
    complaint_because("你们的“准时达”可真准时，晚了三小时", Signal::Sarcasm);
    complaint_because(
        "Great, another dead bouquet for the office.",
        Signal::Sarcasm,
    );
    complaint_before_and_after_eye_roll();
    complaint_because("Thanks for nothing.", Signal::Sarcasm);
    // A marker over good news stays praise.
    assert!(!verdict("呵呵，朋友收到花开心坏了").complaint);
    assert!(!verdict("Great, she loved them!").complaint);
}

/// "Nice of you…" alone reads as thanks; the eye-roll makes it a complaint.
fn complaint_before_and_after_eye_roll() {
    let plain = verdict("Nice of you to deliver them on the wrong day");
    let rolled = verdict("Nice of you to deliver them on the wrong day 🙄");
    assert!(rolled.complaint && rolled.score > plain.score);
    assert!(has(&rolled, Signal::Sarcasm));
}

#[test]
fn someone_elses_problem_is_not_a_complaint() {
    cleared_because("别家的花送来就蔫了，所以这次在你们家订", Signal::OtherParty);
    cleared_because("快递公司把我的包裹弄丢了，跟你们没关系", Signal::OtherParty);
    cleared_because(
        "Another florist sent my aunt wilted lilies, so I'm ordering here.",
        Signal::OtherParty,
    );
    cleared_because(
        "The courier company lost a parcel of mine, nothing to do with you.",
        Signal::OtherParty,
    );
}

#[test]
fn the_customers_own_problem_is_not_a_complaint() {
    cleared_because("手机没电了，没接到电话，抱歉", Signal::OwnSide);
    cleared_because("我家门铃坏了，没听到敲门", Signal::OwnSide);
    cleared_because(
        "My phone died, so I missed the delivery call.",
        Signal::OwnSide,
    );
    cleared_because("The buzzer is broken at our place, sorry!", Signal::OwnSide);
}

#[test]
fn denied_problems_are_not_complaints() {
    for text in [
        "这次没有送错地址，也没迟到",
        "一枝都没有蔫",
        "No wrong address this time, and not late either.",
        "Not one wilted stem.",
    ] {
        let v = verdict(text);
        assert!(!v.complaint, "{text}: {:.3} {:?}", v.score, v.why);
    }
}

#[test]
fn feared_problems_that_did_not_happen_are_not_complaints() {
    cleared_because("本来担心会压坏，结果完好无损", Signal::Feared);
    cleared_because("还以为会送错，没想到一次就对了", Signal::Feared);
    cleared_because(
        "I thought the box would be crushed, it arrived perfect.",
        Signal::Feared,
    );
    cleared_because(
        "Was worried they'd be late, they came early.",
        Signal::Feared,
    );
}

#[test]
fn resolved_problems_are_not_complaints() {
    cleared_because("退款已经到账了，谢谢", Signal::Resolved);
    cleared_because("补发的花今天收到了，问题解决了", Signal::Resolved);
    cleared_because("The refund arrived, thank you.", Signal::Resolved);
    cleared_because(
        "Replacement arrived this morning, all sorted.",
        Signal::Resolved,
    );
}

#[test]
fn staff_apologising_is_not_a_complaint() {
    cleared_because("非常抱歉，是我们送错了，马上给您补送", Signal::StaffVoice);
    cleared_because("不好意思各位，今天配送会晚一点，请谅解", Signal::StaffVoice);
    cleared_because(
        "So sorry, we sent the wrong colour, a replacement is on its way.",
        Signal::StaffVoice,
    );
    cleared_because(
        "Apologies everyone, deliveries are running late today.",
        Signal::StaffVoice,
    );
    // A customer's polite apology is not the shop's voice.
    let v = verdict("不好意思打扰一下，我订的是红玫瑰，收到的是白的");
    assert!(v.complaint && !has(&v, Signal::StaffVoice), "{:?}", v.why);
}

#[test]
fn a_caller_can_say_a_message_is_from_staff() {
    for text in [
        "花都蔫了，我要退款",
        "The flowers never arrived, I want a refund",
    ] {
        assert!(classifier().classify(text).complaint);
        let v = classifier().classify_from(text, Speaker::Staff);
        assert!(!v.complaint && v.score == 0.0);
        assert!(has(&v, Signal::Staff));
        // A known customer is never read as staff.
        let v = classifier().classify_from(text, Speaker::Customer);
        assert!(v.complaint);
    }
    let v = classifier().classify_from("非常抱歉，是我们送错了，马上给您补送", Speaker::Customer);
    assert!(!has(&v, Signal::StaffVoice));
}

#[test]
fn shop_terms_keep_working_and_say_so() {
    let c =
        Classifier::new().with_terms(&[Term::new("花泥干了", 2.5), Term::new("soggy foam", 2.5)]);
    for text in ["花泥干了", "The soggy foam again"] {
        let v = c.classify(text);
        assert!(v.complaint, "{text}: {:?}", v.why);
        let r = v.why.iter().find(|r| r.signal == Signal::ShopTerm).unwrap();
        assert!(text.to_lowercase().contains(&r.text), "{r:?}");
    }
    // The built-in classifier does not know them, and the shared base
    // dictionary is not changed by another classifier's terms.
    assert!(!Classifier::new().classify("花泥干了").complaint);
}

#[test]
fn every_alert_says_why_in_both_languages() {
    let v = verdict("说好中午送到，现在三点了还没到，我要投诉");
    assert!(v.complaint);
    let zh = v.explain(Lang::Chinese);
    let en = v.explain(Lang::English);
    assert!(zh.iter().any(|l| l.contains("投诉")), "{zh:?}");
    assert!(zh.iter().any(|l| l.contains("约定的时间")), "{zh:?}");
    assert!(en.iter().any(|l| l.contains("promised time")), "{en:?}");
    // Strongest first.
    let w: Vec<f64> = v.why.iter().map(|r| r.weight.abs()).collect();
    assert!(w.windows(2).all(|p| p[0] >= p[1]), "{w:?}");
}

#[test]
fn scores_grade_seriousness_and_rarely_tie() {
    let mild = verdict("花有点蔫").score;
    let serious = verdict("花全蔫了，我要退款，不然就投诉到12315").score;
    assert!(serious > mild, "{serious} <= {mild}");
    // Messages with no complaint evidence still get distinct scores.
    let quiet = [
        "今天的花到了",
        "明天几点开门？",
        "群里有人去过新店吗",
        "See you on Saturday",
        "What time do you open tomorrow?",
        "Anyone been to the new shop?",
    ];
    let mut scores: Vec<u64> = quiet.iter().map(|t| verdict(t).score.to_bits()).collect();
    scores.sort_unstable();
    scores.dedup();
    assert_eq!(scores.len(), quiet.len());
}
