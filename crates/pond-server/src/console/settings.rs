//! Settings: the shop's time zone, the group lifecycle thresholds, API
//! tokens, webhook endpoints and console accounts. Everyone may look;
//! only an owner may change anything here.

use super::auth::{self, Role};
use super::{Ctx, Form, Nav, NoFields, PageError, PageResult, csrf_field, fmt, layout};
use crate::App;
use crate::webhooks::EventType;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use pond_community::lifecycle::Thresholds;
use pond_store::{Store, StoreError};
use serde::Deserialize;

/// The instance setting holding thresholds saved from this page (JSON).
const LIFECYCLE: &str = "lifecycle";

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/settings", get(page))
        .route("/console/settings/lifecycle", post(save_lifecycle))
        .route("/console/settings/tokens", post(create_token))
        .route("/console/settings/tokens/{id}/revoke", post(revoke_token))
        .route("/console/settings/webhooks", post(add_webhook))
        .route(
            "/console/settings/webhooks/{id}/{action}",
            post(webhook_state),
        )
        .route("/console/settings/users", post(add_user))
        .route("/console/settings/users/{id}/{action}", post(user_state))
}

/// Thresholds saved from the console, if any: they win over the config.
pub async fn saved_lifecycle(store: &Store) -> Result<Option<Thresholds>, StoreError> {
    let mut tx = store.read().await?;
    let saved = pond_store::instance::get(&mut tx, LIFECYCLE).await?;
    Ok(saved.and_then(|s| serde_json::from_str(&s).ok()))
}

/// `?done=...` after a change.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /console/settings`.
pub async fn page(State(app): State<App>, ctx: Ctx, Query(q): Query<Done>) -> PageResult {
    let flash = q
        .done
        .map(|_| html! { p.ok role="status" { (ctx.t("已保存。", "Saved.")) } });
    render(&app, &ctx, flash, StatusCode::OK).await
}

