//! `/api/v1/groups` and `/api/v1/imports`: chat groups, their live events,
//! uploads of exports, and the health report.

use super::params::{Id, Q, limit};
use crate::community::ingest::{Added, Ingest};
use crate::community::report::{self, GroupsReport};
use crate::community::{self, Imported};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Caller, Write};
use crate::{App, write};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::StreamExt;
use jiff::Timestamp;
use jiff::civil::Date;
use pond_import::{Channel, ChatEvent, GroupRef, ImportOptions, MessageKind, Person};
use pond_store::chat::Message;
use pond_store::groups::Group;
use serde::Deserialize;
use std::io::{BufReader, Seek, Write as _};
use utoipa::{IntoParams, ToSchema};

/// Largest export accepted as an upload, in bytes. It is spooled to a
/// temporary file, never held in memory.
pub const UPLOAD_LIMIT: u64 = 2 << 30;
/// Largest live batch.
pub const LIVE_BATCH: usize = 1000;

/// Every group.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups",
    responses((status = 200, body = Vec<Object>)), security(("bearer" = [])))]
pub async fn list(State(app): State<App>, _: Caller) -> ApiResult<Json<Vec<Group>>> {
    let mut tx = app.store.read().await?;
    Ok(Json(pond_store::groups::list(&mut tx).await?))
}

/// The date to report as of.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AsOf {
    /// YYYY-MM-DD in the shop's time zone (default: today).
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub as_of: Option<Date>,
}

/// The census, a row per group, survival and warnings.
#[utoipa::path(get, path = "/api/v1/groups/report", tag = "groups", params(AsOf),
    responses((status = 200, body = GroupsReport)), security(("bearer" = [])))]
pub async fn report_all(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<AsOf>,
) -> ApiResult<Json<GroupsReport>> {
    run_report(&app, q.as_of, None).await.map(Json)
}

/// One group's health.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(AsOf),
    responses((status = 200, body = report::GroupRow), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<AsOf>,
) -> ApiResult<Json<report::GroupRow>> {
    let r = run_report(&app, q.as_of, Some(id)).await?;
    r.groups
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("group"))
}

async fn run_report(app: &App, as_of: Option<Date>, only: Option<i64>) -> ApiResult<GroupsReport> {
    let as_of = as_of.unwrap_or_else(|| app.time_zone.to_datetime(Timestamp::now()).date());
    let mut tx = app.store.read().await?;
    report::groups(&mut tx, &app.time_zone, as_of, &app.lifecycle(), only).await
}

/// Paging for messages.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Recent {
    /// How many, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// A group's latest messages, joins and leaves, newest first.
#[utoipa::path(get, path = "/api/v1/groups/{id}/messages", tag = "groups", params(Recent),
    responses((status = 200, body = Vec<Object>)), security(("bearer" = [])))]
pub async fn messages(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<Recent>,
) -> ApiResult<Json<Vec<Message>>> {
    let mut tx = app.store.read().await?;
    Ok(Json(
        pond_store::chat::recent(&mut tx, id, limit(q.limit)).await?,
    ))
}

/// A group's people: staff flags, joins and leaves, and the Pond member
/// each is linked to (by phone or WeChat id).
#[utoipa::path(get, path = "/api/v1/groups/{id}/people", tag = "groups",
    responses((status = 200, body = Vec<Object>)), security(("bearer" = [])))]
pub async fn people(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<Json<Vec<pond_store::groups::Person>>> {
    let mut tx = app.store.read().await?;
    Ok(Json(pond_store::groups::people_of(&mut tx, id).await?))
}

/// A batch of live events for one group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveBatch {
    /// At most 1,000 events.
    pub events: Vec<LiveEvent>,
}

/// One live event. Sending the same `id` again adds nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveEvent {
    /// The platform's id for the event, unique within the group.
    pub id: String,
    /// message, join or leave.
    #[serde(rename = "type")]
    pub kind: LiveKind,
    /// When it happened (RFC 3339).
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// The sender of a message; the member who joined or left.
    pub person: Option<LivePerson>,
    /// For messages: text (default), media or system.
    pub message_kind: Option<LiveMessageKind>,
    /// The message's text.
    pub text: Option<String>,
}

/// What a live event is.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LiveKind {
    /// A message.
    Message,
    /// Someone joined.
    Join,
    /// Someone left or was removed.
    Leave,
}

/// What a live message carries.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LiveMessageKind {
    /// Text.
    Text,
    /// A photo, file, sticker...
    Media,
    /// A platform notice.
    System,
}

/// A person in a live event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LivePerson {
    /// Display name.
    pub name: String,
    /// The platform's id for them, if any.
    pub id: Option<String>,
    /// A bot account.
    #[serde(default)]
    pub bot: bool,
}

/// Ingest live events: messages, joins and leaves, idempotent by event id.
#[utoipa::path(post, path = "/api/v1/groups/{id}/events", tag = "groups", request_body = LiveBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for the same request")),
    responses((status = 200, body = Added), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn live(State(app): State<App>, Id(id): Id, w: Write<LiveBatch>) -> ApiResult<Response> {
    let events = w.body.events;
    if events.len() > LIVE_BATCH {
        return Err(ApiError::unprocessable(
            "batch_too_large",
            format!(
                "at most {LIVE_BATCH} events per batch; got {}",
                events.len()
            ),
        )
        .field("events"));
    }
    let settings = app.ingest_settings(Timestamp::MIN);
    let store = app.store.clone();
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            let g = pond_store::groups::get(tx, id)
                .await?
                .ok_or_else(|| ApiError::not_found("group"))?;
            let group = group_ref(&g);
            let batch = events
                .into_iter()
                .enumerate()
                .map(|(i, e)| chat_event(&group, id, i, e))
                .collect::<ApiResult<Vec<_>>>()?;
            let mut ingest = Ingest::new(store, settings).with_group(group, id);
            Ok(ingest.write_in(tx, batch).await?)
        })
    })
    .await
}

