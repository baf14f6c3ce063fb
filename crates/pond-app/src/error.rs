//! The application's one error type. Variants say what went wrong, not
//! how a door shows it: `pond-server` maps them to HTTP statuses and
//! console pages in one place each, the CLI prints them through anyhow.
//! Every refusal carries a stable code the doors can word in zh and en.

use pond_core::Invalid;
use pond_store::StoreError;

/// Why a service did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("{what} not found{}", field.as_ref().map(|f| format!(" (field `{f}`)")).unwrap_or_default())]
    NotFound {
        /// What was looked for (`member`, `program`, ...).
        what: String,
        /// The input field that named it, when there is one.
        field: Option<String>,
    },
    /// The request is readable but cannot be done as asked.
    #[error("{message} ({code}{})", field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Invalid {
        /// Stable code, e.g. `pyramid_indirect_referral`, `time_zone_fixed`.
        code: String,
        /// A sentence for a person.
        message: String,
        /// The input field at fault, when there is one.
        field: Option<String>,
    },
    /// The request clashes with data already there.
    #[error("{message} ({code})")]
    Conflict {
        /// Stable code, e.g. `conflict`, `already_redeemed`.
        code: String,
        /// A sentence for a person.
        message: String,
        /// The input field at fault, when there is one.
        field: Option<String>,
    },
    /// The store is overloaded: the caller should come back shortly.
    #[error("Pond is busy; retry shortly")]
    Busy,
    /// Something the request needs is not available now (a setting not
    /// made, a worker gone).
    #[error("{message} ({code})")]
    Unavailable {
        /// Stable code.
        code: String,
        /// A sentence for a person.
        message: String,
    },
    /// A fault on our side; its cause was logged where it happened.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result of a service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A missing `what`.
    pub fn not_found(what: &str) -> Self {
        Error::NotFound {
            what: what.into(),
            field: None,
        }
    }

    /// A request that cannot be done as asked.
    pub fn invalid(code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// A clash with existing data.
    pub fn conflict(code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Conflict {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// Something needed is not available now.
    pub fn unavailable(code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Unavailable {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A fault on our side, logged here with its cause.
    pub fn internal(cause: &dyn std::fmt::Debug) -> Self {
        tracing::error!(?cause, "internal error");
        Error::Internal(format!("{cause:?}"))
    }

    /// Names the input field at fault (a refusal keeps it; a fault or
    /// overload has none).
    pub fn field(mut self, name: impl Into<String>) -> Self {
        if let Error::NotFound { field, .. }
        | Error::Invalid { field, .. }
        | Error::Conflict { field, .. } = &mut self
        {
            *field = Some(name.into());
        }
        self
    }

    /// The sentence for a person, without code or field.
    pub fn message(&self) -> String {
        match self {
            Error::Invalid { message, .. }
            | Error::Conflict { message, .. }
            | Error::Unavailable { message, .. } => message.clone(),
            e => e.to_string(),
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> &str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Invalid { code, .. }
            | Error::Conflict { code, .. }
            | Error::Unavailable { code, .. } => code,
            Error::Busy => "busy",
            Error::Internal(_) => "internal",
        }
    }

    /// Whether the caller asked for something that cannot be done (as
    /// opposed to a fault or overload on our side).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::NotFound { .. } | Error::Invalid { .. } | Error::Conflict { .. }
        )
    }
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::invalid(e.code, e.message).field(e.field)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::not_found("resource"),
            StoreError::Conflict(what) => {
                Error::conflict("conflict", format!("already exists: {what}"))
            }
            StoreError::Busy => Error::Busy,
            e => Error::internal(&e),
        }
    }
}
