//! `/console/programs`: the programs with their rewards, cap and hold, a
//! form to create one and a detail page to edit it. The form builds the
//! same [`ProgramSpec`] the JSON API takes and saves it through the same
//! transaction scripts ([`pond_app::programs`]), so the compliance guard
//! refuses a pyramid here exactly as it does there; the refusal is shown
//! next to the form, which keeps the operator's values.

use super::{Ctx, Form, Nav, PageError, PageResult, Role, fmt, layout};
use crate::App;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;
use pond_app::programs::{self, ProgramView};
use pond_core::program::{Basis, ProgramSpec, Qualifying, STAGE_QUALIFIED, Side};
use serde::Deserialize;
use serde_json::Value;

mod form;
use form::{
    ProgramForm, Refusal, audit_badge, audit_block, keep_other_lines, program_form, warning_text,
};

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/programs", get(list).post(create))
        .route("/console/programs/new", get(new_form))
        .route("/console/programs/{id}", get(detail).post(edit))
}

/// `?done=` after a successful save.
#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

/// A numeric id from the path, or a 404 page.
pub(super) fn path_id(raw: &str, lang: Lang) -> PageResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| PageError::not_found(lang))
}

/// `GET /console/programs`.
async fn list(State(app): State<App>, ctx: Ctx) -> PageResult {
    let all = programs::all(&app).await?;
    let l = ctx.lang;
    let body = html! {
        @if ctx.role >= Role::Operator {
            p { a.button href="/console/programs/new" { (l.t("新建推荐计划", "New program")) } }
        }
        @if all.is_empty() {
            p.muted { (l.t("还没有推荐计划。", "No programs yet.")) }
        } @else {
            div.scroll {
                table {
                    thead { tr {
                        th { (l.t("名称", "Name")) }
                        th { (l.t("状态", "State")) }
                        th { (l.t("邀请人奖励", "Inviter reward")) }
                        th { (l.t("被邀请人奖励", "Invitee reward")) }
                        th.num { (l.t("上限", "Cap")) }
                        th.num { (l.t("冻结天数", "Hold days")) }
                        th { (l.t("价值评估", "Value audit")) }
                    } }
                    tbody {
                        @for p in &all {
                            tr {
                                td { a href=(format!("/console/programs/{}", p.id)) { (p.spec.name) } }
                                td { (status_label(l, p.spec.status.as_str())) }
                                td { (rewards_text(&p.spec, Side::Inviter)) }
                                td { (rewards_text(&p.spec, Side::Invitee)) }
                                td.num { (p.spec.inviter_cap.map_or("–".into(), |c| fmt::num(i64::from(c)))) }
                                td.num { (fmt::num(i64::from(p.spec.hold_days))) }
                                td { (audit_badge(l, p.value_audit.label)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(
        &ctx,
        Nav::Programs,
        l.t("推荐计划", "Programs"),
        body,
    ))
}

/// `GET /console/programs/new`.
async fn new_form(ctx: Ctx) -> PageResult {
    Ok(new_page(
        &ctx,
        &ProgramForm::default(),
        None,
        StatusCode::OK,
    ))
}

fn new_page(
    ctx: &Ctx,
    form: &ProgramForm,
    refused: Option<&Refusal>,
    status: StatusCode,
) -> Response {
    let l = ctx.lang;
    let body = html! {
        p { a href="/console/programs" { "← " (l.t("全部推荐计划", "All programs")) } }
        section {
            (program_form(ctx, "/console/programs", form, refused, false))
        }
    };
    let mut page = layout(ctx, Nav::Programs, l.t("新建推荐计划", "New program"), body);
    *page.status_mut() = status;
    page
}

/// `POST /console/programs`: create, or re-show the form with the refusal.
async fn create(State(app): State<App>, f: Form<ProgramForm>) -> PageResult {
    f.ctx.require(Role::Operator)?;
    let (ctx, form) = (f.ctx, f.form);
    let l = ctx.lang;
    let attempt = match form.spec_patch(l) {
        Ok(patch) => patch,
        Err(r) => {
            return Ok(new_page(
                &ctx,
                &form,
                Some(&r),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let spec = match serde_json::from_value::<ProgramSpec>(attempt) {
        Ok(s) => s,
        Err(e) => {
            let r = Refusal::new("", "invalid_body", e.to_string(), None);
            return Ok(new_page(
                &ctx,
                &form,
                Some(&r),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let now = app.now();
    let tried = spec.clone();
    let saved = programs::add(&app, spec, now).await;
    match saved {
        Ok(p) => {
            Ok(Redirect::to(&format!("/console/programs/{}?done=created", p.id)).into_response())
        }
        Err(e) if e.is_refusal() => {
            let r = Refusal::from_api(e.into(), Some(&tried));
            Ok(new_page(
                &ctx,
                &form,
                Some(&r),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(PageError::from(e).lang(l)),
    }
}

/// `GET /console/programs/{id}`.
async fn detail(
    State(app): State<App>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let id = path_id(&raw, ctx.lang)?;
    let done = q.done.as_deref().map(|d| match d {
        "created" => ctx.t("推荐计划已创建。", "Program created."),
        _ => ctx.t("已保存。", "Saved."),
    });
    detail_page(&app, &ctx, id, None, None, done, StatusCode::OK).await
}

/// `POST /console/programs/{id}`: save the edit, or re-show it refused.
async fn edit(State(app): State<App>, Path(raw): Path<String>, f: Form<ProgramForm>) -> PageResult {
    f.ctx.require(Role::Operator)?;
    let (ctx, form) = (f.ctx, f.form);
    let l = ctx.lang;
    let id = path_id(&raw, l)?;
    let patch = match form.spec_patch(l) {
        Ok(p) => p,
        Err(r) => {
            return detail_page(
                &app,
                &ctx,
                id,
                Some(&form),
                Some(&r),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let now = app.now();
    let sent = patch.clone();
    let saved = programs::update_from(
        &app,
        id,
        move |current| keep_other_lines(current, sent),
        now,
    )
    .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/console/programs/{id}?done=saved")).into_response()),
        Err(e) if e.is_refusal() && e.code() != "not_found" => {
            // Weigh what the operator tried, so the audit beside the refusal is theirs.
            let tried = Some(programs::one(&app, id).await?).and_then(|p| {
                let mut merged = serde_json::to_value(&p.spec).ok()?;
                if let (Value::Object(m), Value::Object(patch)) =
                    (&mut merged, keep_other_lines(&p.spec, patch))
                {
                    m.extend(patch);
                }
                serde_json::from_value::<ProgramSpec>(merged).ok()
            });
            let r = Refusal::from_api(e.into(), tried.as_ref());
            detail_page(
                &app,
                &ctx,
                id,
                Some(&form),
                Some(&r),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(PageError::from(e).lang(l)),
    }
}

/// The detail page, with the edit form holding `form` (or the program's
/// own values) and a refusal beside it when there is one.
async fn detail_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    form: Option<&ProgramForm>,
    refused: Option<&Refusal>,
    done: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let l = ctx.lang;
    let p: ProgramView = programs::one(app, id)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let now = app.now();
    let trust = app
        .read(move |tx| Box::pin(pond_app::trust::program_report(tx, id, now)))
        .await?;
    let own = ProgramForm::from_spec(&p.spec);
    let form = form.unwrap_or(&own);
    let s = &p.spec;
    let body = html! {
        p { a href="/console/programs" { "← " (l.t("全部推荐计划", "All programs")) } }
        @if let Some(d) = done { p.ok { (d) } }
        div.two {
            section {
                h2 { (l.t("设置", "Settings")) }
                dl.facts {
                    dt { (l.t("状态", "State")) } dd { (status_label(l, s.status.as_str())) }
                    dt { (l.t("邀请人奖励", "Inviter reward")) } dd { (rewards_text(s, Side::Inviter)) }
                    dt { (l.t("被邀请人奖励", "Invitee reward")) } dd { (rewards_text(s, Side::Invitee)) }
                    dt { (l.t("邀请人上限", "Inviter cap")) } dd { (s.inviter_cap.map_or("–".into(), |c| fmt::num(i64::from(c)))) }
                    dt { (l.t("达标条件", "Qualifies on")) } dd { (qualifying_text(l, &s.qualifying)) }
                    dt { (l.t("冻结期", "Hold")) } dd { (s.hold_days) (l.t(" 天", " days")) }
                    dt { (l.t("归因窗口", "Attribution window")) } dd { (s.attribution_window_days) (l.t(" 天", " days")) }
                    dt { (l.t("更新于", "Updated")) } dd { (p.updated_at.parse::<jiff::Timestamp>().map(|t| fmt::datetime(l, &ctx.tz, t)).unwrap_or_default()) }
                }
                @for w in &p.warnings {
                    p.notice { (warning_text(l, &w.code, &w.message)) }
                }
            }
            section {
                h2 { (l.t("价值评估", "Value audit")) }
                (audit_block(l, &p.value_audit))
            }
        }
        section {
            h2 { (l.t("信任账目", "Trust report")) }
            dl.facts {
                dt { (l.t("被请求的会员", "Members asked")) } dd { (fmt::num(trust.members_asked)) }
                dt { (l.t("请求花掉的信任", "Trust spent on asks")) } dd { (fmt::num(trust.trust_spent)) }
                dt { (l.t("因反感失去的信任", "Lost to reactions")) } dd { (fmt::num(trust.trust_lost_to_reactions)) }
                dt { (l.t("奖励赚回的信任", "Returned by rewards")) } dd { (fmt::num(trust.trust_returned)) }
                dt { (l.t("结余", "Balance")) } dd { b { (fmt::num(trust.balance)) } }
                dt { (l.t("信任透支的会员", "Members worn out")) } dd { (fmt::num(trust.members_under_threshold.len() as i64)) }
            }
            @if !trust.delivered.is_empty() {
                ul.states {
                    @for d in &trust.delivered {
                        li { (side_label(l, &d.side)) ": " (fmt::num(d.rewards)) (l.t(" 笔，共 ", " rewards, ")) (fmt::num(d.amount)) " " (d.unit) }
                    }
                }
            }
        }
        section {
            h2 { (l.t("修改", "Edit")) }
            @if ctx.role >= Role::Operator {
                (program_form(ctx, &format!("/console/programs/{id}"), form, refused, true))
            } @else {
                p.muted { (l.t("只读账号不能修改推荐计划。", "A viewer account cannot change programs.")) }
            }
        }
    };
    let mut page = layout(ctx, Nav::Programs, &p.spec.name, body);
    *page.status_mut() = status;
    Ok(page)
}

/// A program state's name in the page's language.
pub(super) fn status_label(l: Lang, s: &str) -> &'static str {
    match s {
        "draft" => l.t("草稿", "draft"),
        "active" => l.t("进行中", "active"),
        "paused" => l.t("已暂停", "paused"),
        "ended" => l.t("已结束", "ended"),
        _ => l.t("未知", "unknown"),
    }
}

/// A side's name in the page's language.
pub(super) fn side_label(l: Lang, side: &str) -> &'static str {
    match side {
        "inviter" => l.t("邀请人", "inviter"),
        _ => l.t("被邀请人", "invitee"),
    }
}

/// What one side gets, as "500 MB + 1 coupon:bouquet" ("–" for nothing).
pub(super) fn rewards_text(spec: &ProgramSpec, side: Side) -> String {
    let parts: Vec<String> = spec
        .rewards
        .iter()
        .filter(|r| r.side == side)
        .map(|r| match (r.stage.as_str(), r.basis) {
            (STAGE_QUALIFIED, Basis::Referral) => format!("{} {}", r.amount, r.unit),
            (stage, _) => format!("{} {} ({stage})", r.amount, r.unit),
        })
        .collect();
    if parts.is_empty() {
        "–".into()
    } else {
        parts.join(" + ")
    }
}

fn qualifying_text(l: Lang, q: &Qualifying) -> String {
    match q {
        Qualifying::Signup => l.t("注册", "signup").into(),
        Qualifying::FirstPaidOrder { min_amount } => format!(
            "{} ≥ {}",
            l.t("首笔付款订单", "first paid order"),
            fmt::num(*min_amount)
        ),
        Qualifying::Custom { name } => format!("{} `{name}`", l.t("自定义事件", "custom event")),
    }
}
