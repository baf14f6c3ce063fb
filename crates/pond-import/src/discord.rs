//! DiscordChatExporter exports: JSON (`{guild, channel, dateRange, messages, messageCount}`)
//! and CSV (`AuthorID,Author,Date,Content,Attachments,Reactions`).

use std::io::{BufRead, Seek, SeekFrom};

use csv::ByteRecord;
use jiff::Timestamp;
use serde_json::Value;

use crate::collect::{Collector, Origin};
use crate::csvutil;
use crate::dates::{self, DateOrder, OrderStats};
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, ImportReport, MessageKind, Person};
use crate::json::{id_field, kind_of, str_field};
use crate::json_stream::JsonStream;
use crate::options::ImportOptions;

const JSON_FORMAT: &str = "DiscordChatExporter JSON";
const CSV_FORMAT: &str = "DiscordChatExporter CSV";

/// Message types written by members (everything else is a system notice).
const USER_TYPES: [&str; 5] = [
    "Default",
    "Reply",
    "ChatInputCommand",
    "ContextMenuCommand",
    "ThreadStarterMessage",
];

/// Imports a DiscordChatExporter JSON export of one channel.
///
/// The group is the channel (`external_id` = channel id, name
/// "guild / channel"); event ids come from Discord's message ids.
/// `GuildMemberJoin` becomes a join of its author, `RecipientAdd` /
/// `RecipientRemove` (group DMs) a join / leave of the first mentioned user.
/// Bots are senders with [`Person::is_bot`] set.
pub fn import_discord_json<R, F>(
    reader: R,
    _options: &ImportOptions,
    sink: F,
) -> Result<ImportReport, ImportError>
where
    R: BufRead,
    F: FnMut(ChatEvent),
{
    let mut json = JsonStream::new(reader, JSON_FORMAT);
    let mut out = Collector::new(sink);
    json.begin_object("a DiscordChatExporter object")?;
    let mut guild = Value::Null;
    let mut channel = Value::Null;
    let mut found = false;
    let mut first = true;
    while let Some(key) = json.next_key(&mut first)? {
        match key.as_str() {
            "guild" => guild = json.value()?,
            "channel" => channel = json.value()?,
            "messages" => {
                found = true;
                let mut messages = Messages {
                    out: &mut out,
                    group: group_of(&guild, &channel),
                };
                json.records("an array of messages", |line, record| {
                    messages.record(line, record)
                })?;
            }
            _ => json.skip()?,
        }
    }
    if !found {
        return Err(json.structure("no `messages` key: not a DiscordChatExporter export"));
    }
    json.end()?;
    Ok(out.finish())
}

fn group_of(guild: &Value, channel: &Value) -> GroupRef {
    let guild_name = str_field(guild, "name").unwrap_or("");
    let channel_name = str_field(channel, "name").unwrap_or("");
    let name = if guild_name.is_empty() {
        channel_name.to_owned()
    } else {
        format!("{guild_name} / {channel_name}")
    };
    GroupRef {
        channel: Channel::Discord,
        external_id: id_field(channel, "id"),
        name,
    }
}

struct Messages<'a, F> {
    out: &'a mut Collector<F>,
    group: GroupRef,
}

impl<F: FnMut(ChatEvent)> Messages<'_, F> {
    fn record(&mut self, line: u64, value: Value) {
        if !value.is_object() {
            let reason = format!("message is {}, not an object", kind_of(&value));
            self.out.skip(line, reason);
            return;
        }
        let Some(at) = str_field(&value, "timestamp").and_then(|s| s.parse::<Timestamp>().ok())
        else {
            self.out.skip(line, "message has no readable `timestamp`");
            return;
        };
        let id = id_field(&value, "id");
        let origin = |part| match id.as_deref() {
            Some(message_id) => Origin::Platform { message_id, part },
            None => Origin::Content,
        };
        let author = value.get("author").and_then(user);
        let first_mention = match value.get("mentions") {
            Some(Value::Array(list)) => list.first().and_then(user),
            _ => None,
        };
        let kind = str_field(&value, "type").unwrap_or("Default");
        let content = str_field(&value, "content").unwrap_or("");
        let group = &self.group;
        match (kind, author) {
            ("GuildMemberJoin", Some(member)) => self.out.join(group, member, None, at, origin(0)),
            ("RecipientAdd", Some(by)) => match first_mention {
                Some(member) => self.out.join(group, member, Some(by), at, origin(0)),
                None => self
                    .out
                    .skip(line, "RecipientAdd message names nobody who was added"),
            },
            ("RecipientRemove", Some(by)) => {
                let (member, by) = match first_mention {
                    Some(member) if member.platform_id != by.platform_id => (member, Some(by)),
                    _ => (by, None),
                };
                self.out.leave(group, member, by, at, origin(0));
            }
            (kind, author) if USER_TYPES.contains(&kind) => {
                let has_media = ["attachments", "stickers"].iter().any(|k| {
                    value
                        .get(k)
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                });
                let kind = if has_media {
                    MessageKind::Media
                } else {
                    MessageKind::Text
                };
                let text = (!content.is_empty()).then(|| content.to_owned());
                self.out.message(group, author, at, kind, text, origin(0));
            }
            (kind, author) => {
                let text = if content.is_empty() { kind } else { content };
                self.out.message(
                    group,
                    author,
                    at,
                    MessageKind::System,
                    Some(text.to_owned()),
                    origin(0),
                );
            }
        }
    }
}

