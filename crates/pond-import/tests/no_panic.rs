//! Any byte sequence gives a result or an error, never a panic, for every
//! importer; and the summary always agrees with the events handed over.

use std::io::Cursor;

use pond_import::{
    ChatEvent, ImportError, ImportOptions, ImportReport, import_auto, import_discord_csv,
    import_discord_json, import_telegram, import_wechat_csv, import_whatsapp,
};
use proptest::prelude::*;

type Importer = fn(&[u8], &mut dyn FnMut(ChatEvent)) -> Result<ImportReport, ImportError>;

fn options() -> ImportOptions {
    ImportOptions::new("g", pond_import::TimeZone::fixed(jiff::tz::offset(8)))
}

const WHATSAPP: Importer = |b, sink| import_whatsapp(Cursor::new(b), &options(), sink);
const TELEGRAM: Importer = |b, sink| import_telegram(Cursor::new(b), &options(), sink);
const DISCORD_JSON: Importer = |b, sink| import_discord_json(Cursor::new(b), &options(), sink);
const DISCORD_CSV: Importer = |b, sink| import_discord_csv(Cursor::new(b), &options(), sink);
const WECHAT_CSV: Importer = |b, sink| import_wechat_csv(Cursor::new(b), &options(), sink);
const AUTO: Importer =
    |b, sink| import_auto(Cursor::new(b), Some("x.txt"), &options(), sink).map(|(_, r)| r);

const SAMPLES: [(&[u8], Importer); 6] = [
    (
        include_bytes!("data/whatsapp/android-24h-dayfirst.txt"),
        WHATSAPP,
    ),
    (
        include_bytes!("data/whatsapp/ios-12h-monthfirst.txt"),
        WHATSAPP,
    ),
    (
        include_bytes!("data/telegram/account-export.json"),
        TELEGRAM,
    ),
    (
        include_bytes!("data/discord/flower-shop-general.json"),
        DISCORD_JSON,
    ),
    (
        include_bytes!("data/discord/flower-shop-general-enus.csv"),
        DISCORD_CSV,
    ),
    (include_bytes!("data/wechat/花友会.csv"), WECHAT_CSV),
];

/// Runs an importer and checks that the report agrees with the events.
fn check(importer: Importer, bytes: &[u8]) {
    let mut counts = [0u64; 3];
    let result = importer(bytes, &mut |e| match e {
        ChatEvent::Message { .. } => counts[0] += 1,
        ChatEvent::Join { .. } => counts[1] += 1,
        ChatEvent::Leave { .. } => counts[2] += 1,
    });
    if let Ok(report) = result {
        let s = report.summary;
        // Message events are what people said plus the platform's notices.
        assert_eq!([s.messages + s.system, s.joins, s.leaves], counts);
        assert!(s.skipped >= report.skipped.len() as u64);
        assert!(s.senders <= s.messages);
        assert!(s.groups <= s.messages + s.system + s.joins + s.leaves);
    }
}

const BODIES: [&str; 10] = [
    "Ann: hi",
    "\u{200E}Ann added Bob, Cy and Di",
    "G: \u{200E}Bob left",
    "Ann removed Bob",
    "+1 555 0100: <Media omitted>",
    "Bob: \u{200E}image omitted",
    "Bob joined using this group's invite link",
    "Ann: ",
    ":",
    "",
];

/// Lines shaped like WhatsApp's: headers with random (often impossible)
/// dates and times in both layouts, notices, media and continuation lines.
fn whatsapp_line() -> impl Strategy<Value = String> {
    let header = (
        0u32..40,
        0u32..40,
        prop_oneof![Just(23u32), Just(2023), 0u32..100_000],
        0u32..30,
        0u32..70,
        prop_oneof![
            Just(""),
            Just(" AM"),
            Just("\u{202F}PM"),
            Just(" p. m."),
            Just("x")
        ],
        any::<bool>(),
        prop_oneof![
            4 => prop::sample::select(&BODIES[..]).prop_map(str::to_owned),
            1 => "[ -~\u{4e00}-\u{4e10}\u{200E}\"]{0,20}",
        ],
    )
        .prop_map(|(a, b, y, h, m, half, ios, rest)| {
            if ios {
                format!("[{a}/{b}/{y}, {h}:{m:02}:00{half}] {rest}\n")
            } else {
                format!("{a}/{b}/{y}, {h}:{m:02}{half} - {rest}\n")
            }
        });
    prop_oneof![
        3 => header,
        1 => "[ -~\u{4e00}-\u{4e10}]{0,20}\n",
        1 => Just("\r\n".to_owned()),
    ]
}

/// A sample with a few bytes overwritten and maybe cut short: reaches far
/// deeper into the parsers than random bytes do.
fn mutated() -> impl Strategy<Value = (usize, Vec<u8>)> {
    (
        0..SAMPLES.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(which, edits, cut, truncate)| {
            let mut bytes = SAMPLES[which].0.to_vec();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            (which, bytes)
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for importer in [WHATSAPP, TELEGRAM, DISCORD_JSON, DISCORD_CSV, WECHAT_CSV, AUTO] {
            check(importer, &bytes);
        }
    }

    #[test]
    fn whatsapp_like_lines_never_panic(lines in proptest::collection::vec(whatsapp_line(), 0..40)) {
        let text = lines.concat();
        check(WHATSAPP, text.as_bytes());
        check(AUTO, text.as_bytes());
    }

    #[test]
    fn damaged_exports_never_panic((which, bytes) in mutated()) {
        check(SAMPLES[which].1, &bytes);
        check(AUTO, &bytes);
    }
}
