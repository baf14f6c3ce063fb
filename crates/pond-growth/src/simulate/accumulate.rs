//! Order-independent aggregation of Monte Carlo runs.
//!
//! Every statistic is kept as an integer (sums in `u128`, histogram counts in
//! `u64`), so merging partial results is exact and associative: rayon may
//! split the runs however it likes and the final [`SimulationResult`] is
//! bit-for-bit the same for any thread count. Floating-point sums would not
//! be (addition order changes the rounding).
//!
//! Memory stays bounded whatever `runs` is: quantiles come from a log-linear
//! histogram instead of storing every run's trajectory.

use rayon::prelude::*;

use super::{CurvePoint, SimulationResult};

/// Most points a growth curve carries; longer horizons are sampled evenly
/// (first and last generation always included). 512 points is finer than
/// any chart a shop will look at.
pub const MAX_CURVE_POINTS: usize = 512;

/// Values below this are counted exactly in the histogram.
const EXACT_BUCKETS: u64 = 256;
/// Log-linear sub-buckets per power of two above [`EXACT_BUCKETS`]:
/// 128 gives a relative bucket width under 0.8 %.
const SUB_BUCKET_BITS: u32 = 7;

/// Which generations are sampled into the growth curve, and when they are.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Last generation the horizon allows (generation 0 = the seeds).
    pub generations: u32,
    /// Strictly increasing generation indices, first 0 and last `generations`.
    pub curve_generations: Vec<u32>,
    /// Days per generation.
    pub cycle_days: f64,
}

impl Layout {
    pub fn new(generations: u32, cycle_days: f64) -> Self {
        let all = generations as usize + 1;
        let curve_generations = if all <= MAX_CURVE_POINTS {
            (0..=generations).collect()
        } else {
            // floor(i·G/(P−1)) is strictly increasing because G ≥ P − 1.
            let last = (MAX_CURVE_POINTS - 1) as u64;
            (0..=last)
                .map(|i| (i * u64::from(generations) / last) as u32)
                .collect()
        };
        Self {
            generations,
            curve_generations,
            cycle_days,
        }
    }
}

/// A histogram exact below 256 and log-linear (7 mantissa bits) above, over
/// the full `u64` range, grown lazily so that small populations cost little.
///
/// The smallest and largest values seen are kept too, so a reported
/// quantile never lies outside the observed range (a bucket midpoint could,
/// e.g. 501 when a market of 500 caps every run).
#[derive(Debug, Clone)]
struct LogHistogram {
    counts: Vec<u64>,
    min: u64,
    max: u64,
}

impl Default for LogHistogram {
    fn default() -> Self {
        Self {
            counts: Vec::new(),
            min: u64::MAX,
            max: 0,
        }
    }
}

impl LogHistogram {
    fn bucket(value: u64) -> usize {
        if value < EXACT_BUCKETS {
            return value as usize;
        }
        let exponent = 63 - value.leading_zeros(); // ≥ 8
        let mantissa = (value >> (exponent - SUB_BUCKET_BITS)) & ((1 << SUB_BUCKET_BITS) - 1);
        (EXACT_BUCKETS + u64::from(exponent - 8) * (1 << SUB_BUCKET_BITS) + mantissa) as usize
    }

    /// A representative value of a bucket: exact below 256, the bucket's
    /// midpoint above (so the error is at most half a bucket, < 0.4 %).
    fn representative(bucket: usize) -> f64 {
        let b = bucket as u64;
        if b < EXACT_BUCKETS {
            return b as f64;
        }
        let above = b - EXACT_BUCKETS;
        let exponent = (above >> SUB_BUCKET_BITS) + 8;
        let mantissa = above & ((1 << SUB_BUCKET_BITS) - 1);
        let shift = exponent - u64::from(SUB_BUCKET_BITS);
        let low = ((1_u64 << SUB_BUCKET_BITS) + mantissa) as f64 * (shift as f64).exp2();
        low + 0.5 * (shift as f64).exp2()
    }

    fn add(&mut self, value: u64) {
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        let b = Self::bucket(value);
        if self.counts.len() <= b {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
    }

    fn merge(&mut self, other: &Self) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    /// Nearest-rank quantile: the smallest value with at least `⌈q·n⌉` of
    /// the `n` observations at or below it.
    fn quantile(&self, q: f64, n: u64) -> f64 {
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n.max(1));
        let mut seen = 0_u64;
        for (bucket, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                // Clamping is monotone in all three arguments, so curves of
                // quantiles stay non-decreasing.
                return Self::representative(bucket).clamp(self.min as f64, self.max as f64);
            }
        }
        0.0
    }
}

/// Running totals over any number of runs.
#[derive(Debug, Clone)]
pub(crate) struct Accumulator {
    runs: u64,
    extinct: u64,
    total_sum: u128,
    asks_sum: u128,
    generation_sums: Vec<u128>,
    curve_sums: Vec<u128>,
    curve_histograms: Vec<LogHistogram>,
}

impl Accumulator {
    fn new(points: usize) -> Self {
        Self {
            runs: 0,
            extinct: 0,
            total_sum: 0,
            asks_sum: 0,
            generation_sums: Vec::new(),
            curve_sums: vec![0; points],
            curve_histograms: vec![LogHistogram::default(); points],
        }
    }

