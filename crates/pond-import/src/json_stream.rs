//! A streaming walk over a JSON document that hands each wanted value to
//! serde_json as one byte slice.
//!
//! serde_json can stream from an `io::Read`, but then it fetches its input
//! one byte at a time through the reader, and that was the largest cost of
//! a Telegram import. Here the stream keeps its own buffer, steps through
//! the structure an importer walks (objects, arrays, keys) itself, finds
//! where each value ends (strings, escapes and nesting, nothing more), and
//! lets `serde_json::from_slice` read the value from the buffer, which it
//! does several times faster. Every value read is validated by serde_json,
//! skipped ones included, and the punctuation between them is checked
//! here, so a file is accepted only if it is valid JSON. Memory stays
//! bounded by the largest single value plus one read.
//!
//! Lines are counted as bytes are consumed, so a record's line and an
//! error's position are exact.

use std::io::Read;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::ImportError;

/// Bytes asked of the reader at a time.
const READ: usize = 256 * 1024;

/// A JSON document read from `R`, value by value.
pub(crate) struct JsonStream<R> {
    reader: R,
    format: &'static str,
    buf: Vec<u8>,
    /// Bytes of `buf` before this are consumed.
    pos: usize,
    /// Offset in the document of `buf[0]`.
    base: u64,
    eof: bool,
    /// The 1-based line of `pos`.
    line: u64,
    /// Offset in the document where that line starts.
    line_start: u64,
}

impl<R: Read> JsonStream<R> {
    /// A stream over `reader`; `format` names the export in errors.
    pub(crate) fn new(reader: R, format: &'static str) -> Self {
        JsonStream {
            reader,
            format,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            eof: false,
            line: 1,
            line_start: 0,
        }
    }

    /// Consumes an object's `{`, or says what was found instead.
    pub(crate) fn begin_object(&mut self, expected: &str) -> Result<(), ImportError> {
        self.begin(b'{', expected)
    }

    /// Consumes an array's `[`, or says what was found instead.
    pub(crate) fn begin_array(&mut self, expected: &str) -> Result<(), ImportError> {
        self.begin(b'[', expected)
    }

    /// Whether the next value is an object (`{`) or an array (`[`).
    pub(crate) fn next_is(&mut self, open: u8) -> Result<bool, ImportError> {
        Ok(self.peek()? == Some(open))
    }

    /// The next key of an object begun with [`Self::begin_object`], its `:`
    /// consumed; `None` (with the `}` consumed) after the last one.
    /// `first` tracks whether a `,` is due, starting at true.
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<Option<String>, ImportError> {
        if self.peek()? == Some(b'}') {
            self.pos += 1;
            return Ok(None);
        }
        if !std::mem::take(first) {
            self.punctuation(b',', "`,` or `}` after an object member")?;
        }
        if self.peek()? != Some(b'"') {
            return Err(self.syntax("expected a key in double quotes"));
        }
        let key: String = self.value()?;
        self.punctuation(b':', "`:` after an object key")?;
        Ok(Some(key))
    }