/// The page, with a message on top (a secret shown once, an error).
async fn render(app: &App, ctx: &Ctx, flash: Option<Markup>, status: StatusCode) -> PageResult {
    let l = ctx.lang;
    let owner = ctx.role >= Role::Owner;
    let mut tx = app.store.read().await?;
    let tokens = pond_store::tokens::list(&mut tx).await?;
    let endpoints = pond_store::webhooks::endpoints(&mut tx).await?;
    let users = pond_store::users::list(&mut tx).await?;
    let fixed = pond_store::instance::get(&mut tx, crate::community::TIME_ZONE).await?;
    drop(tx);
    let t = app.lifecycle();
    let tz_name = app.time_zone.iana_name().unwrap_or("UTC").to_string();
    let body = html! {
        @if let Some(f) = flash { (f) }
        @if !owner { p.muted { (l.t("只有店主可以修改设置。", "Only an owner can change settings.")) } }
        section {
            h2 { (l.t("时区", "Time zone")) }
            p { b { (tz_name) } " · " (l.t("现在：", "now: ")) (fmt::datetime(l, &ctx.tz, app.now())) }
            p.muted { @if fixed.is_some() {
                (l.t("第一批聊天数据已按此时区存为每日汇总，因此不能再更改（否则历史会错位）。",
                     "The first chat data fixed it: day rollups are kept in this zone, so it cannot change without shifting history."))
            } @else {
                (l.t("尚未固定：用 `pond serve --time-zone Asia/Shanghai` 启动即可设定；第一批聊天数据会固定它。",
                     "Not fixed yet: start with `pond serve --time-zone Asia/Shanghai` to set it; the first chat data fixes it."))
            } }
        }
        section {
            h2 { (l.t("社群生命周期阈值", "Group lifecycle thresholds")) }
            form method="post" action="/console/settings/lifecycle" {
                (csrf_field(ctx))
                label { (l.t("新群期（天）", "New for (days)")) input name="new_for_days" inputmode="numeric" value=(t.new_for_days) disabled[!owner]; }
                label { (l.t("多少天无人发言算沉寂", "Dormant after silent days")) input name="dormant_after_days" inputmode="numeric" value=(t.dormant_after_days) disabled[!owner]; }
                label { (l.t("多少天无人发言算死亡", "Dead after silent days")) input name="dead_after_days" inputmode="numeric" value=(t.dead_after_days) disabled[!owner]; }
                label { (l.t("衰退比例（近 7 天发言人数 / 周均）", "Declining ratio (last 7 days' posters / weekly average)")) input name="declining_ratio" inputmode="decimal" value=(t.declining_ratio) disabled[!owner]; }
                label { (l.t("基线周数", "Baseline weeks")) input name="baseline_weeks" inputmode="numeric" value=(t.baseline_weeks) disabled[!owner]; }
                @if owner { button type="submit" { (l.t("保存", "Save")) } }
            }
        }
        section {
            h2 { (l.t("API 令牌", "API tokens")) }
            div.scroll { table {
                tr { th { "#" } th { (l.t("名称", "Name")) } th { (l.t("创建", "Created")) } th { (l.t("状态", "State")) } th {} }
                @for tok in &tokens {
                    tr {
                        td { (tok.id) } td { (tok.name) } td { (fmt::date(l, &ctx.tz, tok.created_at)) }
                        td { @if tok.revoked_at.is_some() { (l.t("已吊销", "revoked")) } @else { (l.t("有效", "live")) } }
                        td { @if owner && tok.revoked_at.is_none() {
                            form.inline method="post" action=(format!("/console/settings/tokens/{}/revoke", tok.id)) {
                                (csrf_field(ctx)) button.secondary type="submit" { (l.t("吊销", "Revoke")) } }
                        } }
                    }
                }
            } }
            @if owner {
                form method="post" action="/console/settings/tokens" {
                    (csrf_field(ctx))
                    label { (l.t("新令牌名称（如 收银系统）", "New token's name (e.g. pos)")) input name="name" required maxlength="100"; }
                    button type="submit" { (l.t("创建令牌", "Create token")) }
                }
            }
        }
        section {
            h2 { "Webhooks" }
            div.scroll { table {
                tr { th { "#" } th { "URL" } th { (l.t("事件", "Events")) } th { (l.t("状态", "State")) } th {} }
                @for e in &endpoints {
                    tr {
                        td { (e.id) } td.code { (e.url) } td { (e.events.replace(',', ", ")) } td { (e.state) }
                        td { @if owner {
                            @let action = if e.state == "active" { "disable" } else { "enable" };
                            form.inline method="post" action=(format!("/console/settings/webhooks/{}/{action}", e.id)) {
                                (csrf_field(ctx)) button.secondary type="submit" { @if action == "disable" { (l.t("停用", "Disable")) } @else { (l.t("启用", "Enable")) } } }
                        } }
                    }
                }
            } }
            @if owner {
                form method="post" action="/console/settings/webhooks" {
                    (csrf_field(ctx))
                    label { (l.t("接收地址（http 或 https）", "Endpoint URL (http or https)")) input name="url" type="url" required; }
                    fieldset {
                        legend { (l.t("事件", "Events")) }
                        @for ev in EventType::ALL {
                            label.check { input type="checkbox" name="events" value=(ev.as_str()) checked; " " (ev.as_str()) }
                        }
                    }
                    button type="submit" { (l.t("添加", "Add endpoint")) }
                }
            }
        }
        section {
            h2 { (l.t("控制台账号", "Console accounts")) }
            div.scroll { table {
                tr { th { (l.t("用户名", "Username")) } th { (l.t("角色", "Role")) } th { (l.t("状态", "State")) } th {} }
                @for u in &users {
                    tr {
                        td { (u.username) }
                        td { (Role::parse(&u.role).map_or(u.role.as_str(), |r| r.label(l))) }
                        td { @if u.disabled_at.is_some() { (l.t("已停用", "disabled")) } @else { (l.t("正常", "active")) } }
                        td { @if owner && u.id != ctx.user.id {
                            @let action = if u.disabled_at.is_none() { "disable" } else { "enable" };
                            form.inline method="post" action=(format!("/console/settings/users/{}/{action}", u.id)) {
                                (csrf_field(ctx)) button.secondary type="submit" { @if action == "disable" { (l.t("停用", "Disable")) } @else { (l.t("启用", "Enable")) } } }
                        } }
                    }
                }
            } }
            @if owner {
                form method="post" action="/console/settings/users" {
                    (csrf_field(ctx))
                    label { (l.t("用户名", "Username")) input name="username" required autocomplete="off"; }
                    label { (l.t("密码（至少 8 位）", "Password (8 characters or more)")) input name="password" type="password" required minlength="8" autocomplete="new-password"; }
                    label { (l.t("角色", "Role")) select name="role" {
                        option value="viewer" { (Role::Viewer.label(l)) }
                        option value="operator" selected { (Role::Operator.label(l)) }
                        option value="owner" { (Role::Owner.label(l)) }
                    } }
                    button type="submit" { (l.t("添加账号", "Add account")) }
                }
            }
        }
    };
    let mut r = layout(ctx, Nav::Settings, l.t("设置", "Settings"), body);
    *r.status_mut() = status;
    Ok(r)
}

