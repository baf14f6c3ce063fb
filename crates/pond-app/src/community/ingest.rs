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
use pond_store::alerts::NewAlert;
use pond_store::chat::{self, DayDelta, NewEvent};
use pond_store::groups::{self, NewGroup, NewPerson, PersonId};
use pond_store::{Store, StoreError, Tx};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;

/// Events per write: large enough to amortise a commit, small enough that
/// a batch's rows stay in memory comfortably.
pub const BATCH: usize = 16_384;

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
    /// Complaint alerts raised.
    pub alerts: u64,
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
    /// Text of messages older than this is not kept (the retention period);
    /// their counts are.
    pub text_since: Timestamp,
    /// Scores customers' text messages for complaints; `None` skips it.
    pub complaints: Option<Arc<pond_complaints::Classifier>>,
    /// Only messages from this instant on raise alerts: an import of last
    /// year's history should not page anyone.
    pub alerts_since: Timestamp,
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
    groups: FastMap<GroupRef, i64>,
    people: FastMap<(i64, u64), PersonId>,
}

/// foldhash: several times faster than SipHash on these keys (ids and
/// person hashes, plus a handful of group names per import), and seeded
/// per map, so crafted names cannot aim at one bucket.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

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
        let batch = prepare(&self.settings, batch);
        self.write_prepared(batch).await
    }

    /// Stores a batch [`prepare`]d elsewhere (an import prepares the next
    /// batch on its parser's thread while this one is written).
    pub async fn write_prepared(&mut self, batch: Prepared) -> Result<Added, StoreError> {
        let known = std::mem::take(&mut self.known);
        let settings = self.settings.clone();
        let (known, added, leftovers) = self
            .store
            .write(move |tx| Box::pin(store_batch(tx, known, settings, batch)))
            .await?;
        drop(leftovers);
        self.absorb(known, added);
        Ok(added)
    }

    /// Stores one batch inside a transaction the caller runs (the live API
    /// does, to honour `Idempotency-Key`); answers what it added. The caller
    /// may still roll back, so use a fresh `Ingest` for each such write.
    pub async fn write_in(
        &mut self,
        tx: &mut Tx,
        batch: Vec<ChatEvent>,
    ) -> Result<Added, StoreError> {
        let batch = prepare(&self.settings, batch);
        let known = std::mem::take(&mut self.known);
        let (known, added, _) = store_batch(tx, known, self.settings.clone(), batch).await?;
        self.absorb(known, added);
        Ok(added)
    }

    fn absorb(&mut self, known: Known, added: Added) {
        self.known = known;
        self.added.groups = self.known.groups.len() as u64;
        self.added.messages += added.messages;
        self.added.joins += added.joins;
        self.added.leaves += added.leaves;
        self.added.duplicates += added.duplicates;
        self.added.alerts += added.alerts;
    }

    /// Tells the ingest which stored group events for `group` belong to
    /// (the live API names groups by id, not by their export's key).
    pub fn with_group(mut self, group: GroupRef, id: i64) -> Self {
        self.known.groups.insert(group, id);
        self
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

/// A person's identity in a group as a 64-bit hash of their key: no string
/// per event. Two people of one group clash with odds near 2^-64 per pair.
fn person_hash(p: &Person) -> u64 {
    match &p.platform_id {
        Some(id) => HASH.hash_one(("id", id.as_str())),
        None => HASH.hash_one(("name", p.name.as_str())),
    }
}

/// A fixed seed: hashes must agree between batches and imports.
static HASH: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x504f_4e44);

/// A batch taken apart before its write. Everything that needs no
/// database (ids, days, complaint scores, which groups and people it names)
/// is worked out before the write, on another thread: the change itself
/// runs on SQLite's one writer core, which is the import's bottleneck.
pub struct Prepared {
    /// The distinct groups of the batch, with the earliest instant of each.
    groups: Vec<(GroupRef, Timestamp)>,
    /// The people of the batch, once each: the index of their group, their
    /// [`person_hash`] and their row.
    people: Vec<(usize, u64, NewPerson)>,
    events: Vec<PreparedEvent>,
}

struct PreparedEvent {
    /// Index into [`Prepared::groups`].
    group: usize,
    /// The sender, or who joined or left: an index into [`Prepared::people`].
    person: Option<usize>,
    id: i64,
    at: Timestamp,
    day: i64,
    /// The kind of a message; `None` for a join or leave.
    kind: Option<MessageKind>,
    label: &'static str,
    text: Option<String>,
    /// The complaint score of a text in the alert window, if it reads as
    /// one; whether its writer is staff is only known once people are.
    complaint: Option<f64>,
}

