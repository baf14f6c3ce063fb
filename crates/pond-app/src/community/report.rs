//! The groups report: census, one row per group, survival and warnings, as
//! of any date, from three window queries over the rollups.

use crate::error::Error;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pond_community::lifecycle::{State, Thresholds, turned_declining};
use pond_community::{
    Census, DayRollup, GroupHistory, KaplanMeier, Lifetime, SenderDay, date_of_day, day_number,
    day_of, health,
};
use pond_store::Tx;
use pond_store::groups::Group;
use pond_store::rollups::{self, DayRow, GroupFacts, SenderRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// The report `pond report groups` prints and `GET /api/v1/groups/report` answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupsReport {
    /// The date every figure is computed for, in the shop's time zone.
    #[schema(value_type = String)]
    pub as_of: Date,
    /// The headline counts.
    pub census: CensusView,
    /// One row per group, most alive first.
    pub groups: Vec<GroupRow>,
    /// How long groups live.
    pub survival: Survival,
    /// Groups that turned to declining in the 7 days up to `as_of`.
    pub warnings: Vec<Warning>,
}

/// The census.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CensusView {
    /// All groups.
    pub groups: u32,
    /// Groups with at least one message on or before `as_of`.
    pub groups_with_history: u32,
    /// Groups where a customer posted on each of the last 7 days.
    pub active_every_day_last_7_days: u32,
    /// Groups per state.
    #[schema(value_type = Object)]
    pub states: BTreeMap<&'static str, u32>,
}

/// One group's line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroupRow {
    /// Pond's id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Channel.
    pub channel: String,
    /// new, active, declining, dormant or dead.
    pub state: &'static str,
    /// Why, in words.
    pub reason: String,
    /// The last day a customer (not staff) posted.
    #[schema(value_type = Option<String>)]
    pub last_activity: Option<Date>,
    /// Members at the end of `as_of`, when known.
    pub members: Option<u32>,
    /// Messages in the last 7 days (staff included).
    pub messages_7: u64,
    /// Messages in the last 28 days.
    pub messages_28: u64,
    /// Distinct customers who posted in the last 7 days.
    pub posters_7: u32,
    /// Distinct customers who posted in the last 28 days.
    pub posters_28: u32,
    /// Consecutive active days up to `as_of`.
    pub streak_days: u32,
    /// A customer posted on each of the last 7 days.
    pub active_every_day_last_7: bool,
    /// Average daily posters over distinct posters, last 28 days.
    pub stickiness_28: Option<f64>,
    /// Share of members who posted in the last 28 days.
    pub posted_share_28: Option<f64>,
    /// Fewest senders making half the last 28 days' messages.
    pub bus_factor_28: u32,
}

/// Kaplan–Meier survival of group lifetimes, overall and per channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Survival {
    /// Median lifetime in days; `None` while more than half still live.
    pub median_days: Option<f64>,
    /// Groups in the sample.
    pub groups: u32,
    /// Groups that died (silent past the dead threshold).
    pub deaths: u32,
    /// The curve: (days, share still alive).
    pub curve: Vec<(u32, f64)>,
    /// The same per channel (wechat, whatsapp, ...).
    #[schema(value_type = Object)]
    pub by_channel: BTreeMap<String, Survival>,
}

impl Survival {
    fn of(km: &KaplanMeier) -> Self {
        Survival {
            median_days: km.median,
            groups: km.groups,
            deaths: km.deaths,
            curve: km.points.iter().map(|p| (p.days, p.survival)).collect(),
            by_channel: BTreeMap::new(),
        }
    }
}

/// A group that turned to declining.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// The group.
    pub group_id: i64,
    /// Its name.
    pub name: String,
    /// The day it turned.
    #[schema(value_type = String)]
    pub on: Date,
}

