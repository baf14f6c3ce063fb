//! Telegram Desktop JSON exports (`result.json`): a single chat
//! `{name, type, id, messages: [...]}` or a whole account
//! `{..., chats: {list: [chat, ...]}, left_chats: {list: [...]}}`.
//!
//! The file is walked as a stream ([`JsonStream`]): every key except
//! `messages`, `chats` and `left_chats` is skipped without being stored,
//! and each message is parsed on its own and handed on before the next one
//! is read.

use std::io::BufRead;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::collect::{Collector, Origin};
use crate::dates::local_to_timestamp;
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, ImportReport, MessageKind, Person};
use crate::json_stream::JsonStream;
use crate::options::ImportOptions;
use crate::telegram_record::{Message, Record};

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
    let mut json = JsonStream::new(reader, FORMAT);
    let mut ctx = Ctx {
        out: Collector::new(sink),
        tz: &options.time_zone,
    };
    ctx.chat(&mut json, true)?;
    json.end()?;
    Ok(ctx.out.finish())
}

struct Ctx<'a, F> {
    out: Collector<F>,
    tz: &'a TimeZone,
}

impl<F: FnMut(ChatEvent)> Ctx<'_, F> {
    /// One chat object; at the top level it may instead hold `chats`.
    /// Telegram Desktop writes a chat's `name` and `id` before its
    /// `messages`; a file that does not gets events with whatever was seen
    /// before.
    fn chat<R: BufRead>(&mut self, json: &mut JsonStream<R>, top: bool) -> Result<(), ImportError> {
        json.begin_object("a Telegram chat object")?;
        let mut name: Option<String> = None;
        let mut id: Option<String> = None;
        let mut found = false;
        let mut first = true;
        while let Some(key) = json.next_key(&mut first)? {
            match key.as_str() {
                "name" => name = json.value::<Value>()?.as_str().map(str::to_owned),
                "id" => {
                    id = match json.value::<Value>()? {
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
                    self.messages(json, &group)?;
                }
                "chats" | "left_chats" if top => {
                    found = true;
                    self.chat_list(json)?;
                }
                _ => json.skip()?,
            }
        }
        if top && !found {
            return Err(
                json.structure("no `messages` or `chats` key: not a Telegram Desktop export")
            );
        }
        Ok(())
    }

    /// `{"about": ..., "list": [chat, ...]}`, or the array itself.
    fn chat_list<R: BufRead>(&mut self, json: &mut JsonStream<R>) -> Result<(), ImportError> {
        const EXPECTED: &str = "a chat list: an object with `list`, or an array of chats";
        let mut first = true;
        if json.next_is(b'{')? {
            json.begin_object(EXPECTED)?;
            while let Some(key) = json.next_key(&mut first)? {
                if key == "list" {
                    self.chat_list(json)?;
                } else {
                    json.skip()?;
                }
            }
            return Ok(());
        }
        json.begin_array(EXPECTED)?;
        while json.next_element(&mut first)? {
            self.chat(json, false)?;
        }
        Ok(())
    }

    /// Each message of one chat, parsed on its own and handed on before
    /// the next one is read.
    fn messages<R: BufRead>(
        &mut self,
        json: &mut JsonStream<R>,
        group: &GroupRef,
    ) -> Result<(), ImportError> {
        let mut messages = Messages { ctx: self, group };
        json.records("an array of messages", |line, record: Record| {
            messages.record(line, record)
        })
    }
}

/// Turns each message of one chat into events.
struct Messages<'c, 'a, 'g, F> {
    ctx: &'c mut Ctx<'a, F>,
    group: &'g GroupRef,
}

impl<F: FnMut(ChatEvent)> Messages<'_, '_, '_, F> {
    fn record(&mut self, line: u64, record: Record) {
        let m = match record {
            Record::Message(m) => *m,
            Record::NotObject(kind) => {
                let reason = format!("message is {kind}, not an object");
                self.ctx.out.skip(line, reason);
                return;
            }
        };
        let Some(at) = self.time(&m) else {
            self.ctx
                .out
                .skip(line, "message has no readable `date_unixtime` or `date`");
            return;
        };
        match m.kind.as_deref() {
            Some("message") => self.message(m, at),
            Some("service") => self.service(m, at),
            other => {
                let reason =
                    format!("message type {other:?} is neither \"message\" nor \"service\"");
                self.ctx.out.skip(line, reason);
            }
        }
    }
}

impl<F: FnMut(ChatEvent)> Messages<'_, '_, '_, F> {
    fn time(&self, m: &Message) -> Option<Timestamp> {
        if let Some(at) = m.unixtime.and_then(|s| Timestamp::from_second(s).ok()) {
            return Some(at);
        }
        let local: DateTime = m.date.as_deref()?.parse().ok()?;
        local_to_timestamp(local, self.ctx.tz).ok()
    }

    fn message(&mut self, m: Message, at: Timestamp) {
        let sender = person(m.from, m.from_id);
        let text = (!m.text.is_empty()).then_some(m.text);
        let kind = if m.media {
            MessageKind::Media
        } else {
            MessageKind::Text
        };
        let origin = origin(m.id.as_deref(), 0);
        self.ctx
            .out
            .message(self.group, sender, at, kind, text, origin);
    }

    fn service(&mut self, m: Message, at: Timestamp) {
        let actor = person(m.actor, m.actor_id);
        let action = m.action.as_deref().unwrap_or("");
        let members: Vec<Person> = m
            .members
            .into_iter()
            .map(|name| Person::named(name.unwrap_or_else(|| DELETED_ACCOUNT.to_owned())))
            .collect();
        let id = m.id.as_deref();
        let group = self.group;
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
                let text = if !m.text.is_empty() {
                    m.text
                } else if let Some(title) = &m.title {
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

fn person(name: Option<String>, id: Option<String>) -> Option<Person> {
    if name.is_none() && id.is_none() {
        return None;
    }
    Some(Person::with_id(
        name.unwrap_or_else(|| DELETED_ACCOUNT.to_owned()),
        id,
    ))
}
