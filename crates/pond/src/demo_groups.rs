//! `pond demo`'s chat groups: three hundred of them over WhatsApp,
//! Telegram, WeCom and Discord, with months of daily history shaped so the
//! lifecycle classifier finds every state (new, active, declining,
//! dormant, dead), and a few recent complaints in Chinese and English.
//!
//! The events go through [`Ingest`], the path every import and live event
//! takes, so rollups, membership, staff, complaint alerts and webhooks are
//! exactly what real data would produce. The generator is seeded: every
//! demo has the same groups, and running it twice adds nothing.

use anyhow::Result;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use pond_app::Pond;
use pond_app::community::ingest::{BATCH, Ingest};
use pond_import::{Channel, ChatEvent, GroupRef, MessageKind, Person};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::Arc;

/// How many groups: the "more than 300 groups" an operator counted.
const GROUPS: usize = 300;

/// The shop's staff in every group; their posts never keep a group alive.
const STAFF: [&str; 2] = ["店长小美", "Shop Amy"];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "林", "何", "郭",
];
const GIVEN: &[&str] = &[
    "芳", "静", "敏", "丽", "婷", "雪", "晨", "悦", "琳", "欣", "佳", "颖", "涛", "磊", "洋", "可",
];
const ENGLISH: &[&str] = &[
    "Amy", "Ben", "Chloe", "Daisy", "Ethan", "Fiona", "Grace", "Iris", "Lily", "Rose", "Noah",
    "Mia", "Leo", "Zoe", "Sam", "Ava",
];
const CHATTER_ZH: &[&str] = &[
    "今天的花真好看",
    "请问周末有配送吗？",
    "谢谢老板，收到啦，很新鲜",
    "有没有向日葵？",
    "插花课几点开始？",
    "下次还来买",
    "这束可以做成花篮吗",
    "母亲节的花可以预订了吗",
    "拍了一张照片给大家看看",
    "好漂亮！",
];
const CHATTER_EN: &[&str] = &[
    "Thanks, lovely flowers!",
    "Do you deliver on Sunday?",
    "Got it, so fresh",
    "Any tulips this week?",
    "See you at the class",
    "Can I pre-order for Friday?",
    "Here is how mine looks after a week",
    "Beautiful as always",
];
const STAFF_POSTS: &[&str] = &[
    "本周新到：荷兰郁金香，欢迎预订",
    "This week: peonies are in, order by Thursday",
    "周六插花课还有 3 个名额",
    "Reminder: free delivery over 199 this weekend",
];
/// Recent complaints: each reads as one to the classifier, so the inbox
/// opens with work in it.
const COMPLAINTS: &[&str] = &[
    "昨天送来的花全都枯萎了，我要退款，太差了",
    "配送迟到了两个小时，客服态度差",
    "又送错地址了，太坑了，再也不买了",
    "The roses arrived late and wilted, I want a refund",
    "My order never arrived and nobody answers, very disappointed",
    "Wrong address again, and the bouquet was crushed. Refund please",
];

/// The life a group is given; the classifier, not this, names its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    New,
    Active,
    Declining,
    Dormant,
    Dead,
}

/// One group's plan, in days before today.
struct Plan {
    shape: Shape,
    channel: Channel,
    /// The first day (days ago).
    start: i64,
    /// The last day a customer posts (days ago).
    end: i64,
    /// Customer messages on an ordinary day.
    rate: f64,
    members: usize,
}

fn plan(rng: &mut StdRng, i: usize, horizon: i64) -> Plan {
    let channel = [
        Channel::Wecom,
        Channel::Whatsapp,
        Channel::Telegram,
        Channel::Discord,
    ][i % 4];
    let shape = match rng.random_range(0..100) {
        0..10 => Shape::New,
        10..40 => Shape::Active,
        40..55 => Shape::Declining,
        55..70 => Shape::Dormant,
        _ => Shape::Dead,
    };
    let (start, end) = match shape {
        Shape::New => (rng.random_range(1..=12), 0),
        Shape::Active => (rng.random_range(30..=horizon), 0),
        Shape::Declining => (rng.random_range(35..=horizon), rng.random_range(1..=3)),
        Shape::Dormant => (rng.random_range(30..=horizon), rng.random_range(8..=25)),
        Shape::Dead => {
            // Group lives split into short and long ones (Qiu et al., WWW 2016).
            let end = rng.random_range(35..=horizon - 5);
            let life = if rng.random_bool(0.6) {
                rng.random_range(5..=25)
            } else {
                rng.random_range(40..=150)
            };
            ((end + life).min(horizon), end)
        }
    };
    Plan {
        shape,
        channel,
        start,
        end,
        rate: match shape {
            Shape::Declining => rng.random_range(4.0..9.0),
            _ => rng.random_range(2.5..9.0),
        },
        members: rng.random_range(20..=150),
    }
}

