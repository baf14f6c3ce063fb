//! The machinery shared by all importers: deterministic event ids, the
//! summary counters and the capped list of skipped lines.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::event::{
    ChatEvent, GroupRef, ImportReport, MAX_STORED_SKIPPED, MessageKind, Person, Skipped,
};

/// Bumped if the id recipe ever changes, so old and new ids cannot collide.
const ID_VERSION: &str = "pond-import/1";

/// Where an event's identity comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Origin<'a> {
    /// The platform's own message id (Telegram, Discord JSON). `part` tells
    /// apart several events made from one message (one join per invited member).
    Platform { message_id: &'a str, part: u32 },
    /// No platform id: the id is a hash of the content plus the ordinal of
    /// identical events at the same timestamp.
    Content,
}

/// Receives events from a parser, gives them ids, counts them and hands them
/// to the caller's sink.
pub(crate) struct Collector<F> {
    sink: F,
    report: ImportReport,
    // Fingerprints rather than strings: memory stays small even with many
    // distinct senders, and a 64-bit collision only blurs a count.
    groups: HashSet<u64, foldhash::fast::RandomState>,
    senders: HashSet<u64, foldhash::fast::RandomState>,
    // Ordinals of identical content keys, only for the current timestamp.
    // Exports are in time order, so this map stays tiny; keying it on the
    // timestamp also keeps ordinals the same when an overlapping export of
    // the same chat starts at a different place.
    ordinal_at: Option<Timestamp>,
    ordinals: HashMap<[u8; 32], u32>,
}

impl<F: FnMut(ChatEvent)> Collector<F> {
    pub(crate) fn new(sink: F) -> Self {
        Collector {
            sink,
            report: ImportReport::default(),
            groups: HashSet::default(),
            senders: HashSet::default(),
            ordinal_at: None,
            ordinals: HashMap::new(),
        }
    }

    /// Emits a message.
    pub(crate) fn message(
        &mut self,
        group: &GroupRef,
        sender: Option<Person>,
        at: Timestamp,
        kind: MessageKind,
        text: Option<String>,
        origin: Origin<'_>,
    ) {
        let sender_key = sender.as_ref().map(person_key).unwrap_or_default();
        let event_id = self.event_id(
            group,
            at,
            origin,
            &[
                "message",
                &sender_key,
                kind.as_str(),
                text.as_deref().unwrap_or(""),
            ],
        );
        self.count_group(group);
        if kind == MessageKind::System {
            self.report.summary.system += 1;
        } else {
            self.report.summary.messages += 1;
        }
        if kind != MessageKind::System && sender.is_some() {
            let fp = fingerprint(&(group.channel.as_str(), sender_key.as_str()));
            if self.senders.insert(fp) {
                self.report.summary.senders += 1;
            }
        }
        (self.sink)(ChatEvent::Message {
            group: group.clone(),
            sender,
            at,
            kind,
            text,
            event_id,
        });
    }

    /// Emits a join.
    pub(crate) fn join(
        &mut self,
        group: &GroupRef,
        member: Person,
        by: Option<Person>,
        at: Timestamp,
        origin: Origin<'_>,
    ) {
        let by_key = by.as_ref().map(person_key).unwrap_or_default();
        let event_id = self.event_id(group, at, origin, &["join", &person_key(&member), &by_key]);
        self.count_group(group);
        self.report.summary.joins += 1;
        (self.sink)(ChatEvent::Join {
            group: group.clone(),
            member,
            by,
            at,
            event_id,
        });
    }

    /// Emits a leave.
    pub(crate) fn leave(
        &mut self,
        group: &GroupRef,
        member: Person,
        by: Option<Person>,
        at: Timestamp,
        origin: Origin<'_>,
    ) {
        let by_key = by.as_ref().map(person_key).unwrap_or_default();
        let event_id = self.event_id(group, at, origin, &["leave", &person_key(&member), &by_key]);
        self.count_group(group);
        self.report.summary.leaves += 1;
        (self.sink)(ChatEvent::Leave {
            group: group.clone(),
            member,
            by,
            at,
            event_id,
        });
    }

    /// Records a line that could not be read.
    pub(crate) fn skip(&mut self, line: u64, reason: impl Into<String>) {
        self.report.summary.skipped += 1;
        if self.report.skipped.len() < MAX_STORED_SKIPPED {
            self.report.skipped.push(Skipped {
                line,
                reason: reason.into(),
            });
        }
    }

    /// The report so far.
    pub(crate) fn finish(self) -> ImportReport {
        self.report
    }

