//! The decrypted callback XML, read into the events Pond acts on.
//!
//! WeCom sends a flat `<xml>` of fields. Two kinds matter here:
//! `change_external_contact` (a customer added or deleted a staff member:
//! acceptance and churn) and `change_external_chat` (a customer group was
//! created, changed members, or was dismissed). Everything else is read as
//! [`Event::Other`] and acknowledged, so WeCom does not retry it.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event as Xml;

/// What a callback told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A customer added a staff member (`add_external_contact`,
    /// `add_half_external_contact`): someone new came in.
    ContactAdded {
        /// The staff member (`UserID`).
        staff: String,
        /// The customer (`ExternalUserID`).
        customer: String,
        /// The live-code `State` tag of the entry point, if any.
        state: Option<String>,
        /// Unix seconds (`CreateTime`).
        at: i64,
    },
    /// A customer deleted the staff member, or the staff member deleted the
    /// customer (`del_external_contact`, `del_follow_user`): churn.
    ContactRemoved {
        /// The staff member.
        staff: String,
        /// The customer.
        customer: String,
        /// Unix seconds.
        at: i64,
    },
    /// A customer group was created.
    ChatCreated {
        /// `ChatId`.
        chat: String,
        /// Unix seconds.
        at: i64,
    },
    /// Members joined (`add_member`) or left (`del_member`) a group.
    /// `members` lists them when WeCom sends `MemChangeList`; `count` is
    /// `MemChangeCnt` either way.
    ChatMembers {
        /// `ChatId`.
        chat: String,
        /// True for joins, false for leaves.
        joined: bool,
        /// Who, when listed.
        members: Vec<String>,
        /// How many.
        count: u32,
        /// Unix seconds.
        at: i64,
    },
    /// A group was dismissed.
    ChatDismissed {
        /// `ChatId`.
        chat: String,
        /// Unix seconds.
        at: i64,
    },
    /// Anything else (another event, or a change Pond does not track).
    Other {
        /// `Event`, then `ChangeType`, when present.
        kind: String,
    },
}

/// Why a decrypted message could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    /// Not well-formed XML.
    #[error("the callback is not well-formed XML: {0}")]
    Xml(String),
    /// A field the event needs is missing.
    #[error("the {event} callback has no {field}")]
    Missing {
        /// The event.
        event: String,
        /// The field.
        field: &'static str,
    },
}

/// Reads a decrypted callback.
pub fn parse(xml: &str) -> Result<Event, EventError> {
    let fields = fields(xml)?;
    let get = |k: &str| fields.fields.get(k).map(String::as_str);
    let kind = get("Event").unwrap_or_default().to_owned();
    let change = get("ChangeType").unwrap_or_default();
    let at = get("CreateTime")
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    let need = |field: &'static str| {
        get(field)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| EventError::Missing {
                event: format!("{kind}/{change}"),
                field,
            })
    };
    Ok(match (kind.as_str(), change) {
        ("change_external_contact", "add_external_contact" | "add_half_external_contact") => {
            Event::ContactAdded {
                staff: need("UserID")?,
                customer: need("ExternalUserID")?,
                state: get("State").filter(|s| !s.is_empty()).map(str::to_owned),
                at,
            }
        }
        ("change_external_contact", "del_external_contact" | "del_follow_user") => {
            Event::ContactRemoved {
                staff: need("UserID")?,
                customer: need("ExternalUserID")?,
                at,
            }
        }
        ("change_external_chat", "create") => Event::ChatCreated {
            chat: need("ChatId")?,
            at,
        },
        ("change_external_chat", "dismiss") => Event::ChatDismissed {
            chat: need("ChatId")?,
            at,
        },
        ("change_external_chat", "update") => match get("UpdateDetail") {
            Some(detail @ ("add_member" | "del_member")) => Event::ChatMembers {
                chat: need("ChatId")?,
                joined: detail == "add_member",
                count: get("MemChangeCnt")
                    .and_then(|c| c.trim().parse().ok())
                    .unwrap_or(fields.items.len() as u32),
                members: fields.items,
                at,
            },
            other => Event::Other {
                kind: format!("{kind}/{change}/{}", other.unwrap_or("")),
            },
        },
        _ => Event::Other {
            kind: if change.is_empty() {
                kind
            } else {
                format!("{kind}/{change}")
            },
        },
    })
}

/// The `Encrypt` field of a callback's outer XML envelope: the ciphertext
/// to check and open with [`crate::Crypt::open`].
pub fn encrypted(envelope: &str) -> Result<String, EventError> {
    fields(envelope)?
        .fields
        .remove("Encrypt")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| EventError::Missing {
            event: "callback envelope".into(),
            field: "Encrypt",
        })
}

struct Fields {
    /// Direct children of `<xml>`, by name.
    fields: HashMap<String, String>,
    /// The `<Item>` entries of `<MemChangeList>`.
    items: Vec<String>,
}

fn fields(xml: &str) -> Result<Fields, EventError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Fields {
        fields: HashMap::new(),
        items: Vec::new(),
    };
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| EventError::Xml(e.to_string()))?;
        match event {
            Xml::Start(e) => {
                if path.len() > 16 {
                    return Err(EventError::Xml("nested too deeply".into()));
                }
                path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                text.clear();
            }
            Xml::Text(t) => {
                let t = t.decode().map_err(|e| EventError::Xml(e.to_string()))?;
                text.push_str(&t);
            }
            Xml::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Xml::End(_) => {
                match path.as_slice() {
                    [_, field] => {
                        out.fields.insert(field.clone(), text.trim().to_owned());
                    }
                    [_, list, item] if list == "MemChangeList" && item == "Item" => {
                        out.items.push(text.trim().to_owned());
                    }
                    _ => {}
                }
                path.pop();
                text.clear();
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(EventError::Xml(format!(
            "<{}> is never closed",
            path.join("><")
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn contact_and_chat_events() {
        let add = "<xml><ToUserName><![CDATA[corp]]></ToUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><State><![CDATA[counter]]></State><WelcomeCode><![CDATA[CALLBACK]]></WelcomeCode></xml>";
        assert_eq!(
            parse(add).unwrap(),
            Event::ContactAdded {
                staff: "zhangsan".into(),
                customer: "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA".into(),
                state: Some("counter".into()),
                at: 1403610513
            }
        );
        let upd = "<xml><ToUserName><![CDATA[corp]]></ToUserName><CreateTime>1403610513</CreateTime><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrx7HUARsKAAAA]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[del_member]]></UpdateDetail><QuitScene>0</QuitScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item>wmA</Item><Item>wmB</Item></MemChangeList></xml>";
        assert_eq!(
            parse(upd).unwrap(),
            Event::ChatMembers {
                chat: "wrx7HUARsKAAAA".into(),
                joined: false,
                members: vec!["wmA".into(), "wmB".into()],
                count: 2,
                at: 1403610513
            }
        );
        let dismiss = "<xml><CreateTime>1</CreateTime><Event>change_external_chat</Event><ChangeType>dismiss</ChangeType><ChatId>c</ChatId></xml>";
        assert_eq!(
            parse(dismiss).unwrap(),
            Event::ChatDismissed {
                chat: "c".into(),
                at: 1
            }
        );
        assert_eq!(
            parse("<xml><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>"),
            Err(EventError::Missing {
                event: "change_external_chat/create".into(),
                field: "ChatId"
            })
        );
        assert!(matches!(parse("<xml><a>"), Err(EventError::Xml(_))));
        assert!(matches!(
            parse("<xml><MsgType>text</MsgType></xml>"),
            Ok(Event::Other { .. })
        ));
    }
}
