//! `/console/programs`: the programs with their rewards, cap and hold, a
//! form to create one and a detail page to edit it. The form builds the
//! same [`ProgramSpec`] the JSON API takes and saves it through the same
//! transaction scripts ([`crate::programs`]), so the compliance guard
//! refuses a pyramid here exactly as it does there; the refusal is shown
//! next to the form, which keeps the operator's values.

use super::{Ctx, Form, Nav, PageError, PageResult, Role, csrf_field, fmt, layout};
use crate::App;
use crate::error::ApiError;
use crate::join::Lang;
use crate::programs::{self, ProgramView};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use pond_core::program::{Basis, ProgramSpec, Qualifying, STAGE_QUALIFIED, Side};
use pond_core::value_audit::{self, Label, ValueAudit};
use serde::Deserialize;
use serde_json::{Value, json};

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
    let mut tx = app.store.read().await?;
    let all = programs::list(&mut tx).await?;
    drop(tx);
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
    let saved = app
        .store
        .write(move |tx| Box::pin(programs::create(tx, spec, now)))
        .await;
    match saved {
        Ok(p) => {
            Ok(Redirect::to(&format!("/console/programs/{}?done=created", p.id)).into_response())
        }
        Err(e) if e.status.is_client_error() => {
            let r = Refusal::from_api(e, Some(&tried));
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
    let saved = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                let current = pond_store::programs::get(tx, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("program"))?;
                programs::update(tx, id, keep_other_lines(&current.spec, sent), now).await
            })
        })
        .await;
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/console/programs/{id}?done=saved")).into_response()),
        Err(e) if e.status.is_client_error() && e.code != "not_found" => {
            // Weigh what the operator tried, so the audit beside the refusal is theirs.
            let mut tx = app.store.read().await?;
            let tried = pond_store::programs::get(&mut tx, id).await?.and_then(|p| {
                let mut merged = serde_json::to_value(&p.spec).ok()?;
                if let (Value::Object(m), Value::Object(patch)) =
                    (&mut merged, keep_other_lines(&p.spec, patch))
                {
                    m.extend(patch);
                }
                serde_json::from_value::<ProgramSpec>(merged).ok()
            });
            drop(tx);
            let r = Refusal::from_api(e, tried.as_ref());
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
    let mut tx = app.store.read().await?;
    let p: ProgramView = programs::get(&mut tx, id)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let trust = crate::trust::program_report(&mut tx, id, app.now()).await?;
    drop(tx);
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

/// The create and edit form's fields, kept as typed so a refused form
/// shows the operator's own values.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct ProgramForm {
    name: String,
    status: String,
    inviter_amount: String,
    inviter_unit: String,
    inviter_basis: String,
    invitee_amount: String,
    invitee_unit: String,
    depth2_amount: String,
    depth2_unit: String,
    cap: String,
    qualifying: String,
    min_amount: String,
    hold_days: String,
    window_days: String,
}

impl Default for ProgramForm {
    fn default() -> Self {
        ProgramForm {
            name: String::new(),
            status: "active".into(),
            inviter_amount: String::new(),
            inviter_unit: "points".into(),
            inviter_basis: "referral".into(),
            invitee_amount: String::new(),
            invitee_unit: "points".into(),
            depth2_amount: String::new(),
            depth2_unit: String::new(),
            cap: "20".into(),
            qualifying: "first_paid_order".into(),
            min_amount: "0".into(),
            hold_days: "14".into(),
            window_days: "30".into(),
        }
    }
}

/// The first direct reward line of a side paid when a referral qualifies:
/// the one line per side the form edits.
fn form_line(spec: &ProgramSpec, side: Side) -> Option<usize> {
    spec.rewards
        .iter()
        .position(|r| r.side == side && r.depth == 1 && r.stage == STAGE_QUALIFIED)
}

