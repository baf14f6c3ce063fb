//! `/console/complaints`: complaints caught in groups, worked as an inbox
//! (acknowledge, resolve), and the operator notices still open.
//!
//! Acknowledging and resolving go through the same store calls as
//! `POST /api/v1/alerts/{id}/acknowledge|resolve`, so the API, the
//! console and the metrics they feed agree on what a state means.

use super::auth::Role;
use super::{Ctx, Form, Nav, PageError, PageResult, csrf_field, fmt, layout};
use crate::App;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use pond_store::StoreError;
use serde::Deserialize;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/complaints", get(inbox))
        .route(
            "/console/complaints/{id}/acknowledge",
            post(|s: State<App>, p: Path<String>, f: Form<Back>| decide(s, p, f, "acknowledged")),
        )
        .route(
            "/console/complaints/{id}/resolve",
            post(|s: State<App>, p: Path<String>, f: Form<Back>| decide(s, p, f, "resolved")),
        )
        .route(
            "/console/complaints/notices/{id}/resolve",
            post(resolve_notice),
        )
}

const FILTERS: [&str; 4] = ["open", "acknowledged", "resolved", "all"];

/// A complaint state's name in the page's language.
pub fn state_name(l: Lang, state: &str) -> &'static str {
    match state {
        "open" => l.t("未处理", "open"),
        "acknowledged" => l.t("处理中", "acknowledged"),
        "resolved" => l.t("已解决", "resolved"),
        "all" => l.t("全部", "all"),
        _ => l.t("未知", "unknown"),
    }
}

/// `?state=open|acknowledged|resolved|all`.
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    state: Option<String>,
}

/// How many complaints a page lists; the newest first.
const PAGE: i64 = 200;

