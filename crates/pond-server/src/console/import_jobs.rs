//! Imports started from the console run as background tasks; this is
//! where their progress is kept so the import page can follow one.
//!
//! The registry lives in memory, in a process-wide map: a job is a few
//! counters for a page that refreshes itself, and it does not need to
//! survive a restart (the data it wrote does; running the same export
//! again adds nothing). It is a module-level static because the app's
//! shared state is not this page's to extend.

use jiff::Timestamp;
use pond_app::community::Imported;
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Jobs kept; the oldest finished ones are forgotten past this.
const KEEP: usize = 50;

/// How a job stands.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Still reading and writing.
    Running,
    /// Finished, with what it read and added.
    Done(Box<Imported>),
    /// Stopped, with the reason in words.
    Failed(String),
}

/// Counters the import task updates while the page reads them.
#[derive(Debug, Default)]
pub struct Counters {
    /// Bytes of the file read so far (a format check rereads the start).
    pub read: AtomicU64,
    /// Messages written so far.
    pub messages: AtomicU64,
}

/// One import, as the page shows it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The id in the page's URL.
    pub id: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// Who started it.
    pub started_by: String,
    /// When.
    pub started_at: Timestamp,
    /// The file's size in bytes.
    pub total: u64,
    /// Live counters.
    pub counters: Arc<Counters>,
    /// Running, done or failed.
    pub outcome: Outcome,
}

impl Job {
    /// Bytes read so far, never past the total.
    pub fn read(&self) -> u64 {
        self.counters.read.load(Ordering::Relaxed).min(self.total)
    }

    /// Messages written so far.
    pub fn messages(&self) -> u64 {
        self.counters.messages.load(Ordering::Relaxed)
    }
}

fn jobs() -> &'static Mutex<BTreeMap<String, Job>> {
    static JOBS: OnceLock<Mutex<BTreeMap<String, Job>>> = OnceLock::new();
    JOBS.get_or_init(Mutex::default)
}

/// A poisoned lock only means a page panicked while reading: the map
/// itself is still whole, so keep using it.
fn lock() -> std::sync::MutexGuard<'static, BTreeMap<String, Job>> {
    jobs().lock().unwrap_or_else(|p| p.into_inner())
}

/// Registers a running job; answers it (with its fresh random id).
pub fn start(file_name: &str, started_by: &str, total: u64) -> Job {
    // Random, so one operator cannot walk through another's job pages.
    let id = format!("{:016x}", rand::random::<u64>());
    let job = Job {
        id: id.clone(),
        file_name: file_name.to_string(),
        started_by: started_by.to_string(),
        started_at: Timestamp::now(),
        total,
        counters: Arc::default(),
        outcome: Outcome::Running,
    };
    let mut map = lock();
    map.insert(id, job.clone());
    if map.len() > KEEP {
        let oldest = map
            .values()
            .filter(|j| !matches!(j.outcome, Outcome::Running))
            .min_by_key(|j| j.started_at)
            .map(|j| j.id.clone());
        if let Some(o) = oldest {
            map.remove(&o);
        }
    }
    job
}

/// Records how a job ended.
pub fn finish(id: &str, outcome: Outcome) {
    if let Some(j) = lock().get_mut(id) {
        j.outcome = outcome;
    }
}

/// One job, if it is still remembered.
pub fn get(id: &str) -> Option<Job> {
    lock().get(id).cloned()
}

/// The latest jobs, newest first.
pub fn recent(n: usize) -> Vec<Job> {
    let mut all: Vec<Job> = lock().values().cloned().collect();
    all.sort_by_key(|j| std::cmp::Reverse(j.started_at));
    all.truncate(n);
    all
}

/// A reader that counts the bytes taken from it into a job's counters.
pub struct Counting<R> {
    inner: R,
    counters: Arc<Counters>,
}

impl<R> Counting<R> {
    /// Counts what is read from `inner`.
    pub fn new(inner: R, counters: Arc<Counters>) -> Self {
        Counting { inner, counters }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counters.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        // The position is how far the import has got.
        let at = self.inner.seek(pos)?;
        self.counters.read.store(at, Ordering::Relaxed);
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn counting_follows_reads_and_seeks() {
        let c = Arc::new(Counters::default());
        let mut r = Counting::new(Cursor::new(vec![0u8; 100]), c.clone());
        let mut buf = [0u8; 30];
        r.read_exact(&mut buf).unwrap_or_default();
        assert_eq!(c.read.load(Ordering::Relaxed), 30);
        r.seek(SeekFrom::Start(0)).unwrap_or_default();
        assert_eq!(c.read.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn jobs_are_kept_and_finished() {
        let j = start("chat.txt", "op", 10);
        assert!(matches!(
            get(&j.id).map(|j| j.outcome),
            Some(Outcome::Running)
        ));
        finish(&j.id, Outcome::Failed("bad".into()));
        assert!(matches!(
            get(&j.id).map(|j| j.outcome),
            Some(Outcome::Failed(_))
        ));
        assert!(recent(5).iter().any(|x| x.id == j.id));
    }
}
