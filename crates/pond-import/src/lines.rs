//! A line reader with a bounded buffer, so a file without newlines cannot
//! make an importer hold the whole file in memory.

use std::io::{self, BufRead};

/// Longest line kept, in bytes. WhatsApp caps a message at 65,536 characters
/// (at most 256 KiB of UTF-8), so 1 MiB leaves room and still bounds memory.
pub(crate) const MAX_LINE_BYTES: usize = 1 << 20;

/// One line of input.
pub(crate) enum LineContent {
    /// The line, without its `\n` / `\r\n`.
    Text(String),
    /// The line was longer than [`MAX_LINE_BYTES`]; it was read and dropped.
    TooLong(u64),
    /// The line was not valid UTF-8.
    NotUtf8,
}

/// Reads lines one at a time, counting them from 1.
pub(crate) struct LineReader<R> {
    inner: R,
    line_no: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader {
            inner,
            line_no: 0,
            buf: Vec::new(),
        }
    }

    /// The next line and its 1-based number, or `None` at end of input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<(u64, LineContent)>> {
        self.buf.clear();
        let mut total: u64 = 0;
        let mut saw_any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(bytes) => bytes,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if available.is_empty() {
                break;
            }
            saw_any = true;
            let (part, used, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (available.get(..i).unwrap_or_default(), i + 1, true),
                None => (available, available.len(), false),
            };
            total += part.len() as u64;
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            self.buf
                .extend_from_slice(part.get(..room.min(part.len())).unwrap_or_default());
            self.inner.consume(used);
            if done {
                break;
            }
        }
        if !saw_any {
            return Ok(None);
        }
        self.line_no += 1;
        if total > MAX_LINE_BYTES as u64 {
            return Ok(Some((self.line_no, LineContent::TooLong(total))));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let mut bytes = std::mem::take(&mut self.buf);
        if self.line_no == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        Ok(Some(match String::from_utf8(bytes) {
            Ok(text) => (self.line_no, LineContent::Text(text)),
            Err(err) => {
                // Keep the allocation for the next line.
                self.buf = err.into_bytes();
                (self.line_no, LineContent::NotUtf8)
            }
        }))
    }
}
