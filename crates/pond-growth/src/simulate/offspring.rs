//! How many people one generation of members brings in, and how many asks
//! that costs.
//!
//! Per member: the number of invites intended is Poisson(`asks_mean`); the
//! `j`-th ask (from 0) converts with probability `conversion · (1 − decay)^j`
//! (each ask spends some of the asker's credit with friends, DOMAIN.md §1);
//! a member who reaches the inviter cap stops asking.
//!
//! A generation of `n` members is sampled one of three ways, all with the
//! same distribution up to the CLT approximation in the last:
//! - no cap and no decay: Poisson splitting makes the generation's converts
//!   and unconverted asks two independent Poisson draws — exact and O(1)
//!   whatever `n`;
//! - otherwise, `n ≤ EXACT_MEMBER_LIMIT` (512): member by member, ask by ask;
//! - otherwise: a bivariate normal with the exact per-member mean and
//!   covariance (computed once by dynamic programming) scaled by `n`, so a
//!   run that has exploded costs O(1) per generation instead of O(members).

use rand::Rng;
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};

/// Above this many members in a generation the capped or decaying model is
/// sampled by the central limit theorem. A member's (converts, asks) has
/// small skewness (its converts are bounded by the cap or thinned by
/// decay), so the skewness of a sum of 512, which shrinks as 1/√n, is a
/// few hundredths: far below the Monte Carlo noise of the percentiles it
/// feeds, and the means are exact either way.
pub const EXACT_MEMBER_LIMIT: u64 = 512;

/// Poisson means above this are drawn from the normal approximation; the
/// relative standard deviation there is 1e-6, and `rand_distr` refuses
/// means above ~1.8e19.
const NORMAL_POISSON_MEAN: f64 = 1e12;

/// Mean and covariance of one member's (converts, asks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    pub mean_converts: f64,
    pub var_converts: f64,
    pub mean_asks: f64,
    pub var_asks: f64,
    pub covariance: f64,
}

/// One member's asking behaviour; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct OffspringModel {
    asks_mean: f64,
    /// Poisson(`asks_mean`) built once: its constructor computes
    /// `e^{−asks_mean}`, too costly to repeat for every member.
    intended_asks: Option<Poisson<f64>>,
    conversion: f64,
    decay: f64,
    cap: Option<u32>,
    moments: Moments,
}

impl OffspringModel {
    /// Callers have validated: `asks_mean` finite in `[0, MAX]`,
    /// `conversion` and `decay` in `[0, 1]`.
    pub fn new(asks_mean: f64, conversion: f64, decay: f64, cap: Option<u32>) -> Self {
        let moments = moments(asks_mean, conversion, decay, cap);
        Self {
            asks_mean,
            intended_asks: Poisson::new(asks_mean).ok(),
            conversion,
            decay,
            cap,
            moments,
        }
    }

    /// The exact per-member moments (unlimited market).
    pub fn moments(&self) -> Moments {
        self.moments
    }

    fn simple(&self) -> bool {
        self.decay == 0.0 && self.cap.is_none()
    }

    /// Converts and asks of a generation of `n` members.
    pub fn sample_generation<R: Rng + ?Sized>(&self, n: u64, rng: &mut R) -> (u64, u64) {
        if n == 0 || self.asks_mean == 0.0 || self.cap == Some(0) {
            return (0, 0);
        }
        let n_f = n as f64;
        if self.simple() {
            let converts = poisson(rng, n_f * self.asks_mean * self.conversion);
            let misses = poisson(rng, n_f * self.asks_mean * (1.0 - self.conversion));
            return (converts, converts.saturating_add(misses));
        }
        if n <= EXACT_MEMBER_LIMIT {
            let (mut converts, mut asks) = (0_u64, 0_u64);
            for _ in 0..n {
                let (c, a) = self.sample_member(rng);
                converts += c;
                asks += a;
            }
            return (converts, asks);
        }
        self.sample_normal(n_f, rng)
    }

    fn sample_member<R: Rng + ?Sized>(&self, rng: &mut R) -> (u64, u64) {
        let intended = self
            .intended_asks
            .as_ref()
            .map_or(0, |d| d.sample(rng) as u64);
        let keep = 1.0 - self.decay;
        let mut p = self.conversion;
        let mut converts = 0_u64;
        for asked in 1..=intended {
            if p <= 0.0 {
                // Trust is spent: the rest of the asks cannot convert.
                return (converts, intended);
            }
            if rng.random::<f64>() < p {
                converts += 1;
                if self.cap.is_some_and(|cap| converts >= u64::from(cap)) {
                    return (converts, asked);
                }
            }
            p *= keep;
        }
        (converts, intended)
    }

