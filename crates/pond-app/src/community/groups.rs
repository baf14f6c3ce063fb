//! The shop's chat groups as the doors show them: the list, a group's
//! latest messages and people, staff flags, and live batches in.

use super::ingest::{Added, Ingest};
use crate::{Error, Pond, Result, Tx};
use jiff::Timestamp;
use pond_import::{Channel, ChatEvent, GroupRef};
pub use pond_store::chat::Message;
pub use pond_store::groups::{Group, Person};

/// Every group.
pub async fn list(pond: &Pond) -> Result<Vec<Group>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::groups::list(&mut tx).await?)
}

/// A group's latest messages, joins and leaves, newest first.
pub async fn recent(pond: &Pond, id: i64, limit: i64) -> Result<Vec<Message>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::chat::recent(&mut tx, id, limit).await?)
}

/// A group's people with their staff flags and linked members.
pub async fn people(pond: &Pond, id: i64) -> Result<Vec<Person>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::groups::people_of(&mut tx, id).await?)
}

/// The platform identity of a stored group, which live events name.
pub async fn group_ref(pond: &Pond, id: i64) -> Result<GroupRef> {
    let mut tx = pond.store.read().await?;
    let g = pond_store::groups::get(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found("group"))?;
    let channel = match g.channel.as_str() {
        "wechat" => Channel::Wechat,
        "wecom" => Channel::Wecom,
        "whatsapp" => Channel::Whatsapp,
        "telegram" => Channel::Telegram,
        "discord" => Channel::Discord,
        _ => Channel::Other,
    };
    Ok(GroupRef {
        channel,
        external_id: g.external_id,
        name: g.name,
    })
}

/// An ingest for a live batch of one group's events, ready before the
/// write begins (building the complaint classifier must not hold the
/// writer); live messages raise complaint alerts whatever their age.
pub async fn live_ingest(pond: &Pond, group: GroupRef, id: i64) -> Result<Ingest> {
    let settings = pond.ingest_settings(Timestamp::MIN).await?;
    Ok(Ingest::new(pond.store.clone(), settings).with_group(group, id))
}

/// Writes a live batch inside `tx`, the caller's (idempotent) change.
#[tracing::instrument(skip_all, fields(events = batch.len()))]
pub async fn ingest_live(tx: &mut Tx, mut ingest: Ingest, batch: Vec<ChatEvent>) -> Result<Added> {
    Ok(ingest.write_in(tx, batch).await?)
}

/// Writes live events from a platform hook, in their own transaction.
#[tracing::instrument(skip_all, fields(events = batch.len()))]
pub async fn ingest_hook(pond: &Pond, batch: Vec<ChatEvent>) -> Result<Added> {
    let settings = pond.ingest_settings(Timestamp::MIN).await?;
    let mut ingest = Ingest::new(pond.store.clone(), settings);
    Ok(ingest.write(batch).await?)
}

/// Marks a person as the shop's staff or not; the group's rollups follow.
#[tracing::instrument(skip_all, fields(group = group, person = person))]
pub async fn set_staff(tx: &mut Tx, group: i64, person: i64, staff: bool) -> Result<()> {
    if pond_store::groups::set_staff(tx, group, person, staff).await? {
        Ok(())
    } else {
        Err(Error::not_found("person"))
    }
}
