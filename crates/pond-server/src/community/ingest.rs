//! Chat events into the store: groups and people resolved, events stored
//! once, and the day rollups grown by what was new.
//!
//! One [`Ingest`] serves one import or one live batch. It remembers the ids
//! of groups and people it has resolved, so a long import asks the database
//! only about people it has not met yet. Each batch is one write: all of it
//! lands or none of it does.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use pond_community::{day_number, day_of};
use pond_import::{ChatEvent, GroupRef, MessageKind, Person};
use pond_store::chat::{self, DayDelta, NewEvent};
use pond_store::groups::{self, NewGroup, NewPerson, PersonId};
use pond_store::{Store, StoreError, Tx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Events per write: large enough to amortise a commit, small enough that
/// a batch's rows stay in memory comfortably.
pub const BATCH: usize = 4096;

/// What the events of an ingest added to the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Added {
    /// Groups seen (new or known).
    pub groups: u64,
    /// Messages stored for the first time.
    pub messages: u64,
    /// Joins stored for the first time.
    pub joins: u64,
    /// Leaves stored for the first time.
    pub leaves: u64,
    /// Events already stored before (a repeated import or retry).
    pub duplicates: u64,
}

/// Settings of an ingest.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The shop's time zone: which day a message belongs to.
    pub time_zone: TimeZone,
    /// Names or platform ids of the shop's staff.
    pub staff: Arc<HashSet<String>>,
    /// Keep message text (for complaint review) or only its kind.
    pub keep_text: bool,
}

/// Resolves and stores chat events, batch by batch.
pub struct Ingest {
    store: Store,
    settings: Settings,
    known: Known,
    /// Totals over every batch so far.
    pub added: Added,
}

/// Ids already resolved, moved into each write and back out of it, so a
/// failed write cannot leave ids that were rolled back.
#[derive(Default)]
struct Known {
    groups: HashMap<GroupRef, i64>,
    people: HashMap<(i64, String), PersonId>,
}

impl Ingest {
    /// A new ingest into `store`.
    pub fn new(store: Store, settings: Settings) -> Self {
        Ingest {
            store,
            settings,
            known: Known::default(),
            added: Added::default(),
        }
    }

    /// Stores one batch of events in one transaction; answers what it added.
    pub async fn write(&mut self, batch: Vec<ChatEvent>) -> Result<Added, StoreError> {
        let known = std::mem::take(&mut self.known);
        let settings = self.settings.clone();
        let (known, added) = self
            .store
            .write(move |tx| Box::pin(store_batch(tx, known, settings, batch)))
            .await?;
        self.known = known;
        self.added.groups = self.known.groups.len() as u64;
        self.added.messages += added.messages;
        self.added.joins += added.joins;
        self.added.leaves += added.leaves;
        self.added.duplicates += added.duplicates;
        Ok(added)
    }

    /// The store's id of a group this ingest has met.
    pub fn group_id(&self, group: &GroupRef) -> Option<i64> {
        self.known.groups.get(group).copied()
    }
}

/// The first 64 bits of a hex SHA-256 event id (any other string is hashed
/// first, so ids spread evenly whatever their source).
pub fn short_id(event_id: &str) -> i64 {
    let digest;
    let hex = match event_id.get(..16) {
        Some(h) if event_id.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => h,
        _ => {
            digest = pond_core::privacy::sha256_hex(event_id.as_bytes());
            &digest[..16]
        }
    };
    u64::from_str_radix(hex, 16).unwrap_or(0) as i64
}

fn person_of(p: &Person) -> NewPerson {
    NewPerson::new(&p.name, p.platform_id.as_deref(), p.is_bot)
}

fn new_group(g: &GroupRef) -> NewGroup {
    NewGroup {
        channel: g.channel.as_str().to_string(),
        external_id: g.external_id.clone(),
        name: g.name.clone(),
    }
}

