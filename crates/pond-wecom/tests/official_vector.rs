//! The official vector from WeCom's documentation (tests/data, origin in
//! tests/data/SOURCES.md)
//! decrypts to its known plaintexts; a tampered signature is refused.

#![allow(clippy::unwrap_used)]

use pond_wecom::{Crypt, Error};
use serde_json::Value;

fn vector() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/official-callback-vector.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn crypt(v: &Value) -> Crypt {
    Crypt::new(
        v["token"].as_str().unwrap(),
        v["encoding_aes_key"].as_str().unwrap(),
        v["receive_id"].as_str().unwrap(),
    )
    .unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[test]
fn url_verification_decrypts_the_echostr() {
    let v = vector();
    let u = &v["url_verification"];
    let plain = crypt(&v)
        .open(
            s(u, "msg_signature"),
            s(u, "timestamp"),
            s(u, "nonce"),
            s(u, "echostr"),
        )
        .unwrap();
    assert_eq!(plain, s(u, "expected_plaintext"));
}

#[test]
fn message_decrypts_to_its_xml() {
    let v = vector();
    let m = &v["message"];
    let body = s(m, "body");
    let encrypted = body
        .split("<Encrypt><![CDATA[")
        .nth(1)
        .and_then(|rest| rest.split("]]>").next())
        .unwrap();
    let plain = crypt(&v)
        .open(
            s(m, "msg_signature"),
            s(m, "timestamp"),
            s(m, "nonce"),
            encrypted,
        )
        .unwrap();
    assert_eq!(plain, s(m, "expected_plaintext"));
}

#[test]
fn tampering_is_refused() {
    let v = vector();
    let u = &v["url_verification"];
    let c = crypt(&v);
    let mut sig = s(u, "msg_signature").to_owned();
    sig.replace_range(0..1, "6");
    let bad = c.open(&sig, s(u, "timestamp"), s(u, "nonce"), s(u, "echostr"));
    assert_eq!(bad, Err(Error::BadSignature));
    // Same signature, another timestamp: refused too.
    let bad = c.open(
        s(u, "msg_signature"),
        "1409659590",
        s(u, "nonce"),
        s(u, "echostr"),
    );
    assert_eq!(bad, Err(Error::BadSignature));
    // The right key but another corp id: the receive id does not match.
    let other = Crypt::new(
        s(&v, "token"),
        s(&v, "encoding_aes_key"),
        "wx0000000000000000",
    )
    .unwrap();
    let found = other.open(
        s(u, "msg_signature"),
        s(u, "timestamp"),
        s(u, "nonce"),
        s(u, "echostr"),
    );
    assert_eq!(
        found,
        Err(Error::WrongReceiver {
            found: s(&v, "receive_id").into()
        })
    );
}
