//! WhatsApp "Export chat" text files.
//!
//! Android: `06/03/2017, 00:45 - Name: text`; iOS: `[8/15/23, 9:12:33 AM] Name: text`.
//! A line without a leading timestamp continues the previous message. A
//! timestamped line without `Name: ` is a system notice; iOS instead writes
//! system notices as `[date] Group name: \u{200E}Alice added Bob`, with a
//! left-to-right mark before the text, which is how they are told apart from
//! a member who typed "Alice added Bob".
//!
//! Day/month order is inferred over the whole file in a first pass that only
//! reads dates (see [`infer_date_order`]); the second pass parses messages.
//! Both passes hold one line (at most 1 MiB) and one message in memory.

use std::io::{BufRead, Seek, SeekFrom};

use jiff::Timestamp;

use crate::collect::{Collector, Origin};
use crate::dates::{self, DateOrder, OrderStats, RawDate, RawTime};
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, ImportReport, MessageKind, Person};
use crate::lines::{LineContent, LineReader, MAX_LINE_BYTES};
use crate::options::ImportOptions;

/// Longest message kept (text of all its lines). Longer messages are cut and
/// the dropped lines reported as skipped.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Imports a WhatsApp export, inferring the day/month order over the whole
/// file first unless [`ImportOptions::date_order`] is set.
///
/// Reads the source twice (rewinding to where it started), so it needs `Seek`;
/// for a source that cannot seek, pass the order to
/// [`import_whatsapp_with_order`].
pub fn import_whatsapp<R, F>(
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
            let order = infer_date_order(&mut reader)?;
            reader.seek(SeekFrom::Start(start))?;
            order
        }
    };
    import_whatsapp_with_order(reader, order, options, sink)
}

/// Scans a WhatsApp export's timestamps (and nothing else) to decide whether
/// its dates are day-first or month-first. See the crate README for the rules.
pub fn infer_date_order<R: BufRead>(reader: R) -> Result<DateOrder, ImportError> {
    let mut lines = LineReader::new(reader);
    let mut stats = OrderStats::default();
    while let Some((_, content)) = lines.next_line()? {
        if let LineContent::Text(line) = content
            && let Some(header) = parse_header(&line)
        {
            stats.observe(&header.date);
        }
    }
    Ok(stats.decide())
}

/// Imports a WhatsApp export in one pass with a known day/month order.
pub fn import_whatsapp_with_order<R, F>(
    reader: R,
    order: DateOrder,
    options: &ImportOptions,
    sink: F,
) -> Result<ImportReport, ImportError>
where
    R: BufRead,
    F: FnMut(ChatEvent),
{
    let group = GroupRef {
        channel: Channel::Whatsapp,
        external_id: None,
        name: options.group_name.clone(),
    };
    let mut out = Collector::new(sink);
    let mut lines = LineReader::new(reader);
    let mut state = State::Idle;
    while let Some((line_no, content)) = lines.next_line()? {
        let line = match content {
            LineContent::Text(line) => line,
            LineContent::TooLong(len) => {
                out.skip(
                    line_no,
                    format!("line is {len} bytes long, over the {MAX_LINE_BYTES}-byte limit"),
                );
                continue;
            }
            LineContent::NotUtf8 => {
                out.skip(line_no, "line is not valid UTF-8");
                continue;
            }
        };
        if let Some(header) = parse_header(&line) {
            if let State::Open(pending) = std::mem::replace(&mut state, State::Idle) {
                emit(&mut out, &group, pending);
            }
            match dates::to_timestamp(&header.date, &header.time, order, &options.time_zone) {
                Ok(at) => state = State::Open(Pending::new(line_no, at, header.rest)),
                Err(reason) => {
                    out.skip(line_no, reason);
                    state = State::Dropped(line_no);
                }
            }
            continue;
        }
        match &mut state {
            State::Open(pending) => {
                if !pending.append(&line) {
                    out.skip(
                        line_no,
                        format!(
                            "continuation of the message on line {} dropped: message over {MAX_MESSAGE_BYTES} bytes",
                            pending.line
                        ),
                    );
                }
            }
            State::Dropped(first) => {
                let first = *first;
                out.skip(
                    line_no,
                    format!("continuation of line {first}, which was skipped"),
                );
            }
            State::Idle => {
                if !line.trim().is_empty() {
                    out.skip(
                        line_no,
                        "line has no timestamp and there is no message before it to continue",
                    );
                }
            }
        }
    }
    if let State::Open(pending) = state {
        emit(&mut out, &group, pending);
    }
    Ok(out.finish())
}

enum State {
    /// Before the first message.
    Idle,
    /// A message whose continuation lines may still follow.
    Open(Pending),
    /// The last timestamped line was skipped; its continuations are too.
    Dropped(u64),
}

struct Pending {
    line: u64,
    at: Timestamp,
    /// `Some((name, marked))` for `Name: text` lines; `marked` is true when
    /// the text began with U+200E (the iOS system-notice marker).
    author: Option<(String, bool)>,
    text: String,
}