    fn merge(mut self, other: Self) -> Self {
        self.runs += other.runs;
        self.extinct += other.extinct;
        self.total_sum += other.total_sum;
        self.asks_sum += other.asks_sum;
        if self.generation_sums.len() < other.generation_sums.len() {
            self.generation_sums.resize(other.generation_sums.len(), 0);
        }
        for (mine, theirs) in self.generation_sums.iter_mut().zip(&other.generation_sums) {
            *mine += theirs;
        }
        for (mine, theirs) in self.curve_sums.iter_mut().zip(&other.curve_sums) {
            *mine += theirs;
        }
        for (mine, theirs) in self
            .curve_histograms
            .iter_mut()
            .zip(&other.curve_histograms)
        {
            mine.merge(theirs);
        }
        self
    }

    /// Starts recording one run.
    pub fn run<'a>(&'a mut self, layout: &'a Layout) -> RunRecorder<'a> {
        RunRecorder {
            acc: self,
            layout,
            next_point: 0,
        }
    }

    pub fn into_result(self, layout: &Layout, seeds: u64) -> SimulationResult {
        let runs = self.runs.max(1) as f64;
        let mean = |sum: u128| sum as f64 / runs;
        let growth_curve = layout
            .curve_generations
            .iter()
            .zip(self.curve_sums.iter().zip(&self.curve_histograms))
            .map(|(&g, (&sum, hist))| CurvePoint {
                day: f64::from(g) * layout.cycle_days,
                mean: mean(sum),
                p05: hist.quantile(0.05, self.runs),
                p95: hist.quantile(0.95, self.runs),
            })
            .collect();
        let mut generation_sizes: Vec<f64> =
            self.generation_sums.iter().map(|&s| mean(s)).collect();
        generation_sizes.resize(layout.generations as usize + 1, 0.0);
        SimulationResult {
            mean_total: mean(self.total_sum),
            mean_total_per_seed: mean(self.total_sum) / seeds.max(1) as f64,
            extinction_probability: self.extinct as f64 / runs,
            growth_curve,
            generation_sizes,
            trust_spent: mean(self.asks_sum),
            runs: u32::try_from(self.runs).unwrap_or(u32::MAX),
        }
    }
}

/// Records one run into an [`Accumulator`]; generations must be reported in
/// increasing order, each with the run's cumulative total after it.
pub(crate) struct RunRecorder<'a> {
    acc: &'a mut Accumulator,
    layout: &'a Layout,
    next_point: usize,
}

impl RunRecorder<'_> {
    /// Generation `g` added `size` members, bringing the run to `total`.
    pub fn generation(&mut self, g: u32, size: u64, total: u64) {
        let sums = &mut self.acc.generation_sums;
        let g = g as usize;
        if sums.len() <= g {
            sums.resize(g + 1, 0);
        }
        sums[g] += u128::from(size);
        if self.layout.curve_generations.get(self.next_point) == Some(&(g as u32)) {
            self.point(total);
        }
    }

    fn point(&mut self, total: u64) {
        let i = self.next_point;
        if let (Some(sum), Some(hist)) = (
            self.acc.curve_sums.get_mut(i),
            self.acc.curve_histograms.get_mut(i),
        ) {
            *sum += u128::from(total);
            hist.add(total);
        }
        self.next_point += 1;
    }

    /// Closes the run: curve points after the run stopped keep its final
    /// total (a finished cascade stays at its size).
    pub fn finish(&mut self, total: u64, asks: u128, extinct: bool) {
        while self.next_point < self.layout.curve_generations.len() {
            self.point(total);
        }
        self.acc.runs += 1;
        self.acc.total_sum += u128::from(total);
        self.acc.asks_sum += asks;
        self.acc.extinct += u64::from(extinct);
    }
}

/// Runs `run(index, accumulator)` for every index in `0..runs` on the rayon
/// pool and merges the partial accumulators (exactly; see module docs).
pub(crate) fn run_parallel(
    runs: u32,
    layout: &Layout,
    run: impl Fn(u64, &mut Accumulator) + Sync + Send,
) -> Accumulator {
    let points = layout.curve_generations.len();
    (0..runs)
        .into_par_iter()
        .fold(
            || Accumulator::new(points),
            |mut acc, r| {
                run(u64::from(r), &mut acc);
                acc
            },
        )
        .reduce(|| Accumulator::new(points), Accumulator::merge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_monotone_and_tight() {
        let mut last = 0;
        for v in (0..5_000_u64).chain([1 << 40, u64::MAX]) {
            let b = LogHistogram::bucket(v);
            assert!(b >= last);
            last = b;
            let rep = LogHistogram::representative(b);
            let err = (rep - v as f64).abs() / (v as f64).max(1.0);
            assert!(err <= 0.004 + 1e-12, "v = {v}, rep = {rep}");
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut h = LogHistogram::default();
        for v in 1..=100 {
            h.add(v);
        }
        assert_eq!(h.quantile(0.05, 100), 5.0);
        assert_eq!(h.quantile(0.95, 100), 95.0);
        assert_eq!(h.quantile(0.0, 100), 1.0);
    }

    #[test]
    fn long_horizons_are_sampled() {
        let layout = Layout::new(10_000, 1.0);
        let g = &layout.curve_generations;
        assert_eq!(g.len(), MAX_CURVE_POINTS);
        assert_eq!((g[0], g[g.len() - 1]), (0, 10_000));
        assert!(g.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Layout::new(3, 1.0).curve_generations, vec![0, 1, 2, 3]);
    }
}
