//! A customer's data on the console: a member's tags (operators), their
//! export and erasure (owners; erasure asks for confirmation on a page of
//! its own, since the console runs no script), and customers in bulk from
//! and to CSV (owners). Each goes through the same service as the API and
//! the CLI (`crate::privacy`, `crate::roster`).

use super::programs::path_id;
use super::{Ctx, Form, Nav, PageError, PageResult, Role, csrf_field, fmt, layout};
use crate::App;
use crate::error::ApiError;
use crate::join::Lang;
use crate::roster::{self, ImportReport};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use pond_store::members::Member;
use serde::Deserialize;

/// This section's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/console/members/import",
            get(import_page)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(roster::FILE_LIMIT + 64 * 1024)),
        )
        .route("/console/members/export.csv", get(export_all))
        .route("/console/members/{id}/export", get(export_one))
        .route("/console/members/{id}/erase", get(erase_page).post(erase))
        .route("/console/members/{id}/tags", post(set_tags))
}

/// The member page's part: tags, and the owner's export and erase buttons.
pub fn member_section(ctx: &Ctx, m: &Member, tags: &[String]) -> Markup {
    let l = ctx.lang;
    let id = m.id;
    html! {
        section.privacy {
            h2 { (l.t("标签与个人数据", "Tags and personal data")) }
            @if let Some(at) = m.erased_at {
                p.badge.bad { (l.t("已删除个人数据：", "Personal data erased on ")) (fmt::datetime(l, &ctx.tz, at)) }
                p.muted { (l.t("账本金额、推荐关系和统计数字保留，但不再指向任何人。", "Ledger amounts, referrals and counts are kept, naming no one.")) }
            } @else {
                p.tags {
                    @if tags.is_empty() { span.muted { (l.t("还没有标签。", "No tags yet.")) } }
                    @for t in tags { span.tag { (t) } " " }
                }
                @if ctx.role >= Role::Operator {
                    form.tags method="post" action=(format!("/console/members/{id}/tags")) {
                        (csrf_field(ctx))
                        label { (l.t("标签（用逗号或顿号分隔）", "Tags (separated by commas)"))
                            input type="text" name="tags" maxlength="700" value=(tags.join(", "));
                        }
                        button type="submit" { (l.t("保存标签", "Save tags")) }
                    }
                }
            }
            @if ctx.role >= Role::Owner {
                p.actions {
                    a.button href=(format!("/console/members/{id}/export")) download { (l.t("导出此会员的全部数据 (JSON)", "Export all their data (JSON)")) }
                    @if m.erased_at.is_none() {
                        " "
                        a.button.danger href=(format!("/console/members/{id}/erase")) { (l.t("删除个人数据…", "Erase personal data…")) }
                    }
                }
            }
        }
    }
}

/// The tags typed in the form.
#[derive(Debug, Deserialize)]
struct TagsForm {
    #[serde(default)]
    tags: String,
}

/// `POST /console/members/{id}/tags` (operator).
async fn set_tags(
    State(app): State<App>,
    Path(raw): Path<String>,
    f: Form<TagsForm>,
) -> PageResult {
    f.ctx.require(Role::Operator)?;
    let l = f.ctx.lang;
    let id = path_id(&raw, l)?;
    // Worded here, in the page's language, before anything is written.
    if let Err(p) = pond_core::roster::parse_tags(&f.form.tags) {
        return Err(
            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, roster::describe(l, &p)).lang(l),
        );
    }
    let typed = vec![f.form.tags];
    app.store
        .write(move |tx| Box::pin(async move { roster::set_tags(tx, id, &typed).await }))
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    Ok(Redirect::to(&format!("/console/members/{id}?done=tags")).into_response())
}

/// `GET /console/members/{id}/export` (owner): the JSON document as a download.
async fn export_one(State(app): State<App>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    ctx.require(Role::Owner)?;
    let l = ctx.lang;
    let id = path_id(&raw, l)?;
    let mut tx = app.store.read().await?;
    let doc = crate::privacy::export(&mut tx, id, app.now())
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let body = serde_json::to_vec_pretty(&doc)
        .map_err(|e| PageError::from(ApiError::internal(&e)).lang(l))?;
    Ok(download(
        body,
        "application/json",
        &format!("member-{id}.json"),
    ))
}

