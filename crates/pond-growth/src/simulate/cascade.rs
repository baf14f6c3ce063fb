//! Independent cascade over a friendship graph (Kempe, Kleinberg, Tardos
//! 2003): each newly joined member gets one chance to ask each friend who is
//! not yet a member.

use super::accumulate::{Layout, RunRecorder, run_parallel};
use super::fastrng::Xoshiro256PlusPlus;
use super::members::{Members, Scratch, with_scratch};
use super::offspring::binomial;
use super::{CampaignParams, ONE_SIDED_CONVERSION_FACTOR, SimulationResult};
use super::{run_rng, takeoff_size, validate_common};
use crate::error::{GrowthError, check_range};
use crate::graph::Graph;

/// Simulates the campaign as an independent cascade over `graph`.
///
/// Each run starts from `seed_members` (the same members every run, as in
/// influence maximisation) or, when `None`, from `params.seeds` distinct
/// members drawn at random per run. Then, cycle by cycle (one per
/// `cycle_days`, up to the horizon), every member who joined in the previous
/// cycle goes through their friends in adjacency order, skipping those who
/// were already members when the cycle began: each is asked with
/// probability `ask_rate`, and an asked friend joins with probability
/// `conversion · (1 − trust_decay_per_ask)^j` (`j` = the asker's earlier
/// asks; times [`ONE_SIDED_CONVERSION_FACTOR`] when one-sided), until the
/// asker has brought in `inviter_cap` friends. These are the standard steps
/// of an independent cascade: a friend two members convert in the same cycle
/// joins once, credited to the one processed first, and both asks count in
/// `trust_spent` (neither asker could know the other's ask had landed).
///
/// Fields read differently from [`super::simulate_campaign`]:
/// - `ask_rate` is a probability per friend (`[0, 1]`), not a mean count;
/// - `k`, when given, replaces `conversion` by
///   `k / (ask_rate · mean out-degree)`, which makes the expected number of
///   friends each member brings about `k` while the graph is fresh;
/// - `market_size` is ignored: the graph is the market;
/// - the market for the take-off size of
///   [`SimulationResult::extinction_probability`] is the graph's member
///   count.
///
/// # Errors
/// Those of [`super::simulate_campaign`] (except `market_size`), and
/// [`GrowthError::InvalidParameter`] naming `ask_rate` (outside `[0, 1]`),
/// `k` (implying a conversion above 1, or positive on a graph without
/// arcs or with `ask_rate = 0`), `seeds` (more than the graph's members,
/// or different from `seed_members.len()`) or `seed_members` (a member not
/// in the graph, or listed twice).
pub fn simulate_on_graph(
    graph: &Graph,
    params: &CampaignParams,
    seed_members: Option<&[u32]>,
) -> Result<SimulationResult, GrowthError> {
    let cascade = Cascade::new(graph, params, seed_members)?;
    let layout = Layout::new(cascade.generations, params.cycle_days);
    let acc = run_parallel(params.runs, &layout, |run, acc| {
        with_scratch(graph.node_count(), |scratch| {
            cascade.run(run, scratch, &mut acc.run(&layout));
        });
    });
    Ok(acc.into_result(&layout, params.seeds))
}

/// Validated cascade parameters.
struct Cascade<'a> {
    graph: &'a Graph,
    fixed_seeds: Option<&'a [u32]>,
    seeds: u64,
    ask: f64,
    conversion: f64,
    keep: f64,
    cap: Option<u32>,
    generations: u32,
    takeoff: u64,
    rng_seed: u64,
}

