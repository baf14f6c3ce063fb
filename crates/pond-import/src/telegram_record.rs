//! One Telegram message, read straight into the few fields Pond uses.
//!
//! Building a `serde_json::Value` per message (a map of boxed values, every
//! key allocated) was half the importer's time. This reads the same fields
//! without the tree, and just as leniently: a field of an unexpected type is
//! treated as absent, exactly as the `Value` accessors did, so a malformed
//! message is skipped with a reason instead of failing the whole file.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// An element of a chat's `messages` array.
pub(crate) enum Record {
    /// Not an object: the JSON type it was instead, for the skip reason.
    NotObject(&'static str),
    /// An object, read leniently.
    Message(Box<Message>),
}

/// The fields of a message that Pond reads; anything else is skipped unread.
#[derive(Default)]
pub(crate) struct Message {
    /// `id`, a number or a non-empty string.
    pub(crate) id: Option<String>,
    /// `type`: "message" or "service".
    pub(crate) kind: Option<String>,
    /// `date_unixtime`, seconds written as a string or a number.
    pub(crate) unixtime: Option<i64>,
    /// `date`, local time without a zone (older exports).
    pub(crate) date: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) from_id: Option<String>,
    pub(crate) actor: Option<String>,
    pub(crate) actor_id: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) title: Option<String>,
    /// `members` of a service message; `None` marks an entry that is not a
    /// string (a deleted account). Empty when the field is not an array.
    pub(crate) members: Vec<Option<String>>,
    /// `text` flattened: a string, or the concatenation of an array of
    /// strings and `{type, text}` parts.
    pub(crate) text: String,
    /// Whether any media field is present and not null.
    pub(crate) media: bool,
}

/// The keys Pond reads; the rest are skipped without being stored.
enum Key {
    Id,
    Kind,
    Unixtime,
    Date,
    From,
    FromId,
    Actor,
    ActorId,
    Action,
    Title,
    Members,
    Text,
    Media,
    Other,
}

impl Key {
    fn of(name: &str) -> Key {
        match name {
            "id" => Key::Id,
            "type" => Key::Kind,
            "date_unixtime" => Key::Unixtime,
            "date" => Key::Date,
            "from" => Key::From,
            "from_id" => Key::FromId,
            "actor" => Key::Actor,
            "actor_id" => Key::ActorId,
            "action" => Key::Action,
            "title" => Key::Title,
            "members" => Key::Members,
            "text" => Key::Text,
            "media_type"
            | "photo"
            | "file"
            | "sticker_emoji"
            | "poll"
            | "contact_information"
            | "location_information"
            | "game_title" => Key::Media,
            _ => Key::Other,
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key::of(v))
            }
        }
        // An identifier is handed over borrowed from the parser's scratch
        // buffer: no allocation per key.
        d.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut m = Message::default();
        // Later duplicates win, as they did in a `Value` map.
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Id => m.id = map.next_value::<Loose>()?.into_id(),
                Key::Kind => m.kind = map.next_value::<Loose>()?.into_str(),
                Key::Unixtime => m.unixtime = map.next_value::<Loose>()?.into_seconds(),
                Key::Date => m.date = map.next_value::<Loose>()?.into_str(),
                Key::From => m.from = map.next_value::<Loose>()?.into_str(),
                Key::FromId => m.from_id = map.next_value::<Loose>()?.into_id(),
                Key::Actor => m.actor = map.next_value::<Loose>()?.into_str(),
                Key::ActorId => m.actor_id = map.next_value::<Loose>()?.into_id(),
                Key::Action => m.action = map.next_value::<Loose>()?.into_str(),
                Key::Title => m.title = map.next_value::<Loose>()?.into_str(),
                Key::Members => m.members = map.next_value::<Members>()?.0,
                Key::Text => m.text = map.next_value::<Text>()?.0,
                Key::Media => {
                    let present = !matches!(map.next_value::<Loose>()?, Loose::Null);
                    m.media |= present;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Record::Message(Box::new(m)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Record::NotObject("an array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Record, E> {
        Ok(Record::NotObject("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Record, E> {
        Ok(Record::NotObject("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Record, E> {
        Ok(Record::NotObject("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Record, E> {
        Ok(Record::NotObject("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Record, E> {
        Ok(Record::NotObject("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Record, E> {
        Ok(Record::NotObject("null"))
    }
}

/// Any JSON value, keeping only what a scalar field can be.
enum Loose {
    Null,
    Str(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    /// A boolean, an array or an object: never what a field here holds.
    Other,
}

impl Loose {
    fn into_str(self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An id: a non-empty string, or a number written as JSON writes it.
    fn into_id(self) -> Option<String> {
        match self {
            Loose::Str(s) if !s.is_empty() => Some(s),
            Loose::Int(n) => Some(n.to_string()),
            Loose::Uint(n) => Some(n.to_string()),
            Loose::Float(x) => serde_json::Number::from_f64(x).map(|n| n.to_string()),
            _ => None,
        }
    }

    /// Unix seconds, from `"1692821483"` or `1692821483`.
    fn into_seconds(self) -> Option<i64> {
        match self {
            Loose::Str(s) => s.trim().parse().ok(),
            Loose::Int(n) => Some(n),
            Loose::Uint(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::Uint(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Float(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Loose, E> {
        Ok(Loose::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Other)
    }
}

/// The `visit_*` methods for the JSON scalars a visitor has no use for:
/// each gives `$value`, so a field of an unexpected type reads as absent.
macro_rules! scalars_give {
    ($ty:ty, $value:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$ty, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$ty, E> {
            Ok($value)
        }
    };
}

/// `members`: an array whose string entries are names.
struct Members(Vec<Option<String>>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MembersVisitor)
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
        let mut names = Vec::new();
        while let Some(entry) = seq.next_element::<Loose>()? {
            names.push(entry.into_str());
        }
        Ok(Members(names))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Members, E> {
        Ok(Members(Vec::new()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Members(Vec::new()))
    }
    scalars_give!(Members, Members(Vec::new()));
}

/// `text`: a string, or an array of strings and `{type, text}` parts.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
        let mut text = String::new();
        while let Some(part) = seq.next_element::<TextPart>()? {
            if let Some(s) = part.0 {
                text.push_str(&s);
            }
        }
        Ok(Text(text))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text(String::new()))
    }
    scalars_give!(Text, Text(String::new()));
}

/// One part of a text array: a string, or an object's `text` string.
struct TextPart(Option<String>);

impl<'de> Deserialize<'de> for TextPart {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextPartVisitor)
    }
}

struct TextPartVisitor;

impl<'de> Visitor<'de> for TextPartVisitor {
    type Value = TextPart;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text part")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TextPart, E> {
        Ok(TextPart(Some(v.to_owned())))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextPart, A::Error> {
        let mut text = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Text => text = map.next_value::<Loose>()?.into_str(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(TextPart(text))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextPart, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TextPart(None))
    }
    scalars_give!(TextPart, TextPart(None));
}
