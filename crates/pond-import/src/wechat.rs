//! WeChatMsg / MemoTrace CSV exports: UTF-8 with a byte-order mark, columns
//! `localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender`.
//!
//! In group chats the last three columns describe the sender (the
//! exporter's remark for them, their nickname, their wxid).

use std::io::BufRead;

use csv::ByteRecord;
use jiff::Timestamp;
use jiff::civil::DateTime;

use crate::collect::{Collector, Origin};
use crate::csvutil;
use crate::dates::local_to_timestamp;
use crate::error::ImportError;
use crate::event::{Channel, ChatEvent, GroupRef, ImportReport, MessageKind, Person};
use crate::options::ImportOptions;

const FORMAT: &str = "WeChatMsg CSV";

const COLUMNS: [&str; 9] = [
    "TalkerId",
    "Type",
    "SubType",
    "CreateTime",
    "StrContent",
    "StrTime",
    "Remark",
    "NickName",
    "Sender",
];

/// Imports a WeChatMsg / MemoTrace CSV export.
///
/// The CSV does not name the chat, so groups are named
/// [`ImportOptions::group_name`] and told apart by `TalkerId`
/// (`external_id`); a file normally holds one chat. Times come from
/// `CreateTime` (unix seconds), or `StrTime` read in
/// [`ImportOptions::time_zone`] when that is missing.
///
/// Type 1 is text; 3 (image), 34 (voice), 43 (video), 47 (sticker), 49 (app
/// message; its SubType 57, a quoted reply, is text) and other types are
/// media; 10000 and 10002 are system notices, of which
/// `"X"邀请"Y、Z"加入了群聊`, `"Y"通过扫描"X"分享的二维码加入群聊` and
/// `"X"将"Y"移出了群聊` (with `你` for the exporter) become joins and leaves.
/// WeChat does not announce members who leave on their own.
///
/// Ids are content hashes (CreateTime, sender, type, content and ordinal):
/// `localId` is a row number in one phone's database and would change
/// between exports made from different backups of the same chat.
pub fn import_wechat_csv<R, F>(
    reader: R,
    options: &ImportOptions,
    sink: F,
) -> Result<ImportReport, ImportError>
where
    R: BufRead,
    F: FnMut(ChatEvent),
{
    let mut out = Collector::new(sink);
    let mut csv = csvutil::reader(reader);
    let headers = csv
        .byte_headers()
        .map_err(|e| csvutil::error(FORMAT, e))?
        .clone();
    let columns = csvutil::find_columns(FORMAT, &headers, COLUMNS)?;
    let mut record = ByteRecord::new();
    while csv
        .read_byte_record(&mut record)
        .map_err(|e| csvutil::error(FORMAT, e))?
    {
        let line = csvutil::line_of(&record);
        if let Err(reason) = row(&mut out, &record, columns, options) {
            out.skip(line, reason);
        }
    }
    Ok(out.finish())
}

fn row<F: FnMut(ChatEvent)>(
    out: &mut Collector<F>,
    record: &ByteRecord,
    [
        talker,
        kind,
        sub_kind,
        create_time,
        content,
        str_time,
        remark,
        nickname,
        sender,
    ]: [usize; 9],
    options: &ImportOptions,
) -> Result<(), String> {
    let talker = csvutil::field(record, talker, "TalkerId")?.trim();
    let kind_text = csvutil::field(record, kind, "Type")?.trim();
    let sub_kind = csvutil::field(record, sub_kind, "SubType")?.trim();
    let create_time = csvutil::field(record, create_time, "CreateTime")?.trim();
    let content = csvutil::field(record, content, "StrContent")?;
    let str_time = csvutil::field(record, str_time, "StrTime")?.trim();
    let remark = csvutil::field(record, remark, "Remark")?.trim();
    let nickname = csvutil::field(record, nickname, "NickName")?.trim();
    let wxid = csvutil::field(record, sender, "Sender")?.trim();

    let kind: u32 = kind_text
        .parse()
        .map_err(|_| format!("`Type` {kind_text:?} is not a number"))?;
    let at = time(create_time, str_time, options)?;
    let group = GroupRef {
        channel: Channel::Wechat,
        external_id: (!talker.is_empty()).then(|| talker.to_owned()),
        name: options.group_name.clone(),
    };
    // The exporter's remark is what they call the person, and what WeChat
    // itself writes in join notices; fall back to the nickname, then the wxid.
    let name = [remark, nickname, wxid]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("");
    let person = (!name.is_empty())
        .then(|| Person::with_id(name, (!wxid.is_empty()).then(|| wxid.to_owned())));

    match kind {
        10000 | 10002 => system(out, &group, at, content),
        1 => {
            let text = (!content.is_empty()).then(|| content.to_owned());
            out.message(&group, person, at, MessageKind::Text, text, Origin::Content);
        }
        49 => {
            // App messages keep their payload as XML; the <title> is what a
            // reader sees (the reply text for SubType 57, a link's headline...).
            let title = xml_title(content).or_else(|| {
                (!content.is_empty() && !content.trim_start().starts_with('<'))
                    .then(|| content.to_owned())
            });
            let kind = if sub_kind == "57" {
                MessageKind::Text
            } else {
                MessageKind::Media
            };
            out.message(&group, person, at, kind, title, Origin::Content);
        }
        _ => out.message(
            &group,
            person,
            at,
            MessageKind::Media,
            None,
            Origin::Content,
        ),
    }
    Ok(())
}