impl<'a> Cascade<'a> {
    fn new(
        graph: &'a Graph,
        p: &CampaignParams,
        seed_members: Option<&'a [u32]>,
    ) -> Result<Self, GrowthError> {
        let generations = validate_common(p)?;
        let ask = check_range("ask_rate", p.ask_rate, 0.0, 1.0)?;
        let nodes = graph.node_count();
        let mut conversion = match p.k {
            Some(k) if k > 0.0 => {
                let asks_per_member = ask * graph.mean_out_degree();
                if asks_per_member <= 0.0 {
                    return Err(GrowthError::invalid(
                        "k",
                        "cannot be reached: nobody asks anyone (ask_rate = 0 or no arcs)",
                    ));
                }
                let c = k / asks_per_member;
                if c > 1.0 {
                    return Err(GrowthError::invalid(
                        "k",
                        format!(
                            "implies a conversion per ask of {c} > 1 (ask_rate × mean degree = {asks_per_member})"
                        ),
                    ));
                }
                c
            }
            Some(_) => 0.0,
            None => p.conversion,
        };
        if !p.two_sided {
            conversion *= ONE_SIDED_CONVERSION_FACTOR;
        }
        if let Some(list) = seed_members {
            if list.len() as u64 != p.seeds {
                return Err(GrowthError::invalid(
                    "seeds",
                    format!("is {} but seed_members lists {}", p.seeds, list.len()),
                ));
            }
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            if let Some(&bad) = sorted.iter().find(|&&v| v >= nodes) {
                return Err(GrowthError::invalid(
                    "seed_members",
                    format!("member {bad} is not in the graph ({nodes} members)"),
                ));
            }
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(GrowthError::invalid(
                    "seed_members",
                    format!("member {} is listed twice", w[0]),
                ));
            }
        } else if p.seeds > u64::from(nodes) {
            return Err(GrowthError::invalid(
                "seeds",
                format!("{} seeds but the graph has {nodes} members", p.seeds),
            ));
        }
        Ok(Self {
            graph,
            fixed_seeds: seed_members,
            seeds: p.seeds,
            ask,
            conversion,
            keep: 1.0 - p.trust_decay_per_ask,
            cap: p.inviter_cap,
            generations,
            takeoff: takeoff_size(p.seeds, u64::from(nodes)),
            rng_seed: p.rng_seed,
        })
    }

    fn run(&self, run: u64, scratch: &mut Scratch, rec: &mut RunRecorder<'_>) {
        let mut rng = run_rng(self.rng_seed, run);
        let mut draw_rng = Xoshiro256PlusPlus::from_rng(&mut rng);
        let Scratch {
            joined,
            pending,
            order,
            rows,
            friends,
            draws,
        } = scratch;
        let mut members = Members {
            joined,
            pending,
            order,
            len: 0,
        };
        // The seeds are cycle 0.
        match self.fixed_seeds {
            Some(list) => list.iter().for_each(|&v| {
                members.convert(v);
            }),
            None => {
                let picks = rand::seq::index::sample(
                    &mut rng,
                    self.graph.node_count() as usize,
                    self.seeds as usize,
                );
                picks.iter().for_each(|v| {
                    members.convert(v as u32);
                });
            }
        }
        members.end_cycle(0);
        rec.generation(0, members.len as u64, members.len as u64);

        let mut asks = 0_u64;
        let (mut start, mut end) = (0, members.len);
        let mut g = 0;
        while g < self.generations && start < end {
            g += 1;
            if self.cap != Some(0) && self.ask > 0.0 {
                asks += self.ask_generation(
                    start..end,
                    &mut members,
                    rows,
                    friends,
                    draws,
                    &mut draw_rng,
                );
            }
            members.end_cycle(end);
            start = end;
            end = members.len;
            rec.generation(g, (end - start) as u64, end as u64);
        }
        let total = members.len as u64;
        rec.finish(
            total,
            u128::from(asks),
            start == end && total < self.takeoff,
        );
        members.clear();
    }
}

/// Inviters whose adjacency rows are fetched together. The fetch loops are
/// tiny, so the CPU keeps dozens of cache misses in flight; 256 rows
/// (about 32 KB of targets at degree 10) still fit in L1/L2 until they are
/// processed.
const ROW_BATCH: usize = 256;

/// Below this per-friend conversion probability (`ask × conversion`) a
/// uniform batch jumps from conversion to conversion instead of drawing for
/// every friend: a jump costs a logarithm, which measured break-even with
/// the branch-free loop around 0.12, so jumping pays from about 0.1 down.
const SKIP_BELOW: f64 = 0.1;

/// Friends skipped before the next success of a Bernoulli trial with
/// `ln(1 − p) = ln_miss`: `⌊ln U / ln(1 − p)⌋`, geometric on {0, 1, …}.
fn geometric_gap(rng: &mut Xoshiro256PlusPlus, ln_miss: f64) -> usize {
    // U uniform on (0, 1]: never 0, so ln U is finite.
    let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / 9_007_199_254_740_992.0);
    // The ratio is non-negative, so truncation is the floor; `as` also
    // saturates, so an astronomically long gap just ends the batch.
    (u.ln() / ln_miss) as usize
}

/// Probabilities are compared against 32-bit uniforms: `u < p · 2^32`.
/// The rounding (at most 2^-32 per comparison) is far below Monte Carlo
/// noise, and a 32-bit draw costs half a 64-bit one.
const SCALE_32: f64 = 4_294_967_296.0;

