//! `/console/members`: search by name, phone fragment or id, and one
//! member's page: their referral links with QR codes, balances, ledger,
//! rewards, trust score and the private link to their customer page.

use super::programs::{path_id, side_label};
use super::review::{member_name, reward_status};
use super::{Ctx, Form, Nav, PageError, PageResult, Role, csrf_field, fmt, layout};
use crate::App;
use crate::error::ApiError;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, PreEscaped, html};
use pond_store::members::Member;
use serde::Deserialize;

/// Members per page.
const PAGE: i64 = 50;
/// Ledger entries and rewards shown on a member's page.
const LATEST: i64 = 50;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/members", get(search))
        .route("/console/members/{id}", get(detail))
        .route("/console/members/{id}/links", post(create_link))
}

/// `?q=` and paging.
#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    before: Option<i64>,
}

/// `GET /console/members?q=&before=`.
async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<SearchQuery>) -> PageResult {
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut tx = app.store.read().await?;
    let mut found: Vec<Member> = Vec::new();
    // An id ("42" or "#42") is looked up directly, ahead of the text matches.
    if q.before.is_none()
        && let Some(id) = text.and_then(|t| t.trim_start_matches('#').parse::<i64>().ok())
        && let Some(m) = pond_store::members::get(&mut tx, id).await?
    {
        found.push(m);
    }
    let matches = pond_store::members::search(&mut tx, text, q.before, PAGE).await?;
    let full = i64::try_from(matches.len()).unwrap_or(i64::MAX) == PAGE;
    let next = matches.last().map(|m| m.id);
    for m in matches {
        if !found.iter().any(|f| f.id == m.id) {
            found.push(m);
        }
    }
    drop(tx);
    let l = ctx.lang;
    let q_value = text.unwrap_or_default();
    let body = html! {
        form.search method="get" action="/console/members" {
            label { (l.t("姓名、手机号片段、标签或编号", "Name, part of a phone number, a tag, or id"))
                input type="search" name="q" value=(q_value); }
            button type="submit" { (l.t("搜索", "Search")) }
        }
        @if ctx.role >= Role::Owner {
            p { a href="/console/members/import" { (l.t("从表格导入 · 导出全部 (CSV)", "Import from a spreadsheet · export all (CSV)")) } }
        }
        @if found.is_empty() {
            p.muted { (l.t("没有找到会员。", "No members found.")) }
        } @else {
            div.scroll {
                table {
                    thead { tr {
                        th.num { "#" }
                        th { (l.t("姓名", "Name")) }
                        th { (l.t("身份", "Identity")) }
                        th { (l.t("加入", "Joined")) }
                    } }
                    tbody {
                        @for m in &found {
                            tr {
                                td.num { (m.id) }
                                td { a href=(format!("/console/members/{}", m.id)) { (m.name.as_deref().unwrap_or("–")) } }
                                td { @for (i, (_, v)) in m.keys.iter().enumerate() { @if i > 0 { br; } span.code { (v) } } }
                                td { (fmt::date(l, &ctx.tz, m.created_at)) }
                            }
                        }
                    }
                }
            }
            @if let (true, Some(before)) = (full, next) {
                p { a href=(format!("/console/members?q={}&before={before}", super::page::url_encode(q_value))) {
                    (l.t("下一页 →", "Next page →"))
                } }
            }
        }
    };
    Ok(layout(&ctx, Nav::Members, l.t("会员", "Members"), body))
}

/// `?done=link` after a link was made.
#[derive(Debug, Deserialize)]
struct Done {
    done: Option<String>,
}

