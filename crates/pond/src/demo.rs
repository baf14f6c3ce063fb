//! `pond demo`: six months of a flower studio's referral program, written
//! through the same flows the API uses, so the demo exercises the real
//! rules: two-sided rewards, holds, refunds, caps and fraud flags.

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use pond_app::Pond;
use pond_app::events::EventInput;
use pond_app::members::MemberInput;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "林", "何",
];
const GIVEN: &[&str] = &[
    "芳", "静", "敏", "丽", "婷", "雪", "晨", "悦", "琳", "欣", "佳", "颖", "涛", "磊", "洋",
];
const ENGLISH: &[&str] = &[
    "Amy", "Ben", "Chloe", "Daisy", "Ethan", "Fiona", "Grace", "Iris", "Lily", "Rose",
];

/// The demo owner's password (the demo is for a laptop, not the internet).
pub const PASSWORD: &str = "pond-demo";

fn name(rng: &mut StdRng) -> String {
    if rng.random_bool(0.15) {
        ENGLISH[rng.random_range(0..ENGLISH.len())].to_string()
    } else {
        format!(
            "{}{}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            GIVEN[rng.random_range(0..GIVEN.len())]
        )
    }
}

/// Fills the store behind `app` and returns an API token for it. All of it
/// is one transaction: a demo is either complete or absent.
pub async fn fill(app: &Pond, days: u16) -> Result<String> {
    let now = Timestamp::now();
    let a = app.clone();
    let token = app
        .store
        .write(move |tx| Box::pin(async move { fill_in(&a, tx, days, now).await }))
        .await?;
    // Settle every reward whose hold has passed, as the server's job would.
    pond_app::rewards::approve_due(&app.store, now).await?;
    crate::demo_groups::fill(app, days).await?;
    Ok(token)
}

async fn fill_in(app: &Pond, tx: &mut pond_store::Tx, days: u16, now: Timestamp) -> Result<String> {
    let start = now - SignedDuration::from_hours(24 * i64::from(days));
    let mut rng = StdRng::seed_from_u64(2008);

    let token = pond_app::tokens::create(tx, "demo", now).await?;
    let blooms = pond_app::programs::create(
        tx,
        serde_json::from_value(serde_json::json!({
            "name": "花开分享 Share the blooms",
            "rewards": [
                {"side": "inviter", "depth": 1, "amount": 50, "unit": "points"},
                {"side": "invitee", "depth": 1, "amount": 50, "unit": "points"}
            ],
            "base_grant": {"amount": 20, "unit": "points"},
            "inviter_cap": 20,
            "qualifying": {"type": "first_paid_order", "min_amount": 8800},
            "attribution_window_days": 30,
            "hold_days": 14,
            "starts_at": start.to_string()
        }))?,
        start,
    )
    .await?;
    let class = pond_app::programs::create(
        tx,
        serde_json::from_value(serde_json::json!({
            "name": "结伴学花艺 Bring a friend to class",
            "rewards": [
                {"side": "inviter", "depth": 1, "amount": 1, "unit": "coupon:CLASS50"},
                {"side": "invitee", "depth": 1, "amount": 1, "unit": "coupon:CLASS50"}
            ],
            "inviter_cap": 10,
            "qualifying": {"type": "custom", "name": "class.attended"},
            "hold_days": 0,
            "starts_at": start.to_string()
        }))?,
        start,
    )
    .await?;

    let mut members: Vec<i64> = Vec::new();
    let mut serial = 0u32;
    for day in 0..i64::from(days) {
        let today = start + SignedDuration::from_hours(24 * day);
        let organic = rng.random_range(1..=4);
        let referred = if members.is_empty() {
            0
        } else {
            rng.random_range(0..=4)
        };
        for i in 0..organic + referred {
            serial += 1;
            let at = today + SignedDuration::from_mins(rng.random_range(8 * 60..21 * 60));
            let program = if rng.random_bool(0.8) {
                blooms.id
            } else {
                class.id
            };
            let referral_code = if i >= organic {
                let inviter = members[rng.random_range(0..members.len())];
                let l = pond_store::links::get_or_create(tx, program, inviter, at).await?;
                Some(l.code)
            } else {
                None
            };
            // A few friends sign up from one café's Wi-Fi: the burst rule flags them.
            let ip = if rng.random_bool(0.04) {
                "203.0.113.7".to_string()
            } else {
                format!(
                    "198.51.{}.{}",
                    rng.random_range(0..255),
                    rng.random_range(1..255)
                )
            };
            let referral_code_was_none = referral_code.is_none();
            let input = MemberInput {
                phone: Some(format!("+86139{:08}", 10_000_000 + serial)),
                name: Some(name(&mut rng)),
                referral_code,
                ip: Some(ip),
                existing_customer: rng.random_bool(0.02),
                // Those who came without a link say how they heard of the
                // shop; word of mouth is the organic referral rate.
                heard_from: referral_code_was_none.then(|| {
                    use pond_core::heard_from::HeardFrom;
                    match rng.random_range(0..20) {
                        0..=5 => HeardFrom::Friend,
                        6..=11 => HeardFrom::Group,
                        12..=15 => HeardFrom::Ad,
                        16..=18 => HeardFrom::WalkIn,
                        _ => HeardFrom::Other,
                    }
                }),
                ..Default::default()
            };
            let m = pond_app::members::create(app, tx, input, at).await?;
            members.push(m.id);
            let buys = rng.random_bool(0.7);
            if buys {
                let paid_at = at + SignedDuration::from_hours(rng.random_range(1..24 * 10));
                if paid_at < now {
                    let order = format!("FS-{serial:05}");
                    let amount = [6800, 8800, 12800, 19900, 29900][rng.random_range(0..5)];
                    apply(tx, m.id, "order.paid", Some(&order), Some(amount), paid_at).await?;
                    if rng.random_bool(0.05) {
                        let refund_at = paid_at + SignedDuration::from_hours(48);
                        if refund_at < now {
                            apply(tx, m.id, "order.refunded", Some(&order), None, refund_at)
                                .await?;
                        }
                    }
                }
            }
            if rng.random_bool(0.3) {
                apply(
                    tx,
                    m.id,
                    "class.attended",
                    None,
                    None,
                    at + SignedDuration::from_hours(72),
                )
                .await?;
            }
        }
    }
    tracing::info!(members = members.len(), "demo data written");
    Ok(token)
}

async fn apply(
    tx: &mut pond_store::Tx,
    member: i64,
    kind: &str,
    order: Option<&str>,
    amount: Option<i64>,
    at: Timestamp,
) -> Result<()> {
    let e = EventInput {
        id: None,
        kind: kind.to_string(),
        member_id: member,
        order_id: order.map(str::to_string),
        amount,
        occurred_at: Some(at),
    };
    pond_app::events::apply(tx, e, at).await?;
    Ok(())
}