impl ProgramForm {
    fn from_spec(s: &ProgramSpec) -> Self {
        let line = |side| form_line(s, side).and_then(|i| s.rewards.get(i));
        let inviter = line(Side::Inviter);
        let invitee = line(Side::Invitee);
        let (qualifying, min_amount) = match &s.qualifying {
            Qualifying::Signup => ("signup", 0),
            Qualifying::FirstPaidOrder { min_amount } => ("first_paid_order", *min_amount),
            Qualifying::Custom { name } => (name.as_str(), 0),
        };
        ProgramForm {
            name: s.name.clone(),
            status: s.status.as_str().into(),
            inviter_amount: inviter.map(|r| r.amount.to_string()).unwrap_or_default(),
            inviter_unit: inviter.map(|r| r.unit.clone()).unwrap_or_default(),
            inviter_basis: "referral".into(),
            invitee_amount: invitee.map(|r| r.amount.to_string()).unwrap_or_default(),
            invitee_unit: invitee.map(|r| r.unit.clone()).unwrap_or_default(),
            depth2_amount: String::new(),
            depth2_unit: String::new(),
            cap: s.inviter_cap.map(|c| c.to_string()).unwrap_or_default(),
            qualifying: qualifying.into(),
            min_amount: min_amount.to_string(),
            hold_days: s.hold_days.to_string(),
            window_days: s.attribution_window_days.to_string(),
        }
    }

    /// The fields as a JSON object of [`ProgramSpec`] fields. Only the
    /// shape of numbers is checked here; every rule is the spec's
    /// validation and the compliance guard's, run when it is saved.
    fn spec_patch(&self, l: Lang) -> Result<Value, Refusal> {
        let number = |field: &'static str, raw: &str| -> Result<Option<i64>, Refusal> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            raw.parse::<i64>().map(Some).map_err(|_| {
                Refusal::new(
                    field,
                    "invalid_number",
                    l.t("请填写整数。", "Give a whole number.").to_string(),
                    None,
                )
            })
        };
        let unit = |u: &str, fallback: &str| {
            let u = u.trim();
            if u.is_empty() {
                fallback.to_string()
            } else {
                u.to_string()
            }
        };
        let mut rewards = Vec::new();
        if let Some(amount) = number("inviter_amount", &self.inviter_amount)? {
            rewards.push(json!({"side": "inviter", "depth": 1, "amount": amount,
                "unit": unit(&self.inviter_unit, "points"),
                "basis": if self.inviter_basis.is_empty() { "referral" } else { self.inviter_basis.as_str() }}));
        }
        if let Some(amount) = number("invitee_amount", &self.invitee_amount)? {
            rewards.push(json!({"side": "invitee", "depth": 1, "amount": amount,
                "unit": unit(&self.invitee_unit, "points")}));
        }
        if let Some(amount) = number("depth2_amount", &self.depth2_amount)? {
            // Sent to the guard as asked: it, not the form, says no.
            rewards.push(json!({"side": "inviter", "depth": 2, "amount": amount,
                "unit": unit(&self.depth2_unit, &unit(&self.inviter_unit, "points"))}));
        }
        let qualifying = match self.qualifying.as_str() {
            "signup" => json!({"type": "signup"}),
            _ => json!({"type": "first_paid_order",
                        "min_amount": number("min_amount", &self.min_amount)?.unwrap_or(0)}),
        };
        let mut spec = json!({
            "name": self.name.trim(),
            "rewards": rewards,
            "inviter_cap": number("cap", &self.cap)?,
            "qualifying": qualifying,
            "hold_days": number("hold_days", &self.hold_days)?.unwrap_or(14),
            "attribution_window_days": number("window_days", &self.window_days)?.unwrap_or(30),
        });
        if !self.status.is_empty()
            && let Value::Object(m) = &mut spec
        {
            m.insert("status".into(), Value::String(self.status.clone()));
        }
        Ok(spec)
    }
}

/// The form edits one direct line per side; the program's other lines
/// (milestones, a second gift) are kept as they are.
fn keep_other_lines(current: &ProgramSpec, mut patch: Value) -> Value {
    let edited = [
        form_line(current, Side::Inviter),
        form_line(current, Side::Invitee),
    ];
    let kept = current
        .rewards
        .iter()
        .enumerate()
        .filter(|(i, _)| !edited.contains(&Some(*i)))
        .filter_map(|(_, r)| serde_json::to_value(r).ok());
    if let Some(Value::Array(lines)) = patch.get_mut("rewards") {
        lines.extend(kept);
    }
    patch
}

