//! `/console/review`: referrals the fraud rules flagged, with who invited
//! whom, when and why; approve or reject each through the same transaction
//! script as the API ([`pond_app::referrals::review`]), so approval releases
//! rewards whose hold has passed and rejection voids the pending ones.
//! Recent decisions are listed under the queue.

use super::programs::{path_id, side_label};
use super::{Ctx, Form, Nav, PageError, PageResult, Role, csrf_field, fmt, layout};
use crate::App;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use pond_core::fraud::Reason;
use pond_core::referral::Review;
use pond_store::Tx;
use pond_store::referrals::{Filter, Referral};
use pond_store::rewards::Reward;
use serde::Deserialize;
use std::collections::HashMap;

/// How many flagged referrals the page shows at once.
const QUEUE: i64 = 100;
/// How many recent decisions it shows.
const RECENT: i64 = 20;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/review", get(page))
        .route("/console/review/{id}/approve", post(approve))
        .route("/console/review/{id}/reject", post(reject))
}

/// `?done=approved|rejected` after a decision.
#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

/// A referral with the names the page shows beside it.
struct Row {
    r: Referral,
    program: String,
    inviter: String,
    invitee: String,
    rewards: Vec<Reward>,
}

async fn rows(
    tx: &mut Tx,
    found: Vec<Referral>,
    names: &HashMap<i64, String>,
) -> PageResult<Vec<Row>> {
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.push(Row {
            program: names
                .get(&r.program_id)
                .cloned()
                .unwrap_or_else(|| format!("#{}", r.program_id)),
            inviter: member_name(tx, r.inviter_id).await?,
            invitee: member_name(tx, r.invitee_id).await?,
            rewards: pond_store::rewards::of_referral(tx, r.id).await?,
            r,
        });
    }
    Ok(out)
}

/// A member's name, or `#id` when they gave none.
pub(super) async fn member_name(tx: &mut Tx, id: i64) -> PageResult<String> {
    Ok(pond_store::members::get(tx, id)
        .await?
        .and_then(|m| m.name)
        .unwrap_or_else(|| format!("#{id}")))
}