async fn store_batch(
    tx: &mut Tx,
    mut known: Known,
    settings: Settings,
    batch: Vec<ChatEvent>,
) -> Result<(Known, Added), StoreError> {
    let now = Timestamp::now();
    // 1. Groups, and the earliest instant seen in each.
    let mut earliest: HashMap<i64, Timestamp> = HashMap::new();
    for e in &batch {
        let g = e.group();
        let id = match known.groups.get(g) {
            Some(&id) => id,
            None => {
                let id = groups::get_or_create(tx, &new_group(g), e.at().min(now)).await?;
                known.groups.insert(g.clone(), id);
                id
            }
        };
        let at = earliest.entry(id).or_insert(e.at());
        *at = (*at).min(e.at());
    }
    for (&group, &at) in &earliest {
        groups::seen_since(tx, group, at).await?;
    }

    // 2. People not met yet, in one statement per group.
    let mut missing: HashMap<i64, Vec<NewPerson>> = HashMap::new();
    let mut asked: HashSet<(i64, String)> = HashSet::new();
    for e in &batch {
        let group = known.groups[e.group()];
        let person = match e {
            ChatEvent::Message { sender, .. } => sender.as_ref(),
            ChatEvent::Join { member, .. } | ChatEvent::Leave { member, .. } => Some(member),
        };
        if let Some(p) = person {
            let p = person_of(p);
            let key = (group, p.key.clone());
            if !known.people.contains_key(&key) && asked.insert(key) {
                missing.entry(group).or_default().push(p);
            }
        }
    }
    let staff = settings.staff.clone();
    let is_staff = move |p: &NewPerson| {
        staff.contains(&p.name) || p.platform_id.as_ref().is_some_and(|id| staff.contains(id))
    };
    for (group, people) in missing {
        for (key, id) in groups::people(tx, group, &people, &is_staff).await? {
            known.people.insert((group, key), id);
        }
    }

    // 3. The events themselves; only the new ones count from here on.
    let mut rows = Vec::with_capacity(batch.len());
    let mut who = Vec::with_capacity(batch.len());
    for e in &batch {
        let group = known.groups[e.group()];
        let (person, kind, text) = match e {
            ChatEvent::Message {
                sender, kind, text, ..
            } => (
                sender.as_ref(),
                kind.as_str(),
                text.clone().filter(|_| settings.keep_text),
            ),
            ChatEvent::Join { member, .. } => (Some(member), "join", None),
            ChatEvent::Leave { member, .. } => (Some(member), "leave", None),
        };
        let person = person.map(|p| known.people[&(group, person_of(p).key)]);
        who.push(person);
        rows.push(NewEvent {
            id: short_id(e.event_id()),
            group_id: group,
            person_id: person.map(|p| p.id),
            at: pond_store::time::ms(e.at()),
            kind,
            text,
        });
    }
    let fresh: HashSet<i64> = chat::insert(tx, &rows).await?.into_iter().collect();

    // 4. Rollups from the new events.
    let mut added = Added {
        duplicates: (rows.len() - fresh.len()) as u64,
        ..Added::default()
    };
    let mut days: HashMap<(i64, i64), DayDelta> = HashMap::new();
    let mut senders: HashMap<(i64, i64, i64), (bool, i64)> = HashMap::new();
    let mut moves: Vec<(i64, Option<i64>, Option<i64>)> = Vec::new();
    for ((e, row), person) in batch.iter().zip(&rows).zip(&who) {
        if !fresh.contains(&row.id) {
            continue;
        }
        let day = i64::from(day_number(day_of(e.at(), &settings.time_zone)));
        let d = days.entry((row.group_id, day)).or_default();
        match e {
            ChatEvent::Message { kind, .. } => {
                added.messages += 1;
                d.messages += 1;
                if let (Some(p), true) = (person, *kind != MessageKind::System) {
                    if !p.staff {
                        d.non_staff_messages += 1;
                    }
                    senders
                        .entry((row.group_id, day, p.id))
                        .or_insert((p.staff, 0))
                        .1 += 1;
                }
            }
            ChatEvent::Join { .. } => {
                added.joins += 1;
                d.joins += 1;
                moves.extend(row.person_id.map(|p| (p, Some(row.at), None)));
            }
            ChatEvent::Leave { .. } => {
                added.leaves += 1;
                d.leaves += 1;
                moves.extend(row.person_id.map(|p| (p, None, Some(row.at))));
            }
        }
    }
    let days: Vec<_> = days.into_iter().collect();
    chat::add_days(tx, &days).await?;
    let senders: Vec<_> = senders.into_iter().collect();
    chat::add_sender_days(tx, &senders).await?;
    for (person, joined, left) in moves {
        groups::membership(tx, person, joined, left).await?;
    }
    Ok((known, added))
}
