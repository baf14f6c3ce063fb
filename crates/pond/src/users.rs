//! `pond user`: console accounts, made from the command line (the first
//! owner, or a forgotten password), with the same rules as the console.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jiff::Timestamp;
use pond_app::users::Role;
use pond_store::Store;
use std::io::{BufRead, IsTerminal};

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create an account. The password is asked for (hidden) on a
    /// terminal, else read from the first line of stdin, or taken from
    /// POND_USER_PASSWORD.
    Create {
        /// The login name.
        #[arg(long)]
        username: String,
        /// owner, operator or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
    },
    /// List accounts.
    List,
    /// Set a new password (ends the account's sessions).
    Password {
        /// The login name.
        #[arg(long)]
        username: String,
    },
}

/// Runs a `pond user` command.
pub async fn run(store: &Store, cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Create { username, role } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role must be owner, operator or viewer, not `{role}`")
            })?;
            let password = password()?;
            let id = pond_app::users::create_user(
                store,
                username.trim(),
                &password,
                role,
                Timestamp::now(),
            )
            .await?;
            println!(
                "created {} account `{}` (id {id})",
                role.as_str(),
                username.trim()
            );
        }
        UserCmd::List => {
            let mut tx = store.read().await?;
            for u in pond_store::users::list(&mut tx).await? {
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\tcreated {}\t{state}",
                    u.id, u.username, u.role, u.created_at
                );
            }
        }
        UserCmd::Password { username } => {
            let password = password()?;
            pond_app::users::validate(&username, &password)
                .map_err(|(_, m)| anyhow::Error::msg(m))?;
            let hash = pond_app::users::hash_password(&password).map_err(anyhow::Error::msg)?;
            let name = username.clone();
            let changed = store
                .write(move |tx| {
                    Box::pin(async move { pond_store::users::set_password(tx, &name, &hash).await })
                })
                .await?;
            if !changed {
                bail!("there is no account `{username}`");
            }
            println!("password of `{username}` changed; its sessions are ended");
        }
    }
    Ok(())
}

/// The new password: POND_USER_PASSWORD, else a hidden prompt on a
/// terminal, else stdin's first line.
fn password() -> Result<String> {
    if let Ok(p) = std::env::var("POND_USER_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("Again: ").context("reading the password")?;
        if p != again {
            bail!("the two passwords differ");
        }
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Whether the store has no console account yet.
pub async fn none_yet(app: &pond_app::Pond) -> Result<bool> {
    let mut tx = app.store.read().await?;
    Ok(pond_store::users::count(&mut tx).await? == 0)
}
