//! Telegram Desktop JSON exports (`result.json`): a single chat
//! `{name, type, id, messages: [...]}` or a whole account
//! `{..., chats: {list: [chat, ...]}, left_chats: {list: [...]}}`.
//!
//! The file is walked with serde visitors: every key except `messages`,
//! `chats` and `left_chats` is skipped without being stored, and each message
//! is parsed on its own and handed on before the next one is read.
//! Telegram Desktop writes a chat's `name` and `id` before its `messages`;
//! a file that does not gets events with whatever was seen before.

use std::cell::Cell;
use std::fmt;
use std::io::BufRead;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::collect::{Collector, Origin};
use crate::dates::local_to_timestamp;
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, ImportReport, MessageKind, Person};
use crate::json::{
    CountingReader, RecordHandler, RecordsSeed, id_field, kind_of, str_field, unix_field,
};
use crate::options::ImportOptions;

const FORMAT: &str = "Telegram";

/// Telegram's own label for a member whose account no longer exists.
const DELETED_ACCOUNT: &str = "Deleted Account";

/// Imports a Telegram Desktop JSON export (one chat or a whole account).
///
/// Times come from `date_unixtime`; exports older than that field use `date`
/// read in [`ImportOptions::time_zone`]. Service messages `join_group_by_link`,
/// `invite_members` and `create_group` become joins, `remove_members` leaves
/// (a member removing themselves left on their own), any other service
/// message a System message. Personal chats are imported too.
pub fn import_telegram<R, F>(
    reader: R,
    options: &ImportOptions,
    sink: F,
) -> Result<ImportReport, ImportError>
where
    R: BufRead,
    F: FnMut(ChatEvent),
{
    let newlines = Cell::new(0);
    let mut de = serde_json::Deserializer::from_reader(CountingReader::new(reader, &newlines));
    let mut ctx = Ctx {
        out: Collector::new(sink),
        tz: &options.time_zone,
        newlines: &newlines,
    };
    ChatSeed {
        ctx: &mut ctx,
        top: true,
    }
    .deserialize(&mut de)
    .map_err(|e| ImportError::from_json(FORMAT, e))?;
    de.end().map_err(|e| ImportError::from_json(FORMAT, e))?;
    Ok(ctx.out.finish())
}

struct Ctx<'a, F> {
    out: Collector<F>,
    tz: &'a TimeZone,
    newlines: &'a Cell<u64>,
}

/// One chat object; at the top level it may instead hold `chats`.
struct ChatSeed<'c, 'a, F> {
    ctx: &'c mut Ctx<'a, F>,
    top: bool,
}

impl<'de, F: FnMut(ChatEvent)> DeserializeSeed<'de> for ChatSeed<'_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(ChatEvent)> Visitor<'de> for ChatSeed<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Telegram chat object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut name: Option<String> = None;
        let mut id: Option<String> = None;
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = map.next_value::<Value>()?.as_str().map(str::to_owned),
                "id" => {
                    let value: Value = map.next_value()?;
                    id = match value {
                        Value::Number(n) => Some(n.to_string()),
                        Value::String(s) => Some(s),
                        _ => None,
                    };
                }
                "messages" => {
                    found = true;
                    let group = GroupRef {
                        channel: Channel::Telegram,
                        external_id: id.clone(),
                        name: name.clone().unwrap_or_default(),
                    };
                    let newlines = self.ctx.newlines;
                    let mut handler = Messages {
                        ctx: &mut *self.ctx,
                        group,
                    };
                    map.next_value_seed(RecordsSeed {
                        handler: &mut handler,
                        newlines,
                    })?;
                }
                "chats" | "left_chats" if self.top => {
                    found = true;
                    map.next_value_seed(ChatList {
                        ctx: &mut *self.ctx,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if self.top && !found {
            return Err(de::Error::custom(
                "no `messages` or `chats` key: not a Telegram Desktop export",
            ));
        }
        Ok(())
    }
}

/// `{"about": ..., "list": [chat, ...]}`.
struct ChatList<'c, 'a, F> {
    ctx: &'c mut Ctx<'a, F>,
}

impl<'de, F: FnMut(ChatEvent)> DeserializeSeed<'de> for ChatList<'_, '_, F> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(ChatEvent)> Visitor<'de> for ChatList<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a chat list: an object with `list`, or an array of chats")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                map.next_value_seed(ChatList {
                    ctx: &mut *self.ctx,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let chat = ChatSeed {
                ctx: &mut *self.ctx,
                top: false,
            };
            if seq.next_element_seed(chat)?.is_none() {
                return Ok(());
            }
        }
    }
}

/// Turns each message of one chat into events.
struct Messages<'c, 'a, F> {
    ctx: &'c mut Ctx<'a, F>,
    group: GroupRef,
}