/// `GET /console/members/{id}`.
async fn detail(
    State(app): State<App>,
    ctx: Ctx,
    Path(raw): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let l = ctx.lang;
    let id = path_id(&raw, l)?;
    let now = app.now();
    let mut tx = app.store.read().await?;
    let Some(m) = pond_store::members::get(&mut tx, id).await? else {
        return Err(PageError::not_found(l));
    };
    let programs = pond_store::programs::list(&mut tx).await?;
    let links = pond_store::links::all_of_member(&mut tx, id).await?;
    let balances = crate::rewards::balances(&mut tx, id).await?;
    let entries = pond_store::ledger::entries_of(&mut tx, id, None, LATEST).await?;
    let rewards = pond_store::rewards::of_member(&mut tx, id, LATEST).await?;
    let trust = crate::trust::member_view(&mut tx, id, now).await?;
    let tags = pond_store::tags::of(&mut tx, id).await?;
    let referred_by = match pond_store::referrals::of_invitee(&mut tx, id).await? {
        Some(r) => Some((r.inviter_id, member_name(&mut tx, r.inviter_id).await?)),
        None => None,
    };
    drop(tx);
    let name_of = |program: i64| {
        programs
            .iter()
            .find(|p| p.id == program)
            .map_or_else(|| format!("#{program}"), |p| p.spec.name.clone())
    };
    let account = pond_core::ledger::Account::Member(id).to_string();
    let without_link: Vec<_> = programs
        .iter()
        .filter(|p| !links.iter().any(|k| k.program_id == p.id))
        .collect();
    let customer = super::customer::customer_link(&app, id);
    let title = m.name.clone().unwrap_or_else(|| format!("#{id}"));
    let body = html! {
        p { a href="/console/members" { "← " (l.t("全部会员", "All members")) } }
        @if q.done.as_deref() == Some("link") { p.ok { (l.t("推荐链接已生成。", "Referral link created.")) } }
        @if q.done.as_deref() == Some("tags") { p.ok { (l.t("标签已保存。", "Tags saved.")) } }
        @if q.done.as_deref() == Some("erased") { p.ok { (l.t("个人数据已删除。", "Personal data erased.")) } }
        div.two {
            section {
                h2 { (l.t("资料", "Profile")) }
                dl.facts {
                    dt { (l.t("编号", "Id")) } dd { (id) }
                    @for (k, v) in &m.keys { dt { (k.as_str()) } dd.code { (v) } }
                    dt { (l.t("加入", "Joined")) } dd { (fmt::datetime(l, &ctx.tz, m.created_at)) }
                    dt { (l.t("推荐人", "Referred by")) }
                    dd { @match &referred_by {
                        Some((rid, rname)) => a href=(format!("/console/members/{rid}")) { (rname) },
                        None => "–",
                    } }
                    dt { (l.t("信任分", "Trust score")) }
                    dd { b { (trust.score) } " / " (trust.budget) @if trust.score < trust.threshold { " " span.badge.bad { (l.t("已透支", "worn out")) } } }
                }
                h3 { (l.t("顾客页面（私密链接）", "Customer page (private link)")) }
                p.muted { (l.t("把这个链接发给会员本人：可看到推荐链接、二维码、进度和奖励，无需登录。", "Send this to the member alone: it shows their link, QR code, progress and rewards without a login.")) }
                p { a.code.customer href=(customer) { (customer) } }
            }
            section {
                h2 { (l.t("余额", "Balances")) }
                @if balances.is_empty() { p.muted { "–" } }
                ul.states { @for b in &balances { li { b { (fmt::num(b.amount)) } " " (b.unit) } } }
                h3 { (l.t("能否再请求", "May they be asked now")) }
                ul.states {
                    @for d in &trust.can_ask {
                        li { (d.kind.as_str()) ": " (if d.allowed { l.t("可以", "yes") } else { l.t("不可以", "no") })
                            @if !d.allowed { " · " small.muted { (d.reason) } } }
                    }
                }
            }
        }
        (super::privacy::member_section(&ctx, &m, &tags))
        section {
            h2 { (l.t("推荐链接", "Referral links")) }
            div.links {
                @for k in &links {
                    (link_card(&app, l, &name_of(k.program_id), &k.code, k.clicks))
                }
            }
            @if links.is_empty() { p.muted { (l.t("还没有推荐链接。", "No referral links yet.")) } }
            @if ctx.role >= Role::Operator && !without_link.is_empty() {
                form.link method="post" action=(format!("/console/members/{id}/links")) {
                    (csrf_field(&ctx))
                    label { (l.t("为推荐计划生成链接", "Create a link for a program"))
                        select name="program_id" {
                            @for p in &without_link { option value=(p.id) { (p.spec.name) } }
                        }
                    }
                    button type="submit" { (l.t("生成链接", "Create link")) }
                }
            }
        }
        section {
            h2 { (l.t("奖励", "Rewards")) }
            @if rewards.is_empty() { p.muted { "–" } } @else {
                div.scroll { table {
                    thead { tr { th { (l.t("计划", "Program")) } th { (l.t("角色", "Side")) } th.num { (l.t("数量", "Amount")) } th { (l.t("状态", "Status")) } th { (l.t("可发放于", "Due")) } } }
                    tbody { @for r in &rewards { tr {
                        td { (name_of(r.program_id)) }
                        td { (side_label(l, r.side.as_str())) " · " (r.stage) }
                        td.num { (fmt::num(r.amount)) " " (r.unit) }
                        td { (reward_status(l, r.status.as_str())) }
                        td { (fmt::date(l, &ctx.tz, r.approve_after)) }
                    } } }
                } }
            }
        }
        section {
            h2 { (l.t("账本", "Ledger")) }
            @if entries.is_empty() { p.muted { "–" } } @else {
                div.scroll { table {
                    thead { tr { th { (l.t("时间", "When")) } th { (l.t("类型", "Kind")) } th.num { (l.t("变动", "Change")) } th { (l.t("计划", "Program")) } } }
                    tbody { @for e in &entries { tr {
                        td { (fmt::datetime(l, &ctx.tz, e.at())) }
                        td { (e.kind) }
                        td.num { (if e.credit == account { "+" } else { "−" }) (fmt::num(e.amount)) " " (e.unit) }
                        td { (e.program_id.map(&name_of).unwrap_or_default()) }
                    } } }
                } }
            }
        }
    };
    Ok(layout(&ctx, Nav::Members, &title, body))
}

