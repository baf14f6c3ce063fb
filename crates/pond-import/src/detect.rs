//! Telling the formats apart from a file's first bytes (and, failing that,
//! its extension).

use std::io::{BufRead, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::event::{ChatEvent, ImportReport};
use crate::options::ImportOptions;
use crate::{dates, discord, telegram, wechat, whatsapp};

/// How many bytes [`import_auto`] reads to decide.
const HEAD_BYTES: u64 = 64 * 1024;

/// An export format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// WhatsApp "Export chat" text file.
    WhatsApp,
    /// Telegram Desktop JSON (one chat or whole account).
    Telegram,
    /// DiscordChatExporter JSON.
    DiscordJson,
    /// DiscordChatExporter CSV.
    DiscordCsv,
    /// WeChatMsg / MemoTrace CSV.
    WeChatCsv,
}

/// Guesses the format from the first bytes of a file (a few KiB are enough)
/// and, when those are not conclusive, from the file name's extension.
///
/// JSON whose first key is `guild` is DiscordChatExporter; other JSON
/// objects mentioning `messages` or `chats` are Telegram. CSV headers are
/// recognised by their column names; a text file whose first non-empty line
/// starts with a WhatsApp timestamp is WhatsApp, as is any other `.txt` file.
pub fn detect_format(head: &[u8], file_name: Option<&str>) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if let Some(body) = trimmed.strip_prefix('{') {
        if body.trim_start().starts_with("\"guild\"") {
            return Some(Format::DiscordJson);
        }
        if ["\"messages\"", "\"chats\"", "\"personal_information\""]
            .iter()
            .any(|key| body.contains(key))
        {
            return Some(Format::Telegram);
        }
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    let columns: Vec<String> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    if has("AuthorID") && has("Author") && has("Date") && has("Content") {
        return Some(Format::DiscordCsv);
    }
    if has("localId") && has("TalkerId") && has("StrContent") {
        return Some(Format::WeChatCsv);
    }
    let whatsapp_line = trimmed.lines().take(5).any(|line| {
        let line = line.trim_start_matches(['\u{200E}', '\u{200F}', '[']);
        dates::parse_datetime(line).is_some()
    });
    if whatsapp_line {
        return Some(Format::WhatsApp);
    }
    let extension = file_name
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt") => Some(Format::WhatsApp),
        _ => None,
    }
}

/// Detects the format of `reader` (reading up to 64 KiB, then rewinding) and
/// imports it with the matching importer.
pub fn import_auto<R, F>(
    mut reader: R,
    file_name: Option<&str>,
    options: &ImportOptions,
    sink: F,
) -> Result<(Format, ImportReport), ImportError>
where
    R: BufRead + Seek,
    F: FnMut(ChatEvent),
{
    let start = reader.stream_position()?;
    let mut head = Vec::new();
    (&mut reader).take(HEAD_BYTES).read_to_end(&mut head)?;
    reader.seek(SeekFrom::Start(start))?;
    let format = detect_format(&head, file_name).ok_or(ImportError::UnknownFormat)?;
    let report = match format {
        Format::WhatsApp => whatsapp::import_whatsapp(reader, options, sink)?,
        Format::Telegram => telegram::import_telegram(reader, options, sink)?,
        Format::DiscordJson => discord::import_discord_json(reader, options, sink)?,
        Format::DiscordCsv => discord::import_discord_csv(reader, options, sink)?,
        Format::WeChatCsv => wechat::import_wechat_csv(reader, options, sink)?,
    };
    Ok((format, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        assert_eq!(
            detect_format(b"{\n \"guild\": {}", None),
            Some(Format::DiscordJson)
        );
        assert_eq!(
            detect_format(b"{\n \"name\": \"x\", \"messages\": []}", None),
            Some(Format::Telegram)
        );
        assert_eq!(
            detect_format(
                b"\"AuthorID\",\"Author\",\"Date\",\"Content\",\"Attachments\",\"Reactions\"\n",
                None
            ),
            Some(Format::DiscordCsv)
        );
        assert_eq!(
            detect_format(
                "\u{FEFF}localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n".as_bytes(),
                None
            ),
            Some(Format::WeChatCsv)
        );
        assert_eq!(
            detect_format(b"[8/15/23, 9:12:33 AM] A: b", None),
            Some(Format::WhatsApp)
        );
        assert_eq!(
            detect_format(b"hello", Some("chat.txt")),
            Some(Format::WhatsApp)
        );
        assert_eq!(detect_format(b"hello", Some("chat.bin")), None);
    }
}
