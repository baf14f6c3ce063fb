//! The one error boundary of the HTTP API. Every failure leaves as
//! `{"error": {"code", "message", "field"}}` with a 4xx that names the
//! problem; database and internal errors are logged in full and answered
//! with a bare 500 that leaks nothing.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pond_core::Invalid;
use pond_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An API failure.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
}

/// The JSON shape of an error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `pyramid_indirect_referral`, `not_found`, `unauthorized`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The field at fault, e.g. `rewards[0].depth`.
    pub field: Option<String>,
}

impl ApiError {
    /// An error with status, code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 404 for a missing resource.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 422 for a request that is well-formed but cannot be done.
    pub fn unprocessable(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 409 for a conflict with existing data.
    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 400 for a request that cannot be read.
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 500, after logging the cause.
    pub fn internal(cause: &dyn std::fmt::Debug) -> Self {
        tracing::error!(?cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::from(pond_app::Error::from(e))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(pond_app::Error::from(e))
    }
}

/// The one mapping from the application's errors to HTTP statuses.
impl From<pond_app::Error> for ApiError {
    fn from(e: pond_app::Error) -> Self {
        use pond_app::Error as E;
        match e {
            E::NotFound { what, field } => ApiError {
                field,
                ..ApiError::not_found(&what)
            },
            E::Invalid {
                code,
                message,
                field,
            } => ApiError {
                field,
                ..ApiError::unprocessable(code, message)
            },
            E::Conflict {
                code,
                message,
                field,
            } => ApiError {
                field,
                ..ApiError::conflict(code, message)
            },
            // Overload is not a bug: tell the client to come back.
            E::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Pond is busy; retry shortly (with the same Idempotency-Key)",
            ),
            E::Unavailable { code, message } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
            }
            // Logged with its cause where it happened; nothing leaks.
            E::Internal(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side; it has been logged",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
