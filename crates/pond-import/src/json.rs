//! Streaming helpers for the JSON formats: serde visitors that hand over one
//! array element at a time, and a reader that counts lines so a bad record
//! can be reported with its line number.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Counts the newlines that pass through it.
///
/// serde_json reads its input one byte at a time and, before handing an
/// array element to a seed, has consumed exactly up to the element's first
/// byte; so the count + 1 when a seed starts is the line the element starts on.
pub(crate) struct CountingReader<'a, R> {
    inner: R,
    newlines: &'a Cell<u64>,
}

impl<'a, R: Read> CountingReader<'a, R> {
    pub(crate) fn new(inner: R, newlines: &'a Cell<u64>) -> Self {
        CountingReader { inner, newlines }
    }
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let seen = buf
            .get(..n)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        self.newlines.set(self.newlines.get() + seen as u64);
        Ok(n)
    }
}

/// Receives the elements of a streamed JSON array one at a time.
pub(crate) trait RecordHandler {
    /// What an element is read into: a [`Value`], or a format's own type.
    type Record: for<'de> Deserialize<'de>;
    /// `line` is the 1-based line on which the element starts.
    fn record(&mut self, line: u64, record: Self::Record);
}

/// Streams a JSON array, parsing each element on its own (so memory is
/// bounded by the largest element) and passing it on.
pub(crate) struct RecordsSeed<'a, H> {
    pub(crate) handler: &'a mut H,
    pub(crate) newlines: &'a Cell<u64>,
}

impl<'de, H: RecordHandler> DeserializeSeed<'de> for RecordsSeed<'_, H> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, H: RecordHandler> Visitor<'de> for RecordsSeed<'_, H> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let one = OneRecord {
                handler: &mut *self.handler,
                newlines: self.newlines,
            };
            if seq.next_element_seed(one)?.is_none() {
                return Ok(());
            }
        }
    }
}

struct OneRecord<'a, H> {
    handler: &'a mut H,
    newlines: &'a Cell<u64>,
}

impl<'de, H: RecordHandler> DeserializeSeed<'de> for OneRecord<'_, H> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let line = self.newlines.get() + 1;
        let record = H::Record::deserialize(deserializer)?;
        self.handler.record(line, record);
        Ok(())
    }
}

/// A string field, if present and a string.
pub(crate) fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// An id that exports write either as a number or as a string.
pub(crate) fn id_field(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A short description of a JSON value's type, for skip reasons.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