impl Pending {
    fn new(line: u64, at: Timestamp, rest: &str) -> Self {
        let (author, text) = match split_author(rest) {
            Some((name, text)) => {
                let marked = text.starts_with('\u{200E}');
                (Some((strip_marks(name).trim().to_owned(), marked)), text)
            }
            None => (None, rest),
        };
        Pending {
            line,
            at,
            author,
            text: strip_marks(text),
        }
    }

    /// Appends a continuation line; false if the message is already too long.
    fn append(&mut self, line: &str) -> bool {
        if self.text.len() + line.len() + 1 > MAX_MESSAGE_BYTES {
            return false;
        }
        self.text.push('\n');
        self.text.push_str(&strip_marks(line));
        true
    }
}

/// What a timestamped line starts with.
struct Header<'a> {
    date: RawDate,
    time: RawTime,
    rest: &'a str,
}

/// Recognises `[date, time] rest` (iOS) and `date, time - rest` (Android).
fn parse_header(line: &str) -> Option<Header<'_>> {
    let line = line.trim_start_matches(['\u{200E}', '\u{200F}', '\u{FEFF}']);
    if let Some(inner) = line.strip_prefix('[') {
        let (date, time, rest) = dates::parse_datetime(inner)?;
        let rest = rest.strip_prefix(']')?;
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        return Some(Header { date, time, rest });
    }
    let (date, time, rest) = dates::parse_datetime(line)?;
    let rest = dates::skip_spaces(rest);
    let rest = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('\u{2013}'))?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    Some(Header { date, time, rest })
}

/// Splits `Name: text`. A candidate name containing a quote is not a name:
/// it is a system notice such as `Bob changed the subject to "Q: A"`.
fn split_author(rest: &str) -> Option<(&str, &str)> {
    let (name, text) = match rest.split_once(": ") {
        Some(split) => split,
        None => (rest.strip_suffix(':')?, ""),
    };
    if name.trim().is_empty() || name.contains(['"', '\u{201C}', '\u{201D}']) {
        return None;
    }
    Some((name, text))
}

/// Removes direction marks and isolates that WhatsApp sprinkles into names
/// and texts (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).
fn strip_marks(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

fn emit<F: FnMut(ChatEvent)>(out: &mut Collector<F>, group: &GroupRef, pending: Pending) {
    let Pending {
        at, author, text, ..
    } = pending;
    let text = text.trim_end_matches('\n').to_owned();
    let Some((name, marked)) = author else {
        emit_system(out, group, at, text);
        return;
    };
    if is_encryption_notice(&text) {
        out.message(
            group,
            None,
            at,
            MessageKind::System,
            Some(text),
            Origin::Content,
        );
        return;
    }
    if marked && is_ios_notice(&text) {
        // iOS system notice, "sent" by the group itself.
        emit_system(out, group, at, text);
        return;
    }
    let sender = Some(person(&name));
    let (kind, text) = match media(&text) {
        Some(caption) => (MessageKind::Media, caption),
        None => (MessageKind::Text, Some(text)),
    };
    out.message(group, sender, at, kind, text, Origin::Content);
}

fn emit_system<F: FnMut(ChatEvent)>(
    out: &mut Collector<F>,
    group: &GroupRef,
    at: Timestamp,
    text: String,
) {
    match classify_system(&text) {
        SystemNotice::Join { members, by } => {
            for member in members {
                out.join(
                    group,
                    person(&member),
                    by.as_deref().map(person),
                    at,
                    Origin::Content,
                );
            }
        }
        SystemNotice::Leave { members, by } => {
            for member in members {
                out.leave(
                    group,
                    person(&member),
                    by.as_deref().map(person),
                    at,
                    Origin::Content,
                );
            }
        }
        SystemNotice::Other => {
            out.message(
                group,
                None,
                at,
                MessageKind::System,
                Some(text),
                Origin::Content,
            );
        }
    }
}

/// A WhatsApp name; an unsaved contact shows as a phone number, which is
/// WhatsApp's own id for the person.
fn person(name: &str) -> Person {
    let name = name.trim();
    let digits: String = name.chars().filter(char::is_ascii_digit).collect();
    let phone_like = name.starts_with('+')
        && digits.len() >= 7
        && name.chars().skip(1).all(|c| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '\u{00A0}' | '\u{2011}')
        });
    let platform_id = phone_like.then(|| format!("+{digits}"));
    Person::with_id(name, platform_id)
}

fn is_encryption_notice(text: &str) -> bool {
    text.starts_with("Messages and calls are end-to-end encrypted")
        || text.starts_with("Messages to this group are now secured with end-to-end encryption")
        || text.starts_with(
            "Messages to this chat and calls are now secured with end-to-end encryption",
        )
}

