//! Census, health and survival over 10,000 groups × 365 days of rollups.
//!
//! `pond report groups` must answer in under a second on a shop with ten
//! million messages; this measures the pure part of that report on a
//! synthetic shop shaped like the operator's: a few lively groups, some
//! cooling down, many broadcast-only or long dead. Every group has a row for
//! each of the 365 days (a dense store); sender rows exist for days with
//! messages.
//!
//! `cargo bench -p pond-community --bench census`

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use pond_community::{
    Census, DayRollup, GroupHistory, KaplanMeier, Lifetime, SenderDay, Thresholds, health,
};

const GROUPS: usize = 10_000;
const DAYS: i64 = 365;
const STAFF: u64 = 1 << 40;
const AS_OF: Date = date(2024, 12, 31);

/// splitmix64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Customers posting on one day of one group: (sender, messages).
fn customers(rng: &mut Rng, pool: u64, count: u64, out: &mut Vec<(u64, u32, bool)>) {
    for _ in 0..count {
        let sender = rng.below(pool);
        let messages = 1 + u32::try_from(rng.below(6)).unwrap_or(0);
        out.push((sender, messages, false));
    }
}

/// One synthetic group: (first seen, history).
fn synthetic_group(rng: &mut Rng, first_day: Date) -> (Date, GroupHistory) {
    let profile = rng.below(100);
    let died_on = i64::try_from(rng.below(365)).unwrap_or(0);
    let members = 20 + u32::try_from(rng.below(400)).unwrap_or(0);
    let mut days = Vec::with_capacity(365);
    let mut senders = Vec::new();
    let mut today: Vec<(u64, u32, bool)> = Vec::new();
    for n in 0..DAYS {
        let day = first_day.checked_add(n.days()).unwrap_or(AS_OF);
        let from_end = DAYS - 1 - n;
        today.clear();
        match profile {
            // Lively: 5–20 customers a day, staff every day.
            0..3 => {
                let count = 5 + rng.below(16);
                customers(rng, 60, count, &mut today);
                today.push((STAFF, 3, true));
            }
            // Cooling down: lively until three weeks ago, then one or two.
            3..8 => {
                let count = if from_end > 20 {
                    5 + rng.below(16)
                } else {
                    1 + rng.below(2)
                };
                customers(rng, 60, count, &mut today);
                today.push((STAFF, 2, true));
            }
            // Occasional: a few customers on about a third of the days.
            8..20 => {
                if rng.chance(30) {
                    let count = 1 + rng.below(3);
                    customers(rng, 30, count, &mut today);
                }
            }
            // Broadcast: staff every day, a customer very rarely.
            20..40 => {
                today.push((STAFF, 1, true));
                if rng.chance(2) {
                    customers(rng, 200, 1, &mut today);
                }
            }
            // Died on a random day; staff still post weekly.
            _ => {
                if n < died_on && rng.chance(50) {
                    let count = 1 + rng.below(5);
                    customers(rng, 40, count, &mut today);
                }
                if n % 7 == 0 {
                    today.push((STAFF, 1, true));
                }
            }
        }
        today.sort_unstable_by_key(|&(sender, _, _)| sender);
        let mut row = DayRollup::quiet(day, members);
        let mut i = 0;
        while i < today.len() {
            let (sender, _, staff) = today[i];
            let mut messages = 0;
            while i < today.len() && today[i].0 == sender {
                messages += today[i].1;
                i += 1;
            }
            row.messages += messages;
            row.senders += 1;
            row.non_staff_senders += u32::from(!staff);
            senders.push(SenderDay {
                day,
                sender_id: sender,
                messages,
                staff,
            });
        }
        days.push(row);
    }
    let history = GroupHistory::new(days, senders).unwrap_or_default();
    (first_day, history)
}

fn synthetic_shop() -> Vec<(Date, GroupHistory)> {
    let first_day = AS_OF.checked_sub((DAYS - 1).days()).unwrap_or(AS_OF);
    let mut rng = Rng(2024);
    (0..GROUPS)
        .map(|_| synthetic_group(&mut rng, first_day))
        .collect()
}

fn census(c: &mut Criterion) {
    let started = Instant::now();
    let shop = synthetic_shop();
    let day_rows: usize = shop.iter().map(|(_, h)| h.days().len()).sum();
    let sender_rows: usize = shop.iter().map(|(_, h)| h.senders().len()).sum();
    let messages: u64 = shop
        .iter()
        .flat_map(|(_, h)| h.days())
        .map(|d| u64::from(d.messages))
        .sum();
    let thresholds = Thresholds::default();
    let result = Census::tally(shop.iter().map(|(f, h)| (*f, h)), AS_OF, &thresholds);
    eprintln!(
        "synthetic shop: {GROUPS} groups, {day_rows} day rows, {sender_rows} sender rows, \
         {messages} messages, built in {:.2} s\n{result:?}",
        started.elapsed().as_secs_f64()
    );

    let mut group = c.benchmark_group("10k_groups_365_days");
    group.sample_size(20);
    group.bench_function("census", |b| {
        b.iter(|| {
            Census::tally(
                shop.iter().map(|(f, h)| (*f, h)),
                black_box(AS_OF),
                &thresholds,
            )
        })
    });
    group.bench_function("health_every_group", |b| {
        b.iter(|| {
            shop.iter()
                .map(|(_, h)| health(h, black_box(AS_OF)))
                .filter(|h| h.active_every_day_last_7)
                .count()
        })
    });
    group.bench_function("survival_curve", |b| {
        b.iter(|| {
            KaplanMeier::fit(
                shop.iter()
                    .filter_map(|(f, h)| Lifetime::of(*f, h, black_box(AS_OF), 30)),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, census);
criterion_main!(benches);
