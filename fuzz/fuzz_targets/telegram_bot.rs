//! Fuzz target: any body posted to the Telegram webhook gives events or a
//! named error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pond_import::telegram_update(data);
});
