//! The one error every parse at the edge returns: which field, what is wrong.

use std::fmt;

/// A value that failed to parse or validate, naming the field and the problem.
///
/// The HTTP layer turns it into a 422 with `field` set; the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field, as named in the API (`phone`, `rewards[1].depth`).
    pub field: String,
    /// A stable machine-readable code (`invalid_phone`, `pyramid_indirect_reward`).
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

impl Invalid {
    /// Builds an error for `field` with a stable `code` and a human `message`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for Invalid {}