fn download(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    // Personal data: no cache keeps a copy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /console/members/{id}/erase` (owner): what erasure does, and the
/// confirmation.
async fn erase_page(State(app): State<App>, ctx: Ctx, Path(raw): Path<String>) -> PageResult {
    ctx.require(Role::Owner)?;
    let l = ctx.lang;
    let id = path_id(&raw, l)?;
    let mut tx = app.store.read().await?;
    let Some(m) = pond_store::members::get(&mut tx, id).await? else {
        return Err(PageError::not_found(l));
    };
    drop(tx);
    let who = m.name.clone().unwrap_or_else(|| format!("#{id}"));
    let body = html! {
        p { a href=(format!("/console/members/{id}")) { "← " (who) } }
        @if m.erased_at.is_some() {
            p.ok { (l.t("这位会员的个人数据已经删除。", "This member's personal data is already erased.")) }
        } @else {
            section {
                h2 { (l.t("删除后：", "Erasing will:")) }
                ul {
                    li { (l.t("删除姓名、手机号、邮箱、微信 ID、标签，以及同意记录里的个人字段；", "remove their name, phones, emails, WeChat ids, tags and the personal fields of their consents;")) }
                    li { (l.t("删除他们在群里发的消息文字和群昵称（消息条数仍计入统计）；", "remove the text of their chat messages and their names in groups (the messages still count);")) }
                    li { (l.t("让他们的推荐链接和二维码失效；", "stop their referral links and QR codes;")) }
                    li { (l.t("保留账本金额、推荐关系和报表数字，但不再指向任何人；", "keep ledger amounts, referrals and report counts, naming no one;")) }
                    li { (l.t("记录谁在何时删除（不记录删除了什么）。无法撤销。", "record who erased them and when (not what). It cannot be undone.")) }
                }
                p { (l.t("如需留存，请先导出。", "Export first if a copy must be kept.")) " "
                    a href=(format!("/console/members/{id}/export")) download { (l.t("导出 JSON", "Export JSON")) } }
                form.erase method="post" action=(format!("/console/members/{id}/erase")) {
                    (csrf_field(&ctx))
                    label.check { input type="checkbox" name="confirm" value="yes" required;
                        " " (l.t("我确认删除这位会员的个人数据", "I confirm: erase this member's personal data")) }
                    button.danger type="submit" { (l.t("删除个人数据", "Erase personal data")) }
                }
            }
        }
    };
    Ok(layout(
        &ctx,
        Nav::Members,
        l.t("删除个人数据", "Erase personal data"),
        body,
    ))
}

/// The confirmation box.
#[derive(Debug, Deserialize)]
struct EraseForm {
    confirm: Option<String>,
}

/// `POST /console/members/{id}/erase` (owner).
async fn erase(State(app): State<App>, Path(raw): Path<String>, f: Form<EraseForm>) -> PageResult {
    f.ctx.require(Role::Owner)?;
    let l = f.ctx.lang;
    let id = path_id(&raw, l)?;
    if f.form.confirm.as_deref() != Some("yes") {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "请勾选确认框后再删除。",
                "Tick the confirmation box to erase.",
            ),
        )
        .lang(l));
    }
    let by = format!("user:{}", f.ctx.user.username);
    crate::privacy::erase(&app.store, id, by, app.now())
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    Ok(Redirect::to(&format!("/console/members/{id}?done=erased")).into_response())
}

/// `GET /console/members/export.csv` (owner): every member as CSV.
async fn export_all(State(app): State<App>, ctx: Ctx) -> PageResult {
    ctx.require(Role::Owner)?;
    let l = ctx.lang;
    let mut tx = app.store.read().await?;
    let bytes = roster::export_all(&mut tx, &app.time_zone)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    Ok(download(bytes, "text/csv; charset=utf-8", "members.csv"))
}

/// `GET /console/members/import` (owner).
async fn import_page(ctx: Ctx) -> PageResult {
    ctx.require(Role::Owner)?;
    Ok(import_layout(&ctx, None))
}

