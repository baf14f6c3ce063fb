//! The growth report: how the shop's members arrived and how many friends
//! each brought, from the store's records, measured by `pond-growth`.
//!
//! The store is read as of the end of the period (members who joined,
//! referrals that qualified and clicks that happened before it), the
//! records are screened for what a referral forest cannot hold, and the
//! forest answers every number. Definitions: docs/growth.md. Subtree sizes
//! are never shown next to a member here: they are for analysis only and
//! never feed a reward (DOMAIN.md §2).

use crate::error::{Error, Result};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pond_core::program::{ProgramSpec, Status};
use pond_growth::analytics::{
    InviteBreakdown, MemberJoin, ReferralEdge, ReferralForest, k_from_invites,
};
use pond_growth::screen::screen;
use pond_store::Tx;
pub use pond_store::contacts::ByState;
use pond_store::growth as store;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The spontaneous referral rate a flower studio reports (DOMAIN.md §1):
/// the organic rate is judged against it.
pub const ORGANIC_BENCHMARK: f64 = 0.15;

/// Skipped referrals listed by example; the rest are only counted.
const SKIPPED_EXAMPLES: usize = 20;

/// A report's period: whole civil days in the shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day, inclusive.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
    /// Start of `from` (ms).
    pub from_ms: i64,
    /// Start of the day after `to` (ms): the period is `[from_ms, to_ms)`.
    pub to_ms: i64,
}

impl Period {
    /// Reads `from` and `to` (YYYY-MM-DD). `to` defaults to `today`, `from`
    /// to `default_days` days ending on `to`. Errors name the field.
    pub fn parse(
        tz: &TimeZone,
        from: Option<&str>,
        to: Option<&str>,
        today: Date,
        default_days: i64,
    ) -> Result<Self> {
        let date = |field: &str, s: &str| {
            s.trim().parse::<Date>().map_err(|_| {
                Error::invalid("invalid_date", format!("`{s}` is not a YYYY-MM-DD date"))
                    .field(field)
            })
        };
        let to = to.map(|s| date("to", s)).transpose()?.unwrap_or(today);
        let from = match from {
            Some(s) => date("from", s)?,
            None => to
                .checked_sub(jiff::Span::new().days(default_days - 1))
                .map_err(|e| Error::invalid("invalid_date", e.to_string()).field("to"))?,
        };
        if to < from {
            return Err(
                Error::invalid("invalid_period", "`to` must not be before `from`").field("to"),
            );
        }
        let start = |d: Date, field: &str| {
            d.to_zoned(tz.clone())
                .map(|z| z.timestamp().as_millisecond())
                .map_err(|e| Error::invalid("invalid_date", e.to_string()).field(field))
        };
        let after = to
            .tomorrow()
            .map_err(|e| Error::invalid("invalid_date", e.to_string()).field("to"))?;
        Ok(Period {
            from,
            to,
            from_ms: start(from, "from")?,
            to_ms: start(after, "to")?,
        })
    }
}

/// Options of the report besides its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Length of the periods K is given for, in days.
    pub period_days: u32,
    /// Count, in K by period, only friends who joined within this many days
    /// of their inviter: recent periods then compare fairly with old ones.
    pub within_days: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            period_days: 30,
            within_days: None,
        }
    }
}

/// What `pond report growth` prints and `GET /api/v1/growth` answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrowthReport {
    /// First day of the period (shop's time zone).
    #[schema(value_type = String)]
    pub from: Date,
    /// Last day of the period, inclusive.
    #[schema(value_type = String)]
    pub to: Date,
    /// The shop's time zone, in which days and monthly cohorts are counted.
    pub time_zone: String,
    /// Members before, after and during the period.
    pub members: MemberCounts,
    /// Members at the end over members at the start; `None` when nobody
    /// had joined before the period.
    pub growth_multiple: Option<f64>,
    /// K over the members who joined in the period: the successful
    /// referrals they made by its end, per member.
    pub k: KRow,
    /// K per monthly cohort of members who joined in the period.
    pub k_by_cohort: Vec<KRow>,
    /// K per fixed-length period of joining.
    pub k_by_period: KByPeriod,
    /// Members per generation as of the end (index 0: the organic roots).
    pub generations: Vec<u64>,
    /// How many members made how many successful referrals, as of the end.
    pub direct_referrals: DirectReferrals,
    /// Viral cycle time: the median days from a member joining to the
    /// first friend they brought joining, over members who brought one.
    pub cycle_time_days: Option<f64>,
    /// How the members who joined in the period arrived.
    pub referral_mix: ReferralMix,
    /// Members who joined in the period through a referral that had not
    /// qualified by its end (not counted as referred anywhere above).
    pub pending_referrals: u64,
    /// Answers to "how did you hear about us?" from members who joined in
    /// the period (`unknown`: not asked or not answered).
    #[schema(value_type = Object)]
    pub heard_from: BTreeMap<String, u64>,
    /// Successful referrals left out because a forest cannot hold them.
    pub skipped_referrals: Skipped,
}