/// Takes a batch apart for [`Ingest::write_prepared`].
pub fn prepare(settings: &Settings, batch: Vec<ChatEvent>) -> Prepared {
    let mut groups: Vec<(GroupRef, Timestamp)> = Vec::new();
    let mut group_index: FastMap<GroupRef, usize> = FastMap::default();
    let mut people = Vec::new();
    let mut new_people: FastMap<(usize, u64), usize> = FastMap::default();
    let mut events = Vec::with_capacity(batch.len());
    for e in batch {
        let id = short_id(e.event_id());
        let at = e.at();
        let day = i64::from(day_number(day_of(at, &settings.time_zone)));
        let (group, person, kind, label, text) = match e {
            ChatEvent::Message {
                group,
                sender,
                kind,
                text,
                ..
            } => (group, sender, Some(kind), kind.as_str(), text),
            ChatEvent::Join { group, member, .. } => (group, Some(member), None, "join", None),
            ChatEvent::Leave { group, member, .. } => (group, Some(member), None, "leave", None),
        };
        // Consecutive events are nearly always of one group.
        let g = match groups.last() {
            Some((last, _)) if *last == group => groups.len() - 1,
            _ => *group_index.entry(group).or_insert_with_key(|group| {
                groups.push((group.clone(), at));
                groups.len() - 1
            }),
        };
        groups[g].1 = groups[g].1.min(at);
        let person = person.map(|p| {
            let hash = person_hash(&p);
            *new_people.entry((g, hash)).or_insert_with(|| {
                people.push((g, hash, person_of(&p)));
                people.len() - 1
            })
        });
        let complaint = match (&settings.complaints, &text) {
            (Some(c), Some(t))
                if kind == Some(MessageKind::Text) && at >= settings.alerts_since =>
            {
                let v = c.classify(t);
                v.complaint.then_some(v.score)
            }
            _ => None,
        };
        events.push(PreparedEvent {
            group: g,
            person,
            id,
            at,
            day,
            kind,
            label,
            text,
            complaint,
        });
    }
    Prepared {
        groups,
        people,
        events,
    }
}

/// What step 4 needs of an event once its row has been built.
struct Meta {
    day: i64,
    /// The complaint score of a customer's text, when it is one.
    complaint: Option<f64>,
    kind: Option<MessageKind>,
    person: Option<PersonId>,
}

/// The batch's rows, handed back so that the caller frees them: freed on
/// the writer's core, their many small strings made glibc consolidate its
/// free lists there, 13% of that core in an import.
struct Leftovers {
    _rows: Vec<NewEvent>,
    _people: Vec<(usize, u64, NewPerson)>,
}

