//! The plain types every importer produces: chat events, the group and person
//! they refer to, and the report an import hands back.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The messaging platform an export came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Personal WeChat (exports from WeChatMsg / MemoTrace).
    Wechat,
    /// WeCom (enterprise WeChat).
    Wecom,
    /// WhatsApp ("Export chat" text files).
    Whatsapp,
    /// Telegram Desktop JSON exports.
    Telegram,
    /// Discord (DiscordChatExporter JSON or CSV).
    Discord,
    /// Anything else.
    Other,
}

impl Channel {
    /// The lowercase name used in serialized form and in event ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Wechat => "wechat",
            Channel::Wecom => "wecom",
            Channel::Whatsapp => "whatsapp",
            Channel::Telegram => "telegram",
            Channel::Discord => "discord",
            Channel::Other => "other",
        }
    }
}

/// The chat group (or channel, or one-to-one chat) that an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupRef {
    /// Platform the group lives on.
    pub channel: Channel,
    /// The platform's id for the group, when the export carries one
    /// (Telegram chat id, Discord channel id, WeChat `TalkerId`).
    pub external_id: Option<String>,
    /// Display name. For formats that do not record it (WhatsApp, Discord CSV,
    /// WeChat CSV) this is the name the caller passed in [`ImportOptions`](crate::ImportOptions).
    pub name: String,
}

/// A person as the export names them: a message sender, a member who joined
/// or left, or the member who added or removed them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    /// Display name as written in the export.
    pub name: String,
    /// The platform's id, when the export has one: Telegram `from_id`
    /// (`user123`), Discord snowflake, WeChat wxid, or a WhatsApp phone
    /// number when the contact was not saved (`+41...`).
    pub platform_id: Option<String>,
    /// True for bot accounts (Discord `isBot`). Bots are still counted as senders.
    pub is_bot: bool,
}

impl Person {
    /// A human with a name and no platform id.
    pub fn named(name: impl Into<String>) -> Self {
        Person {
            name: name.into(),
            platform_id: None,
            is_bot: false,
        }
    }

    /// A human with a name and an optional platform id.
    pub fn with_id(name: impl Into<String>, platform_id: Option<String>) -> Self {
        Person {
            name: name.into(),
            platform_id,
            is_bot: false,
        }
    }
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Text written by a member.
    Text,
    /// A photo, video, voice note, sticker, file or app card, with or without a caption.
    Media,
    /// A notice from the platform (encryption notice, group renamed, pinned message, ...).
    System,
}

impl MessageKind {
    /// Lowercase name, used in event ids.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Media => "media",
            MessageKind::System => "system",
        }
    }
}

/// One thing that happened in a chat group.
///
/// Every event carries an `event_id` that depends only on the export's
/// content, so importing the same file twice yields the same ids and a store
/// can deduplicate on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum ChatEvent {
    /// A message, media item or system notice.
    Message {
        /// Group it was posted in.
        group: GroupRef,
        /// Who wrote it; `None` for platform notices that have no author
        /// (for example WhatsApp's "Messages to this group are now secured...").
        sender: Option<Person>,
        /// When it was sent, in UTC.
        at: Timestamp,
        /// Text, media or system.
        kind: MessageKind,
        /// The text or caption, if any. Media placeholders such as
        /// `<Media omitted>` are not kept as text.
        text: Option<String>,
        /// Deterministic id (hex SHA-256).
        event_id: String,
    },
    /// A member joined the group.
    Join {
        /// Group joined.
        group: GroupRef,
        /// Who joined.
        member: Person,
        /// Who added or invited them, when the export says so.
        by: Option<Person>,
        /// When, in UTC.
        at: Timestamp,
        /// Deterministic id (hex SHA-256).
        event_id: String,
    },
    /// A member left or was removed.
    Leave {
        /// Group left.
        group: GroupRef,
        /// Who left.
        member: Person,
        /// Who removed them; `None` when they left on their own or the export does not say.
        by: Option<Person>,
        /// When, in UTC.
        at: Timestamp,
        /// Deterministic id (hex SHA-256).
        event_id: String,
    },
}

impl ChatEvent {
    /// The event's deterministic id.
    pub fn event_id(&self) -> &str {
        match self {
            ChatEvent::Message { event_id, .. }
            | ChatEvent::Join { event_id, .. }
            | ChatEvent::Leave { event_id, .. } => event_id,
        }
    }

    /// The group the event belongs to.
    pub fn group(&self) -> &GroupRef {
        match self {
            ChatEvent::Message { group, .. }
            | ChatEvent::Join { group, .. }
            | ChatEvent::Leave { group, .. } => group,
        }
    }

    /// When the event happened (UTC).
    pub fn at(&self) -> Timestamp {
        match self {
            ChatEvent::Message { at, .. }
            | ChatEvent::Join { at, .. }
            | ChatEvent::Leave { at, .. } => *at,
        }
    }
}

/// A line (text formats), row (CSV) or record (JSON) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// 1-based line number in the file where the line, row or record starts.
    pub line: u64,
    /// Why it was skipped.
    pub reason: String,
}

/// Counts over one import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Distinct groups that produced at least one event.
    pub groups: u64,
    /// What people said: `Message` events of kind text or media.
    pub messages: u64,
    /// `Message` events of kind system (notices of the platform: a group
    /// renamed, a call missed), counted apart from what people said.
    #[serde(default)]
    pub system: u64,
    /// Distinct authors of text or media messages (bots included), keyed by
    /// platform id when there is one, else by name. Authors of system notices
    /// and members who only joined are not counted.
    pub senders: u64,
    /// `Join` events.
    pub joins: u64,
    /// `Leave` events.
    pub leaves: u64,
    /// Lines, rows or records that could not be read (all of them, even past
    /// the cap on [`ImportReport::skipped`]).
    pub skipped: u64,
}

/// What an import returns: the counts and the first
/// [`MAX_STORED_SKIPPED`] skipped lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Counts.
    pub summary: ImportSummary,
    /// Skipped lines in file order, at most [`MAX_STORED_SKIPPED`] of them;
    /// `summary.skipped` counts them all.
    pub skipped: Vec<Skipped>,
}

/// How many [`Skipped`] entries a report keeps; a broken 1 GB file must not
/// turn into a 1 GB list of complaints.
pub const MAX_STORED_SKIPPED: usize = 1000;
