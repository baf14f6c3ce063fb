//! Screening recorded referrals before they become a [`ReferralForest`].
//!
//! [`ReferralForest::build`] refuses input that is not a forest in time
//! order, which is right for a model but wrong for a report over a live
//! shop: a friend who signed up on Monday, and on Wednesday names at
//! checkout an inviter who joined on Tuesday, is a real referral whose
//! invitee joined first. One such record must not take the whole report
//! down. [`screen`] keeps every edge a forest can hold and hands back the
//! others with the reason, so the report can show them instead of failing.
//!
//! [`ReferralForest`]: crate::analytics::ReferralForest
//! [`ReferralForest::build`]: crate::analytics::ReferralForest::build

use std::collections::{HashMap, HashSet};

use crate::GrowthError;
use crate::analytics::{MemberJoin, ReferralEdge};

/// Edges split into those a forest can hold and those it cannot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screened {
    /// Edges that, together, form a forest in time order.
    pub kept: Vec<ReferralEdge>,
    /// Edges left out, each with the error the forest would have raised.
    pub dropped: Vec<(ReferralEdge, GrowthError)>,
}

/// Keeps the edges, in the order given, that a [`ReferralForest`] accepts
/// together with `joins`. An edge is dropped when it is a self-referral,
/// names an invitee an earlier edge already named (attribution keeps the
/// first touch), names a member with no join record, has its invitee
/// joining before its inviter, or would close a cycle with the edges kept
/// before it. Building a forest from `joins` and the kept edges then fails
/// only on duplicate join records.
///
/// Unlike [`ReferralForest::build`], a member's join time is never taken
/// from an edge: a store knows every member's join, and guessing one from
/// a record that may itself be dropped would make the outcome depend on
/// the order of the records.
///
/// [`ReferralForest`]: crate::analytics::ReferralForest
/// [`ReferralForest::build`]: crate::analytics::ReferralForest::build
pub fn screen(joins: &[MemberJoin], edges: Vec<ReferralEdge>) -> Screened {
    let joined: HashMap<u64, i64> = joins.iter().map(|j| (j.member, j.joined_at_ms)).collect();
    let mut sets = Sets::default();
    let mut named = HashSet::with_capacity(edges.len());
    let mut out = Screened::default();
    for e in edges {
        let problem = if e.inviter == e.invitee {
            Some(GrowthError::SelfReferral { member: e.inviter })
        } else if !named.insert(e.invitee) {
            Some(GrowthError::DuplicateInvitee { invitee: e.invitee })
        } else {
            match (joined.get(&e.inviter), joined.get(&e.invitee)) {
                (None, _) => Some(GrowthError::MissingJoin { member: e.inviter }),
                (_, None) => Some(GrowthError::MissingJoin { member: e.invitee }),
                (Some(&parent), Some(&child)) if child < parent => {
                    Some(GrowthError::ReferralBeforeInviterJoined {
                        inviter: e.inviter,
                        invitee: e.invitee,
                    })
                }
                // The invitee has no inviter among the kept edges yet, so
                // it is the root of its tree: the edge closes a cycle
                // exactly when the inviter is already in that tree.
                _ if !sets.union(e.inviter, e.invitee) => {
                    Some(GrowthError::ReferralCycle { member: e.inviter })
                }
                _ => None,
            }
        };
        match problem {
            Some(p) => out.dropped.push((e, p)),
            None => out.kept.push(e),
        }
    }
    out
}

/// Disjoint sets of members (union by size, path halving): the trees of
/// the edges kept so far.
#[derive(Default)]
struct Sets {
    index: HashMap<u64, usize>,
    parent: Vec<usize>,
    size: Vec<u64>,
}

impl Sets {
    fn id(&mut self, member: u64) -> usize {
        let next = self.parent.len();
        let i = *self.index.entry(member).or_insert(next);
        if i == next {
            self.parent.push(i);
            self.size.push(1);
        }
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Joins the sets of `a` and `b`; false when they were one already.
    fn union(&mut self, a: u64, b: u64) -> bool {
        let (a, b) = (self.id(a), self.id(b));
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
        true
    }
}
