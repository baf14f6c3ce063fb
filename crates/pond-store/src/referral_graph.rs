//! The shop's referral graph as the simulator and the fit read it: every
//! member's join and every referral that stands, in one query per table.
//!
//! Built for a million members: two sequential scans streamed straight into
//! flat vectors (about 40 bytes a member and a referral), no per-row
//! allocation and no joins, so the database does no sorting beyond the
//! primary-key order it already has.

use crate::{Result, Tx, on_conn};
use futures_util::TryStreamExt;

/// One referral that was not rejected in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralLink {
    /// Who shared.
    pub inviter_id: i64,
    /// Who came.
    pub invitee_id: i64,
    /// When the friend came through it (ms): the first touch.
    pub attributed_at: i64,
    /// When it qualified (ms), if it has: a successful referral.
    pub qualified_at: Option<i64>,
}

/// Members and the referrals between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralGraph {
    /// Member ids, ascending.
    pub member_ids: Vec<i64>,
    /// Each member's join (ms), aligned with `member_ids`.
    pub joined_at: Vec<i64>,
    /// Referrals, except those rejected in review (fraud is not a friendship).
    pub referrals: Vec<ReferralLink>,
}

impl ReferralGraph {
    /// The position of a member in `member_ids` (binary search).
    pub fn index_of(&self, member: i64) -> Option<usize> {
        self.member_ids.binary_search(&member).ok()
    }
}

/// Loads the graph in one consistent read.
pub async fn load(tx: &mut Tx) -> Result<ReferralGraph> {
    let mut g = ReferralGraph::default();
    on_conn!(tx, |c| {
        let mut rows =
            sqlx::query_as::<_, (i64, i64)>("SELECT id, created_at FROM members ORDER BY id")
                .fetch(&mut *c);
        while let Some((id, at)) = rows.try_next().await? {
            g.member_ids.push(id);
            g.joined_at.push(at);
        }
    });
    on_conn!(tx, |c| {
        let mut rows = sqlx::query_as::<_, (i64, i64, i64, Option<i64>)>(
            "SELECT inviter_id, invitee_id, attributed_at,
                    CASE WHEN status = 'qualified' THEN qualified_at END
             FROM referrals WHERE status <> 'rejected' ORDER BY id",
        )
        .fetch(&mut *c);
        while let Some((inviter_id, invitee_id, attributed_at, qualified_at)) =
            rows.try_next().await?
        {
            g.referrals.push(ReferralLink {
                inviter_id,
                invitee_id,
                attributed_at,
                qualified_at,
            });
        }
    });
    Ok(g)
}
