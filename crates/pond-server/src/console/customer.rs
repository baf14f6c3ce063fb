//! `GET /me/{token}`: a member's own page, on their phone, without a login.
//! It shows their referral link and QR code for each live program (made on
//! first view), how far they are toward the program's inviter cap, their
//! rewards and their balances.
//!
//! The token is `{member_id}.{mac}`: the mac is the first 32 hex digits of
//! the instance's keyed hash of `me:{member_id}`, so only the shop can mint
//! a link, a link opens one member's page only, and nothing is stored for
//! it. A token that does not check out is a bare 404, which says nothing
//! about whether the member exists.

use super::auth::constant_time_eq;
use super::fmt;
use super::members::qr;
use super::review::reward_status;
use crate::App;
use crate::error::ApiError;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};
use pond_core::reward::RewardStatus;
use serde::Deserialize;

/// Hex digits of the mac kept in a link: 128 bits, short enough to share.
const MAC_LEN: usize = 32;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new().route("/me/{token}", get(page))
}

fn mac(app: &App, member_id: i64) -> String {
    let full = app.hash(&format!("me:{member_id}"));
    full.get(..MAC_LEN).unwrap_or(&full).to_string()
}

/// The private link to a member's customer page.
pub fn customer_link(app: &App, member_id: i64) -> String {
    format!("{}/me/{member_id}.{}", app.public_url, mac(app, member_id))
}

/// The member a token opens, when its mac is right.
fn member_of(app: &App, token: &str) -> Option<i64> {
    let (id, given) = token.split_once('.')?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    constant_time_eq(given.as_bytes(), mac(app, id).as_bytes()).then_some(id)
}

/// `?lang=zh|en`.
#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// One live program's share of the page.
struct Live {
    name: String,
    code: String,
    clicks: i64,
    rewarded: u32,
    cap: Option<u32>,
    gift: String,
}

/// `GET /me/{token}`.
async fn page(
    State(app): State<App>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(id) = member_of(&app, &token) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let now = app.now();
    let mut tx = app.store.read().await?;
    // An erased member's private page is gone with their data.
    let Some(member) = pond_store::members::get(&mut tx, id)
        .await?
        .filter(|m| m.erased_at.is_none())
    else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let live: Vec<_> = pond_store::programs::active(&mut tx)
        .await?
        .into_iter()
        .filter(|p| p.spec.is_open(now))
        .collect();
    let mut missing = Vec::new();
    for p in &live {
        if pond_store::links::of_member(&mut tx, p.id, id)
            .await?
            .is_none()
        {
            missing.push(p.id);
        }
    }
    drop(tx);
    // Links are made on first view through the store call the API uses;
    // later views stay read-only.
    if !missing.is_empty() {
        app.store
            .write(move |tx| {
                Box::pin(async move {
                    for p in missing {
                        pond_store::links::get_or_create(tx, p, id, now).await?;
                    }
                    Ok::<_, ApiError>(())
                })
            })
            .await?;
    }
    let mut tx = app.store.read().await?;
    let mut shown = Vec::with_capacity(live.len());
    for p in live {
        let Some(link) = pond_store::links::of_member(&mut tx, p.id, id).await? else {
            continue;
        };
        shown.push(Live {
            rewarded: pond_store::rewards::inviter_rewarded(&mut tx, p.id, id).await?,
            cap: p.spec.inviter_cap,
            gift: super::programs::rewards_text(&p.spec, pond_core::program::Side::Invitee),
            name: p.spec.name,
            code: link.code,
            clicks: link.clicks,
        });
    }
    let rewards = pond_store::rewards::of_member(&mut tx, id, 50).await?;
    let balances = crate::rewards::balances(&mut tx, id).await?;
    drop(tx);
    let rewards: Vec<_> = rewards
        .into_iter()
        .filter(|r| r.status != RewardStatus::Voided)
        .collect();
    let tz = &app.time_zone;
    let other = match l {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let hello = member.name.as_deref().unwrap_or("");
    let body = html! {
        (DOCTYPE)
        html lang=(l.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (l.t("我的推荐", "My referrals")) " · Pond" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(super::assets::css_url());
            }
            body.me {
                main.me {
                    p.switch { a href=(format!("?lang={}", other.0)) hreflang=(other.0) { (other.1) } }
                    h1 { (l.t("你好", "Hello")) @if !hello.is_empty() { " " (hello) } }
                    @if shown.is_empty() {
                        p.muted { (l.t("现在没有进行中的推荐活动。", "There is no referral program running right now.")) }
                    }
                    @for s in &shown {
                        section.program {
                            h2 { (s.name) }
                            @if s.gift != "–" {
                                p { (l.t("朋友通过你的链接加入可得：", "A friend who joins through your link gets: ")) b { (s.gift) } }
                            }
                            p.muted { (l.t("你的专属链接：", "Your link:")) }
                            p { a.code.mylink href=(crate::redirect::link_url(&app, &s.code)) { (crate::redirect::link_url(&app, &s.code)) } }
                            (qr(&crate::redirect::link_url(&app, &s.code), l))
                            p.muted { (fmt::num(s.clicks)) (l.t(" 次打开", " opens")) }
                            @if let Some(cap) = s.cap {
                                h3 { (l.t("进度", "Progress")) }
                                progress.cap max=(cap) value=(s.rewarded.min(cap)) { (s.rewarded) " / " (cap) }
                                p.progress-text { (s.rewarded) " / " (cap) (l.t(" 位朋友已获奖励", " friends rewarded")) }
                            }
                        }
                    }
                    section {
                        h2 { (l.t("我的余额", "My balance")) }
                        @if balances.is_empty() { p.muted { (l.t("还没有余额。", "Nothing yet.")) } }
                        ul.balances { @for b in &balances { li { b { (fmt::num(b.amount)) } " " (b.unit) } } }
                    }
                    section {
                        h2 { (l.t("我的奖励", "My rewards")) }
                        @if rewards.is_empty() { p.muted { (l.t("还没有奖励。", "No rewards yet.")) } }
                        ul.rewards {
                            @for r in &rewards {
                                li {
                                    b { (fmt::num(r.amount)) " " (r.unit) } " · " (reward_status(l, r.status.as_str()))
                                    @if r.status == RewardStatus::Pending {
                                        " · " small.muted { (l.t("预计发放：", "due ")) (fmt::date(l, tz, r.approve_after)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let mut resp = Html(body.into_string()).into_response();
    let h = resp.headers_mut();
    // The URL is the key to the page: keep it out of caches and referrers.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}