fn person(rng: &mut StdRng, channel: Channel, k: usize) -> Person {
    let english = matches!(channel, Channel::Discord | Channel::Telegram) && rng.random_bool(0.7)
        || rng.random_bool(0.15);
    let name = if english {
        format!("{} {}", ENGLISH[rng.random_range(0..ENGLISH.len())], k)
    } else {
        format!(
            "{}{}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            GIVEN[rng.random_range(0..GIVEN.len())]
        )
    };
    let id = match channel {
        // Some WhatsApp numbers are the demo members' phones, so people
        // link to members and the community funnel has orders to show.
        Channel::Whatsapp if rng.random_bool(0.4) => {
            format!("+86139{:08}", 10_000_000 + rng.random_range(1..=700))
        }
        Channel::Whatsapp => format!("+86158{:08}", rng.random_range(0..100_000_000)),
        Channel::Telegram => format!("user{}", rng.random_range(10_000_000..99_999_999)),
        Channel::Discord => format!("{}", rng.random_range(10u64.pow(17)..10u64.pow(18))),
        _ => format!("wm{:012x}", rng.random_range(0..1u64 << 48)),
    };
    Person::with_id(name, Some(id))
}

fn group_name(channel: Channel, n: usize) -> String {
    match (channel, n % 3) {
        (Channel::Wecom, 0) => format!("花友会 {n} 群"),
        (Channel::Wecom, 1) => format!("插花课第 {n} 期"),
        (Channel::Wecom, _) => format!("鲜花订阅 {n} 群"),
        (Channel::Whatsapp, 0) => format!("Bloom Club {n}"),
        (Channel::Whatsapp, _) => format!("Flower Lovers {n}"),
        (Channel::Telegram, 0) => format!("周末花市 {n}"),
        (Channel::Telegram, _) => format!("Pond Florist {n}"),
        (_, 0) => format!("#bouquet-help-{n}"),
        _ => format!("#class-{n}"),
    }
}

/// Writes the demo's groups through the ingest path.
pub async fn fill(app: &Pond, days: u16) -> Result<()> {
    let started = std::time::Instant::now();
    let now = Timestamp::now();
    let tz = app.time_zone.clone();
    let today = tz.to_datetime(now).date();
    // Half a year of history at least, so there are months to look at;
    // a year at most, so the demo stays quick.
    let horizon = i64::from(days).clamp(60, 365);
    let mut rng = StdRng::seed_from_u64(2016);
    let mut settings = app
        .ingest_settings(pond_app::community::alerts::import_alerts_since(now))
        .await?;
    settings.staff = Arc::new(STAFF.iter().map(|s| s.to_string()).collect::<HashSet<_>>());
    let mut ingest = Ingest::new(app.store.clone(), settings);
    let mut batch = Vec::with_capacity(BATCH);
    let mut complaints = 0;
    for i in 0..GROUPS {
        let plan = plan(&mut rng, i, horizon);
        let complain = plan.shape == Shape::Active && complaints < 12 && rng.random_bool(0.2);
        complaints += usize::from(complain);
        let mut g = Gen {
            rng: &mut rng,
            tz: &tz,
            today,
            now,
            group: GroupRef {
                channel: plan.channel,
                external_id: Some(format!("demo-{}-{i}", plan.channel.as_str())),
                name: group_name(plan.channel, i + 1),
            },
            seq: 0,
            out: &mut batch,
        };
        g.group_events(&plan, complain);
        if batch.len() >= BATCH {
            ingest.write(std::mem::take(&mut batch)).await?;
        }
    }
    if !batch.is_empty() {
        ingest.write(batch).await?;
    }
    let a = ingest.added;
    tracing::info!(
        groups = a.groups,
        messages = a.messages,
        joins = a.joins,
        alerts = a.alerts,
        took_ms = started.elapsed().as_millis() as u64,
        "demo groups written"
    );
    Ok(())
}

/// Writes one group's events into the batch.
struct Gen<'a> {
    rng: &'a mut StdRng,
    tz: &'a TimeZone,
    today: Date,
    now: Timestamp,
    group: GroupRef,
    seq: u64,
    out: &'a mut Vec<ChatEvent>,
}

