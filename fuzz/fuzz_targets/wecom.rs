//! Fuzz target: any ciphertext or signature sent to the WeCom callback is
//! refused with a named error or decrypted, never a panic; and whatever we
//! encrypt decrypts back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pond_wecom::Crypt;

fuzz_target!(|data: &[u8]| {
    let Ok(crypt) = Crypt::new("token", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "corp") else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let _ = crypt.decrypt(&text);
    let _ = pond_wecom::parse(&text);
    let _ = crypt.open(&text, "1", "2", &text);
    let sealed = crypt.encrypt(&text);
    assert_eq!(crypt.decrypt(&sealed).ok().as_deref(), Some(text.as_ref()));
});