fn back(done: &str) -> Response {
    Redirect::to(&format!("/console/settings?done={done}")).into_response()
}

fn error(message: &str) -> Markup {
    html! { p.error role="alert" { (message) } }
}

/// The thresholds form.
#[derive(Debug, Deserialize)]
pub struct LifecycleForm {
    new_for_days: String,
    dormant_after_days: String,
    dead_after_days: String,
    declining_ratio: String,
    baseline_weeks: String,
}

/// `POST /console/settings/lifecycle` (owner).
pub async fn save_lifecycle(State(app): State<App>, f: Form<LifecycleForm>) -> PageResult {
    let ctx = f.ctx;
    ctx.require(Role::Owner)?;
    let form = f.form;
    let parsed = (|| -> Result<Thresholds, String> {
        let int = |name: &str, v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        Ok(Thresholds {
            new_for_days: int("new_for_days", &form.new_for_days)?,
            dormant_after_days: int("dormant_after_days", &form.dormant_after_days)?,
            dead_after_days: int("dead_after_days", &form.dead_after_days)?,
            declining_ratio: form.declining_ratio.trim().parse().map_err(|_| {
                format!(
                    "declining_ratio: `{}` is not a number",
                    form.declining_ratio
                )
            })?,
            baseline_weeks: int("baseline_weeks", &form.baseline_weeks)?,
        })
    })()
    .and_then(|t| t.validate().map(|()| t).map_err(|e| e.to_string()));
    let t = match parsed {
        Ok(t) => t,
        Err(message) => {
            return render(
                &app,
                &ctx,
                Some(error(&message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let json = serde_json::to_string(&t)
        .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    app.store
        .write(move |tx| {
            Box::pin(async move { pond_store::instance::set(tx, LIFECYCLE, &json).await })
        })
        .await?;
    app.set_lifecycle(t);
    Ok(back("lifecycle"))
}

/// The new token form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

/// `POST /console/settings/tokens` (owner): the token is shown once, on
/// the page this answers.
pub async fn create_token(State(app): State<App>, f: Form<TokenForm>) -> PageResult {
    let ctx = f.ctx;
    ctx.require(Role::Owner)?;
    let name = f.form.name.trim().to_string();
    if name.is_empty() || name.len() > 100 {
        let m = ctx.t(
            "令牌名称需为 1 到 100 个字符。",
            "A token's name must be 1 to 100 characters.",
        );
        return render(&app, &ctx, Some(error(m)), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let now = app.now();
    let token = app
        .store
        .write(move |tx| Box::pin(async move { crate::tokens::create(tx, &name, now).await }))
        .await?;
    let l = ctx.lang;
    let flash = html! { div.ok role="status" {
        p { (l.t("新令牌只显示这一次，请妥善保存：", "The new token is shown this once; keep it secret:")) }
        p.code { (token) }
    } };
    render(&app, &ctx, Some(flash), StatusCode::CREATED).await
}

/// `POST /console/settings/tokens/{id}/revoke` (owner).
pub async fn revoke_token(
    State(app): State<App>,
    Path(id): Path<i64>,
    f: Form<NoFields>,
) -> PageResult {
    f.ctx.require(Role::Owner)?;
    let now = app.now();
    app.store
        .write(move |tx| Box::pin(pond_store::tokens::revoke(tx, id, now)))
        .await?;
    Ok(back("token"))
}

/// The new endpoint form; `events` repeats once per ticked box.
#[derive(Debug, Deserialize)]
pub struct WebhookForm {
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /console/settings/webhooks` (owner): the signing secret is shown once.
pub async fn add_webhook(State(app): State<App>, f: Form<WebhookForm>) -> PageResult {
    let ctx = f.ctx;
    ctx.require(Role::Owner)?;
    let WebhookForm { url, events } = f.form;
    let mut checked = crate::webhooks::check_url(&url)
        .and_then(|_| crate::webhooks::check_events(&events))
        .map(|_| ());
    if checked.is_ok() {
        checked =
            crate::webhooks::guard::check_target(&url, app.config.webhook_allow_private).await;
    }
    if let Err(e) = checked {
        return render(
            &app,
            &ctx,
            Some(error(&e.message)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = app.now();
    let (_, secret) = app
        .store
        .write(move |tx| {
            Box::pin(async move { crate::webhooks::register(tx, &url, &events, now).await })
        })
        .await?;
    let l = ctx.lang;
    let flash = html! { div.ok role="status" {
        p { (l.t("签名密钥只显示这一次（Standard Webhooks）：", "The signing secret is shown this once (Standard Webhooks):")) }
        p.code { (secret) }
    } };
    render(&app, &ctx, Some(flash), StatusCode::CREATED).await
}

/// `POST /console/settings/webhooks/{id}/disable|enable` (owner).
pub async fn webhook_state(
    State(app): State<App>,
    Path((id, action)): Path<(i64, String)>,
    f: Form<NoFields>,
) -> PageResult {
    f.ctx.require(Role::Owner)?;
    let now = app.now();
    let enable = match action.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return Err(PageError::not_found(f.ctx.lang)),
    };
    app.store
        .write(move |tx| {
            Box::pin(async move {
                if enable {
                    pond_store::webhooks::enable(tx, id, now).await.map(|_| ())
                } else {
                    pond_store::webhooks::disable(tx, id, now).await.map(|_| ())
                }
            })
        })
        .await?;
    if enable {
        crate::webhooks::wake();
    }
    Ok(back("webhook"))
}

/// The new account form.
#[derive(Debug, Deserialize)]
pub struct UserForm {
    username: String,
    password: String,
    role: String,
}

/// `POST /console/settings/users` (owner).
pub async fn add_user(State(app): State<App>, f: Form<UserForm>) -> PageResult {
    let ctx = f.ctx;
    ctx.require(Role::Owner)?;
    let Some(role) = Role::parse(&f.form.role) else {
        return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "role").lang(ctx.lang));
    };
    match auth::create_user(
        &app.store,
        f.form.username.trim(),
        &f.form.password,
        role,
        app.now(),
    )
    .await
    {
        Ok(_) => Ok(back("user")),
        Err(message) => {
            render(
                &app,
                &ctx,
                Some(error(&message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /console/settings/users/{id}/disable|enable` (owner; not oneself,
/// so the shop cannot lock out its last owner by accident).
pub async fn user_state(
    State(app): State<App>,
    Path((id, action)): Path<(i64, String)>,
    f: Form<NoFields>,
) -> PageResult {
    let ctx = f.ctx;
    ctx.require(Role::Owner)?;
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(PageError::not_found(ctx.lang)),
    };
    if id == ctx.user.id {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.t(
                "不能停用自己的账号。",
                "You cannot disable your own account.",
            ),
        )
        .lang(ctx.lang));
    }
    let now = app.now();
    let found = app
        .store
        .write(move |tx| Box::pin(pond_store::users::set_disabled(tx, id, disable, now)))
        .await?;
    if !found {
        return Err(PageError::not_found(ctx.lang));
    }
    Ok(back("user"))
}