impl<F: FnMut(ChatEvent)> RecordHandler for Messages<'_, '_, F> {
    fn record(&mut self, line: u64, value: Value) {
        if !value.is_object() {
            let reason = format!("message is {}, not an object", kind_of(&value));
            self.ctx.out.skip(line, reason);
            return;
        }
        let Some(at) = self.time(&value) else {
            self.ctx
                .out
                .skip(line, "message has no readable `date_unixtime` or `date`");
            return;
        };
        let id = id_field(&value, "id");
        match str_field(&value, "type") {
            Some("message") => self.message(&value, at, id.as_deref()),
            Some("service") => self.service(&value, at, id.as_deref()),
            other => {
                let reason =
                    format!("message type {other:?} is neither \"message\" nor \"service\"");
                self.ctx.out.skip(line, reason);
            }
        }
    }
}

impl<F: FnMut(ChatEvent)> Messages<'_, '_, F> {
    fn time(&self, value: &Value) -> Option<Timestamp> {
        if let Some(at) = unix_field(value, "date_unixtime") {
            return Some(at);
        }
        let local: DateTime = str_field(value, "date")?.parse().ok()?;
        local_to_timestamp(local, self.ctx.tz).ok()
    }

    fn message(&mut self, value: &Value, at: Timestamp, id: Option<&str>) {
        const MEDIA_KEYS: [&str; 8] = [
            "media_type",
            "photo",
            "file",
            "sticker_emoji",
            "poll",
            "contact_information",
            "location_information",
            "game_title",
        ];
        let sender = person(value, "from", "from_id");
        let is_media = MEDIA_KEYS
            .iter()
            .any(|k| value.get(k).is_some_and(|v| !v.is_null()));
        let text = flatten_text(value.get("text"));
        let text = (!text.is_empty()).then_some(text);
        let kind = if is_media {
            MessageKind::Media
        } else {
            MessageKind::Text
        };
        let origin = origin(id, 0);
        self.ctx
            .out
            .message(&self.group, sender, at, kind, text, origin);
    }

    fn service(&mut self, value: &Value, at: Timestamp, id: Option<&str>) {
        let actor = person(value, "actor", "actor_id");
        let action = str_field(value, "action").unwrap_or("");
        let members: Vec<Person> = match value.get("members") {
            Some(Value::Array(list)) => list
                .iter()
                .map(|m| Person::named(m.as_str().unwrap_or(DELETED_ACCOUNT)))
                .collect(),
            _ => Vec::new(),
        };
        let group = &self.group;
        let out = &mut self.ctx.out;
        match action {
            "join_group_by_link" if actor.is_some() => {
                if let Some(member) = actor {
                    out.join(group, member, None, at, origin(id, 0));
                }
            }
            "invite_members" if !members.is_empty() => {
                for (part, member) in parts(0, members) {
                    let by = inviter(&actor, &member);
                    out.join(group, member, by, at, origin(id, part));
                }
            }
            "remove_members" if !members.is_empty() => {
                for (part, member) in parts(0, members) {
                    let by = inviter(&actor, &member);
                    out.leave(group, member, by, at, origin(id, part));
                }
            }
            _ => {
                let text = flatten_text(value.get("text"));
                let text = if !text.is_empty() {
                    text
                } else if let Some(title) = str_field(value, "title") {
                    format!("{action}: {title}")
                } else {
                    action.to_owned()
                };
                out.message(
                    group,
                    actor.clone(),
                    at,
                    MessageKind::System,
                    Some(text),
                    origin(id, 0),
                );
                if action == "create_group" {
                    // The members a group was created with joined at that moment.
                    for (part, member) in parts(1, members) {
                        let by = inviter(&actor, &member);
                        out.join(group, member, by, at, origin(id, part));
                    }
                }
            }
        }
    }
}

/// Numbers the events made from one service message, from `first` on.
fn parts(first: u32, members: Vec<Person>) -> impl Iterator<Item = (u32, Person)> {
    members.into_iter().enumerate().map(move |(i, member)| {
        let part = u32::try_from(i).map_or(u32::MAX, |i| i.saturating_add(first));
        (part, member)
    })
}

fn origin(id: Option<&str>, part: u32) -> Origin<'_> {
    match id {
        Some(message_id) => Origin::Platform { message_id, part },
        None => Origin::Content,
    }
}

/// The actor as inviter or remover, unless they acted on themselves.
fn inviter(actor: &Option<Person>, member: &Person) -> Option<Person> {
    actor.as_ref().filter(|a| a.name != member.name).cloned()
}

fn person(value: &Value, name_key: &str, id_key: &str) -> Option<Person> {
    let name = str_field(value, name_key);
    let id = id_field(value, id_key);
    if name.is_none() && id.is_none() {
        return None;
    }
    Some(Person::with_id(name.unwrap_or(DELETED_ACCOUNT), id))
}

/// `text` is a string, or an array of strings and `{type, text}` parts.
fn flatten_text(text: Option<&Value>) -> String {
    match text {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| match part {
                Value::String(s) => Some(s.as_str()),
                Value::Object(_) => str_field(part, "text"),
                _ => None,
            })
            .collect(),
        _ => String::new(),
    }
}
