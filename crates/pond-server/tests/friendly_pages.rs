//! Customers never see JSON: a stale `/r/`, `/j/`, `/me/` or poster link
//! answers a small page in the visitor's language, in a real Chromium at
//! phone width; the shop's systems that ask for JSON still get it. The
//! public pages carry the console's framing rules and a CSP.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use fantoccini::Locator;
use pond_store::testing::TestDb;

#[tokio::test]
async fn an_unknown_link_shows_a_friendly_page_in_zh_and_en() {
    let app = support::spawn(TestDb::sqlite()).await;
    let Some(b) = support::browser::open(375).await else {
        return;
    };
    let c = &b.client;
    for (path, h1, todo) in [
        (
            "/r/NOSUCHCODE",
            "This link no longer works",
            "Ask the shop for a new link",
        ),
        (
            "/r/NOSUCHCODE?lang=zh",
            "这个链接已失效",
            "请向店家要一个新的链接",
        ),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        let title = c
            .find(Locator::Id("problem"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(title, h1, "{path}");
        let next = c
            .find(Locator::Id("todo"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(next.contains(todo), "{path}: {next}");
        let body = c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!body.contains('{'), "no JSON on the page: {body}");
        assert!(
            !support::browser::overflows(&b).await,
            "{path} overflows 375 px"
        );
        let csp: Vec<String> = support::browser::console_errors(&b)
            .await
            .into_iter()
            .filter(|e| e.contains("Content Security Policy"))
            .collect();
        assert!(csp.is_empty(), "{csp:?}");
        let name = if path.contains("zh") {
            "not-found-zh"
        } else {
            "not-found-en"
        };
        support::browser::screenshot(&b, name).await;
    }
}

#[tokio::test]
async fn every_public_door_answers_a_page_unless_json_is_asked_for() {
    let app = support::spawn(TestDb::sqlite()).await;
    let http = reqwest::Client::new();
    for path in [
        "/r/NOSUCHCODE",
        "/r/NOSUCHCODE/poster.png",
        "/r/NOSUCHCODE/qr.png",
        "/j/nosuch",
        "/me/1.0000",
    ] {
        let r = http
            .get(app.url(path))
            .header("accept-language", "zh-CN,zh;q=0.9")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let kind = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("这个链接已失效"), "{path}: {page}");

        let r = http
            .get(app.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        if path != "/me/1.0000" {
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], "not_found", "{path}");
        }
    }
    for path in ["/join", "/j/nosuch", "/privacy"] {
        let r = http.get(app.url(path)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
    }
    // The console's pages are never cached: some show a secret once.
    let r = http.get(app.url("/console/login")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
}
