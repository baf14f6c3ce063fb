//! Member posters (任务宝): a program's template (`PUT /api/v1/programs/{id}/poster`)
//! and each member's poster drawn from it, for the operator
//! (`/api/v1/members/{id}/poster.png`) and on the member's own link
//! (`/r/{code}/poster.png`).

use super::params::{Id, Q};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Caller;
use crate::poster_cache::PosterKey;
use crate::{App, poster, redirect, uploads, write};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::GenericImageView;
use pond_core::code::ReferralCode;
use pond_store::posters::{Layout, Template};
use pond_store::time::ts;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Largest template image accepted, in bytes.
pub const TEMPLATE_LIMIT: usize = 5 << 20;

/// Where the member's QR code and name go, in pixels from the top-left.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// The QR code square's left edge.
    pub qr_x: i64,
    /// Its top edge.
    pub qr_y: i64,
    /// Its side, at least 64 pixels.
    pub qr_size: i64,
    /// The name's anchor x (default: the QR code's centre).
    pub name_x: Option<i64>,
    /// The top of the name (default: 16 pixels below the QR code).
    pub name_y: Option<i64>,
    /// Text height, 8 to 400 pixels (default 40).
    pub name_size: Option<i64>,
    /// `#rrggbb` (default `#333333`).
    pub name_color: Option<String>,
    /// `center` (default: name_x is the middle of the text) or `left`.
    pub name_align: Option<String>,
}

/// A program's poster template, without its image.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    /// The program.
    pub program_id: i64,
    /// Where things go.
    #[schema(value_type = Object)]
    pub layout: Layout,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::unprocessable("invalid_layout", message).field(field)
}

/// Checks a layout against the template's size and fills in defaults.
fn layout(q: TemplateQuery, width: u32, height: u32) -> ApiResult<Layout> {
    let (w, h) = (i64::from(width), i64::from(height));
    // Each number within a template's largest side before any sum of them,
    // so `qr_x + qr_size` cannot overflow.
    let side = i64::from(uploads::MAX_SIDE);
    for (field, value) in [
        ("qr_x", Some(q.qr_x)),
        ("qr_y", Some(q.qr_y)),
        ("qr_size", Some(q.qr_size)),
        ("name_x", q.name_x),
        ("name_y", q.name_y),
        ("name_size", q.name_size),
    ] {
        if let Some(v) = value
            && !(0..=side).contains(&v)
        {
            return Err(invalid(
                field,
                format!("{field} {v} is outside 0 to {side} pixels"),
            ));
        }
    }
    if q.qr_size < 64 || q.qr_size > w.min(h) {
        return Err(invalid(
            "qr_size",
            format!(
                "the QR code's side is 64 to {} pixels on this template",
                w.min(h)
            ),
        ));
    }
    if q.qr_x < 0 || q.qr_y < 0 || q.qr_x + q.qr_size > w || q.qr_y + q.qr_size > h {
        return Err(invalid(
            "qr_x",
            format!(
                "the QR code's square ({}, {}) side {} must lie inside the {width}x{height} template",
                q.qr_x, q.qr_y, q.qr_size
            ),
        ));
    }
    let name_x = q.name_x.unwrap_or(q.qr_x + q.qr_size / 2);
    let name_y = q.name_y.unwrap_or(q.qr_y + q.qr_size + 16);
    if !(0..w).contains(&name_x) {
        return Err(invalid(
            "name_x",
            format!("name_x {name_x} is outside the template (0 to {})", w - 1),
        ));
    }
    if !(0..h).contains(&name_y) {
        return Err(invalid(
            "name_y",
            format!("name_y {name_y} is outside the template (0 to {})", h - 1),
        ));
    }
    let name_size = q.name_size.unwrap_or(40);
    if !(8..=400).contains(&name_size) {
        return Err(invalid(
            "name_size",
            "the name's size is 8 to 400 pixels".into(),
        ));
    }
    let name_color = q.name_color.unwrap_or_else(|| "#333333".into());
    if poster::parse_color(&name_color).is_none() {
        return Err(invalid(
            "name_color",
            format!("name_color `{name_color}` is not a `#rrggbb` colour"),
        ));
    }
    let name_align = q.name_align.unwrap_or_else(|| "center".into());
    if !matches!(name_align.as_str(), "center" | "left") {
        return Err(invalid(
            "name_align",
            format!("name_align `{name_align}`: use center or left"),
        ));
    }
    Ok(Layout {
        width: w,
        height: h,
        qr_x: q.qr_x,
        qr_y: q.qr_y,
        qr_size: q.qr_size,
        name_x,
        name_y,
        name_size,
        name_color,
        name_align,
    })
}

