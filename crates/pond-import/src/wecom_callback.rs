//! WeCom customer-group callbacks (`change_external_chat`) as group events.
//!
//! A callback names the group only by its `ChatId`, and members only by
//! their WeCom ids, so those ids are the group's external id and the
//! people's platform ids (and, until a richer source names them, their
//! names). Ids are content hashes: WeCom retries a callback it thinks was
//! missed, and a retry must land on the same id.

use jiff::Timestamp;
use pond_wecom::Event;

use crate::collect::{Collector, Origin};
use crate::event::{Channel, ChatEvent, GroupRef, MessageKind, Person};

fn group(chat: &str) -> GroupRef {
    GroupRef {
        channel: Channel::Wecom,
        external_id: Some(chat.to_owned()),
        name: format!("WeCom {chat}"),
    }
}

/// The group events of one decrypted callback: a creation or dismissal as
/// a system notice, each listed member of an `add_member` / `del_member`
/// update as a join or leave. Contact events and anything else give none.
pub fn wecom_chat_events(event: &Event) -> Vec<ChatEvent> {
    let mut events = Vec::new();
    let mut out = Collector::new(|e| events.push(e));
    let when = |unix: i64| Timestamp::from_second(unix).ok();
    match event {
        Event::ChatCreated { chat, at } | Event::ChatDismissed { chat, at } => {
            if let Some(at) = when(*at) {
                let notice = if matches!(event, Event::ChatCreated { .. }) {
                    "group created"
                } else {
                    "group dismissed"
                };
                out.message(
                    &group(chat),
                    None,
                    at,
                    MessageKind::System,
                    Some(notice.to_owned()),
                    Origin::Content,
                );
            }
        }
        Event::ChatMembers {
            chat,
            joined,
            members,
            at,
            ..
        } => {
            if let Some(at) = when(*at) {
                let g = group(chat);
                for m in members.iter().filter(|m| !m.is_empty()) {
                    let person = Person::with_id(m.clone(), Some(m.clone()));
                    if *joined {
                        out.join(&g, person, None, at, Origin::Content);
                    } else {
                        out.leave(&g, person, None, at, Origin::Content);
                    }
                }
            }
        }
        Event::ContactAdded { .. } | Event::ContactRemoved { .. } | Event::Other { .. } => {}
    }
    drop(out);
    events
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn members_become_joins_and_leaves_with_stable_ids() {
        let add = Event::ChatMembers {
            chat: "wrx1".into(),
            joined: true,
            members: vec!["wmA".into(), "wmB".into()],
            count: 2,
            at: 1_700_000_000,
        };
        let first = wecom_chat_events(&add);
        assert_eq!(first.len(), 2);
        assert!(matches!(&first[0], ChatEvent::Join { member, group, .. }
            if member.platform_id.as_deref() == Some("wmA") && group.external_id.as_deref() == Some("wrx1")));
        // A retried callback lands on the same ids.
        assert_eq!(first, wecom_chat_events(&add));
        let del = Event::ChatMembers {
            chat: "wrx1".into(),
            joined: false,
            members: vec!["wmA".into(), "wmB".into()],
            count: 2,
            at: 1_700_000_000,
        };
        assert!(matches!(
            &wecom_chat_events(&del)[1],
            ChatEvent::Leave { .. }
        ));
        let created = Event::ChatCreated {
            chat: "wrx1".into(),
            at: 1_700_000_000,
        };
        assert!(matches!(
            &wecom_chat_events(&created)[..],
            [ChatEvent::Message {
                kind: MessageKind::System,
                ..
            }]
        ));
        assert!(wecom_chat_events(&Event::Other { kind: "x".into() }).is_empty());
    }
}