/// `{id, name, nickname, isBot}`; the server nickname is the display name.
fn user(value: &Value) -> Option<Person> {
    let id = id_field(value, "id");
    let name = str_field(value, "nickname")
        .filter(|n| !n.is_empty())
        .or_else(|| str_field(value, "name"));
    if id.is_none() && name.is_none() {
        return None;
    }
    Some(Person {
        name: name.unwrap_or("").to_owned(),
        platform_id: id,
        is_bot: value.get("isBot").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Imports a DiscordChatExporter CSV export.
///
/// The CSV carries no channel, so the group is [`ImportOptions::group_name`].
/// Its `Date` column is written in the exporter's locale and time zone
/// (.NET "g" format, e.g. `9/20/2020 6:46 PM` or `20/09/2020 18:46`; old
/// versions `20-Sep-20 06:46 PM`), so the day/month order is inferred over
/// the whole file in a first pass, as for WhatsApp, and times are read in
/// [`ImportOptions::time_zone`]; ISO 8601 dates with an offset are also read.
/// The CSV has no message ids or message types: ids are content hashes and
/// every row is a Text or Media message.
pub fn import_discord_csv<R, F>(
    mut reader: R,
    options: &ImportOptions,
    sink: F,
) -> Result<ImportReport, ImportError>
where
    R: BufRead + Seek,
    F: FnMut(ChatEvent),
{
    let order = match options.date_order {
        Some(order) => order,
        None => {
            let start = reader.stream_position()?;
            let order = infer_csv_date_order(&mut reader)?;
            reader.seek(SeekFrom::Start(start))?;
            order
        }
    };
    let group = GroupRef {
        channel: Channel::Discord,
        external_id: None,
        name: options.group_name.clone(),
    };
    let mut out = Collector::new(sink);
    let mut csv = csvutil::reader(reader);
    let headers = csv
        .byte_headers()
        .map_err(|e| csvutil::error(CSV_FORMAT, e))?
        .clone();
    let columns = csvutil::find_columns(
        CSV_FORMAT,
        &headers,
        ["AuthorID", "Author", "Date", "Content", "Attachments"],
    )?;
    let mut record = ByteRecord::new();
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| csvutil::error(CSV_FORMAT, e))?
    {
        let line = csvutil::line_of(&record);
        if let Err(reason) = csv_row(&mut out, &group, &record, columns, order, options) {
            out.skip(line, reason);
        }
    }
    Ok(out.finish())
}

fn csv_row<F: FnMut(ChatEvent)>(
    out: &mut Collector<F>,
    group: &GroupRef,
    record: &ByteRecord,
    [author_id, author, date, content, attachments]: [usize; 5],
    order: DateOrder,
    options: &ImportOptions,
) -> Result<(), String> {
    let author_id = csvutil::field(record, author_id, "AuthorID")?.trim();
    let author = csvutil::field(record, author, "Author")?;
    let date = csvutil::field(record, date, "Date")?;
    let content = csvutil::field(record, content, "Content")?;
    let attachments = csvutil::field(record, attachments, "Attachments")?;
    if author_id.is_empty() && author.is_empty() {
        return Err("row has no author".to_owned());
    }
    let at = csv_date(date, order, options)?;
    let sender = Person::with_id(
        author,
        (!author_id.is_empty()).then(|| author_id.to_owned()),
    );
    let kind = if attachments.trim().is_empty() {
        MessageKind::Text
    } else {
        MessageKind::Media
    };
    let text = (!content.is_empty()).then(|| content.to_owned());
    out.message(group, Some(sender), at, kind, text, Origin::Content);
    Ok(())
}

fn csv_date(date: &str, order: DateOrder, options: &ImportOptions) -> Result<Timestamp, String> {
    let date = date.trim();
    if let Ok(at) = date.parse::<Timestamp>() {
        return Ok(at);
    }
    match dates::parse_datetime(date) {
        Some((day, time, rest)) if rest.trim().is_empty() => {
            dates::to_timestamp(&day, &time, order, &options.time_zone)
        }
        _ => Err(format!("`Date` {date:?} is not a date")),
    }
}

/// First pass of [`import_discord_csv`]: only the `Date` column is read.
fn infer_csv_date_order<R: BufRead>(reader: R) -> Result<DateOrder, ImportError> {
    let mut csv = csvutil::reader(reader);
    let headers = csv
        .byte_headers()
        .map_err(|e| csvutil::error(CSV_FORMAT, e))?
        .clone();
    let [date] = csvutil::find_columns(CSV_FORMAT, &headers, ["Date"])?;
    let mut stats = OrderStats::default();
    let mut record = ByteRecord::new();
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| csvutil::error(CSV_FORMAT, e))?
    {
        if let Ok(text) = csvutil::field(&record, date, "Date")
            && let Some((day, _, _)) = dates::parse_datetime(text.trim())
        {
            stats.observe(&day);
        }
    }
    Ok(stats.decide())
}
