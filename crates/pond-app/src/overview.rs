//! The shop at a glance, for the console's first page: the period's growth
//! and rewards, the group census, and what waits for a person.

use crate::community::report::{CensusView, groups};
use crate::growth::{self, GrowthReport, Options, Period};
use crate::{Pond, Result};
use pond_core::referral::Review;
pub use pond_store::alerts::Alert;
pub use pond_store::notices::Notice;
pub use pond_store::rewards::Totals;

/// Everything the overview shows, read in one transaction.
pub struct Overview {
    /// Members, referrals and K in the period.
    pub report: GrowthReport,
    /// Rewards created in the period, by status and unit.
    pub rewards: Vec<Totals>,
    /// Groups by lifecycle state today.
    pub census: CensusView,
    /// The newest open complaints.
    pub complaints: Vec<Alert>,
    /// How many complaints are open.
    pub open_complaints: i64,
    /// Referrals waiting for review.
    pub flagged: i64,
    /// The newest open notices.
    pub notices: Vec<Notice>,
    /// Programs with members whose trust is worn: (id, name, how many).
    pub worn: Vec<(i64, String, usize)>,
}

/// The overview of `period`, `today` being the shop's date.
#[tracing::instrument(skip_all)]
pub async fn overview(
    pond: &Pond,
    period: Period,
    options: Options,
    today: jiff::civil::Date,
) -> Result<Overview> {
    let mut tx = pond.store.read().await?;
    let report = growth::report(&mut tx, &pond.time_zone, period, options).await?;
    let rewards = pond_store::rewards::totals(
        &mut tx,
        jiff::Timestamp::from_millisecond(period.from_ms).unwrap_or_default(),
        jiff::Timestamp::from_millisecond(period.to_ms).unwrap_or_default(),
    )
    .await?;
    let census = groups(&mut tx, &pond.time_zone, today, &pond.lifecycle(), None)
        .await?
        .census;
    let complaints = pond_store::alerts::list(&mut tx, Some("open"), 5).await?;
    let open_complaints = pond_store::alerts::count(&mut tx, "open").await?;
    let flagged = pond_store::referrals::count_by_review(&mut tx, Review::Flagged).await?;
    let notices = pond_store::notices::list(&mut tx, Some("open"), 5).await?;
    let mut worn = Vec::new();
    for p in pond_store::programs::list(&mut tx).await? {
        let t = crate::trust::program_report(&mut tx, p.id, pond.now()).await?;
        if !t.members_under_threshold.is_empty() {
            worn.push((p.id, p.spec.name.clone(), t.members_under_threshold.len()));
        }
    }
    Ok(Overview {
        report,
        rewards,
        census,
        complaints,
        open_complaints,
        flagged,
        notices,
        worn,
    })
}