/// Set a program's poster template: the raw PNG or JPEG as the body (at
/// most 5 MB, 4096 pixels a side), the layout as query parameters.
#[utoipa::path(put, path = "/api/v1/programs/{id}/poster", tag = "programs",
    params(TemplateQuery),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_template(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<TemplateQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let bytes = uploads::body(body, TEMPLATE_LIMIT)?;
    let (img, _) = uploads::decode(&bytes)?;
    let (w, h) = img.dimensions();
    let layout = layout(q, w, h)?;
    let now = app.now();
    write::run(&app, None, StatusCode::OK, move |tx| {
        Box::pin(async move {
            if pond_store::programs::get(tx, id).await?.is_none() {
                return Err(ApiError::not_found("program"));
            }
            pond_store::posters::put(tx, id, &bytes, &layout, now).await?;
            Ok(TemplateView {
                program_id: id,
                layout,
                updated_at: now.to_string(),
            })
        })
    })
    .await
}

/// A program's poster template (its layout).
#[utoipa::path(get, path = "/api/v1/programs/{id}/poster", tag = "programs",
    responses((status = 200, body = TemplateView), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn get_template(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
) -> ApiResult<axum::Json<TemplateView>> {
    let mut tx = app.store.read().await?;
    let t = template(&mut tx, id).await?;
    Ok(axum::Json(TemplateView {
        program_id: t.program_id,
        layout: t.layout,
        updated_at: ts(t.updated_at).to_string(),
    }))
}

async fn template(tx: &mut pond_store::Tx, program: i64) -> ApiResult<Template> {
    pond_store::posters::get(tx, program)
        .await?
        .ok_or_else(|| ApiError::not_found("poster template").field("program"))
}

/// Which program's poster.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PosterQuery {
    /// The program whose template and link the poster carries.
    pub program: i64,
}

/// A member's poster as PNG: the program's template with the member's link
/// as a QR code and their name. The link is made if the member has none yet.
#[utoipa::path(get, path = "/api/v1/members/{id}/poster.png", tag = "members",
    params(PosterQuery),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn member_poster(
    State(app): State<App>,
    _: Caller,
    Id(id): Id,
    Q(q): Q<PosterQuery>,
) -> ApiResult<Response> {
    let now = app.now();
    let program = q.program;
    let (t, link, name) = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                let member = pond_store::members::get(tx, id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("member"))?;
                if pond_store::programs::get(tx, program).await?.is_none() {
                    return Err(ApiError::not_found("program").field("program"));
                }
                let t = template(tx, program).await?;
                let link = pond_store::links::get_or_create(tx, program, id, now).await?;
                Ok::<_, ApiError>((t, link.code, member.name))
            })
        })
        .await?;
    draw(&app, t, &link, name).await
}

/// `GET /r/{code}/poster.png`: the poster of the member whose link this is,
/// from the cache when this template version and name were drawn before.
pub async fn link_poster(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let unknown = || ApiError::not_found("referral code");
    let code = ReferralCode::parse(&code).map_err(|_| unknown())?;
    let mut tx = app.store.read().await?;
    let link = pond_store::links::by_code(&mut tx, code.as_str())
        .await?
        .ok_or_else(unknown)?;
    let version = pond_store::posters::version(&mut tx, link.program_id)
        .await?
        .ok_or_else(|| ApiError::not_found("poster template").field("program"))?;
    let name = pond_store::members::get(&mut tx, link.member_id)
        .await?
        .and_then(|m| m.name);
    let key = PosterKey {
        program: link.program_id,
        version,
        code: link.code.clone(),
        name: name.clone(),
    };
    if let Some(png) = app.posters.get(&key) {
        return Ok(png_response(png.to_vec()));
    }
    let t = template(&mut tx, link.program_id).await?;
    drop(tx);
    // Keyed by the version read with the image, so a template replaced
    // between the two reads is never cached under the old one.
    let key = PosterKey {
        version: t.updated_at,
        ..key
    };
    let png = render(&app, t, &link.code, name).await?;
    app.posters.put(key, Arc::from(png.as_slice()));
    Ok(png_response(png))
}

/// Renders off the async threads: decoding, drawing and encoding a poster
/// is tens of milliseconds of CPU, and the first call reads the font file.
/// At most one render per core runs; the rest wait their turn.
async fn render(app: &App, t: Template, code: &str, name: Option<String>) -> ApiResult<Vec<u8>> {
    let url = redirect::link_url(app, code);
    let _turn = app
        .posters
        .renders
        .acquire()
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let font = app.poster_font();
        poster::render(&t.image, &t.layout, &url, name.as_deref(), font.as_ref())
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
    .map_err(|e| ApiError::internal(&e))
}

async fn draw(app: &App, t: Template, code: &str, name: Option<String>) -> ApiResult<Response> {
    Ok(png_response(render(app, t, code, name).await?))
}

fn png_response(png: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        png,
    )
        .into_response()
}