/// `GET /console/review`.
async fn page(State(app): State<App>, ctx: Ctx, Query(q): Query<Done>) -> PageResult {
    let mut tx = app.store.read().await?;
    let names: HashMap<i64, String> = pond_store::programs::list(&mut tx)
        .await?
        .into_iter()
        .map(|p| (p.id, p.spec.name))
        .collect();
    let filter = Filter {
        review: Some(Review::Flagged),
        limit: QUEUE,
        ..Filter::default()
    };
    let flagged = pond_store::referrals::list(&mut tx, &filter).await?;
    let flagged = rows(&mut tx, flagged, &names).await?;
    let recent = pond_store::referrals::reviewed(&mut tx, RECENT).await?;
    let recent = rows(&mut tx, recent, &names).await?;
    drop(tx);
    let l = ctx.lang;
    let operator = ctx.role >= Role::Operator;
    let body = html! {
        @match q.done.as_deref() {
            Some("approved") => p.ok { (l.t("已批准，奖励继续发放。", "Approved: its rewards proceed.")) },
            Some("rejected") => p.ok { (l.t("已拒绝，待发奖励已作废。", "Rejected: its pending rewards are voided.")) },
            _ => {},
        }
        p.muted { (l.t(
            "这些推荐触发了防作弊规则，奖励会冻结到你决定为止。",
            "These referrals tripped a fraud rule; their rewards wait for your decision."
        )) }
        @if flagged.is_empty() {
            p.empty { (l.t("没有待审的推荐。", "Nothing is waiting for review.")) }
        }
        @for row in &flagged {
            section.flag id=(format!("referral-{}", row.r.id)) {
                p {
                    (who(&row.inviter, row.r.inviter_id)) " → " (who(&row.invitee, row.r.invitee_id))
                }
                p.muted { (row.program) " · " (fmt::datetime(l, &ctx.tz, row.r.attributed_at)) " · #" (row.r.id) }
                ul.reasons {
                    @for reason in &row.r.reasons { li { (reason_label(l, *reason)) } }
                }
                (rewards_line(l, &row.rewards))
                @if operator {
                    form.decide method="post" action=(format!("/console/review/{}/approve", row.r.id)) {
                        (csrf_field(&ctx))
                        label { (l.t("备注（可选）", "Note (optional)")) input name="note" maxlength="1000"; }
                        button type="submit" name="decision" value="approve" { (l.t("批准", "Approve")) }
                        " "
                        button.danger type="submit" name="decision" value="reject"
                            formaction=(format!("/console/review/{}/reject", row.r.id)) { (l.t("拒绝", "Reject")) }
                    }
                }
            }
        }
        h2 { (l.t("最近的决定", "Recent decisions")) }
        @if recent.is_empty() {
            p.muted { (l.t("还没有。", "None yet.")) }
        } @else {
            div.scroll {
                table.recent {
                    thead { tr {
                        th { (l.t("推荐", "Referral")) }
                        th { (l.t("决定", "Decision")) }
                        th { (l.t("时间", "When")) }
                        th { (l.t("备注", "Note")) }
                    } }
                    tbody {
                        @for row in &recent {
                            tr {
                                td { (who(&row.inviter, row.r.inviter_id)) " → " (who(&row.invitee, row.r.invitee_id)) br; small.muted { (row.program) } }
                                td { (decision_label(l, row.r.review)) }
                                td { (row.r.reviewed_at.map(|t| fmt::datetime(l, &ctx.tz, t)).unwrap_or_default()) }
                                td { (row.r.review_note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&ctx, Nav::Review, l.t("待审推荐", "Review"), body))
}

/// The note sent with a decision.
#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    note: Option<String>,
}

/// `POST /console/review/{id}/approve`.
async fn approve(
    State(app): State<App>,
    Path(raw): Path<String>,
    f: Form<DecisionForm>,
) -> PageResult {
    decide(app, &raw, f, Review::Approved).await
}

/// `POST /console/review/{id}/reject`.
async fn reject(
    State(app): State<App>,
    Path(raw): Path<String>,
    f: Form<DecisionForm>,
) -> PageResult {
    decide(app, &raw, f, Review::Rejected).await
}

async fn decide(app: App, raw: &str, f: Form<DecisionForm>, decision: Review) -> PageResult {
    f.ctx.require(Role::Operator)?;
    let l = f.ctx.lang;
    let id = path_id(raw, l)?;
    let note = f
        .form
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let now = app.now();
    app.store
        .write(move |tx| {
            Box::pin(async move {
                pond_app::referrals::review(tx, id, decision, note.as_deref(), now).await
            })
        })
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    Ok(Redirect::to(&format!("/console/review?done={}", decision.as_str())).into_response())
}

fn who(name: &str, id: i64) -> Markup {
    html! { a href=(format!("/console/members/{id}")) { (name) } }
}

fn rewards_line(l: Lang, rewards: &[Reward]) -> Markup {
    html! {
        @if rewards.is_empty() {
            p.muted { (l.t("尚未达标，还没有奖励。", "Not qualified yet: no rewards.")) }
        } @else {
            p.muted {
                (l.t("奖励：", "Rewards: "))
                @for (i, r) in rewards.iter().enumerate() {
                    @if i > 0 { "; " }
                    (side_label(l, r.side.as_str())) " " (r.amount) " " (r.unit) " (" (reward_status(l, r.status.as_str())) ")"
                }
            }
        }
    }
}

/// A reward status in the page's language.
pub(super) fn reward_status(l: Lang, s: &str) -> &'static str {
    match s {
        "pending" => l.t("冻结中", "pending"),
        "approved" => l.t("已发放", "approved"),
        "voided" => l.t("已作废", "voided"),
        _ => l.t("未知", "unknown"),
    }
}

fn decision_label(l: Lang, r: Review) -> &'static str {
    match r {
        Review::Approved => l.t("已批准", "approved"),
        Review::Rejected => l.t("已拒绝", "rejected"),
        Review::Flagged => l.t("待审", "flagged"),
        Review::Clear => l.t("无异常", "clear"),
    }
}

/// A fraud rule's finding in the page's language.
pub(super) fn reason_label(l: Lang, r: Reason) -> &'static str {
    match r {
        Reason::SharedIdentity => l.t(
            "与邀请人共用身份（手机号、邮箱或微信）",
            "shares an identity (phone, email, WeChat) with the inviter",
        ),
        Reason::SameDevice => l.t("与邀请人使用同一设备", "signed up on the inviter's device"),
        Reason::SameIp => l.t("与邀请人来自同一 IP", "signed up from the inviter's IP"),
        Reason::ExistingCustomer => l.t("本来就是老顾客", "was already a customer"),
        Reason::IpBurst => l.t(
            "同一 IP 短时间内推荐过多",
            "too many referrals from one IP in a short time",
        ),
        Reason::ClosedLoop => l.t(
            "互相推荐（闭环）",
            "closed loop: the invitee is upstream of the inviter",
        ),
    }
}
