//! The WeCom callback over real HTTP on both backends, with a key and corp
//! id made up for this run (never kept in the repo): URL verification,
//! encrypted contact and group events landing once, and forged or
//! misaddressed messages refused with nothing written.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use pond_server::Config;
use pond_store::testing::TestDb;
use pond_wecom::Crypt;
use rand::RngCore;

pond_store::both_backends!(wecom_callbacks_land_as_events);

const TOKEN: &str = "pondTestToken";

/// A fresh EncodingAESKey: 43 characters of base64 for 32 random bytes.
fn fresh_key() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    STANDARD_NO_PAD.encode(key)
}

/// A callback as WeCom sends it: the query and the XML envelope.
fn signed(crypt: &Crypt, plain: &str, nonce: &str) -> (String, String) {
    let encrypted = crypt.encrypt(plain);
    let ts = jiff::Timestamp::now().as_second().to_string();
    let ts = ts.as_str();
    let sig = crypt.signature(ts, nonce, &encrypted);
    let query = format!("/hooks/wecom?msg_signature={sig}&timestamp={ts}&nonce={nonce}");
    let body = format!(
        "<xml><ToUserName><![CDATA[ww-test]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    );
    (query, body)
}

async fn post(app: &support::TestApp, query: &str, body: String) -> (u16, String) {
    let res = app
        .http
        .post(app.url(query))
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn chat(change: &str, detail: &str, members: &[&str], at: i64) -> String {
    let list: String = members
        .iter()
        .map(|m| format!("<Item>{m}</Item>"))
        .collect();
    format!(
        "<xml><ToUserName><![CDATA[ww-test]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAcwMTB7YmDkbeBsgT_AAAA]]></ChatId>\
         <ChangeType><![CDATA[{change}]]></ChangeType><UpdateDetail><![CDATA[{detail}]]></UpdateDetail>\
         <JoinScene>1</JoinScene><MemChangeCnt>{}</MemChangeCnt><MemChangeList>{list}</MemChangeList></xml>",
        members.len()
    )
}

fn contact(change: &str, customer: &str, state: &str, at: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[ww-test]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>{at}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
         <Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[{change}]]></ChangeType>\
         <UserID><![CDATA[florist1]]></UserID><ExternalUserID><![CDATA[{customer}]]></ExternalUserID>\
         <State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[WELCOME]]></WelcomeCode></xml>"
    )
}

