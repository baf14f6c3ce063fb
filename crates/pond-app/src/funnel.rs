//! The community funnel: what each group and each channel does for the
//! shop. Acceptance (people joining), realization (orders and revenue from
//! members linked to Pond) and fission (friends those members referred),
//! over a period of whole days. Definitions: docs/growth.md.

use crate::error::Result;
use crate::growth::Period;
use jiff::civil::Date;
use pond_community::day_number;
use pond_store::Tx;
use pond_store::funnel::{self as store, Counts, Window};
use serde::Serialize;
use utoipa::ToSchema;

/// What `pond report funnel` prints and `GET /api/v1/groups/funnel` answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelReport {
    /// First day of the period (shop's time zone).
    #[schema(value_type = String)]
    pub from: Date,
    /// Last day, inclusive.
    #[schema(value_type = String)]
    pub to: Date,
    /// One row per group, the most revenue first.
    pub groups: Vec<GroupFunnel>,
    /// One row per channel; a member in two groups of a channel counts once.
    pub channels: Vec<ChannelFunnel>,
}

/// The funnel's numbers for one group or channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Stages {
    /// Acceptance: joins in the period.
    pub joins: i64,
    /// People linked to a Pond member (by phone, WeChat id or external id).
    pub linked_members: i64,
    /// Realization: paid orders in the period by linked members while in the group.
    pub orders: i64,
    /// Of those, the ones refunded or cancelled by the period's end.
    pub refunded_orders: i64,
    /// Their total less refunds, in minor units (fen, cents).
    pub revenue: i64,
    /// Fission: friends referred in the period by linked members while in the group.
    pub referrals: i64,
    /// Of those, the ones that qualified by the period's end.
    pub qualified_referrals: i64,
}

impl From<Counts> for Stages {
    fn from(c: Counts) -> Self {
        Stages {
            joins: c.joins,
            linked_members: c.linked_members,
            orders: c.orders,
            refunded_orders: c.refunded_orders,
            revenue: c.revenue,
            referrals: c.referrals,
            qualified_referrals: c.qualified_referrals,
        }
    }
}

/// One group's funnel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupFunnel {
    /// Pond's id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// wechat, whatsapp, telegram, ...
    pub channel: String,
    /// The numbers.
    #[serde(flatten)]
    pub stages: Stages,
}

/// One channel's funnel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelFunnel {
    /// wechat, whatsapp, telegram, ...
    pub channel: String,
    /// Groups on it.
    pub groups: u32,
    /// The numbers.
    #[serde(flatten)]
    pub stages: Stages,
}

/// Builds the funnel for `period`, whose days are civil days in the shop's
/// time zone, as in the rollups the joins are read from.
#[tracing::instrument(skip_all)]
pub async fn report(tx: &mut Tx, period: Period) -> Result<FunnelReport> {
    let window = Window {
        from_ms: period.from_ms,
        to_ms: period.to_ms,
        from_day: i64::from(day_number(period.from)),
        to_day: i64::from(day_number(period.to)),
    };
    let by_group = store::by_group(tx, window).await?;
    let by_channel = store::by_channel(tx, window).await?;
    let all = pond_store::groups::list(tx).await?;
    let mut groups: Vec<GroupFunnel> = all
        .iter()
        .map(|g| GroupFunnel {
            id: g.id,
            name: g.name.clone(),
            channel: g.channel.clone(),
            stages: by_group.get(&g.id).copied().unwrap_or_default().into(),
        })
        .collect();
    groups.sort_by(|a, b| {
        (b.stages.revenue, b.stages.joins, a.id).cmp(&(a.stages.revenue, a.stages.joins, b.id))
    });
    let mut channels: Vec<ChannelFunnel> = Vec::new();
    for g in &all {
        match channels.iter_mut().find(|c| c.channel == g.channel) {
            Some(c) => c.groups += 1,
            None => channels.push(ChannelFunnel {
                channel: g.channel.clone(),
                groups: 1,
                stages: by_channel
                    .get(&g.channel)
                    .copied()
                    .unwrap_or_default()
                    .into(),
            }),
        }
    }
    channels.sort_by(|a, b| a.channel.cmp(&b.channel));
    Ok(FunnelReport {
        from: period.from,
        to: period.to,
        groups,
        channels,
    })
}