/// Whether a U+200E-marked `Name: text` line is an iOS system notice. Members'
/// own lines can be marked too ("\u{200E}image omitted", "\u{200E}This message
/// was deleted."), so the text must also read like a notice.
fn is_ios_notice(text: &str) -> bool {
    const PHRASES: [&str; 14] = [
        "created group",
        "created this group",
        "changed the subject",
        "changed the group name",
        "changed this group's icon",
        "deleted this group's icon",
        "changed the group description",
        "changed their phone number",
        "changed this group's settings",
        "security code",
        "disappearing messages",
        "now an admin",
        "no longer an admin",
        "pinned a message",
    ];
    !matches!(classify_system(text), SystemNotice::Other)
        || PHRASES.iter().any(|p| text.contains(p))
}

/// `Some(caption)` if the message is a media item; the caption is `None` for
/// a bare placeholder.
fn media(text: &str) -> Option<Option<String>> {
    const OMITTED: [&str; 9] = [
        "image omitted",
        "video omitted",
        "audio omitted",
        "sticker omitted",
        "gif omitted",
        "document omitted",
        "contact card omitted",
        "photo omitted",
        "voice message omitted",
    ];
    let (first, more) = match text.split_once('\n') {
        Some((first, more)) => (first, Some(more)),
        None => (text, None),
    };
    let lower = first.trim().to_lowercase();
    let placeholder = lower == "<media omitted>" || OMITTED.iter().any(|p| lower.ends_with(p));
    if placeholder {
        let caption = more
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        return Some(caption);
    }
    if lower.starts_with("<attached: ") || lower.contains("(file attached)") {
        return Some(Some(text.to_owned()));
    }
    None
}

/// What a system notice means for membership.
enum SystemNotice {
    Join {
        members: Vec<String>,
        by: Option<String>,
    },
    Leave {
        members: Vec<String>,
        by: Option<String>,
    },
    Other,
}

/// Recognises the English membership notices. Notices in other languages
/// (and every other notice) become System messages, so nothing is lost.
fn classify_system(text: &str) -> SystemNotice {
    const JOINED: [&str; 4] = [
        " joined using this group's invite link",
        " joined using this community's invite link",
        " joined using your invite link",
        " joined from the community",
    ];
    let text = text.trim();
    if text.contains('\n') {
        return SystemNotice::Other;
    }
    for suffix in JOINED {
        if let Some(who) = text.strip_suffix(suffix) {
            return SystemNotice::Join {
                members: split_names(who),
                by: None,
            };
        }
    }
    match text {
        "You were added" => {
            return SystemNotice::Join {
                members: vec!["You".to_owned()],
                by: None,
            };
        }
        "You were removed" => {
            return SystemNotice::Leave {
                members: vec!["You".to_owned()],
                by: None,
            };
        }
        _ => {}
    }
    if let Some(who) = text.strip_suffix(" left")
        && !who.is_empty()
    {
        return SystemNotice::Leave {
            members: vec![who.to_owned()],
            by: None,
        };
    }
    if let Some((by, who)) = text.split_once(" added ") {
        return SystemNotice::Join {
            members: split_names(who),
            by: Some(by.to_owned()),
        };
    }
    if let Some((by, who)) = text.split_once(" removed ") {
        return SystemNotice::Leave {
            members: split_names(who),
            by: Some(by.to_owned()),
        };
    }
    SystemNotice::Other
}

/// "Alice, Bob and Carol" -> [Alice, Bob, Carol].
fn split_names(list: &str) -> Vec<String> {
    let mut names = Vec::new();
    for part in list.split(", ") {
        for name in part.split(" and ") {
            let name = name.trim();
            if !name.is_empty() {
                names.push(name.to_owned());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("[8/15/23, 9:12:33 AM] Dr. Feather: hi");
        assert_eq!(h.map(|h| h.rest), Some("Dr. Feather: hi"));
        let h = parse_header("06/03/2017, 00:45 - You created group \"ShortChat\"");
        assert_eq!(h.map(|h| h.rest), Some("You created group \"ShortChat\""));
        assert!(parse_header("Is everything alright?").is_none());
        assert!(parse_header("06/03/2017 was a good day").is_none());
    }

    #[test]
    fn authors_and_notices() {
        assert_eq!(split_author("Bob: hi: there"), Some(("Bob", "hi: there")));
        assert_eq!(split_author("Bob changed the subject to \"a: b\""), None);
        assert!(matches!(
            classify_system("Alice added Bob, Carol and Dan"),
            SystemNotice::Join { ref members, by: Some(ref by) } if members.len() == 3 && by == "Alice"
        ));
        assert!(matches!(
            classify_system("Bob left"),
            SystemNotice::Leave { .. }
        ));
        assert!(matches!(
            classify_system("You created group \"x\""),
            SystemNotice::Other
        ));
        assert_eq!(
            person("+41 01 234 56 78").platform_id.as_deref(),
            Some("+41012345678")
        );
        assert_eq!(person("Bob").platform_id, None);
        assert_eq!(media("<Media omitted>"), Some(None));
        assert_eq!(media("hello"), None);
    }
}