/// Why a form was not saved: the field at fault, the rule's code and a
/// sentence in the page's language, with the audit of what was tried.
#[derive(Debug)]
struct Refusal {
    field: String,
    code: String,
    message: String,
    audit: Option<ValueAudit>,
}

impl Refusal {
    fn new(field: &str, code: &str, message: String, tried: Option<&ProgramSpec>) -> Self {
        Refusal {
            field: field.into(),
            code: code.into(),
            message,
            audit: tried.map(|s| value_audit::audit(s, &crate::trust::policy())),
        }
    }

    fn from_api(e: ApiError, tried: Option<&ProgramSpec>) -> Self {
        Refusal::new(
            e.field.as_deref().unwrap_or_default(),
            &e.code,
            e.message,
            tried,
        )
    }

    /// Whether the refusal is about this form field: the field itself, or
    /// the reward line it fills (lines are sent inviter, invitee, depth 2).
    fn about(&self, field: &str, f: &ProgramForm) -> bool {
        if self.field == field {
            return true;
        }
        let present = [
            ("inviter_amount", &f.inviter_amount),
            ("invitee_amount", &f.invitee_amount),
            ("depth2_amount", &f.depth2_amount),
        ];
        let line = present
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .position(|(name, _)| *name == field);
        let spec_field = match field {
            "cap" => "inviter_cap".to_string(),
            "window_days" => "attribution_window_days".to_string(),
            "min_amount" => "qualifying".to_string(),
            _ => match line {
                Some(i) => format!("rewards[{i}]"),
                None => return false,
            },
        };
        self.field.starts_with(&spec_field)
    }
}

/// The compliance guard's criteria in Chinese (its own messages are
/// English with the Chinese legal terms); anything else as the rule said it.
fn reason_text(l: Lang, code: &str, message: &str) -> String {
    let zh = match code {
        "pyramid_indirect_referral" => {
            "拒绝：第二层及更深的奖励是按间接推荐付费（拉人头），违反《禁止传销条例》第七条第（一）项。Pond 只奖励直接推荐。"
        }
        "pyramid_downline_compensation" => {
            "拒绝：奖励不能取决于被邀请人自己的拉新或销售（团队计酬），违反《禁止传销条例》第七条第（三）项。"
        }
        "pyramid_entry_fee" => {
            "拒绝：不能向会员收取推荐资格费用或要求先购买（入门费），违反《禁止传销条例》第七条第（二）项。"
        }
        "uncapped_inviter_rewards" => {
            "请设置邀请人上限：一位邀请人最多因多少次推荐获得奖励（Dropbox 用的是 32）。"
        }
        _ => return message.to_string(),
    };
    match l {
        Lang::Zh => zh.to_string(),
        Lang::En => message.to_string(),
    }
}

fn warning_text(l: Lang, code: &str, message: &str) -> String {
    match (l, code) {
        (Lang::Zh, "one_sided") => {
            "被邀请人什么也得不到：双方都受益，裂变才能持久；单方面的请求会消耗邀请人在朋友那里的信用。".into()
        }
        _ => message.to_string(),
    }
}

