//! `/console/imports`: upload a chat export (WhatsApp, Telegram, Discord,
//! WeChat) and follow its import to the summary.
//!
//! The upload is spooled to a temporary file as it arrives, then imported
//! by a background task through [`community::import_reader_with`], the
//! same reader `POST /api/v1/imports` and `pond import` use. The job page
//! refreshes itself every second (a `Refresh` header and its `<meta>`
//! twin: no script) until the import is done.

use super::auth::Role;
use super::import_jobs::{self, Counting, Outcome};
use super::{Ctx, Nav, PageError, PageResult, csrf_field, fmt, layout};
use crate::App;
use crate::community;
use crate::join::Lang;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;
use pond_import::ImportOptions;
use std::io::{BufReader, Seek, Write};
use std::sync::atomic::Ordering;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/console/imports",
            // The export is streamed to disk, so the app's small body
            // limit does not apply; `upload` enforces UPLOAD_LIMIT.
            get(page).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/console/imports/{job}", get(job))
}

/// Largest export accepted, as for `POST /api/v1/imports`: it is spooled
/// to a temporary file, never held in memory.
const UPLOAD_LIMIT: u64 = 2 << 30;

const FORMATS: [&str; 6] = [
    "auto",
    "whatsapp",
    "telegram",
    "discord-json",
    "discord-csv",
    "wechat-csv",
];

fn format_label(l: Lang, f: &str) -> &str {
    match f {
        "auto" => l.t("自动识别", "detect"),
        "whatsapp" => "WhatsApp (.txt)",
        "telegram" => "Telegram (JSON)",
        "discord-json" => "Discord (JSON)",
        "discord-csv" => "Discord (CSV)",
        "wechat-csv" => l.t("微信 (CSV)", "WeChat (CSV)"),
        other => other,
    }
}

/// `GET /console/imports`.
pub async fn page(ctx: Ctx) -> PageResult {
    let l = ctx.lang;
    let jobs = import_jobs::recent(10);
    let body = html! {
        section {
            h2 { (l.t("上传聊天记录", "Upload a chat export")) }
            @if ctx.role >= Role::Operator {
                form.upload method="post" action="/console/imports" enctype="multipart/form-data" {
                    (csrf_field(&ctx))
                    label { (l.t("格式", "Format"))
                        select name="format" {
                            @for f in FORMATS { option value=(f) selected[f == "auto"] { (format_label(l, f)) } }
                        }
                    }
                    label { (l.t("群名（WhatsApp、Discord CSV 和微信 CSV 不记录群名）", "Group name (WhatsApp, Discord CSV and WeChat CSV exports do not record one)"))
                        input type="text" name="group" maxlength="200";
                    }
                    label { (l.t("导出文件", "Export file"))
                        input type="file" name="file" required accept=".txt,.json,.csv,text/plain,application/json,text/csv";
                    }
                    button type="submit" { (l.t("导入", "Import")) }
                }
                p.muted { (l.t("同一份记录再导入一次不会重复计数。", "Importing the same export again adds nothing twice.")) }
            } @else {
                p.muted { (l.t("只读账号不能导入。", "A viewer account cannot import.")) }
            }
        }
        @if !jobs.is_empty() {
            section {
                h2 { (l.t("最近的导入", "Recent imports")) }
                div.scroll { table {
                    thead { tr { th { (l.t("文件", "File")) } th { (l.t("开始", "Started")) } th { (l.t("状态", "State")) } } }
                    tbody { @for j in &jobs { tr {
                        td { a href=(format!("/console/imports/{}", j.id)) { (j.file_name) } }
                        td { (fmt::datetime(l, &ctx.tz, j.started_at)) " · " (j.started_by) }
                        td { (outcome_word(l, &j.outcome)) }
                    } } }
                } }
            }
        }
    };
    Ok(layout(&ctx, Nav::Imports, l.t("导入", "Imports"), body))
}

fn outcome_word(l: Lang, o: &Outcome) -> &'static str {
    match o {
        Outcome::Running => l.t("进行中", "running"),
        Outcome::Done(_) => l.t("完成", "done"),
        Outcome::Failed(_) => l.t("失败", "failed"),
    }
}

fn bad(l: Lang, status: StatusCode, zh: &str, en: &str) -> PageError {
    PageError::new(status, l.t(zh, en)).lang(l)
}