/// A link with its QR code drawn inline, so the page needs no request more.
pub(super) fn link_card(app: &App, l: Lang, program: &str, code: &str, clicks: i64) -> Markup {
    let url = crate::redirect::link_url(app, code);
    html! {
        div.linkcard {
            h3 { (program) }
            p { a.code href=(url) { (url) } }
            (qr(&url, l))
            p.muted { (fmt::num(clicks)) (l.t(" 次打开", " opens")) " · " a href=(format!("/r/{code}/qr.png")) download { (l.t("下载二维码", "Download QR")) } }
        }
    }
}

/// The QR code of `url` as inline SVG (its XML prolog dropped: it has no
/// place inside HTML).
pub(super) fn qr(url: &str, l: Lang) -> Markup {
    match crate::qr::svg(url) {
        Ok(svg) => {
            let svg = svg
                .find("<svg")
                .map_or(svg.as_str(), |i| &svg[i..])
                .to_string();
            html! { figure.qr role="img" aria-label=(l.t("推荐二维码", "Referral QR code")) { (PreEscaped(svg)) } }
        }
        Err(_) => html! { p.muted { (l.t("（二维码无法生成）", "(QR code unavailable)")) } },
    }
}

/// The program to make a link for.
#[derive(Debug, Deserialize)]
struct LinkForm {
    program_id: i64,
}

/// `POST /console/members/{id}/links`: the member's link in a program,
/// made through the same store call as `POST /api/v1/programs/{id}/links`.
async fn create_link(
    State(app): State<App>,
    Path(raw): Path<String>,
    f: Form<LinkForm>,
) -> PageResult {
    f.ctx.require(Role::Operator)?;
    let l = f.ctx.lang;
    let id = path_id(&raw, l)?;
    let program = f.form.program_id;
    let now = app.now();
    app.store
        .write(move |tx| {
            Box::pin(async move {
                if pond_store::programs::get(tx, program).await?.is_none() {
                    return Err(ApiError::not_found("program"));
                }
                if pond_store::members::get(tx, id).await?.is_none() {
                    return Err(ApiError::not_found("member"));
                }
                pond_store::links::get_or_create(tx, program, id, now).await?;
                Ok(())
            })
        })
        .await
        .map_err(|e: ApiError| PageError::from(e).lang(l))?;
    Ok(Redirect::to(&format!("/console/members/{id}?done=link")).into_response())
}