async fn wecom_callbacks_land_as_events(db: TestDb) {
    let key = fresh_key();
    let crypt = Crypt::new(TOKEN, &key, "ww-test").unwrap();
    let config = Config {
        wecom: Some(crypt.clone()),
        ..Config::default()
    };
    let app = support::spawn_with(db, config).await;
    let now = jiff::Timestamp::now().as_second();

    // URL verification: the decrypted echostr comes back as plain text.
    let echo = crypt.encrypt("echo-8472");
    let ts = jiff::Timestamp::now().as_second().to_string();
    let sig = crypt.signature(&ts, "n1", &echo);
    let res = app
        .http
        .get(app.url("/hooks/wecom"))
        .query(&[
            ("msg_signature", sig.as_str()),
            ("timestamp", ts.as_str()),
            ("nonce", "n1"),
            ("echostr", echo.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.text().await.unwrap(), "echo-8472");

    // The same verification signed ten minutes ago: a replay, refused.
    let old = (jiff::Timestamp::now().as_second() - 600).to_string();
    let sig = crypt.signature(&old, "n1", &echo);
    let res = app
        .http
        .get(app.url("/hooks/wecom"))
        .query(&[
            ("msg_signature", sig.as_str()),
            ("timestamp", old.as_str()),
            ("nonce", "n1"),
            ("echostr", echo.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.unwrap().contains("stale_timestamp"));

    // A group is created, two customers join, one leaves.
    for (i, plain) in [
        chat("create", "", &[], now - 300),
        chat("update", "add_member", &["wmCust1", "wmCust2"], now - 200),
        chat("update", "del_member", &["wmCust1"], now - 100),
    ]
    .iter()
    .enumerate()
    {
        let (q, body) = signed(&crypt, plain, &format!("nonce{i}"));
        let (s, text) = post(&app, &q, body.clone()).await;
        assert_eq!((s, text.as_str()), (200, "success"));
        // WeCom retries what it thinks was missed: nothing lands twice.
        assert_eq!(post(&app, &q, body).await.0, 200);
    }
    let (s, groups) = app.get("/api/v1/groups").await;
    assert_eq!(s, 200, "{groups}");
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    let g = &groups[0];
    assert_eq!(g["channel"].as_str(), Some("wecom"), "{g}");
    let id = g["id"].as_i64().unwrap();
    let (_, people) = app.get(&format!("/api/v1/groups/{id}/people")).await;
    let people = people
        .as_array()
        .cloned()
        .unwrap_or_else(|| people["people"].as_array().cloned().unwrap());
    let in_group: Vec<&str> = people
        .iter()
        .filter(|p| p["left_at"].is_null())
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(in_group, ["wmCust2"], "{people:?}");

    // Customers add staff through the counter's live code; one deletes.
    for (i, plain) in [
        contact("add_external_contact", "wo1", "counter", now - 90),
        contact("add_external_contact", "wo2", "counter", now - 80),
        contact("add_external_contact", "wo3", "flyer", now - 70),
        contact("del_follow_user", "wo1", "", now - 60),
    ]
    .iter()
    .enumerate()
    {
        let (q, body) = signed(&crypt, plain, &format!("c{i}"));
        assert_eq!(post(&app, &q, body.clone()).await.0, 200);
        assert_eq!(post(&app, &q, body).await.0, 200);
    }
    let (s, r) = app.get("/api/v1/contacts").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (
            r["added"].as_i64(),
            r["removed"].as_i64(),
            r["net"].as_i64()
        ),
        (Some(3), Some(1), Some(2)),
        "{r}"
    );
    assert_eq!(r["by_state"][0]["state"], "counter", "{r}");
    assert_eq!(
        (
            r["by_state"][0]["added"].as_i64(),
            r["by_state"][0]["removed"].as_i64()
        ),
        (Some(2), Some(1)),
        "{r}"
    );

    // A tampered signature, and a message encrypted for another corp with
    // our own key and token, are refused and leave nothing behind.
    let (q, body) = signed(
        &crypt,
        &contact("add_external_contact", "wo9", "x", now),
        "t1",
    );
    let forged = q.replacen("msg_signature=", "msg_signature=0", 1);
    let (s, e) = post(&app, &forged, body).await;
    assert_eq!(s, 401, "{e}");
    assert!(e.contains("bad_signature"), "{e}");
    let other = Crypt::new(TOKEN, &key, "ww-other").unwrap();
    let (q, body) = signed(
        &other,
        &contact("add_external_contact", "wo9", "x", now),
        "t2",
    );
    assert_eq!(post(&app, &q, body).await.0, 401);
    let (_, r) = app.get("/api/v1/contacts").await;
    assert_eq!(r["added"].as_i64(), Some(3), "{r}");

    let (s, e) = post(
        &app,
        "/hooks/wecom?msg_signature=a&timestamp=1&nonce=2",
        "<xml>".into(),
    )
    .await;
    assert_eq!(s, 400, "{e}");
}

#[tokio::test]
async fn the_hook_is_off_without_settings() {
    let app = support::spawn(TestDb::sqlite()).await;
    let (s, e) = post(
        &app,
        "/hooks/wecom?msg_signature=a&timestamp=1&nonce=2",
        "<xml/>".into(),
    )
    .await;
    assert_eq!(s, 404);
    assert!(e.contains("wecom_not_configured"), "{e}");
}