/// Member counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberCounts {
    /// Joined before the period.
    pub at_start: u64,
    /// Joined before the period ended.
    pub at_end: u64,
    /// Joined during the period.
    pub new: u64,
}

/// K for a group of members: their successful referrals per member, and,
/// where clicks are known, invites per member × conversion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KRow {
    /// The cohort (`YYYY-MM`), or `all`.
    pub cohort: String,
    /// Members in it.
    pub members: u64,
    /// Successful referrals they made.
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
    /// Known invites: distinct visitors to their links.
    pub invites: u64,
    /// `invites / members`.
    pub invites_per_member: f64,
    /// `successful_referrals / invites`; `None` without invites.
    pub conversion: Option<f64>,
}

impl KRow {
    fn new(cohort: String, members: u64, referrals: u64, b: Option<InviteBreakdown>) -> Self {
        let b = b.unwrap_or(InviteBreakdown {
            invites_sent: 0,
            invites_per_member: 0.0,
            conversion: None,
            k: None,
        });
        KRow {
            cohort,
            members,
            successful_referrals: referrals,
            k: if members == 0 {
                0.0
            } else {
                referrals as f64 / members as f64
            },
            invites: b.invites_sent,
            invites_per_member: b.invites_per_member,
            conversion: b.conversion,
        }
    }
}

/// K per fixed-length period of joining, counted from the report's start.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KByPeriod {
    /// Length of each period in days.
    pub period_days: u32,
    /// Only friends who joined within this many days of their inviter.
    pub within_days: Option<u32>,
    /// The periods that had members.
    pub periods: Vec<PeriodK>,
}

/// K for the members who joined in one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodK {
    /// The period's first day.
    #[schema(value_type = String)]
    pub start: Date,
    /// Members who joined in it.
    pub members: u64,
    /// Successful referrals they made (within `within_days`, if set).
    pub successful_referrals: u64,
    /// `successful_referrals / members`.
    pub k: f64,
}

/// The distribution of direct referrals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectReferrals {
    /// `(referrals, members who made that many)`, by referrals.
    pub distribution: Vec<(u64, u64)>,
    /// Mean successful referrals per member.
    pub mean: f64,
    /// The most any member made.
    pub max: u64,
}

/// Organic against incentivised arrivals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralMix {
    /// Members who joined in the period.
    pub members: u64,
    /// Referred with no incentive on offer, or answered "a friend told me".
    pub organic: u64,
    /// Referred while an incentive was on offer.
    pub incentivised: u64,
    /// Neither.
    pub unattributed: u64,
    /// `organic / members`.
    pub organic_rate: f64,
    /// `incentivised / members`.
    pub incentivised_rate: f64,
    /// The studio's benchmark for organic referral (0.15).
    pub benchmark: f64,
    /// `at_or_above_benchmark`, `below_benchmark` or `no_new_members`.
    pub verdict: &'static str,
}

/// Referrals left out of the forest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Skipped {
    /// How many.
    pub total: u64,
    /// How many per reason.
    #[schema(value_type = Object)]
    pub by_reason: BTreeMap<&'static str, u64>,
    /// The first few, with the reason in words.
    pub examples: Vec<SkippedReferral>,
}

/// One referral left out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkippedReferral {
    /// Who referred.
    pub inviter_id: i64,
    /// Who came.
    pub invitee_id: i64,
    /// Why it was left out.
    pub reason: String,
}

/// Whether a program offered an incentive at `at` (ms): it had rewards and
/// `at` falls within its dates. Past statuses are not kept, and attribution
/// refuses a program that is not open, so the current status only rules
/// out drafts (which never attribute).
fn incentive_on_offer(spec: &ProgramSpec, at: i64) -> bool {
    let within = |t: Option<jiff::Timestamp>| t.map(|t| t.as_millisecond());
    !spec.rewards.is_empty()
        && spec.status != Status::Draft
        && within(spec.starts_at).is_none_or(|s| s <= at)
        && within(spec.ends_at).is_none_or(|e| at < e)
}