/// The batch loop of [`Cascade::ask_generation`] when no inviter can reach
/// the cap and trust does not decay: every friend in `friends` (inviters'
/// rows end to end) is handled identically, so one flat loop does it.
///
/// "Was a member" and "asked" are coin flips to the branch predictor, so
/// they are computed as values: a draw is wasted on friends who are members
/// (they are never invited), which is cheaper than a misprediction. Only
/// the conversion (about `ask × conversion` of friends) takes a branch.
fn ask_flat(
    friends: &[u32],
    draws: &[u32],
    members: &mut Members<'_>,
    ask: u64,
    convert: u64,
) -> u64 {
    let mut asks = 0_u64;
    for (&friend, &u) in friends.iter().zip(draws) {
        let free = !members.was_member(friend);
        let u = u64::from(u);
        asks += u64::from(free & (u < ask));
        if free & (u < convert) {
            members.convert(friend);
        }
    }
    asks
}

impl Cascade<'_> {
    /// Lets the members `order[range]` (one generation) ask their friends;
    /// new members are appended. Returns the number of asks.
    ///
    /// On a large graph the time goes to cache misses on the inviters'
    /// adjacency rows and to mispredicted branches. Rows are therefore
    /// handled in batches: first all row bounds, then a touch of every row
    /// and a copy of the rows end to end (loops of independent loads the CPU
    /// overlaps: software prefetching without `unsafe` intrinsics), then the
    /// asking. When no inviter in the batch can reach the cap and trust does
    /// not decay, every friend faces the same odds and the batch is sampled
    /// in one loop: jumping between conversions when they are rare
    /// ([`Self::ask_skipping`]), else branch-free ([`ask_flat`], which
    /// consumes draws exactly like the ask-by-ask path and so gives
    /// identical results).
    fn ask_generation(
        &self,
        range: std::ops::Range<usize>,
        members: &mut Members<'_>,
        rows: &mut Vec<(u32, u32)>,
        friends: &mut Vec<u32>,
        draws: &mut Vec<u32>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> u64 {
        let targets = self.graph.targets();
        let offsets = self.graph.offsets();
        let ask = (self.ask * SCALE_32) as u64;
        let convert = (self.ask * self.conversion * SCALE_32) as u64;
        let mut asks = 0_u64;
        let (mut i, end) = (range.start, range.end);
        while i < end {
            let batch_end = (i + ROW_BATCH).min(end);
            rows.clear();
            let inviters = members.order.get(i..batch_end).unwrap_or(&[]);
            rows.extend(inviters.iter().map(|&inviter| {
                let v = inviter as usize;
                match (offsets.get(v), offsets.get(v + 1)) {
                    (Some(&a), Some(&b)) => (a, b),
                    _ => (0, 0),
                }
            }));
            // Touch each row's first and last entry: a tight loop of
            // independent loads, so many misses are in flight at once; the
            // copy below then hits the cache.
            let mut touched = 0_u32;
            for &(a, b) in rows.iter() {
                if a < b {
                    touched ^= targets.get(a as usize).copied().unwrap_or(0)
                        ^ targets.get(b as usize - 1).copied().unwrap_or(0);
                }
            }
            std::hint::black_box(touched);
            friends.clear();
            for &(a, b) in rows.iter() {
                friends.extend_from_slice(targets.get(a as usize..b as usize).unwrap_or(&[]));
            }
            let cap_cannot_bind = |&(a, b): &(u32, u32)| self.cap.is_none_or(|cap| b - a <= cap);
            let uniform_batch = self.keep == 1.0 && rows.iter().all(cap_cannot_bind);
            if uniform_batch && self.ask * self.conversion < SKIP_BELOW {
                asks += self.ask_skipping(friends, members, rng);
                i = batch_end;
                continue;
            }
            // One bulk fill is cheaper than a call per draw. The buffer only
            // grows, so no batch pays for zeroing memory it overwrites.
            if draws.len() < friends.len() {
                draws.resize(friends.len(), 0);
            }
            let draws = draws.get_mut(..friends.len()).unwrap_or_default();
            rng.fill_u32(draws);
            if uniform_batch {
                asks += ask_flat(friends, draws, members, ask, convert);
            } else {
                let mut from = 0_usize;
                for &(a, b) in rows.iter() {
                    let to = from + (b - a) as usize;
                    let row = friends.get(from..to).unwrap_or(&[]);
                    let row_draws = draws.get(from..to).unwrap_or(&[]);
                    asks += self.ask_friends(row, row_draws, members);
                    from = to;
                }
            }
            i = batch_end;
        }
        asks
    }

    /// The batch when every friend faces the same odds (no binding cap, no
    /// decay) and conversions are rare: instead of a draw per friend, jump
    /// straight to the next friend whose ask converts (the gap is geometric
    /// with `p = ask × conversion`), and draw the number of other asks in one
    /// binomial. Per friend not yet a member the outcomes are still
    /// independent: converted with probability `p`, asked but not converted
    /// with `ask − p`, so this is the same model sampled with far fewer
    /// draws; only the membership check remains per friend.
    fn ask_skipping(
        &self,
        friends: &[u32],
        members: &mut Members<'_>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> u64 {
        let p = self.ask * self.conversion;
        // Friends not yet members at the start of the cycle: the only ones
        // asked. Counted without branches.
        let free = friends
            .iter()
            .map(|&f| u64::from(!members.was_member(f)))
            .sum::<u64>();
        let mut converted = 0_u64;
        if p > 0.0 {
            let ln_miss = (-p).ln_1p();
            let mut i = geometric_gap(rng, ln_miss);
            while let Some(&friend) = friends.get(i) {
                if !members.was_member(friend) {
                    converted += 1;
                    members.convert(friend);
                }
                i = i
                    .saturating_add(1)
                    .saturating_add(geometric_gap(rng, ln_miss));
            }
        }
        // Asked but not converted, given not converted: (ask − p) / (1 − p).
        let others = binomial(
            rng,
            free.saturating_sub(converted),
            (self.ask - p) / (1.0 - p),
        );
        converted + others
    }

    /// One inviter asks `friends` in order, stopping at the cap, with trust
    /// decaying per ask; returns the number of asks. Consumes one draw per
    /// friend from `draws`, like the batch loop in [`Self::ask_generation`].
    fn ask_friends(&self, friends: &[u32], draws: &[u32], members: &mut Members<'_>) -> u64 {
        // One uniform decides both steps: asked iff u < ask, and given that
        // (u uniform below ask), converted iff u < ask · p, i.e. with
        // probability p.
        let ask = (self.ask * SCALE_32) as u64;
        let mut convert_p = self.ask * self.conversion;
        let (mut asks, mut converts) = (0_u64, 0_u32);
        for (&friend, &u) in friends.iter().zip(draws) {
            let free = !members.was_member(friend);
            let u = u64::from(u);
            let asked = free & (u < ask);
            asks += u64::from(asked);
            // Only a friend this ask actually brings in counts toward the
            // cap: one converted earlier this cycle by someone else does not.
            if free && u < (convert_p * SCALE_32) as u64 && members.convert(friend) {
                converts += 1;
                if self.cap == Some(converts) {
                    break;
                }
            }
            if asked {
                convert_p *= self.keep;
            }
        }
        asks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The flat batch loop and the per-inviter loop must agree whenever the
    /// cap cannot bind and trust does not decay.
    #[test]
    fn flat_and_per_inviter_paths_agree() {
        let graph = Graph::synthetic(2_000, 8.0, 1).unwrap();
        let params = CampaignParams {
            seeds: 1,
            ask_rate: 0.6,
            conversion: 0.3,
            k: None,
            trust_decay_per_ask: 0.0,
            two_sided: true,
            inviter_cap: None,
            cycle_days: 1.0,
            market_size: None,
            horizon_days: 1.0,
            runs: 1,
            rng_seed: 0,
        };
        let cascade = Cascade::new(&graph, &params, None).unwrap();
        let words = 2_000_usize.div_ceil(64);
        let mut rng = Xoshiro256PlusPlus::from_rng(&mut ChaCha8Rng::seed_from_u64(4));
        let inviters: Vec<u32> = (0..300).map(|i| i * 5).collect();
        let friends: Vec<u32> = inviters
            .iter()
            .flat_map(|&v| graph.neighbors(v).iter().copied())
            .collect();
        let mut draws = vec![0_u32; friends.len()];
        rng.fill_u32(&mut draws);

        let mut outcomes = Vec::new();
        for flat in [true, false] {
            let (mut joined, mut pending) = (vec![0_u64; words], vec![0_u64; words]);
            let mut order = vec![0_u32; 2_000];
            // Some friends are members already.
            for v in (0..2_000).step_by(7) {
                joined[v >> 6] |= 1 << (v & 63);
            }
            let mut members = Members {
                joined: &mut joined,
                pending: &mut pending,
                order: &mut order,
                len: 0,
            };
            let ask = (cascade.ask * SCALE_32) as u64;
            let convert = (cascade.ask * cascade.conversion * SCALE_32) as u64;
            let asks = if flat {
                ask_flat(&friends, &draws, &mut members, ask, convert)
            } else {
                let mut from = 0;
                let mut asks = 0;
                for &v in &inviters {
                    let to = from + graph.neighbors(v).len();
                    asks += cascade.ask_friends(&friends[from..to], &draws[from..to], &mut members);
                    from = to;
                }
                asks
            };
            let joined_now = members.order[..members.len].to_vec();
            outcomes.push((asks, joined_now));
        }
        assert!(outcomes[0].0 > 0 && !outcomes[0].1.is_empty());
        assert_eq!(outcomes[0], outcomes[1]);
    }
}