    /// Whether an array begun with [`Self::begin_array`] has another
    /// element; false (with the `]` consumed) after the last one.
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool, ImportError> {
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(false);
        }
        if !std::mem::take(first) {
            self.punctuation(b',', "`,` or `]` after an array element")?;
        }
        // Up to the element, so that `line` is where it starts.
        self.peek()?;
        Ok(true)
    }

    /// Reads the next whole value into `T`.
    pub(crate) fn value<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T, ImportError> {
        if self.peek()?.is_none() {
            return Err(self.syntax("EOF while parsing a value"));
        }
        let len = self.value_len()?;
        if len == 0 {
            return Err(self.syntax("expected a value"));
        }
        let (line, column) = (self.line, self.column());
        let slice = &self.buf[self.pos..self.pos + len];
        let parsed = serde_json::from_slice(slice)
            .map_err(|e| ImportError::from_json_at(self.format, e, line, column))?;
        self.consume(len);
        Ok(parsed)
    }

    /// Reads an array of records, each on its own into `T`, and hands each
    /// to `record` with the line it starts on before the next is read: so
    /// memory is bounded by the largest record, not by the array.
    pub(crate) fn records<T: for<'de> Deserialize<'de>>(
        &mut self,
        expected: &str,
        mut record: impl FnMut(u64, T),
    ) -> Result<(), ImportError> {
        self.begin_array(expected)?;
        let mut first = true;
        while self.next_element(&mut first)? {
            let line = self.line;
            record(line, self.value()?);
        }
        Ok(())
    }

    /// Skips the next value, still checking that it is valid JSON.
    pub(crate) fn skip(&mut self) -> Result<(), ImportError> {
        self.value::<IgnoredAny>().map(|_| ())
    }

    /// Checks that nothing but whitespace follows the document.
    pub(crate) fn end(&mut self) -> Result<(), ImportError> {
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }

    /// A structure error at the current position.
    pub(crate) fn structure(&self, message: impl Into<String>) -> ImportError {
        ImportError::UnexpectedStructure {
            format: self.format,
            line: self.line,
            column: self.column(),
            message: message.into(),
        }
    }

    fn syntax(&self, message: &str) -> ImportError {
        ImportError::JsonSyntax {
            format: self.format,
            line: self.line,
            column: self.column(),
            message: message.to_string(),
        }
    }

    fn column(&self) -> u64 {
        self.base + self.pos as u64 - self.line_start + 1
    }

    fn begin(&mut self, open: u8, expected: &str) -> Result<(), ImportError> {
        match self.peek()? {
            Some(b) if b == open => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(self.structure(format!(
                "invalid type: {}, expected {expected}",
                kind_of_byte(b)
            ))),
            None => Err(self.syntax("EOF while parsing a value")),
        }
    }

    fn punctuation(&mut self, byte: u8, expected: &str) -> Result<(), ImportError> {
        match self.peek()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.syntax(&format!("expected {expected}"))),
            None => Err(self.syntax(&format!("EOF while expecting {expected}"))),
        }
    }

    /// The next byte that is not whitespace, consumed up to it; `None` at
    /// the end of the document.
    fn peek(&mut self) -> Result<Option<u8>, ImportError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                match b {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        self.line_start = self.base + self.pos as u64;
                    }
                    _ => return Ok(Some(b)),
                }
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Moves past `len` bytes of a value, counting its lines.
    fn consume(&mut self, len: usize) {
        let bytes = &self.buf[self.pos..self.pos + len];
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.line_start = self.base + (self.pos + last + 1) as u64;
        }
        self.pos += len;
    }

    /// How many bytes the value at `pos` spans, reading more as needed.
    /// Only finds the end; serde_json checks the rest.
    fn value_len(&mut self) -> Result<usize, ImportError> {
        match self.buf[self.pos] {
            b'"' => self.string_end(1),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut k = 0;
                loop {
                    let Some(&b) = self.buf.get(self.pos + k) else {
                        if self.fill()? {
                            continue;
                        }
                        return Err(self.syntax("EOF while parsing a value"));
                    };
                    match b {
                        b'"' => {
                            k = self.string_end(k + 1)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(k + 1);
                            }
                        }
                        _ => {}
                    }
                    k += 1;
                }
            }
            _ => {
                // A number, true, false or null: up to the next delimiter.
                let mut k = 0;
                loop {
                    match self.buf.get(self.pos + k).copied() {
                        Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') => return Ok(k),
                        Some(_) => k += 1,
                        None => {
                            if !self.fill()? {
                                return Ok(k);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Given `k` just past an opening quote (relative to `pos`), the offset
    /// just past the closing one.
    fn string_end(&mut self, mut k: usize) -> Result<usize, ImportError> {
        loop {
            let rest = self.buf.get(self.pos + k..).unwrap_or_default();
            match memchr::memchr2(b'"', b'\\', rest) {
                Some(i) if rest[i] == b'"' => return Ok(k + i + 1),
                Some(i) if i + 1 < rest.len() => k += i + 2,
                // A backslash at the end of the buffer: its escaped byte is next.
                Some(i) => {
                    k += i;
                    if !self.fill()? {
                        return Err(self.syntax("EOF while parsing a string"));
                    }
                }
                None => {
                    k += rest.len();
                    if !self.fill()? {
                        return Err(self.syntax("EOF while parsing a string"));
                    }
                }
            }
        }
    }

    /// Reads more of the document, dropping what is consumed; false at its end.
    fn fill(&mut self) -> Result<bool, ImportError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e.into());
                }
            }
        };
        self.buf.truncate(old + n);
        self.eof = n == 0;
        Ok(n > 0)
    }
}

/// What a value starting with `b` is, for errors.
fn kind_of_byte(b: u8) -> &'static str {
    match b {
        b'{' => "an object",
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "a number",
        _ => "an unexpected character",
    }
}

#[cfg(test)]
mod tests {
    use super::JsonStream;
    use serde_json::Value;

    fn walk(input: &str) -> Result<Vec<(u64, Value)>, crate::ImportError> {
        let mut json = JsonStream::new(input.as_bytes(), "test");
        let mut out = Vec::new();
        json.records("an array", |line, value: Value| out.push((line, value)))?;
        json.end()?;
        Ok(out)
    }

    #[test]
    fn values_come_with_their_lines() {
        let got = walk("[\n {\"a\": \"x\\\"]\\n\"},\n [1, [2]],\n\n \"s\", 3.5, true, null\n]\n")
            .expect("valid");
        let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 5, 5, 5, 5]);
        assert_eq!(got[0].1["a"], "x\"]\n");
        assert_eq!(got[1].1, serde_json::json!([1, [2]]));
    }

    #[test]
    fn invalid_documents_are_errors() {
        for bad in [
            "",
            "[",
            "[1",
            "[1,]",
            "[1 2]",
            "[\"a]",
            "[tru]",
            "[{\"a\" 1}]",
            "[] x",
            "{}",
            "[\"\\",
        ] {
            assert!(walk(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn values_longer_than_one_read_are_whole() {
        let long = "é".repeat(super::READ);
        let doc = format!("[\"{long}\", {{\"k\": [\"{long}\"]}}]");
        let got = walk(&doc).expect("valid");
        assert_eq!(got[0].1, Value::String(long.clone()));
        assert_eq!(got[1].1["k"][0], Value::String(long));
    }
}
