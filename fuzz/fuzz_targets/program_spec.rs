//! Fuzz target: any bytes sent as a program body are refused or accepted by
//! validation and the compliance guard, never a panic; an accepted program
//! never pays beyond depth 1 and always has a cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pond_core::program::ProgramSpec;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = serde_json::from_slice::<ProgramSpec>(data) else {
        return;
    };
    if spec.validate().is_ok() && pond_core::compliance::review(&spec).is_ok() {
        assert!(spec.rewards.iter().all(|r| r.depth == 1));
        assert!(spec.inviter_cap.is_some_and(|c| c > 0));
        let _ = pond_core::reward::on_qualified(&spec, 0, jiff::Timestamp::UNIX_EPOCH);
    }
});
