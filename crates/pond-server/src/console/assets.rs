//! The console's stylesheet, compiled into the binary.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("console.css");

/// `GET /console/assets/{file}`: the stylesheet, cached for a day (its URL
/// carries the crate version, so an upgrade is fetched afresh).
pub async fn serve(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "console.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            CSS,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The stylesheet's URL.
pub fn css_url() -> String {
    format!(
        "/console/assets/console.css?v={}",
        env!("CARGO_PKG_VERSION")
    )
}