    fn sample_normal<R: Rng + ?Sized>(&self, n: f64, rng: &mut R) -> (u64, u64) {
        let m = &self.moments;
        let z1: f64 = StandardNormal.sample(rng);
        let z2: f64 = StandardNormal.sample(rng);
        // Cholesky factor of n·Σ for the pair (converts, asks).
        let sd_c = (n * m.var_converts).max(0.0).sqrt();
        let (a21, a22) = if m.var_converts > 0.0 {
            let a21 = n * m.covariance / sd_c;
            (a21, (n * m.var_asks - a21 * a21).max(0.0).sqrt())
        } else {
            (0.0, (n * m.var_asks).max(0.0).sqrt())
        };
        // No member brings in more than the cap.
        let most = self.cap.map_or(f64::INFINITY, |cap| n * f64::from(cap));
        let converts = (n * m.mean_converts + sd_c * z1).round().clamp(0.0, most);
        let asks = (n * m.mean_asks + a21 * z1 + a22 * z2)
            .round()
            .max(converts);
        // `as` saturates, so even an absurd draw cannot wrap around.
        (converts as u64, asks as u64)
    }
}

/// Poisson(`mean`) as a count; 0 for a non-positive or NaN mean.
pub(crate) fn poisson<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean > NORMAL_POISSON_MEAN {
        let z: f64 = StandardNormal.sample(rng);
        return (mean + mean.sqrt() * z).round().max(0.0) as u64;
    }
    Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64)
}

/// Binomial(`n`, `p`) with `p` clamped to `[0, 1]`.
pub(crate) fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map_or(0, |d| d.sample(rng))
}

