//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use pond_import::{ChatEvent, MessageKind, TimeZone};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Public samples kept in the repository (`tests/data/public`, see its SOURCES.md).
pub fn fixture(path: &str) -> std::io::Result<BufReader<File>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/public");
    Ok(BufReader::new(File::open(PathBuf::from(root).join(path))?))
}

/// Exports written for these tests (`tests/data`).
pub fn data(path: &str) -> std::io::Result<BufReader<File>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    Ok(BufReader::new(File::open(PathBuf::from(root).join(path))?))
}

/// A fixed UTC offset.
pub fn offset(hours: i8) -> TimeZone {
    TimeZone::fixed(jiff::tz::offset(hours))
}

/// (text, media, system) message counts.
pub fn kinds(events: &[ChatEvent]) -> (usize, usize, usize) {
    let count = |k: MessageKind| {
        events
            .iter()
            .filter(|e| matches!(e, ChatEvent::Message { kind, .. } if *kind == k))
            .count()
    };
    (
        count(MessageKind::Text),
        count(MessageKind::Media),
        count(MessageKind::System),
    )
}

/// Messages as (sender name, kind, text), in order.
pub fn messages(events: &[ChatEvent]) -> Vec<(Option<String>, MessageKind, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Message {
                sender, kind, text, ..
            } => Some((sender.as_ref().map(|s| s.name.clone()), *kind, text.clone())),
            _ => None,
        })
        .collect()
}

/// Joins as (member, inviter) names, in order.
pub fn joins(events: &[ChatEvent]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Join { member, by, .. } => {
                Some((member.name.clone(), by.as_ref().map(|b| b.name.clone())))
            }
            _ => None,
        })
        .collect()
}

/// Leaves as (member, remover) names, in order.
pub fn leaves(events: &[ChatEvent]) -> Vec<(String, Option<String>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Leave { member, by, .. } => {
                Some((member.name.clone(), by.as_ref().map(|b| b.name.clone())))
            }
            _ => None,
        })
        .collect()
}

/// Skipped entries as (line, reason).
pub fn skipped_lines(report: &pond_import::ImportReport) -> Vec<u64> {
    report.skipped.iter().map(|s| s.line).collect()
}

pub fn owned(v: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.map(str::to_owned)))
        .collect()
}