/// Member ids are positive; the forest keys them as `u64`.
fn uid(id: i64) -> u64 {
    id.unsigned_abs()
}

fn skipped_code(e: &pond_growth::GrowthError) -> &'static str {
    use pond_growth::GrowthError as G;
    match e {
        G::SelfReferral { .. } => "self_referral",
        G::DuplicateInvitee { .. } => "duplicate_invitee",
        G::MissingJoin { .. } => "unknown_member",
        G::ReferralBeforeInviterJoined { .. } => "invitee_joined_before_inviter",
        G::ReferralCycle { .. } => "cycle",
        _ => "other",
    }
}

/// Builds the growth report for `period`.
#[tracing::instrument(skip_all)]
pub async fn report(
    tx: &mut Tx,
    tz: &TimeZone,
    period: Period,
    options: Options,
) -> Result<GrowthReport> {
    if !(1..=366).contains(&options.period_days) {
        return Err(
            Error::invalid("invalid_period_days", "must be 1 to 366 days").field("period_days"),
        );
    }
    if options.within_days.is_some_and(|w| w > 3650) {
        return Err(
            Error::invalid("invalid_within_days", "must be at most 3650 days").field("within_days"),
        );
    }
    let Period { from_ms, to_ms, .. } = period;
    let data = store::load(tx, to_ms).await?;
    let heard = store::heard_from(tx, from_ms, to_ms).await?;
    let pending = store::pending_referrals(tx, from_ms, to_ms).await?;

    // Cohorts only for members who joined in the period: the rest fall in
    // the unlabelled group, which is left out of the rows.
    let cohort = |at: i64| {
        (from_ms..to_ms).contains(&at).then(|| {
            let d = tz.to_datetime(pond_store::time::ts(at)).date();
            format!("{:04}-{:02}", d.year(), d.month())
        })
    };
    let joined: HashMap<i64, i64> = data.joins.iter().map(|j| (j.member, j.joined_at)).collect();
    let joins: Vec<MemberJoin> = data
        .joins
        .iter()
        .map(|j| MemberJoin {
            member: uid(j.member),
            joined_at_ms: j.joined_at,
            cohort: cohort(j.joined_at),
            declared_friend_referral: j.heard_from_friend,
        })
        .collect();
    let specs: HashMap<i64, &ProgramSpec> = data.programs.iter().map(|p| (p.id, &p.spec)).collect();
    let edges: Vec<ReferralEdge> = data
        .referrals
        .iter()
        .map(|r| ReferralEdge {
            inviter: uid(r.inviter),
            invitee: uid(r.invitee),
            invitee_joined_at_ms: joined.get(&r.invitee).copied().unwrap_or(r.attributed_at),
            incentivised: specs
                .get(&r.program_id)
                .is_some_and(|s| incentive_on_offer(s, r.attributed_at)),
        })
        .collect();
    let screened = screen(&joins, edges);
    let forest = ReferralForest::build(&joins, &screened.kept).map_err(|e| Error::internal(&e))?;

    let invites: HashMap<u64, u64> = data
        .invites
        .iter()
        .map(|&(m, n)| (uid(m), n.unsigned_abs()))
        .collect();
    let cohorts: Vec<KRow> = forest
        .k_by_cohort(Some(&invites))
        .into_iter()
        .filter_map(|c| {
            let label = c.cohort?;
            Some(KRow::new(
                label,
                c.members,
                c.successful_referrals,
                c.invites,
            ))
        })
        .collect();
    let (members, referrals, sent) = cohorts.iter().fold((0, 0, 0), |(m, r, i), c| {
        (m + c.members, r + c.successful_referrals, i + c.invites)
    });
    let k = KRow::new(
        "all".into(),
        members,
        referrals,
        k_from_invites(members, sent, referrals).ok(),
    );

    let periods = forest
        .k_by_period(
            from_ms,
            i64::from(options.period_days) * DAY_MS,
            options.within_days.map(|d| i64::from(d) * DAY_MS),
        )
        .map_err(|e| Error::internal(&e))?
        .into_iter()
        .filter(|p| p.period_start_ms < to_ms)
        .map(|p| PeriodK {
            start: tz
                .to_datetime(pond_store::time::ts(p.period_start_ms))
                .date(),
            members: p.members,
            successful_referrals: p.successful_referrals,
            k: p.k,
        })
        .collect();

    let mut distribution: BTreeMap<u64, u64> = BTreeMap::new();
    for j in &joins {
        *distribution
            .entry(forest.direct_referrals(j.member).unwrap_or(0))
            .or_default() += 1;
    }
    let total = joins.len() as u64;
    let made: u64 = distribution.iter().map(|(r, m)| r * m).sum();

    let at_start = data.joins.iter().filter(|j| j.joined_at < from_ms).count() as u64;
    let mix = forest
        .referral_mix(from_ms, to_ms)
        .map_err(|e| Error::internal(&e))?;
    let verdict = match mix.members {
        0 => "no_new_members",
        _ if mix.organic_rate >= ORGANIC_BENCHMARK => "at_or_above_benchmark",
        _ => "below_benchmark",
    };

    let mut skipped = Skipped {
        total: screened.dropped.len() as u64,
        by_reason: BTreeMap::new(),
        examples: Vec::new(),
    };
    for (e, why) in &screened.dropped {
        *skipped.by_reason.entry(skipped_code(why)).or_default() += 1;
        if skipped.examples.len() < SKIPPED_EXAMPLES {
            skipped.examples.push(SkippedReferral {
                inviter_id: i64::try_from(e.inviter).unwrap_or(i64::MAX),
                invitee_id: i64::try_from(e.invitee).unwrap_or(i64::MAX),
                reason: why.to_string(),
            });
        }
    }

    Ok(GrowthReport {
        from: period.from,
        to: period.to,
        time_zone: tz.iana_name().unwrap_or("UTC").to_string(),
        members: MemberCounts {
            at_start,
            at_end: total,
            new: total - at_start,
        },
        // Joined before `from_ms` and before `to_ms`: the library counts
        // "at or before", one millisecond earlier is "before".
        growth_multiple: forest
            .growth_multiple(from_ms - 1, to_ms - 1)
            .map_err(|e| Error::internal(&e))?,
        k,
        k_by_cohort: cohorts,
        k_by_period: KByPeriod {
            period_days: options.period_days,
            within_days: options.within_days,
            periods,
        },
        generations: forest.generation_counts(),
        direct_referrals: DirectReferrals {
            mean: if total == 0 {
                0.0
            } else {
                made as f64 / total as f64
            },
            max: distribution.keys().next_back().copied().unwrap_or(0),
            distribution: distribution.into_iter().collect(),
        },
        cycle_time_days: forest.viral_cycle_time_ms().map(|ms| ms / DAY_MS as f64),
        referral_mix: ReferralMix {
            members: mix.members,
            organic: mix.organic,
            incentivised: mix.incentivised,
            unattributed: mix.unattributed,
            organic_rate: mix.organic_rate,
            incentivised_rate: mix.incentivised_rate,
            benchmark: ORGANIC_BENCHMARK,
            verdict,
        },
        pending_referrals: pending.unsigned_abs(),
        heard_from: heard
            .into_iter()
            .map(|(h, n)| (h.unwrap_or_else(|| "unknown".into()), n.unsigned_abs()))
            .collect(),
        skipped_referrals: skipped,
    })
}

/// Customers adding and deleting the shop's staff in `period`, per
/// contact state (WeCom callbacks).
pub async fn contacts(pond: &crate::Pond, period: &Period) -> Result<Vec<ByState>> {
    let mut tx = pond.store.read().await?;
    Ok(pond_store::contacts::by_state(&mut tx, period.from_ms, period.to_ms).await?)
}

/// Records a customer adding or deleting one of the shop's staff (a WeCom
/// contact callback); a repeated callback records nothing new.
#[tracing::instrument(skip_all, fields(kind = kind))]
pub async fn record_contact(
    pond: &crate::Pond,
    staff: &str,
    customer: &str,
    kind: &'static str,
    state: Option<&str>,
    at: jiff::Timestamp,
) -> Result<()> {
    let (staff, customer, state) = (
        staff.to_owned(),
        customer.to_owned(),
        state.map(str::to_owned),
    );
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                let e = pond_store::contacts::ContactEvent {
                    channel: "wecom",
                    staff: &staff,
                    customer: &customer,
                    kind,
                    state: state.as_deref(),
                    at,
                };
                pond_store::contacts::record(tx, &e).await
            })
        })
        .await?;
    Ok(())
}