/// Exact per-member moments of (converts, asks) by dynamic programming over
/// the ask sequence (see module docs for the model).
///
/// `g[s]` is the probability that, were the member to keep asking, the first
/// `t` asks hold `s` converts without having hit the cap. The member stops
/// either because they intended exactly `t` asks (probability `pmf[t]`,
/// independent of the outcomes) or because ask `t + 1` reached the cap
/// (needs at least `t + 1` intended asks: `tail[t + 1]`). Cost is
/// O(J · min(J, cap)) with `J ≈ asks_mean + 12·√asks_mean + 30`: done once
/// per simulation.
pub(crate) fn moments(asks_mean: f64, conversion: f64, decay: f64, cap: Option<u32>) -> Moments {
    let zero = Moments {
        mean_converts: 0.0,
        var_converts: 0.0,
        mean_asks: 0.0,
        var_asks: 0.0,
        covariance: 0.0,
    };
    if asks_mean.is_nan() || asks_mean <= 0.0 || cap == Some(0) {
        return zero;
    }
    if decay == 0.0 && cap.is_none() {
        // Thinned Poisson: converts ~ Poisson(λc), asks ~ Poisson(λ),
        // Cov = Var(converts) since asks = converts + independent misses.
        let c = asks_mean * conversion;
        return Moments {
            mean_converts: c,
            var_converts: c,
            mean_asks: asks_mean,
            var_asks: asks_mean,
            covariance: c,
        };
    }
    let horizon = (asks_mean + 12.0 * asks_mean.sqrt() + 30.0).ceil() as usize;
    // Poisson pmf in log space: e^{−λ} underflows for λ > ~745.
    let ln_mean = asks_mean.ln();
    let mut ln_p = -asks_mean;
    let mut pmf = Vec::with_capacity(horizon + 2);
    for t in 0..=horizon + 1 {
        if t > 0 {
            ln_p += ln_mean - (t as f64).ln();
        }
        pmf.push(ln_p.exp());
    }
    // Tails summed from the far end, where the terms are smallest, to keep
    // precision; tail[t] = P(intended asks ≥ t).
    let mut tail = vec![0.0; horizon + 2];
    let mut acc = 0.0;
    for t in (0..=horizon + 1).rev() {
        acc += pmf[t];
        tail[t] = acc;
    }
    let states = cap.map_or(horizon + 1, |c| (c as usize).min(horizon + 1));
    let mut g = vec![0.0; states];
    g[0] = 1.0;
    let (mut e_c, mut e_cc, mut e_a, mut e_aa, mut e_ca) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut add = |w: f64, c: f64, a: f64| {
        e_c += w * c;
        e_cc += w * c * c;
        e_a += w * a;
        e_aa += w * a * a;
        e_ca += w * c * a;
    };
    let keep = 1.0 - decay;
    let mut p = conversion;
    for t in 0..=horizon {
        let reachable = (t + 1).min(states); // at most t converts after t asks
        for (s, &mass) in g.iter().enumerate().take(reachable) {
            add(pmf[t] * mass, s as f64, t as f64);
        }
        // The next ask (0-based index t) converts with probability p.
        // Mass already at cap − 1 that converts stops the member at the cap.
        if cap.is_some_and(|c| reachable == c as usize) {
            let mass = g[reachable - 1] * p;
            add(tail[t + 1] * mass, reachable as f64, (t + 1) as f64);
        } else if reachable < states {
            // A new state opens: all t + 1 asks converted so far.
            g[reachable] = g[reachable - 1] * p;
        }
        // Descending, so g[s − 1] is still the previous step's value.
        for s in (0..reachable).rev() {
            let from_below = if s > 0 { g[s - 1] * p } else { 0.0 };
            g[s] = g[s] * (1.0 - p) + from_below;
        }
        p *= keep;
    }
    Moments {
        mean_converts: e_c,
        var_converts: (e_cc - e_c * e_c).max(0.0),
        mean_asks: e_a,
        var_asks: (e_aa - e_a * e_a).max(0.0),
        covariance: e_ca - e_c * e_a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Sample moments of the member-by-member sampler.
    fn empirical(model: &OffspringModel, n: u32) -> Moments {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (mut sc, mut scc, mut sa, mut saa, mut sca) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let (c, a) = model.sample_member(&mut rng);
            let (c, a) = (c as f64, a as f64);
            sc += c;
            scc += c * c;
            sa += a;
            saa += a * a;
            sca += c * a;
        }
        let n = f64::from(n);
        Moments {
            mean_converts: sc / n,
            var_converts: scc / n - (sc / n).powi(2),
            mean_asks: sa / n,
            var_asks: saa / n - (sa / n).powi(2),
            covariance: sca / n - sc * sa / (n * n),
        }
    }

    #[test]
    fn dp_moments_match_sampling() {
        for (lambda, c, d, cap) in [
            (4.0, 0.3, 0.0, Some(2)),
            (6.0, 0.25, 0.1, None),
            (3.0, 0.5, 0.2, Some(1)),
            (20.0, 0.1, 0.05, Some(3)),
            (2.0, 1.0, 0.0, Some(5)),
        ] {
            let model = OffspringModel::new(lambda, c, d, cap);
            let exact = model.moments();
            let sampled = empirical(&model, 400_000);
            let pairs = [
                (exact.mean_converts, sampled.mean_converts),
                (exact.var_converts, sampled.var_converts),
                (exact.mean_asks, sampled.mean_asks),
                (exact.var_asks, sampled.var_asks),
                (exact.covariance, sampled.covariance),
            ];
            for (e, s) in pairs {
                assert!(
                    (e - s).abs() < 0.02 * e.abs().max(1.0),
                    "{lambda} {c} {d} {cap:?}: {exact:?} vs {sampled:?}"
                );
            }
        }
    }

    #[test]
    fn simple_model_has_poisson_moments() {
        let m = moments(5.0, 0.2, 0.0, None);
        assert_eq!(
            (m.mean_converts, m.var_converts, m.mean_asks),
            (1.0, 1.0, 5.0)
        );
        assert_eq!(moments(0.0, 0.2, 0.1, Some(3)).mean_converts, 0.0);
        assert_eq!(moments(5.0, 0.2, 0.1, Some(0)).mean_asks, 0.0);
    }

    #[test]
    fn huge_lambda_does_not_overflow() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = poisson(&mut rng, 1e18);
        assert!((x as f64 - 1e18).abs() < 1e12);
        assert_eq!(poisson(&mut rng, f64::NAN), 0);
        assert_eq!(binomial(&mut rng, 10, 2.0), 10);
    }
}