fn time(create_time: &str, str_time: &str, options: &ImportOptions) -> Result<Timestamp, String> {
    if let Some(at) = create_time
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .and_then(|s| Timestamp::from_second(s).ok())
    {
        return Ok(at);
    }
    let local: DateTime = str_time.parse().map_err(|_| {
        format!("neither `CreateTime` {create_time:?} nor `StrTime` {str_time:?} is a time")
    })?;
    local_to_timestamp(local, &options.time_zone)
}

fn xml_title(content: &str) -> Option<String> {
    let start = content.find("<title>")? + "<title>".len();
    let rest = content.get(start..)?;
    let title = rest.get(..rest.find("</title>")?)?;
    let title = title
        .trim()
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>");
    (!title.is_empty()).then(|| title.to_owned())
}

fn system<F: FnMut(ChatEvent)>(
    out: &mut Collector<F>,
    group: &GroupRef,
    at: Timestamp,
    content: &str,
) {
    match parse_notice(content) {
        Some(Notice::Join { members, by }) => {
            for member in members {
                let by = by.as_deref().map(Person::named);
                out.join(group, Person::named(member), by, at, Origin::Content);
            }
        }
        Some(Notice::Leave { members, by }) => {
            for member in members {
                let by = Some(Person::named(by.as_str()));
                out.leave(group, Person::named(member), by, at, Origin::Content);
            }
        }
        None => {
            let text = (!content.is_empty()).then(|| content.to_owned());
            out.message(group, None, at, MessageKind::System, text, Origin::Content);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Notice {
    Join {
        members: Vec<String>,
        by: Option<String>,
    },
    Leave {
        members: Vec<String>,
        by: String,
    },
}

/// Reads a membership notice; `None` for every other notice.
fn parse_notice(text: &str) -> Option<Notice> {
    let text = text.trim();
    let (first, rest) = take_name(text)?;
    if let Some(rest) = rest.strip_prefix("邀请") {
        // "X"邀请"A、B"加入了群聊 / "X"邀请你和"A"加入了群聊，群聊参与人还有：...
        let (members, rest) = take_names(rest);
        rest.starts_with("加入了群聊").then_some(())?;
        return (!members.is_empty()).then_some(Notice::Join {
            members,
            by: Some(first),
        });
    }
    if let Some(rest) = rest.strip_prefix("通过扫描") {
        if rest.starts_with("二维码加入群聊") {
            return Some(Notice::Join {
                members: split_list(&first),
                by: None,
            });
        }
        let (by, rest) = take_name(rest)?;
        rest.starts_with("分享的二维码加入群聊").then_some(())?;
        return Some(Notice::Join {
            members: split_list(&first),
            by: Some(by),
        });
    }
    if let Some(rest) = rest.strip_prefix("将") {
        let (members, rest) = take_names(rest);
        (rest.starts_with("移出了群聊") || rest.starts_with("移出群聊")).then_some(())?;
        return (!members.is_empty()).then_some(Notice::Leave { members, by: first });
    }
    if rest.starts_with("加入了群聊") {
        return Some(Notice::Join {
            members: split_list(&first),
            by: None,
        });
    }
    None
}

/// A quoted name (`"X"` or `“X”`) or the bare `你` ("you", the exporter).
fn take_name(s: &str) -> Option<(String, &str)> {
    if let Some(rest) = s.strip_prefix('你') {
        return Some(("你".to_owned(), rest));
    }
    let (close, rest) = if let Some(rest) = s.strip_prefix('"') {
        ('"', rest)
    } else {
        ('\u{201D}', s.strip_prefix('\u{201C}')?)
    };
    let end = rest.find(close)?;
    let name = rest.get(..end)?.to_owned();
    Some((name, rest.get(end + close.len_utf8()..)?))
}

/// Names joined by `、` or `和`, each possibly a `、`-separated list itself.
fn take_names(mut s: &str) -> (Vec<String>, &str) {
    let mut names = Vec::new();
    while let Some((name, rest)) = take_name(s) {
        names.extend(split_list(&name));
        s = rest
            .strip_prefix('、')
            .or_else(|| rest.strip_prefix('和'))
            .unwrap_or(rest);
    }
    (names, s)
}

fn split_list(names: &str) -> Vec<String> {
    names
        .split('、')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(members: &[&str], by: Option<&str>) -> Option<Notice> {
        Some(Notice::Join {
            members: members.iter().map(|m| m.to_string()).collect(),
            by: by.map(str::to_owned),
        })
    }

    #[test]
    fn notices() {
        assert_eq!(
            parse_notice("\"张三\"邀请\"李四、王五\"加入了群聊"),
            join(&["李四", "王五"], Some("张三"))
        );
        assert_eq!(
            parse_notice("\"李佳芮\"邀请你和\"Huan\"加入了群聊，群聊参与人还有：小桔"),
            join(&["你", "Huan"], Some("李佳芮"))
        );
        assert_eq!(
            parse_notice("\"赵六\"通过扫描\"张三\"分享的二维码加入群聊"),
            join(&["赵六"], Some("张三"))
        );
        assert_eq!(
            parse_notice("“赵六”通过扫描你分享的二维码加入群聊"),
            join(&["赵六"], Some("你"))
        );
        assert_eq!(
            parse_notice("你将\"王五\"移出了群聊"),
            Some(Notice::Leave {
                members: vec!["王五".to_owned()],
                by: "你".to_owned()
            })
        );
        assert_eq!(
            parse_notice("\"赵六\"通过扫描二维码加入群聊"),
            join(&["赵六"], None)
        );
        assert_eq!(parse_notice("\"赵六\"加入了群聊"), join(&["赵六"], None));
        assert_eq!(parse_notice("\"张三\"修改群名为\"花友会\""), None);
        assert_eq!(parse_notice("\"张三\"邀请加入了群聊"), None);
        assert_eq!(parse_notice(""), None);
    }
}
