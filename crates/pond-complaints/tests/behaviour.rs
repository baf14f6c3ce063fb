//! Behaviour the brief and the domain notes ask for, case by case, and a
//! property test that no input makes the classifier panic.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use pond_complaints::{Classifier, Lang, LineVerdict, MAX_MESSAGE_BYTES, Speaker, THRESHOLD, Term};
use proptest::prelude::*;

/// One classifier for the whole file: building one loads jieba's dictionary.
fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(Classifier::new)
}

fn is_complaint(text: &str) -> bool {
    classifier().classify(text).complaint
}

#[test]
fn shop_domain_chinese_terms_are_complaints() {
    for text in [
        "我要退款",
        "我要投诉你们",
        "给差评",
        "花都枯萎了",
        "花蔫了",
        "送错了",
        "迟到了两个小时",
        "还没送到",
        "被骗了",
        "太坑了",
        "店员态度差",
        "再也不买了",
    ] {
        assert!(is_complaint(text), "{text}");
    }
}

#[test]
fn chinese_negation_flips_terms() {
    // Negated complaint word: not a complaint.
    assert!(!is_complaint("不差"));
    assert!(!is_complaint("一点都不差，朋友很喜欢"));
    assert!(!is_complaint("花不蔫，放了一周还很好"));
    assert!(!is_complaint("不用退款了，补发就好"));
    // Negated praise: a complaint.
    assert!(is_complaint("一点都不新鲜"));
    // 好看 is a general word: negated, it needs the message to name its
    // object (UNANCHORED_FACTOR), as "一点都不好看" alone does not.
    assert!(is_complaint("花一点都不好看"));
    // A term that contains its own negator stays a complaint term.
    let v = classifier().classify("没送到");
    assert!(v.complaint);
    assert_eq!(
        v.hits.first().map(|h| (h.term.as_str(), h.negated)),
        Some(("没送到", false))
    );
}

#[test]
fn negation_does_not_cross_a_comma() {
    let v = classifier().classify("不，花瓣全蔫了");
    assert!(v.complaint);
    assert!(v.hits.iter().all(|h| !h.negated));
}

#[test]
fn sincere_questions_weigh_less_than_rhetorical_ones() {
    assert!(!is_complaint("可以退款吗？"));
    assert!(!is_complaint("请问退款政策是怎样的？"));
    assert!(!is_complaint("如果送错了怎么处理？"));
    assert!(!is_complaint("Can I get a refund if I cancel today?"));
    assert!(!is_complaint("How do I stop roses from wilting?"));
    assert!(is_complaint("为什么还没送到？"));
    assert!(is_complaint(
        "Why did nobody tell me my order was cancelled?"
    ));
    let asked = classifier().classify("可以退款吗？").score;
    let demanded = classifier().classify("我要退款！").score;
    assert!(asked < demanded);
}

#[test]
fn english_terms_negation_and_vader() {
    assert!(is_complaint("My order never arrived"));
    assert!(is_complaint("The roses were wilted"));
    assert!(is_complaint("Delivered to the wrong address"));
    assert!(is_complaint("Your driver was rude"));
    assert!(is_complaint("This is a scam"));
    assert!(is_complaint("Not fresh at all"));
    assert!(!is_complaint("No problem at all"));
    assert!(!is_complaint("Not bad at all, they loved them"));
    assert!(!is_complaint("Nothing wrong with them, thanks"));
    assert!(!is_complaint("I've never seen such fresh lilies"));
}

#[test]
fn general_mood_without_the_shop_is_not_a_complaint() {
    assert!(!is_complaint(
        "The weather is awful today, stay dry everyone"
    ));
    assert!(is_complaint("The bouquet was awful, really bad"));
}

#[test]
fn mixed_messages_run_both_pipelines() {
    let v = classifier().classify("这个bouquet太小了，被坑了");
    assert_eq!(v.language, Lang::Mixed);
    assert!(v.complaint);
    assert!(!is_complaint("bouquet很好看，thank you老板"));
}

#[test]
fn operators_can_add_and_override_terms() {
    let base = Classifier::new();
    assert!(!base.classify("花泥干了").complaint);
    let custom = Classifier::new().with_terms(&[
        Term::new("花泥干了", 2.5),
        Term::new("soggy", 2.0),
        Term::new("退款", 0.0),
        Term::new("ignored", f64::NAN),
        Term::new("  ", 5.0),
        Term::new("thorny", 2.0).with_lang(Lang::English),
    ]);
    let v = custom.classify("花泥干了");
    assert!(v.complaint, "{v:?}");
    assert_eq!(v.hits.first().map(|h| h.term.as_str()), Some("花泥干了"));
    assert!(custom.classify("the box was soggy").complaint);
    assert!(custom.classify("so thorny").complaint);
    // Overridden to zero: a refund request alone no longer counts.
    assert!(!custom.classify("退款").complaint);
    assert!(base.classify("退款").complaint);
}

#[test]
fn verdicts_are_deterministic_and_scores_consistent() {
    let a = Classifier::new();
    for text in [
        "花都蔫了还没人管",
        "I want a refund",
        "谢谢老板",
        "",
        "😡😡",
    ] {
        let v = a.classify(text);
        assert_eq!(v, classifier().classify(text));
        assert_eq!(v.complaint, v.score >= THRESHOLD);
    }
    assert_eq!(a.classify("").language, Lang::Unknown);
    assert!(!a.classify("").complaint);
}

#[test]
fn classify_lines_writes_one_json_object_per_line() {
    let input = b"flowers never arrived\r\n\n\xff\xfe broken utf8\nthank you!";
    let mut out = Vec::new();
    classifier().classify_lines(&input[..], &mut out).unwrap();
    let lines: Vec<LineVerdict> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].complaint);
    assert!(!lines[1].complaint && !lines[3].complaint);
    for l in &lines {
        assert!((0.0..=1.0).contains(&l.score));
    }
}

#[test]
fn huge_messages_are_capped() {
    let long = "花都蔫了".repeat(MAX_MESSAGE_BYTES);
    let v = classifier().classify(&long);
    assert!(v.complaint);
}

#[test]
fn classifier_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_gets_a_verdict(text in any::<String>()) {
        let v = classifier().classify(&text);
        prop_assert!((0.0..=1.0).contains(&v.score));
        prop_assert_eq!(v.complaint, v.score >= THRESHOLD);
        prop_assert!(v.hits.iter().all(|h| h.weight.is_finite()));
        prop_assert!(v.why.iter().all(|r| r.weight.is_finite()));
        prop_assert_eq!(v, classifier().classify(&text));
        for speaker in [Speaker::Customer, Speaker::Staff] {
            let v = classifier().classify_from(&text, speaker);
            prop_assert!((0.0..=1.0).contains(&v.score));
            prop_assert!(v.why.iter().all(|r| r.weight.is_finite()));
        }
        prop_assert!(!classifier().classify_from(&text, Speaker::Staff).complaint);
    }

    #[test]
    fn chat_like_strings_get_a_verdict(
        text in "[不没别吗呢？?!！，, a-zA-Z'’花蔫了退款送错没送到不新鲜可以吗为什么😡🌷\n\r\t。.]{0,80}"
    ) {
        let v = classifier().classify(&text);
        prop_assert!((0.0..=1.0).contains(&v.score));
        prop_assert_eq!(v.complaint, v.score >= THRESHOLD);
    }
}