fn import_layout(ctx: &Ctx, report: Option<&ImportReport>) -> Response {
    let l = ctx.lang;
    let body = html! {
        p { a href="/console/members" { "← " (l.t("全部会员", "All members")) } }
        @if let Some(r) = report { (report_view(l, r)) }
        section {
            h2 { (l.t("从表格导入顾客", "Import customers from a spreadsheet")) }
            p.muted { (l.t(
                "CSV（UTF-8），第一行是表头：name、phone、email、tags、joined、heard_from（也认中文表头：姓名、手机号、邮箱、标签、加入日期、来源）。按手机号和邮箱识别已有会员：再导入一次不会重复。",
                "CSV (UTF-8) with a header line: name, phone, email, tags, joined, heard_from. Existing members are recognised by phone and email, so importing a file twice adds nothing twice."
            )) }
            form.upload method="post" action="/console/members/import" enctype="multipart/form-data" {
                (csrf_field(ctx))
                label { (l.t("CSV 文件", "CSV file"))
                    input type="file" name="file" required accept=".csv,text/csv";
                }
                label.check { input type="checkbox" name="dry_run" value="yes" checked; " " (l.t("只检查，不写入", "Check only (dry run): write nothing")) }
                button type="submit" { (l.t("上传", "Upload")) }
            }
        }
        section {
            h2 { (l.t("导出全部会员", "Export every member")) }
            p { a.button href="/console/members/export.csv" download { (l.t("下载 CSV", "Download CSV")) } }
        }
    };
    layout(
        ctx,
        Nav::Members,
        l.t("导入与导出", "Import and export"),
        body,
    )
}

fn report_view(l: Lang, r: &ImportReport) -> Markup {
    html! {
        section.report {
            @if r.accepted() {
                p.ok {
                    @if r.dry_run { (l.t("检查通过，尚未写入。", "The file is fine; nothing written yet.")) " " }
                    @else { (l.t("已导入。", "Imported.")) " " }
                    (match l {
                        Lang::Zh => format!("{} 行：新建 {}，更新 {}，未变 {}。", r.rows, r.created, r.updated, r.unchanged),
                        Lang::En => format!("{} rows: {} created, {} updated, {} unchanged.", r.rows, r.created, r.updated, r.unchanged),
                    })
                }
            } @else {
                p.error { (match l {
                    Lang::Zh => format!("文件有 {} 个问题，什么都没有写入：", r.problems.len()),
                    Lang::En => format!("The file has {} problems; nothing was written:", r.problems.len()),
                }) }
                ul.problems { @for p in r.problems.iter().take(500) { li { (p.message(l)) } } }
                @if r.problems.len() > 500 { p.muted { "…" } }
            }
        }
    }
}

/// `POST /console/members/import` (owner): the CSRF token must come
/// before the file, as on the chat import.
async fn import_upload(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    mut form: Multipart,
) -> PageResult<Response> {
    let l = ctx.lang;
    ctx.require(Role::Owner)?;
    let broken = |e: axum::extract::multipart::MultipartError| {
        PageError::new(StatusCode::BAD_REQUEST, e.body_text()).lang(l)
    };
    let mut csrf_ok = false;
    let mut dry_run = false;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = form.next_field().await.map_err(broken)? {
        match field.name().unwrap_or_default() {
            "csrf" => {
                let sent = field.text().await.map_err(broken)?;
                let as_form =
                    serde_urlencoded::to_string([("csrf", sent.as_str())]).unwrap_or_default();
                super::page::check_csrf(&headers, as_form.as_bytes(), &ctx.csrf, l)?;
                csrf_ok = true;
            }
            "dry_run" => dry_run = field.text().await.map_err(broken)? == "yes",
            "file" if csrf_ok => file = Some(field.bytes().await.map_err(broken)?.to_vec()),
            "file" => super::page::check_csrf(&headers, b"", &ctx.csrf, l)?,
            _ => {}
        }
    }
    if !csrf_ok {
        super::page::check_csrf(&headers, b"", &ctx.csrf, l)?;
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "请选择一个非空的 CSV 文件。",
                "Choose a CSV file that is not empty.",
            ),
        )
        .lang(l));
    };
    let now = app.now();
    let parsed = roster::parse(
        &bytes,
        app.config.region,
        app.time_zone.to_datetime(now).date(),
    );
    let tz = app.time_zone.clone();
    let report = if dry_run {
        let mut tx = app.store.read().await?;
        roster::import(&mut tx, parsed, &tz, now, true).await
    } else {
        app.store
            .write(move |tx| {
                Box::pin(async move { roster::import(tx, parsed, &tz, now, false).await })
            })
            .await
    }
    .map_err(|e| PageError::from(e).lang(l))?;
    let status = if report.accepted() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, import_layout(&ctx, Some(&report))).into_response())
}