/// `POST /console/imports` (operator): checks the form's CSRF token, which
/// must come before the file, spools the file and starts the import.
pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    headers: HeaderMap,
    mut form: Multipart,
) -> PageResult<Response> {
    let l = ctx.lang;
    ctx.require(Role::Operator)?;
    let turn = app.import_turn().map_err(|_| {
        bad(
            l,
            StatusCode::TOO_MANY_REQUESTS,
            "已有导入正在进行，请等其中一个完成后再试。",
            "Other imports are running; try again when one has finished.",
        )
    })?;
    let mut csrf_ok = false;
    let mut format = "auto".to_string();
    let mut group = String::new();
    let mut spooled = None;
    let broken = |e: axum::extract::multipart::MultipartError| {
        PageError::new(StatusCode::BAD_REQUEST, e.body_text()).lang(l)
    };
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        match field.name().unwrap_or_default() {
            "csrf" => {
                let sent = small_text(&mut field, l).await?;
                // The same check as every urlencoded form: the token and the origin.
                let as_form =
                    serde_urlencoded::to_string([("csrf", sent.as_str())]).unwrap_or_default();
                super::page::check_csrf(&headers, as_form.as_bytes(), &ctx.csrf, l)?;
                csrf_ok = true;
            }
            "format" => format = small_text(&mut field, l).await?,
            "group" => group = small_text(&mut field, l).await?.trim().to_string(),
            "file" => {
                // Nothing of the file is kept before the token is known good.
                if !csrf_ok {
                    return Err(super::page::check_csrf(&headers, b"", &ctx.csrf, l)
                        .err()
                        .unwrap_or_else(|| {
                            bad(
                                l,
                                StatusCode::FORBIDDEN,
                                "表单已过期。",
                                "This form is stale.",
                            )
                        }));
                }
                let name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
                    .filter(|n| !n.is_empty());
                let mut file = tempfile::tempfile().map_err(|e| internal(l, &e))?;
                let mut size = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    size += chunk.len() as u64;
                    if size > UPLOAD_LIMIT {
                        return Err(bad(
                            l,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "文件太大（最大 2 GiB）。",
                            "The file is too large (at most 2 GiB).",
                        ));
                    }
                    file.write_all(&chunk).map_err(|e| internal(l, &e))?;
                }
                file.rewind().map_err(|e| internal(l, &e))?;
                spooled = Some((file, name, size));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        super::page::check_csrf(&headers, b"", &ctx.csrf, l)?;
    }
    let parsed = community::parse_format(&format).map_err(|e| PageError::from(e).lang(l))?;
    let Some((file, file_name, size)) = spooled.filter(|(_, n, size)| n.is_some() || *size > 0)
    else {
        return Err(bad(
            l,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要导入的文件。",
            "Choose a file to import.",
        ));
    };
    if size == 0 {
        return Err(bad(
            l,
            StatusCode::UNPROCESSABLE_ENTITY,
            "文件是空的。",
            "The file is empty.",
        ));
    }
    let shown = file_name.clone().unwrap_or_else(|| "upload".into());
    let job = import_jobs::start(&shown, &ctx.user.username, size);
    let name = if group.is_empty() {
        file_name.clone().unwrap_or_else(|| "uploaded chat".into())
    } else {
        group
    };
    let options = ImportOptions::new(name, app.time_zone.clone());
    let settings = app.ingest_settings(community::alerts::import_alerts_since(app.now()));
    let reader = BufReader::with_capacity(1 << 20, Counting::new(file, job.counters.clone()));
    let counters = job.counters.clone();
    let store = app.store.clone();
    let task = tokio::spawn(async move {
        community::import_reader_with(
            &store,
            reader,
            file_name,
            parsed,
            options,
            settings,
            move |added| counters.messages.store(added.messages, Ordering::Relaxed),
        )
        .await
    });
    let id = job.id.clone();
    // A second task waits on the first, so even a panic in the import
    // ends the job with a sentence instead of leaving it running forever.
    tokio::spawn(async move {
        let _turn = turn;
        let outcome = match task.await {
            Ok(Ok(imported)) if imported.messages + imported.joins + imported.leaves == 0 => {
                Outcome::Failed(nothing_read(&imported))
            }
            Ok(Ok(imported)) => Outcome::Done(Box::new(imported)),
            Ok(Err(e)) => Outcome::Failed(e.message),
            Err(e) => {
                tracing::error!(error = %e, "console import task failed");
                Outcome::Failed("the import stopped unexpectedly; see the server log".into())
            }
        };
        import_jobs::finish(&id, outcome);
    });
    tracing::info!(job = %job.id, file = %shown, size, by = %ctx.user.username, "console import started");
    Ok(Redirect::to(&format!("/console/imports/{}", job.id)).into_response())
}

/// The most bytes of a text field of the upload form (a token, a format,
/// a group name); the file is the only large field.
const TEXT_FIELD_LIMIT: usize = 4096;

