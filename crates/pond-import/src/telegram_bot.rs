//! Telegram Bot API updates (what `POST /hooks/telegram` receives) as chat
//! events: messages, `new_chat_members`, `left_chat_member`, and
//! `chat_member` changes of status.
//!
//! Ids are the platform's: a message's is `chat:message_id`, so the same
//! message seen again (a retried webhook, then an export of the group) is
//! stored once; a `chat_member` update has no message, so its `update_id`
//! stands in.

use serde::Deserialize;

use crate::collect::{Collector, Origin};
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, MessageKind, Person};

const FORMAT: &str = "Telegram Bot API";

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    edited_message: Option<Message>,
    #[serde(default)]
    chat_member: Option<MemberUpdate>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    #[serde(default)]
    from: Option<User>,
    chat: Chat,
    date: i64,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    new_chat_members: Vec<User>,
    #[serde(default)]
    left_chat_member: Option<User>,
    // Media: any of these present makes the message a media message.
    #[serde(default)]
    photo: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    video: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    voice: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    document: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    sticker: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    animation: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize, Clone)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
}

#[derive(Deserialize)]
struct MemberUpdate {
    chat: Chat,
    #[serde(default)]
    from: Option<User>,
    date: i64,
    old_chat_member: ChatMember,
    new_chat_member: ChatMember,
}

#[derive(Deserialize)]
struct ChatMember {
    status: String,
    user: User,
    /// For `restricted`: whether they are still in the chat.
    #[serde(default)]
    is_member: Option<bool>,
}

impl ChatMember {
    fn inside(&self) -> bool {
        match self.status.as_str() {
            "creator" | "administrator" | "member" => true,
            "restricted" => self.is_member.unwrap_or(true),
            _ => false,
        }
    }
}

impl User {
    fn person(&self) -> Person {
        let name = match &self.last_name {
            Some(last) if !last.is_empty() => format!("{} {last}", self.first_name),
            _ => self.first_name.clone(),
        };
        Person {
            name,
            // The same `user<ID>` form Telegram Desktop exports use, so a
            // member seen live and in an export is one person.
            platform_id: Some(format!("user{}", self.id)),
            is_bot: self.is_bot,
        }
    }
}

fn group(chat: &Chat) -> GroupRef {
    GroupRef {
        channel: Channel::Telegram,
        external_id: Some(chat.id.to_string()),
        name: chat.title.clone().unwrap_or_default(),
    }
}

/// The events of one update; an update about something else (a private
/// chat, a poll, a callback query) gives none.
pub fn telegram_update(body: &[u8]) -> Result<Vec<ChatEvent>, ImportError> {
    let update: Update =
        serde_json::from_slice(body).map_err(|e| ImportError::from_json(FORMAT, e))?;
    let mut events = Vec::new();
    let mut out = Collector::new(|e| events.push(e));
    let at = |unix: i64| jiff::Timestamp::from_second(unix).ok();
    if let Some(m) = update.message.or(update.edited_message)
        && m.chat.kind != "private"
        && let Some(when) = at(m.date)
    {
        let g = group(&m.chat);
        let id = format!("{}:{}", m.chat.id, m.message_id);
        let by = m.from.as_ref().map(User::person);
        if !m.new_chat_members.is_empty() || m.left_chat_member.is_some() {
            for (part, user) in m.new_chat_members.iter().enumerate() {
                let member = user.person();
                // Joining by link: the member added themselves.
                let inviter = by.clone().filter(|b| b.platform_id != member.platform_id);
                let part = u32::try_from(part).unwrap_or(u32::MAX);
                let origin = Origin::Platform {
                    message_id: &id,
                    part,
                };
                out.join(&g, member, inviter, when, origin);
            }
            if let Some(user) = &m.left_chat_member {
                let member = user.person();
                let remover = by.clone().filter(|b| b.platform_id != member.platform_id);
                let origin = Origin::Platform {
                    message_id: &id,
                    part: 0,
                };
                out.leave(&g, member, remover, when, origin);
            }
        } else {
            let media = m.photo.is_some()
                || m.video.is_some()
                || m.voice.is_some()
                || m.document.is_some()
                || m.sticker.is_some()
                || m.animation.is_some();
            let kind = if media {
                MessageKind::Media
            } else {
                MessageKind::Text
            };
            let text = m.text.or(m.caption).filter(|t| !t.is_empty());
            let origin = Origin::Platform {
                message_id: &id,
                part: 0,
            };
            out.message(&g, by, when, kind, text, origin);
        }
    }
    if let Some(c) = update.chat_member
        && c.chat.kind != "private"
        && let Some(when) = at(c.date)
    {
        let g = group(&c.chat);
        let id = format!("update:{}", update.update_id);
        let member = c.new_chat_member.user.person();
        let by = c
            .from
            .as_ref()
            .map(User::person)
            .filter(|b| b.platform_id != member.platform_id);
        let origin = Origin::Platform {
            message_id: &id,
            part: 0,
        };
        match (c.old_chat_member.inside(), c.new_chat_member.inside()) {
            (false, true) => out.join(&g, member, by, when, origin),
            (true, false) => out.leave(&g, member, by, when, origin),
            _ => {}
        }
    }
    drop(out);
    Ok(events)
}
