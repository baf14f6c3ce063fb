//! Console accounts: roles, passwords (argon2id) and their creation, for
//! the console's setup and settings pages and for `pond user create`.

use crate::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use jiff::Timestamp;

/// NIST SP 800-63B's floor for a memorized secret.
const MIN_PASSWORD: usize = 8;

/// What an account may do. Ordered: each role can do what those below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads every page; changes nothing.
    Viewer,
    /// Runs the shop day to day: programs, reviews, complaints, imports.
    Operator,
    /// Also settings, tokens, webhooks and accounts.
    Owner,
}

impl Role {
    /// `owner`, `operator` or `viewer`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "operator" => Some(Role::Operator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }
}

/// Hashes a password with argon2id and a random salt (slow on purpose:
/// call it off the async threads).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Checks a new account's name and password; the error names the field.
pub fn validate(username: &str, password: &str) -> Result<(), (&'static str, String)> {
    let name_ok = !username.is_empty()
        && username.chars().count() <= 64
        && !username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !name_ok {
        return Err((
            "username",
            "the username must be 1 to 64 characters without spaces".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err((
            "password",
            format!("the password must have at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// Creates an account (hashing its password first); used by the setup page
/// and by `pond user create`.
pub async fn create_user(
    store: &pond_store::Store,
    username: &str,
    password: &str,
    role: Role,
    now: Timestamp,
) -> Result<i64> {
    validate(username, password).map_err(|(field, m)| Error::invalid("invalid", m).field(field))?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::internal(&e))?
        .map_err(|e| Error::internal(&e))?;
    let name = username.to_string();
    store
        .write(move |tx| {
            Box::pin(async move {
                pond_store::users::insert(tx, &name, &hash, role.as_str(), now).await
            })
        })
        .await
        .map_err(|e| match e {
            pond_store::StoreError::Conflict(_) => Error::conflict(
                "username_taken",
                format!("the username {username} is taken"),
            ),
            e => Error::from(e),
        })
}