    fn count_group(&mut self, group: &GroupRef) {
        let (kind, key) = group_key(group);
        if self
            .groups
            .insert(fingerprint(&(group.channel.as_str(), kind, key)))
        {
            self.report.summary.groups += 1;
        }
    }

    fn event_id(
        &mut self,
        group: &GroupRef,
        at: Timestamp,
        origin: Origin<'_>,
        fields: &[&str],
    ) -> String {
        let (group_kind, group_id) = group_key(group);
        let mut hasher = FieldHasher::new();
        hasher.field(ID_VERSION);
        hasher.field(group.channel.as_str());
        hasher.field(group_kind);
        hasher.field(group_id);
        match origin {
            Origin::Platform { message_id, part } => {
                // The platform id alone identifies the message; the content
                // may legitimately change (edits) between two exports.
                hasher.field("platform");
                hasher.field(message_id);
                // Nearly every event is part 0: spare it an allocation.
                let part_text;
                hasher.field(if part == 0 {
                    "0"
                } else {
                    part_text = part.to_string();
                    &part_text
                });
                // The event type still matters: it keeps a join and a message
                // made from one record apart even if `part` were reused.
                hasher.field(fields.first().copied().unwrap_or(""));
                hex(hasher.finish())
            }
            Origin::Content => {
                hasher.field("content");
                hasher.field(&at.as_nanosecond().to_string());
                for field in fields {
                    hasher.field(field);
                }
                let base = hasher.finish();
                if self.ordinal_at != Some(at) {
                    self.ordinals.clear();
                    self.ordinal_at = Some(at);
                }
                let counter = self.ordinals.entry(base).or_insert(0);
                let ordinal = *counter;
                *counter = counter.saturating_add(1);
                let mut with_ordinal = FieldHasher::new();
                with_ordinal.field_bytes(&base);
                with_ordinal.field(&ordinal.to_string());
                hex(with_ordinal.finish())
            }
        }
    }
}

/// SHA-256 over length-prefixed fields, so that ("ab", "c") and ("a", "bc")
/// hash differently.
struct FieldHasher(Sha256);

impl FieldHasher {
    fn new() -> Self {
        FieldHasher(Sha256::new())
    }

    fn field(&mut self, value: &str) {
        self.field_bytes(value.as_bytes());
    }

    fn field_bytes(&mut self, value: &[u8]) {
        self.0.update((value.len() as u64).to_le_bytes());
        self.0.update(value);
    }

    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The stable part of a group's identity: its platform id when known, else its name.
fn group_key(group: &GroupRef) -> (&'static str, &str) {
    match &group.external_id {
        Some(id) => ("id", id.as_str()),
        None => ("name", group.name.as_str()),
    }
}

/// The stable part of a person's identity: platform id when known, else name.
fn person_key(person: &Person) -> String {
    match &person.platform_id {
        Some(id) => format!("id:{id}"),
        None => format!("name:{}", person.name),
    }
}

fn fingerprint<T: Hash>(value: &T) -> u64 {
    // A fixed seed: stable within a process, which is all the summary
    // counters need. foldhash: these are hashed for every event.
    FINGERPRINT.hash_one(value)
}

static FINGERPRINT: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x706f_6e64_2d69_6d70);

/// An event id as lowercase hex (what `hex::encode` writes, without its
/// per-character iterator: this runs for every event).
fn hex(digest: [u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{Collector, Origin};
    use crate::event::{Channel, ChatEvent, GroupRef, MessageKind, Person};

    /// Event ids are how a repeated import finds what it stored before, so
    /// the recipe must never drift. The expected digests were computed
    /// outside Rust (Python's hashlib over the same length-prefixed fields).
    #[test]
    fn event_ids_keep_their_recipe() {
        let group = GroupRef {
            channel: Channel::Telegram,
            external_id: Some("42".into()),
            name: "Flowers".into(),
        };
        let mut ids = Vec::new();
        let mut out = Collector::new(|e: ChatEvent| ids.push(e.event_id().to_owned()));
        let at = jiff::Timestamp::UNIX_EPOCH;
        let platform = |part| Origin::Platform {
            message_id: "7",
            part,
        };
        out.message(
            &group,
            Some(Person::named("Ann")),
            at,
            MessageKind::Text,
            None,
            platform(0),
        );
        out.join(&group, Person::named("Bo"), None, at, platform(3));
        drop(out);
        assert_eq!(
            ids,
            [
                "1b170ed6d4a1494319b55f37d040adf0a5da962a0a6ae09895dcb6d43d0e0b05",
                "40c5507576b1c1cca8fad95cfcd339add2ce21756019e5ed55cafbe09b64f2ef",
            ]
        );
    }
}