/// `GET /console/complaints`.
pub async fn inbox(State(app): State<App>, ctx: Ctx, Query(q): Query<InboxQuery>) -> PageResult {
    let l = ctx.lang;
    let filter = q
        .state
        .filter(|s| FILTERS.contains(&s.as_str()))
        .unwrap_or_else(|| "open".into());
    let state = (filter != "all").then_some(filter.as_str());
    let mut tx = app.store.read().await.map_err(|e| err(e, l))?;
    let alerts = pond_store::alerts::list(&mut tx, state, PAGE)
        .await
        .map_err(|e| err(e, l))?;
    let notices = pond_store::notices::list(&mut tx, Some("open"), PAGE)
        .await
        .map_err(|e| err(e, l))?;
    drop(tx);
    let can_act = ctx.role >= Role::Operator;
    let body = html! {
        p.periods {
            @for f in FILTERS {
                a href=(format!("/console/complaints?state={f}")) class=[(f == filter).then_some("on")] { (state_name(l, f)) }
            }
        }
        section {
            h2 { (l.t("群内投诉", "Complaints in groups")) " " span.muted { "(" (fmt::num(alerts.len() as i64)) ")" } }
            @if alerts.is_empty() {
                p.muted { (l.t("这里没有投诉。", "Nothing here.")) }
            }
            ul.inbox {
                @for a in &alerts {
                    li.complaint id=(format!("complaint-{}", a.id)) {
                        p.meta {
                            a href=(format!("/console/groups/{}", a.group_id)) { b { (a.group_name) } }
                            " · " (a.sender.as_deref().unwrap_or("–"))
                            " · " (fmt::datetime_ms(l, &ctx.tz, a.event_at))
                        }
                        blockquote { (a.text) }
                        p.meta {
                            span class=(format!("alert {}", a.state)) { (state_name(l, &a.state)) }
                            " · " (l.t("投诉分", "score")) " " (format!("{:.2}", a.score))
                            " · " (l.t("群内可见 ", "seen by ")) (fmt::num(a.audience)) (l.t(" 人", " members"))
                        }
                        @if can_act && a.state != "resolved" {
                            div.actions {
                                @if a.state == "open" {
                                    form.inline method="post" action=(format!("/console/complaints/{}/acknowledge", a.id)) {
                                        (csrf_field(&ctx))
                                        input type="hidden" name="back" value=(filter);
                                        button.secondary type="submit" { (l.t("认领", "Acknowledge")) }
                                    }
                                }
                                form.inline method="post" action=(format!("/console/complaints/{}/resolve", a.id)) {
                                    (csrf_field(&ctx))
                                    input type="hidden" name="back" value=(filter);
                                    button type="submit" { (l.t("已解决", "Resolve")) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { (l.t("系统提醒", "Operator notices")) " " span.muted { "(" (fmt::num(notices.len() as i64)) ")" } }
            @if notices.is_empty() {
                p.muted { (l.t("没有未处理的提醒。", "No open notices.")) }
            }
            ul.inbox {
                @for n in &notices {
                    li.notice-item id=(format!("notice-{}", n.id)) {
                        p.meta { b { (n.kind) } " · " (n.subject) " · " (fmt::datetime_ms(l, &ctx.tz, n.created_at)) }
                        p.notice { (n.message) }
                        @if can_act {
                            form.inline method="post" action=(format!("/console/complaints/notices/{}/resolve", n.id)) {
                                (csrf_field(&ctx))
                                input type="hidden" name="back" value=(filter);
                                button type="submit" { (l.t("已处理", "Resolve")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &ctx,
        Nav::Complaints,
        l.t("投诉", "Complaints"),
        body,
    ))
}

/// The inbox filter to return to after a change.
#[derive(Debug, Deserialize)]
pub struct Back {
    back: Option<String>,
}

impl Back {
    fn url(&self) -> String {
        let f = self
            .back
            .as_deref()
            .filter(|b| FILTERS.contains(b))
            .unwrap_or("open");
        format!("/console/complaints?state={f}")
    }
}

fn err(e: StoreError, l: Lang) -> PageError {
    PageError::from(e).lang(l)
}

/// `POST /console/complaints/{id}/acknowledge|resolve` (operator).
async fn decide(
    State(app): State<App>,
    Path(id): Path<String>,
    f: Form<Back>,
    state: &'static str,
) -> PageResult<Response> {
    f.ctx.require(Role::Operator)?;
    let l = f.ctx.lang;
    let id: i64 = id.parse().map_err(|_| PageError::not_found(l))?;
    let now = app.now();
    let found = app
        .store
        .write(move |tx| Box::pin(pond_store::alerts::set_state(tx, id, state, now)))
        .await
        .map_err(|e| err(e, l))?;
    if !found {
        return Err(PageError::not_found(l));
    }
    tracing::info!(alert = id, state, by = %f.ctx.user.username, "alert decided in the console");
    Ok(Redirect::to(&f.form.url()).into_response())
}

/// `POST /console/complaints/notices/{id}/resolve` (operator).
async fn resolve_notice(
    State(app): State<App>,
    Path(id): Path<String>,
    f: Form<Back>,
) -> PageResult<Response> {
    f.ctx.require(Role::Operator)?;
    let l = f.ctx.lang;
    let id: i64 = id.parse().map_err(|_| PageError::not_found(l))?;
    let now = app.now();
    let open = app
        .store
        .write(move |tx| Box::pin(pond_store::notices::resolve(tx, id, now)))
        .await
        .map_err(|e| err(e, l))?;
    if !open {
        // Already resolved (a double click) is not an error worth a page.
        let exists = {
            let mut tx = app.store.read().await.map_err(|e| err(e, l))?;
            pond_store::notices::get(&mut tx, id)
                .await
                .map_err(|e| err(e, l))?
                .is_some()
        };
        if !exists {
            return Err(PageError::new(
                StatusCode::NOT_FOUND,
                l.t("没有这条提醒。", "No such notice."),
            )
            .lang(l));
        }
    }
    Ok(Redirect::to(&f.form.url()).into_response())
}
