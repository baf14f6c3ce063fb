//! Per-run state of a graph cascade and the per-thread buffers it lives in.

use std::cell::RefCell;

/// Reusable per-thread buffers, so a million-member graph does not cost a
/// fresh allocation (and page faults) per run.
#[derive(Default)]
pub(super) struct Scratch {
    /// One bit per member: a member as of the start of the current cycle.
    /// All zero between runs (each run clears exactly the bits it set), so
    /// it never needs a full wipe and can serve graphs of any size.
    pub(super) joined: Vec<u64>,
    /// One bit per member: joined during the current cycle (generation).
    /// Kept apart from `joined` so that, within a cycle, `joined` is the
    /// read-only state at the start of the cycle.
    pub(super) pending: Vec<u64>,
    /// Members in joining order (see [`Members`]); one slot per member.
    pub(super) order: Vec<u32>,
    /// Adjacency row bounds of the inviters being processed.
    pub(super) rows: Vec<(u32, u32)>,
    /// Their friends, copied end to end.
    pub(super) friends: Vec<u32>,
    /// One uniform draw per friend in `friends`.
    pub(super) draws: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Calls `f` with this thread's scratch buffers sized for `nodes` members.
pub(super) fn with_scratch<T>(nodes: u32, f: impl FnOnce(&mut Scratch) -> T) -> T {
    let words = (nodes as usize).div_ceil(64);
    let slots = nodes as usize;
    let prepare = |s: &mut Scratch| {
        if s.joined.len() < words {
            s.joined.resize(words, 0);
        }
        if s.pending.len() < words {
            s.pending.resize(words, 0);
        }
        if s.order.len() < slots {
            s.order.resize(slots, 0);
        }
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            prepare(&mut scratch);
            f(&mut scratch)
        }
        // Only reachable through unexpected re-entrancy; a private buffer
        // is slower but correct.
        Err(_) => {
            let mut scratch = Scratch::default();
            prepare(&mut scratch);
            f(&mut scratch)
        }
    })
}

/// The members of one run, in the standard steps of an independent cascade:
/// within a cycle, inviters see the membership as it was when the cycle
/// began (`joined`), and friends converted during the cycle are collected in
/// `pending` (deduplicated) and merged into `joined` when it ends.
pub(super) struct Members<'s> {
    pub(super) joined: &'s mut [u64],
    pub(super) pending: &'s mut [u64],
    /// Everyone who joined, in order: `order[..len]`. Earlier cycles come
    /// first, so each generation is a contiguous range.
    pub(super) order: &'s mut [u32],
    pub(super) len: usize,
}

fn has_bit(bits: &[u64], v: u32) -> bool {
    bits.get((v >> 6) as usize)
        .is_some_and(|w| w & (1 << (v & 63)) != 0)
}

impl Members<'_> {
    /// Whether `v` was a member when the current cycle began.
    pub(super) fn was_member(&self, v: u32) -> bool {
        has_bit(self.joined, v)
    }

    /// Converts `v` during the current cycle; returns whether this made `v`
    /// a member (false when another inviter converted `v` earlier in the
    /// cycle, or `v` was already a member).
    pub(super) fn convert(&mut self, v: u32) -> bool {
        let (word, bit) = ((v >> 6) as usize, 1_u64 << (v & 63));
        let Some(w) = self.pending.get_mut(word) else {
            return false;
        };
        if *w & bit != 0 || has_bit(self.joined, v) {
            return false;
        }
        // A slot always exists (one per member, each member joins once);
        // checking keeps the bitsets and `order` consistent regardless.
        let Some(slot) = self.order.get_mut(self.len) else {
            return false;
        };
        *slot = v;
        self.len += 1;
        *w |= bit;
        true
    }

    /// Ends the cycle: members converted since `from` become members.
    pub(super) fn end_cycle(&mut self, from: usize) {
        for &v in self.order.get(from..self.len).unwrap_or(&[]) {
            let (word, bit) = ((v >> 6) as usize, 1_u64 << (v & 63));
            if let Some(w) = self.joined.get_mut(word) {
                *w |= bit;
            }
            if let Some(w) = self.pending.get_mut(word) {
                *w = 0;
            }
        }
    }

    /// Clears the bits this run set, leaving both bitsets all zero.
    pub(super) fn clear(&mut self) {
        for &v in self.order.get(..self.len).unwrap_or(&[]) {
            let word = (v >> 6) as usize;
            if let Some(w) = self.joined.get_mut(word) {
                *w = 0;
            }
            if let Some(w) = self.pending.get_mut(word) {
                *w = 0;
            }
        }
        self.len = 0;
    }
}
