//! The community funnel read from the store: per group or per channel,
//! joins (acceptance), orders and revenue from members linked to Pond
//! (realization), and friends those members referred (fission).
//!
//! A person counts for a group while they are in it: from their latest
//! join (or from the start, when no join was seen) until their latest
//! leave, when that leave came after the join. Only non-staff, non-bot
//! people linked to a Pond member count. Per channel, a member in two
//! groups of the channel, and their orders, count once.

use crate::{Result, StoreError, Tx, on_conn};
use std::collections::BTreeMap;

/// The window a funnel is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Start (ms, inclusive).
    pub from_ms: i64,
    /// End (ms, exclusive).
    pub to_ms: i64,
    /// First day (days since 1970-01-01 in the shop's time zone), inclusive.
    pub from_day: i64,
    /// Last day, inclusive.
    pub to_day: i64,
}

/// One group's or channel's funnel counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Joins in the window (from the day rollups).
    pub joins: i64,
    /// Distinct Pond members among the people (non-staff, non-bot), now.
    pub linked_members: i64,
    /// Paid orders in the window by linked members while in the group.
    pub orders: i64,
    /// Of those orders, the ones refunded or cancelled before the window's end.
    pub refunded_orders: i64,
    /// Their total less what was refunded, in minor units.
    pub revenue: i64,
    /// Referrals attributed in the window whose inviter was a linked
    /// member in the group at the time (rejected ones left out).
    pub referrals: i64,
    /// Of those, the ones qualified before the window's end.
    pub qualified_referrals: i64,
}

/// Spans of linked members in groups: `k` is the group or channel key.
const SPANS: &str = "WITH spans AS (
    SELECT DISTINCT {key} AS k, p.member_id,
      COALESCE(p.joined_at, -9223372036854775807) AS since,
      CASE WHEN p.left_at IS NOT NULL AND p.left_at > COALESCE(p.joined_at, -9223372036854775807)
           THEN p.left_at ELSE 9223372036854775807 END AS until
    FROM chat_people p JOIN chat_groups g ON g.id = p.group_id
    WHERE p.member_id IS NOT NULL AND NOT p.staff AND NOT p.bot)";

/// Funnel counts per group id.
pub async fn by_group(tx: &mut Tx, w: Window) -> Result<BTreeMap<i64, Counts>> {
    let rows = scoped(tx, "CAST(g.id AS TEXT)", w).await?;
    rows.into_iter()
        .map(|(k, c)| {
            k.parse::<i64>()
                .map(|id| (id, c))
                .map_err(|_| StoreError::Corrupt(format!("group key `{k}`")))
        })
        .collect()
}

/// Funnel counts per channel (wechat, whatsapp, ...).
pub async fn by_channel(tx: &mut Tx, w: Window) -> Result<BTreeMap<String, Counts>> {
    scoped(tx, "g.channel", w).await
}

async fn scoped(tx: &mut Tx, key: &str, w: Window) -> Result<BTreeMap<String, Counts>> {
    let spans = SPANS.replace("{key}", key);
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();

    let sql = format!(
        "SELECT {key}, CAST(SUM(d.joins) AS BIGINT) FROM group_days d
         JOIN chat_groups g ON g.id = d.group_id
         WHERE d.day >= $1 AND d.day <= $2 AND d.joins > 0 GROUP BY {key}"
    );
    let joins: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(w.from_day)
        .bind(w.to_day)
        .fetch_all(c)
        .await)?;
    for (k, n) in joins {
        out.entry(k).or_default().joins = n;
    }

    let sql = format!("{spans} SELECT k, COUNT(DISTINCT member_id) FROM spans GROUP BY k");
    let linked: Vec<(String, i64)> = on_conn!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
    for (k, n) in linked {
        out.entry(k).or_default().linked_members = n;
    }

    // A refund is matched to its order by id (one per type and order); the
    // part refunded is capped at the order's total.
    let sql = format!(
        "{spans} SELECT k, COUNT(*),
           CAST(SUM(CASE WHEN refunded >= 0 THEN 1 ELSE 0 END) AS BIGINT),
           CAST(SUM(amount - CASE WHEN refunded > 0 THEN refunded ELSE 0 END) AS BIGINT)
         FROM (SELECT DISTINCT s.k, e.id, COALESCE(e.amount, 0) AS amount,
                 COALESCE((SELECT MAX(CASE WHEN r.amount IS NULL OR r.amount > e.amount
                                          THEN e.amount ELSE r.amount END)
                           FROM events r
                           WHERE r.type IN ('order.refunded', 'order.cancelled')
                             AND r.order_id = e.order_id AND r.occurred_at < $2), -1) AS refunded
               FROM spans s JOIN events e ON e.member_id = s.member_id
               WHERE e.type = 'order.paid' AND e.occurred_at >= $1 AND e.occurred_at < $2
                 AND e.occurred_at >= s.since AND e.occurred_at < s.until) x
         GROUP BY k"
    );
    let orders: Vec<(String, i64, i64, i64)> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(w.from_ms)
        .bind(w.to_ms)
        .fetch_all(c)
        .await)?;
    for (k, n, refunded, revenue) in orders {
        let e = out.entry(k).or_default();
        (e.orders, e.refunded_orders, e.revenue) = (n, refunded, revenue);
    }

    let sql = format!(
        "{spans} SELECT k, COUNT(*),
           CAST(SUM(CASE WHEN status = 'qualified' AND qualified_at < $2 THEN 1 ELSE 0 END) AS BIGINT)
         FROM (SELECT DISTINCT s.k, r.id, r.status, r.qualified_at
               FROM referrals r JOIN spans s ON s.member_id = r.inviter_id
               WHERE r.attributed_at >= $1 AND r.attributed_at < $2 AND r.status <> 'rejected'
                 AND r.attributed_at >= s.since AND r.attributed_at < s.until) x
         GROUP BY k"
    );
    let referrals: Vec<(String, i64, i64)> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(w.from_ms)
        .bind(w.to_ms)
        .fetch_all(c)
        .await)?;
    for (k, n, qualified) in referrals {
        let e = out.entry(k).or_default();
        (e.referrals, e.qualified_referrals) = (n, qualified);
    }
    Ok(out)
}