/// A rollup's day number as a date (1970-01-01 outside the dates jiff
/// holds, which no stored day reaches).
pub fn date_of(day: i64) -> Date {
    i32::try_from(day)
        .ok()
        .and_then(date_of_day)
        .unwrap_or(Date::constant(1970, 1, 1))
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Builds the report for every group, or for one.
#[tracing::instrument(skip_all)]
pub async fn groups(
    tx: &mut Tx,
    tz: &TimeZone,
    as_of: Date,
    thresholds: &Thresholds,
    only: Option<i64>,
) -> Result<GroupsReport, Error> {
    let to = i64::from(day_number(as_of));
    // The longest look-back any verdict takes, plus a week for warnings.
    let span = i64::from((thresholds.baseline_weeks * 7).max(28)) + 7;
    let from = to - span + 1;
    let mut list: Vec<Group> = match only {
        Some(id) => pond_store::groups::get(tx, id).await?.into_iter().collect(),
        None => pond_store::groups::list(tx).await?,
    };
    // Every list comes in group order (the stable sorts only check that, in
    // one pass), so each group's rows are the next run of each list: no
    // map, and no copy of a million sender rows into one.
    list.sort_by_key(|g| g.id);
    let mut facts = GroupRuns::new(rollups::facts(tx, from, to, only).await?, |f| f.group_id);
    let mut days = GroupRuns::new(rollups::days(tx, from, to, only).await?, |d| d.group_id);
    let mut senders = GroupRuns::new(rollups::senders(tx, from, to, only).await?, |s| s.group_id);

    let mut census = Census::new(as_of);
    let mut rows = Vec::with_capacity(list.len());
    let mut lifetimes = Vec::new();
    let mut warnings = Vec::new();
    for g in &list {
        let first_seen = day_of(pond_store::time::ts(g.first_seen), tz);
        let history = history(
            facts.next(g.id).first(),
            from,
            days.next(g.id),
            senders.next(g.id),
        )
        .map_err(|e| Error::internal(&e))?;
        let (state, reason) = census.add(first_seen, &history, thresholds);
        let h = health(&history, as_of);
        if let Some(l) = Lifetime::of(first_seen, &history, as_of, thresholds.dead_after_days) {
            lifetimes.push((g.channel.clone(), l));
        }
        let week_ago = as_of
            .checked_sub(jiff::Span::new().days(7))
            .unwrap_or(as_of);
        if let Some(t) = turned_declining(first_seen, &history, week_ago, as_of, thresholds) {
            warnings.push(Warning {
                group_id: g.id,
                name: g.name.clone(),
                on: t.day,
            });
        }
        rows.push(GroupRow {
            id: g.id,
            name: g.name.clone(),
            channel: g.channel.clone(),
            state: state.as_str(),
            reason: reason.to_string(),
            last_activity: h.last_non_staff_activity,
            members: h.members,
            messages_7: h.messages_7,
            messages_28: h.messages_28,
            posters_7: h.non_staff_senders_7,
            posters_28: h.non_staff_senders_28,
            streak_days: h.streak_days,
            active_every_day_last_7: h.active_every_day_last_7,
            stickiness_28: h.stickiness_28,
            posted_share_28: h.posted_share_28,
            bus_factor_28: h.bus_factor_28,
        });
    }
    rows.sort_by(|a, b| {
        rank(a.state)
            .cmp(&rank(b.state))
            .then(b.posters_7.cmp(&a.posters_7))
            .then(b.messages_28.cmp(&a.messages_28))
            .then(a.id.cmp(&b.id))
    });
    let fit = KaplanMeier::fit(lifetimes.iter().map(|(_, l)| *l));
    let mut survival = Survival::of(&fit);
    survival.by_channel = KaplanMeier::by_key(lifetimes)
        .into_iter()
        .map(|(k, km)| (k, Survival::of(&km)))
        .collect();
    let states = [
        State::New,
        State::Active,
        State::Declining,
        State::Dormant,
        State::Dead,
    ]
    .into_iter()
    .map(|s| (s.as_str(), census.states.get(s)))
    .collect();
    Ok(GroupsReport {
        as_of,
        census: CensusView {
            groups: census.groups,
            groups_with_history: census.groups_with_history,
            active_every_day_last_7_days: census.active_every_day_last_7_days,
            states,
        },
        groups: rows,
        survival,
        warnings,
    })
}

fn rank(state: &str) -> u8 {
    match state {
        "active" => 0,
        "new" => 1,
        "declining" => 2,
        "dormant" => 3,
        _ => 4,
    }
}

/// Rows sorted by group, handed out one group's run at a time to a caller
/// that asks for groups in increasing order.
struct GroupRuns<T> {
    rows: Vec<T>,
    at: usize,
    group: fn(&T) -> i64,
}

impl<T> GroupRuns<T> {
    fn new(mut rows: Vec<T>, group: fn(&T) -> i64) -> Self {
        rows.sort_by_key(group);
        GroupRuns { rows, at: 0, group }
    }

    /// The rows of `id`; rows of smaller ids not asked for are passed over.
    fn next(&mut self, id: i64) -> &[T] {
        let rest = &self.rows[self.at..];
        let start = rest.partition_point(|r| (self.group)(r) < id);
        let len = rest[start..].partition_point(|r| (self.group)(r) == id);
        self.at += start + len;
        &self.rows[self.at - len..self.at]
    }
}

/// A group's history over the window, with the days before it summed up
/// into at most two rows: its first day with a message and its last active
/// day, which is all the verdicts read from that far back.
fn history(
    facts: Option<&GroupFacts>,
    from: i64,
    days: &[DayRow],
    senders: &[SenderRow],
) -> Result<GroupHistory, pond_community::CommunityError> {
    let mut members = facts.map_or(0, |f| f.members_before);
    let mut out: BTreeMap<i64, DayRollup> = BTreeMap::new();
    if let Some(f) = facts {
        let anchor = |day: i64, active: bool| DayRollup {
            day: date_of(day),
            messages: 1,
            senders: u32::from(active),
            non_staff_senders: u32::from(active),
            joins: 0,
            leaves: 0,
            members_end_of_day: count(f.members_before),
        };
        if let Some(first) = f.first_day.filter(|&d| d < from) {
            out.insert(first, anchor(first, false));
        }
        if let Some(last) = f.last_active_before {
            out.insert(last, anchor(last, true));
        }
    }
    let mut per_day: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for s in senders {
        let e = per_day.entry(s.day).or_default();
        e.0 += 1;
        e.1 += u32::from(!s.staff);
    }
    let mut days = days.to_vec();
    days.sort_by_key(|d| d.day);
    for d in days {
        members += d.joins - d.leaves;
        let (senders, non_staff) = per_day.get(&d.day).copied().unwrap_or_default();
        out.insert(
            d.day,
            DayRollup {
                day: date_of(d.day),
                messages: count(d.messages),
                senders,
                non_staff_senders: non_staff,
                joins: count(d.joins),
                leaves: count(d.leaves),
                members_end_of_day: count(members),
            },
        );
    }
    let mut senders: Vec<SenderDay> = senders
        .iter()
        .map(|s| SenderDay {
            day: date_of(s.day),
            sender_id: s.person_id as u64,
            messages: count(s.messages),
            staff: s.staff,
        })
        .collect();
    senders.sort_by_key(|s| (s.day, s.sender_id));
    GroupHistory::new(out.into_values().collect(), senders)
}

#[cfg(test)]
mod tests {
    use super::GroupRuns;

    #[test]
    fn each_group_takes_its_own_run_of_rows() {
        let rows = vec![(3, 'c'), (1, 'a'), (1, 'b'), (5, 'e'), (7, 'g')];
        let mut runs = GroupRuns::new(rows, |r| r.0);
        let mut take = |id| runs.next(id).iter().map(|r| r.1).collect::<String>();
        assert_eq!(take(1), "ab");
        // A group with no rows, then one past a group never asked for (3).
        assert_eq!(take(2), "");
        assert_eq!(take(5), "e");
        assert_eq!(take(6), "");
        assert_eq!(take(7), "g");
        assert_eq!(take(8), "");
    }
}