impl Gen<'_> {
    /// An instant on the day `ago` days before today, in shop hours; `None`
    /// when that instant has not come yet today.
    fn at(&mut self, ago: i64) -> Option<Timestamp> {
        let day = self.today.checked_sub(jiff::Span::new().days(ago)).ok()?;
        let midnight = day.to_zoned(self.tz.clone()).ok()?.timestamp();
        let secs = self.rng.random_range(8 * 3600..22 * 3600);
        let at = midnight.checked_add(SignedDuration::from_secs(secs)).ok()?;
        if at < self.now {
            return Some(at);
        }
        // Today's hours have not all come yet: some time before now, so
        // the liveliest groups have talked today too.
        let so_far = self.now.duration_since(midnight).as_secs();
        (ago == 0 && so_far > 0)
            .then(|| {
                midnight
                    .checked_add(SignedDuration::from_secs(self.rng.random_range(0..so_far)))
                    .ok()
            })
            .flatten()
    }

    fn id(&mut self) -> String {
        self.seq += 1;
        format!(
            "demo:{}:{}",
            self.group.external_id.as_deref().unwrap_or_default(),
            self.seq
        )
    }

    fn message(&mut self, sender: &Person, at: Timestamp, text: Option<&str>) {
        let media = text.is_none();
        let event_id = self.id();
        self.out.push(ChatEvent::Message {
            group: self.group.clone(),
            sender: Some(sender.clone()),
            at,
            kind: if media {
                MessageKind::Media
            } else {
                MessageKind::Text
            },
            text: text.map(str::to_string),
            event_id,
        });
    }

    fn group_events(&mut self, p: &Plan, complain: bool) {
        let people: Vec<Person> = (0..p.members)
            .map(|k| person(self.rng, p.channel, k))
            .collect();
        let staff = Person::with_id(
            STAFF[usize::from(p.channel != Channel::Wecom)],
            Some("staff-1".into()),
        );
        // Joins: most on the first day, the rest over the group's life; a
        // few leave, more of them in groups that died.
        let leave_odds = if p.shape == Shape::Dead { 0.2 } else { 0.06 };
        for member in &people {
            let joined = if self.rng.random_bool(0.6) {
                p.start
            } else {
                self.rng.random_range(p.end..=p.start)
            };
            if let Some(at) = self.at(joined) {
                let event_id = self.id();
                self.out.push(ChatEvent::Join {
                    group: self.group.clone(),
                    member: member.clone(),
                    by: None,
                    at,
                    event_id,
                });
                if self.rng.random_bool(leave_odds) && joined > 0 {
                    let left = self.rng.random_range(0..joined);
                    if let Some(at) = self.at(left) {
                        let event_id = self.id();
                        self.out.push(ChatEvent::Leave {
                            group: self.group.clone(),
                            member: member.clone(),
                            by: None,
                            at,
                            event_id,
                        });
                    }
                }
            }
        }
        // A core of regulars does most of the talking.
        let core = (p.members / 3).max(8).min(p.members);
        let zh = p.channel == Channel::Wecom
            || (p.channel != Channel::Discord && self.rng.random_bool(0.5));
        for ago in (0..=p.start).rev() {
            if ago % 3 == 0
                && self.rng.random_bool(0.3)
                && let Some(at) = self.at(ago)
            {
                let text = STAFF_POSTS[self.rng.random_range(0..STAFF_POSTS.len())];
                self.message(&staff, at, Some(text));
            }
            if ago < p.end {
                continue;
            }
            let n = self.customer_messages(p, ago);
            // Declining: the last week is down to one or two voices.
            let voices = if p.shape == Shape::Declining && ago < 7 {
                1
            } else {
                core
            };
            for _ in 0..n {
                let u: f64 = self.rng.random();
                let who = &people[((u * u) * voices as f64) as usize % voices.max(1)];
                let Some(at) = self.at(ago) else { continue };
                let text = if self.rng.random_bool(0.12) {
                    None
                } else if zh {
                    Some(CHATTER_ZH[self.rng.random_range(0..CHATTER_ZH.len())])
                } else {
                    Some(CHATTER_EN[self.rng.random_range(0..CHATTER_EN.len())])
                };
                self.message(who, at, text);
            }
        }
        if complain {
            let who = &people[self.rng.random_range(0..core)];
            let text = COMPLAINTS[self.rng.random_range(0..COMPLAINTS.len())];
            let ago = self.rng.random_range(0..3);
            if let Some(at) = self.at(ago).or_else(|| self.at(1)) {
                self.message(who, at, Some(text));
            }
        }
    }

    /// Customer messages on the day `ago` days back.
    fn customer_messages(&mut self, p: &Plan, ago: i64) -> u32 {
        let rate = match p.shape {
            // The last day of a winding-down group is its last word.
            Shape::Declining if ago < 7 => {
                if ago == p.end || self.rng.random_bool(0.2) {
                    1.0
                } else {
                    0.0
                }
            }
            // The last days before silence thin out.
            Shape::Dormant | Shape::Dead if ago == p.end => 1.0,
            Shape::Dormant | Shape::Dead if ago < p.end + 10 => p.rate * 0.4,
            _ => p.rate,
        };
        let weekday = self
            .today
            .checked_sub(jiff::Span::new().days(ago))
            .map(|d| d.weekday().to_monday_one_offset())
            .unwrap_or(1);
        let weekend = if weekday >= 6 { 1.4 } else { 1.0 };
        if rate < 1.0 {
            return rate as u32;
        }
        // Most groups have quiet days; the liveliest have none, and are
        // the few a census finds active every day of the week.
        if p.rate < 8.5 && self.rng.random_bool(0.3) && ago != p.end {
            return 0;
        }
        let n = (rate * weekend * self.rng.random_range(0.3..1.7)).round() as u32;
        // A group's last day with a customer has one for sure.
        if ago == p.end { n.max(1) } else { n }
    }
}
