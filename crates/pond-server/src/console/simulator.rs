//! (to be written)

use crate::App;
use axum::Router;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
}
