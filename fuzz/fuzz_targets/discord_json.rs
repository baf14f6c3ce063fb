//! Fuzz target: the DiscordChatExporter JSON importer must return a result or an error, never panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pond_import::{ImportOptions, import_discord_json};

fuzz_target!(|data: &[u8]| {
    let mut events = 0u64;
    let result = import_discord_json(Cursor::new(data), &ImportOptions::default(), |_| {
        events += 1
    });
    if let Ok(report) = result {
        let s = report.summary;
        assert_eq!(s.messages + s.joins + s.leaves, events);
    }
});
