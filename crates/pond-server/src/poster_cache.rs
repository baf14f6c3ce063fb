//! Rendered posters, kept per (template version, link, name), and the
//! bound on how many are drawn at once.
//!
//! A template may be 4096×4096: decoding and drawing it is tens of
//! milliseconds of a core and tens of megabytes. `/r/{code}/poster.png`
//! is public, so without a cache every request would pay that, and
//! without a bound a burst of requests would hold a decoded template
//! each. A new template has a new `updated_at`, and a renamed member a new
//! name, so a stale poster is never served; old entries age out of the LRU.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Posters kept; a poster PNG is typically 100 KB to 2 MB.
const ENTRIES: usize = 256;

/// The most bytes of posters kept at once.
const MAX_BYTES: usize = 64 << 20;

/// What a poster is drawn from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PosterKey {
    /// The program.
    pub program: i64,
    /// Its template's `updated_at`.
    pub version: i64,
    /// The link's code.
    pub code: String,
    /// The member's name as drawn.
    pub name: Option<String>,
}

/// The kept posters and their total size in bytes.
type Kept = (lru::LruCache<PosterKey, Arc<[u8]>>, usize);

/// The cache and the render bound.
pub struct PosterCache {
    posters: Mutex<Kept>,
    /// Renders at once: one per core.
    pub renders: Semaphore,
}

impl Default for PosterCache {
    fn default() -> Self {
        PosterCache {
            posters: Mutex::new((
                lru::LruCache::new(NonZeroUsize::new(ENTRIES).unwrap_or(NonZeroUsize::MIN)),
                0,
            )),
            renders: Semaphore::new(
                std::thread::available_parallelism().map_or(2, NonZeroUsize::get),
            ),
        }
    }
}

impl PosterCache {
    /// The poster drawn for `key`, if kept.
    pub fn get(&self, key: &PosterKey) -> Option<Arc<[u8]>> {
        let mut guard = self.posters.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.get(key).cloned()
    }

    /// Keeps a poster, evicting the least recently used past the bounds.
    pub fn put(&self, key: PosterKey, png: Arc<[u8]>) {
        if png.len() > MAX_BYTES / 4 {
            return;
        }
        let mut guard = self.posters.lock().unwrap_or_else(|p| p.into_inner());
        let (cache, bytes) = &mut *guard;
        *bytes += png.len();
        if let Some((_, old)) = cache.push(key, png) {
            *bytes = bytes.saturating_sub(old.len());
        }
        while *bytes > MAX_BYTES {
            match cache.pop_lru() {
                Some((_, old)) => *bytes = bytes.saturating_sub(old.len()),
                None => break,
            }
        }
    }

    /// How many posters are kept (for tests).
    pub fn len(&self) -> usize {
        let guard = self.posters.lock().unwrap_or_else(|p| p.into_inner());
        guard.0.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(code: &str, version: i64) -> PosterKey {
        PosterKey {
            program: 1,
            version,
            code: code.into(),
            name: None,
        }
    }

    #[test]
    fn a_new_template_version_misses_and_bytes_stay_bounded() {
        let c = PosterCache::default();
        c.put(key("A", 1), Arc::from(vec![0u8; 10]));
        assert!(c.get(&key("A", 1)).is_some());
        assert!(c.get(&key("A", 2)).is_none());
        for i in 0..40 {
            c.put(key(&format!("B{i}"), 1), Arc::from(vec![0u8; 4 << 20]));
        }
        let kept = c.posters.lock().unwrap().1;
        assert!(kept <= MAX_BYTES, "{kept}");
        assert!(c.len() <= 16);
    }
}