fn group_ref(g: &Group) -> GroupRef {
    let channel = match g.channel.as_str() {
        "wechat" => Channel::Wechat,
        "wecom" => Channel::Wecom,
        "whatsapp" => Channel::Whatsapp,
        "telegram" => Channel::Telegram,
        "discord" => Channel::Discord,
        _ => Channel::Other,
    };
    GroupRef {
        channel,
        external_id: g.external_id.clone(),
        name: g.name.clone(),
    }
}

fn chat_event(group: &GroupRef, id: i64, i: usize, e: LiveEvent) -> ApiResult<ChatEvent> {
    let field = |f: &str| format!("events[{i}].{f}");
    if e.id.trim().is_empty() || e.id.len() > 200 {
        return Err(
            ApiError::unprocessable("invalid", "an event id is 1 to 200 characters")
                .field(field("id")),
        );
    }
    let event_id = pond_core::privacy::sha256_hex(format!("live:{id}:{}", e.id).as_bytes());
    let person = e.person.map(|p| Person {
        name: p.name,
        platform_id: p.id,
        is_bot: p.bot,
    });
    let needs_person = || {
        ApiError::unprocessable("required", "a join or leave names the person")
            .field(field("person"))
    };
    Ok(match e.kind {
        LiveKind::Message => ChatEvent::Message {
            group: group.clone(),
            sender: person,
            at: e.at,
            kind: match e.message_kind.unwrap_or(LiveMessageKind::Text) {
                LiveMessageKind::Text => MessageKind::Text,
                LiveMessageKind::Media => MessageKind::Media,
                LiveMessageKind::System => MessageKind::System,
            },
            text: e.text,
            event_id,
        },
        LiveKind::Join => ChatEvent::Join {
            group: group.clone(),
            member: person.ok_or_else(needs_person)?,
            by: None,
            at: e.at,
            event_id,
        },
        LiveKind::Leave => ChatEvent::Leave {
            group: group.clone(),
            member: person.ok_or_else(needs_person)?,
            by: None,
            at: e.at,
            event_id,
        },
    })
}

/// How to read an uploaded export.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// auto (default), whatsapp, telegram, discord-json, discord-csv or wechat-csv.
    pub format: Option<String>,
    /// The group's name for formats that do not record one.
    pub group: Option<String>,
    /// The file's name, which helps tell a WhatsApp .txt apart.
    pub file_name: Option<String>,
}

/// Upload a chat export (the raw file as the body). Importing the same
/// export again adds nothing; the answer says what was new.
#[utoipa::path(post, path = "/api/v1/imports", tag = "groups", params(ImportQuery),
    request_body(content = String, content_type = "application/octet-stream"),
    responses((status = 200, body = Imported), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(app): State<App>,
    _: Caller,
    Q(q): Q<ImportQuery>,
    body: Body,
) -> ApiResult<Json<Imported>> {
    let format = community::parse_format(q.format.as_deref().unwrap_or("auto"))?;
    let _turn = app.import_turn()?;
    let file = spool(body).await?;
    let name = q
        .group
        .or_else(|| q.file_name.clone())
        .unwrap_or_else(|| "uploaded chat".into());
    let options = ImportOptions::new(name, app.time_zone.clone());
    let imported = community::import_reader(
        &app.store,
        BufReader::with_capacity(1 << 20, file),
        q.file_name,
        format,
        options,
        app.ingest_settings(community::alerts::import_alerts_since(app.now())),
    )
    .await?;
    Ok(Json(imported))
}

/// Writes the request body to an anonymous temporary file, refusing more
/// than [`UPLOAD_LIMIT`] bytes.
async fn spool(body: Body) -> ApiResult<std::fs::File> {
    let mut file = tempfile::tempfile().map_err(|e| ApiError::internal(&e))?;
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("body", e.to_string()))?;
        size += chunk.len() as u64;
        if size > UPLOAD_LIMIT {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("an upload may be at most {UPLOAD_LIMIT} bytes"),
            ));
        }
        // Chunks are small (kilobytes); a blocking write to a local file
        // costs less than a hop to the blocking pool.
        file.write_all(&chunk).map_err(|e| ApiError::internal(&e))?;
    }
    file.rewind().map_err(|e| ApiError::internal(&e))?;
    Ok(file)
}

/// Marks a person as the shop's staff or not.
#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    /// Whether the person is staff.
    pub staff: bool,
}

/// Mark a group member as staff (their messages stop counting as customer
/// activity) or not; the group's rollups are re-derived.
#[utoipa::path(post, path = "/api/v1/groups/{id}/people/{person}/staff", tag = "groups",
    request_body = Staff,
    params(("person" = i64, Path, description = "The person's id")),
    responses((status = 200, body = Staff), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn staff(
    State(app): State<App>,
    axum::extract::Path((group, person)): axum::extract::Path<(String, String)>,
    w: Write<Staff>,
) -> ApiResult<Response> {
    let id = |s: &str, what: &str| {
        s.parse::<i64>()
            .map_err(|_| ApiError::not_found(what).field(what.to_string()))
    };
    let (group, person) = (id(&group, "group")?, id(&person, "person")?);
    let staff = w.body.staff;
    write::run(&app, w.idempotency, StatusCode::OK, move |tx| {
        Box::pin(async move {
            if pond_store::groups::set_staff(tx, group, person, staff).await? {
                Ok(Staff { staff })
            } else {
                Err(ApiError::not_found("person"))
            }
        })
    })
    .await
}