fn program_form(
    ctx: &Ctx,
    action: &str,
    f: &ProgramForm,
    refused: Option<&Refusal>,
    edit: bool,
) -> Markup {
    let l = ctx.lang;
    let err = |field: &str| -> Markup {
        html! {
            @if let Some(r) = refused.filter(|r| r.about(field, f)) {
                p.error.field { (reason_text(l, &r.code, &r.message)) }
            }
        }
    };
    let opt = |value: &str, current: &str, label: &str| -> Markup {
        html! { option value=(value) selected[value == current] { (label) } }
    };
    html! {
        @if let Some(r) = refused {
            div.refusal role="alert" {
                p.error { b { (l.t("未保存。", "Not saved. ")) } (reason_text(l, &r.code, &r.message)) }
                p.muted { (l.t("规则：", "Rule: ")) code { (r.code) } @if !r.field.is_empty() { " · " code { (r.field) } } }
                @if let Some(a) = &r.audit {
                    h3 { (l.t("这份设置的价值评估", "Value audit of these settings")) }
                    (audit_block(l, a))
                }
            }
        }
        form.program method="post" action=(action) {
            (csrf_field(ctx))
            label { (l.t("名称", "Name")) input name="name" required value=(f.name); }
            (err("name"))
            @if edit {
                label { (l.t("状态", "State"))
                    select name="status" {
                        @for s in ["draft", "active", "paused", "ended"] { (opt(s, &f.status, status_label(l, s))) }
                    }
                }
            }
            fieldset {
                legend { (l.t("邀请人奖励（直接推荐）", "Inviter reward (direct referral)")) }
                label { (l.t("数量", "Amount")) input name="inviter_amount" inputmode="numeric" value=(f.inviter_amount); }
                label { (l.t("单位", "Unit")) input name="inviter_unit" placeholder="points / yuan / MB / coupon:NAME" value=(f.inviter_unit); }
                label { (l.t("按什么付", "Paid on"))
                    select name="inviter_basis" {
                        (opt("referral", &f.inviter_basis, l.t("朋友达标（直接推荐）", "the friend qualifying (direct referral)")))
                        (opt("invitee_recruiting", &f.inviter_basis, l.t("朋友自己的拉新", "the friend's own recruiting")))
                        (opt("invitee_sales", &f.inviter_basis, l.t("朋友的销售额", "the friend's sales")))
                    }
                }
                (err("inviter_amount"))
            }
            fieldset {
                legend { (l.t("被邀请人奖励", "Invitee reward")) }
                label { (l.t("数量", "Amount")) input name="invitee_amount" inputmode="numeric" value=(f.invitee_amount); }
                label { (l.t("单位", "Unit")) input name="invitee_unit" value=(f.invitee_unit); }
                (err("invitee_amount"))
            }
            fieldset {
                legend { (l.t("第二层邀请人奖励（朋友的朋友）", "Depth-2 inviter reward (a friend's friend)")) }
                p.muted { (l.t("留空。按间接推荐付费会被合规检查拒绝。", "Leave empty: paying on indirect referrals is refused by the compliance guard.")) }
                label { (l.t("数量", "Amount")) input name="depth2_amount" inputmode="numeric" value=(f.depth2_amount); }
                label { (l.t("单位", "Unit")) input name="depth2_unit" value=(f.depth2_unit); }
                (err("depth2_amount"))
            }
            label { (l.t("邀请人上限（最多奖励几次推荐）", "Inviter cap (most referrals rewarded per inviter)"))
                input name="cap" inputmode="numeric" value=(f.cap); }
            (err("cap"))
            label { (l.t("达标条件", "Qualifies on"))
                select name="qualifying" {
                    (opt("first_paid_order", &f.qualifying, l.t("首笔付款订单", "first paid order")))
                    (opt("signup", &f.qualifying, l.t("注册", "signup")))
                }
            }
            label { (l.t("最低订单金额（分）", "Minimum order (minor units, e.g. fen)"))
                input name="min_amount" inputmode="numeric" value=(f.min_amount); }
            (err("min_amount"))
            label { (l.t("冻结天数（退货期）", "Hold days (return window)"))
                input name="hold_days" inputmode="numeric" value=(f.hold_days); }
            (err("hold_days"))
            label { (l.t("归因窗口（天）", "Attribution window (days)"))
                input name="window_days" inputmode="numeric" value=(f.window_days); }
            (err("window_days"))
            button type="submit" { (if edit { l.t("保存", "Save") } else { l.t("创建", "Create") }) }
        }
    }
}

fn audit_block(l: Lang, a: &ValueAudit) -> Markup {
    html! {
        p { (audit_badge(l, a.label)) }
        p.muted {
            (l.t("每次推荐花掉信任 ", "Each referral spends ")) b { (a.trust_spent) }
            (l.t("，奖励赚回 ", " trust; its rewards return ")) b { (a.trust_returned) }
            (l.t("。", "."))
        }
        @if !a.reasons.is_empty() {
            ul.reasons { @for r in &a.reasons { li { (r) } } }
        }
    }
}

fn audit_badge(l: Lang, label: Label) -> Markup {
    match label {
        Label::ValueCreator => html! { span.badge.good { (l.t("创造价值", "value creator")) } },
        Label::ValueExtractor => html! { span.badge.bad { (l.t("榨取价值", "value extractor")) } },
    }
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