async fn store_batch(
    tx: &mut Tx,
    mut known: Known,
    settings: Settings,
    mut batch: Prepared,
) -> Result<(Known, Added, Leftovers), StoreError> {
    let now = Timestamp::now();
    // The first chat data fixes the zone its days are counted in.
    let zone = settings.time_zone.iana_name().unwrap_or("UTC");
    pond_store::instance::set_if_absent(tx, super::TIME_ZONE, zone).await?;
    // 1. Groups, and the earliest instant seen in each.
    let mut group_ids = Vec::with_capacity(batch.groups.len());
    for (g, earliest) in &batch.groups {
        let id = match known.groups.get(g) {
            Some(&id) => id,
            None => {
                let id = groups::get_or_create(tx, &new_group(g), (*earliest).min(now)).await?;
                known.groups.insert(g.clone(), id);
                id
            }
        };
        groups::seen_since(tx, id, *earliest).await?;
        group_ids.push(id);
    }

    // 2. People: those met in earlier batches from memory, the others in
    // one call per group.
    let staff = settings.staff.clone();
    let is_staff = move |p: &NewPerson| {
        staff.contains(&p.name) || p.platform_id.as_ref().is_some_and(|id| staff.contains(id))
    };
    let mut person_ids = vec![
        PersonId {
            id: 0,
            staff: false
        };
        batch.people.len()
    ];
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); group_ids.len()];
    for (i, (g, hash, _)) in batch.people.iter().enumerate() {
        match known.people.get(&(group_ids[*g], *hash)) {
            Some(&id) => person_ids[i] = id,
            None => by_group[*g].push(i),
        }
    }
    for (g, indices) in by_group.iter().enumerate() {
        if indices.is_empty() {
            continue;
        }
        let asked: Vec<NewPerson> = indices
            .iter()
            .map(|&i| std::mem::take(&mut batch.people[i].2))
            .collect();
        let ids = groups::people(tx, group_ids[g], &asked, &is_staff).await?;
        for ((&i, id), person) in indices.iter().zip(ids).zip(asked) {
            batch.people[i].2 = person;
            person_ids[i] = id;
            known.people.insert((group_ids[g], batch.people[i].1), id);
        }
    }

    // 3. The events themselves, taken apart without copying their text;
    // only the new ones count from here on.
    let mut rows = Vec::with_capacity(batch.events.len());
    let mut meta = Vec::with_capacity(batch.events.len());
    for e in batch.events {
        let person = e.person.map(|i| person_ids[i]);
        // Staff do not complain about their own shop.
        let complaint = e.complaint.filter(|_| person.is_some_and(|p| !p.staff));
        // Text is dropped when not kept, unless an alert needs it.
        let text = if (settings.keep_text && e.at >= settings.text_since) || complaint.is_some() {
            e.text
        } else {
            None
        };
        meta.push(Meta {
            complaint,
            day: e.day,
            kind: e.kind,
            person,
        });
        rows.push(NewEvent {
            id: e.id,
            group_id: group_ids[e.group],
            person_id: person.map(|p| p.id),
            at: pond_store::time::ms(e.at),
            kind: e.label,
            text,
        });
    }
    let fresh = chat::insert(tx, &rows).await?;

    // 4. Rollups from the new events.
    let mut added = Added {
        duplicates: fresh.iter().filter(|f| !**f).count() as u64,
        ..Added::default()
    };
    let mut days: FastMap<(i64, i64), DayDelta> = FastMap::default();
    let mut senders: FastMap<(i64, i64, i64), (bool, i64)> = FastMap::default();
    let mut moves: Vec<(i64, Option<i64>, Option<i64>)> = Vec::new();
    let mut alerts = Vec::new();
    for ((row, m), fresh) in rows.iter().zip(&meta).zip(&fresh) {
        if !fresh {
            continue;
        }
        if let (Some(score), Some(text)) = (m.complaint, &row.text) {
            alerts.push(NewAlert {
                group_id: row.group_id,
                event_at: row.at,
                event_id: row.id,
                person_id: row.person_id,
                text: text.clone(),
                score,
            });
        }
        let d = days.entry((row.group_id, m.day)).or_default();
        match (m.kind, m.person) {
            (Some(kind), person) => {
                added.messages += 1;
                d.messages += 1;
                if let (Some(p), true) = (person, kind != MessageKind::System) {
                    if !p.staff {
                        d.non_staff_messages += 1;
                    }
                    senders
                        .entry((row.group_id, m.day, p.id))
                        .or_insert((p.staff, 0))
                        .1 += 1;
                }
            }
            (None, person) if row.kind == "join" => {
                added.joins += 1;
                d.joins += 1;
                moves.extend(person.map(|p| (p.id, Some(row.at), None)));
            }
            (None, person) => {
                added.leaves += 1;
                d.leaves += 1;
                moves.extend(person.map(|p| (p.id, None, Some(row.at))));
            }
        }
    }
    // In key order, so each statement walks its B-tree forward instead of
    // touching (and journaling) pages in the hash map's random order.
    let mut days: Vec<_> = days.into_iter().collect();
    days.sort_unstable_by_key(|(key, _)| *key);
    chat::add_days(tx, &days).await?;
    let mut senders: Vec<_> = senders.into_iter().collect();
    senders.sort_unstable_by_key(|(key, _)| *key);
    chat::add_sender_days(tx, &senders).await?;
    for (person, joined, left) in moves {
        groups::membership(tx, person, joined, left).await?;
    }
    // After the joins and leaves, so the audience counts this batch's people.
    for a in &alerts {
        if pond_store::alerts::raise(tx, a, now).await? {
            added.alerts += 1;
            // Only a newly raised alert is announced: a repeated import or
            // a retried batch raises nothing and sends nothing.
            if let Some(alert) =
                pond_store::alerts::of_message(tx, a.group_id, a.event_at, a.event_id).await?
            {
                crate::webhooks::emit(
                    tx,
                    crate::webhooks::EventType::ComplaintOpened,
                    serde_json::json!({
                        "alert_id": alert.id,
                        "group_id": alert.group_id,
                        "group_name": alert.group_name,
                        "sender": alert.sender,
                        "text": alert.text,
                        "score": alert.score,
                        "audience": alert.audience,
                        "posted_at": pond_store::time::ts(alert.event_at).to_string(),
                    }),
                    now,
                )
                .await?;
            }
        }
    }
    let leftovers = Leftovers {
        _rows: rows,
        _people: batch.people,
    };
    Ok((known, added, leftovers))
}