/// A text field of the upload form, refused past [`TEXT_FIELD_LIMIT`]
/// before it is held in memory.
async fn small_text(
    field: &mut axum::extract::multipart::Field<'_>,
    l: crate::join::Lang,
) -> Result<String, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e.body_text()).lang(l))?
    {
        if bytes.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(bad(
                l,
                StatusCode::PAYLOAD_TOO_LARGE,
                "表单字段太长。",
                "A form field is too long.",
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| {
        bad(
            l,
            StatusCode::BAD_REQUEST,
            "表单字段不是有效的文字。",
            "A form field is not valid text.",
        )
    })
}

/// Why a file that parsed without error gave nothing: a readable export
/// always has at least one message, join or leave, so this is not one.
fn nothing_read(r: &community::Imported) -> String {
    let mut why = format!(
        "nothing in this file could be read as a {} chat export",
        r.format
    );
    for s in r.skipped_lines.iter().take(3) {
        why.push_str(&format!("; line {}: {}", s.line, s.reason));
    }
    why
}

fn internal(l: Lang, e: &std::io::Error) -> PageError {
    tracing::error!(error = %e, "spooling an upload");
    bad(
        l,
        StatusCode::INTERNAL_SERVER_ERROR,
        "无法保存上传的文件。",
        "The upload could not be stored.",
    )
}

/// `GET /console/imports/{job}`: progress while running, then the summary.
pub async fn job(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let l = ctx.lang;
    let Some(j) = import_jobs::get(&id) else {
        return Err(PageError::not_found(l));
    };
    let running = matches!(j.outcome, Outcome::Running);
    let share = if j.total > 0 {
        j.read() as f64 / j.total as f64
    } else {
        0.0
    };
    let body = html! {
        p { a href="/console/imports" { "← " (l.t("导入", "Imports")) } }
        @if running {
            // The page reloads itself; the header below does the same.
            meta http-equiv="refresh" content="1";
        }
        section #job {
            p { b { (j.file_name) } " · " (fmt::num(j.total as i64)) (l.t(" 字节", " bytes")) " · " (fmt::datetime(l, &ctx.tz, j.started_at)) }
            @match &j.outcome {
                Outcome::Running => {
                    p.running { (l.t("正在导入…", "Importing…")) }
                    progress value=(j.read()) max=(j.total.max(1)) { (fmt::percent(share)) }
                    p { (fmt::percent(share)) (l.t(" 已读取，已写入 ", " read, ")) (fmt::num(j.messages() as i64)) (l.t(" 条新消息。", " new messages written so far.")) }
                }
                Outcome::Failed(why) => {
                    p.error #import-error { (l.t("导入失败：", "The import failed: ")) (why) }
                    p { a href="/console/imports" { (l.t("换一个文件再试", "Try another file")) } }
                }
                Outcome::Done(r) => {
                    p.ok #import-done { (l.t("导入完成（格式：", "Imported (format: ")) (r.format) (l.t("）。", ").")) }
                    div.scroll { table.summary { tbody {
                        tr { th { (l.t("群", "Groups")) } td.num { (fmt::num(r.groups as i64)) } }
                        tr { th { (l.t("消息", "Messages")) } td.num { (fmt::num(r.messages as i64)) } }
                        tr { th { (l.t("其中新消息", "of which new")) } td.num { (fmt::num(r.added.messages as i64)) } }
                        tr { th { (l.t("发言人", "People")) } td.num { (fmt::num(r.senders as i64)) } }
                        tr { th { (l.t("入群 / 退群", "Joins / leaves")) } td.num { (fmt::num(r.joins as i64)) " / " (fmt::num(r.leaves as i64)) } }
                        tr { th { (l.t("发现的投诉", "Complaints found")) } td.num { (fmt::num(r.added.alerts as i64)) } }
                        tr { th { (l.t("跳过的行", "Lines skipped")) } td.num { (fmt::num(r.skipped as i64)) } }
                    } } }
                    @if !r.skipped_lines.is_empty() {
                        details { summary { (l.t("跳过的行", "Skipped lines")) }
                            ul { @for s in &r.skipped_lines { li { (l.t("第 ", "line ")) (s.line) (l.t(" 行：", ": ")) (s.reason) } } }
                        }
                    }
                    p { a href="/console/groups" { (l.t("查看社群", "See the groups")) } " · " a href="/console/complaints" { (l.t("查看投诉", "See complaints")) } }
                }
            }
        }
    };
    let mut page = layout(&ctx, Nav::Imports, l.t("导入进度", "Import"), body);
    if running {
        page.headers_mut()
            .insert("refresh", HeaderValue::from_static("1"));
    }
    Ok(page)
}
