//! Closed-form growth models (DOMAIN.md §3).
//!
//! These are the reference answers: the simulators in [`crate::simulate`] are
//! tested against them, and the UI can show them next to a simulation so a
//! shop owner sees both the idealised and the constrained outlook.

use crate::error::{GrowthError, check_range};

/// Default tolerance for [`smallest_fixed_point`] as used by the extinction
/// helpers: far below anything a shop decision depends on, still well above
/// `f64` round-off for values in `[0, 1]`.
pub const FIXED_POINT_TOLERANCE: f64 = 1e-14;

/// Default iteration budget of the extinction helpers before they switch to
/// Newton's method (see [`extinction_probability_poisson`]).
pub const FIXED_POINT_MAX_ITERATIONS: u64 = 1_000_000;

/// Skok–Reiss viral growth: users after `t_days` starting from `u0` seeds,
/// viral coefficient `k` and cycle time `cycle_days`.
///
/// `U(t) = U0 · (K^(t/ct + 1) − 1) / (K − 1)`; at `K = 1` the limit
/// `U0 · (t/ct + 1)`. Deterministic batches, no churn, unlimited market.
/// Non-integer `t/ct` interpolates the geometric sum smoothly, as the
/// published formula does.
///
/// The result may be `+∞` when it overflows `f64` (e.g. `K = 10`,
/// `t/ct = 400`): that is the formula's honest answer, not an error.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `u0`, `k` or `t_days` is negative
/// or not finite, or `cycle_days` is not a positive finite number.
pub fn skok_reiss_users(u0: f64, k: f64, t_days: f64, cycle_days: f64) -> Result<f64, GrowthError> {
    check_range("u0", u0, 0.0, f64::MAX)?;
    check_range("k", k, 0.0, f64::MAX)?;
    check_range("t_days", t_days, 0.0, f64::MAX)?;
    check_range("cycle_days", cycle_days, f64::MIN_POSITIVE, f64::MAX)?;
    let cycles = t_days / cycle_days + 1.0;
    if k == 1.0 {
        return Ok(u0 * cycles);
    }
    // (K^n − 1)/(K − 1) written with expm1/ln_1p so that K close to 1 does
    // not lose all its digits to cancellation; K = 0 gives expm1(−∞) = −1
    // and the ratio 1, which is the correct "seeds only" answer.
    let geometric_sum = (cycles * (k - 1.0).ln_1p()).exp_m1() / (k - 1.0);
    Ok(u0 * geometric_sum)
}

/// Galton–Watson: expected size of generation `n` from one ancestor, `m^n`.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `m` is negative or not finite.
pub fn gw_expected_generation_size(m: f64, n: u32) -> Result<f64, GrowthError> {
    check_range("m", m, 0.0, f64::MAX)?;
    Ok(m.powf(f64::from(n)))
}

/// Galton–Watson: expected total progeny of one ancestor, the ancestor
/// included, `1 / (1 − m)` for a subcritical process.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `m` is not in `[0, 1)`: at
/// `m ≥ 1` the expectation is infinite.
pub fn gw_expected_total_progeny(m: f64) -> Result<f64, GrowthError> {
    check_subcritical(m)?;
    Ok(1.0 / (1.0 - m))
}

/// Galton–Watson: variance of the total progeny of one ancestor,
/// `σ² / (1 − m)³`, where `sigma2` is the offspring variance (Poisson:
/// `σ² = m`).
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `m` is not in `[0, 1)` or
/// `sigma2` is negative or not finite.
pub fn gw_total_progeny_variance(m: f64, sigma2: f64) -> Result<f64, GrowthError> {
    check_subcritical(m)?;
    check_range("sigma2", sigma2, 0.0, f64::MAX)?;
    Ok(sigma2 / (1.0 - m).powi(3))
}

fn check_subcritical(m: f64) -> Result<(), GrowthError> {
    check_range("m", m, 0.0, f64::MAX)?;
    if m >= 1.0 {
        return Err(GrowthError::invalid(
            "m",
            format!("must be below 1 (subcritical) for a finite expected total, got {m}"),
        ));
    }
    Ok(())
}

/// Smallest fixed point in `[0, 1]` of a probability generating function `g`,
/// by iterating `q ← g(q)` from `q = 0`.
///
/// Starting at 0 matters: for a pgf (increasing and convex on `[0, 1]`) the
/// iterates increase monotonically to the *smallest* root, which is the
/// extinction probability; starting anywhere else may converge to the
/// trivial root 1. Stops when a step is below `tolerance`.
///
/// # Errors
/// - [`GrowthError::InvalidParameter`] when `tolerance` is not positive or
///   `g` returns a value outside `[0, 1]` (then it is not a pgf).
/// - [`GrowthError::NoConvergence`] after `max_iterations` steps; near the
///   critical point (`m` slightly above 1) convergence is linear with a
///   rate close to 1.
pub fn smallest_fixed_point(
    g: impl Fn(f64) -> f64,
    tolerance: f64,
    max_iterations: u64,
) -> Result<f64, GrowthError> {
    check_range("tolerance", tolerance, f64::MIN_POSITIVE, 1.0)?;
    let mut q = 0.0_f64;
    for _ in 0..max_iterations {
        let next = g(q);
        if !(0.0..=1.0).contains(&next) {
            return Err(GrowthError::invalid(
                "g",
                format!("returned {next} at {q}: a generating function maps [0, 1] into [0, 1]"),
            ));
        }
        if (next - q).abs() < tolerance {
            return Ok(next);
        }
        q = next;
    }
    Err(GrowthError::NoConvergence {
        iterations: max_iterations,
        last: q,
    })
}

/// Extinction probability of a Galton–Watson process with Poisson(`m`)
/// offspring: the smallest root of `q = e^{m(q − 1)}` in `[0, 1]`.
///
/// `m ≤ 1` returns exactly 1 (the process dies out almost surely). Above 1
/// the root is found by fixed-point iteration; if that has not converged
/// within [`FIXED_POINT_MAX_ITERATIONS`] steps (only for `m` within about
/// `1e-5` of 1), Newton's method finishes the job from the last iterate:
/// `h(q) = e^{m(q−1)} − q` is convex and decreasing left of the root, so
/// Newton steps from the left never overshoot it.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `m` is negative or not finite.
pub fn extinction_probability_poisson(m: f64) -> Result<f64, GrowthError> {
    check_range("m", m, 0.0, f64::MAX)?;
    if m <= 1.0 {
        return Ok(1.0);
    }
    let pgf = |q: f64| (m * (q - 1.0)).exp();
    match smallest_fixed_point(pgf, FIXED_POINT_TOLERANCE, FIXED_POINT_MAX_ITERATIONS) {
        Ok(q) => Ok(q),
        Err(GrowthError::NoConvergence { last, .. }) => {
            let mut q = last;
            for _ in 0..200 {
                let e = pgf(q);
                let slope = m * e - 1.0;
                if slope >= 0.0 {
                    break; // at or past the tangency: q is as close as f64 gets
                }
                let next = q - (e - q) / slope;
                if !next.is_finite() || (next - q).abs() < FIXED_POINT_TOLERANCE {
                    q = next.clamp(0.0, 1.0);
                    break;
                }
                q = next;
            }
            Ok(q.clamp(0.0, 1.0))
        }
        Err(other) => Err(other),
    }
}

/// Extinction probability with geometric offspring of mean `m` on
/// `{0, 1, 2, …}` (`P(k) = p(1 − p)^k`, `p = 1/(1 + m)`): `min(1, 1/m)`.
///
/// The pgf `p / (1 − (1 − p)s)` has fixed points 1 and `p/(1 − p) = 1/m`,
/// so no iteration is needed.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `m` is negative or not finite.
pub fn extinction_probability_geometric(m: f64) -> Result<f64, GrowthError> {
    check_range("m", m, 0.0, f64::MAX)?;
    Ok(if m <= 1.0 { 1.0 } else { 1.0 / m })
}

/// Bass diffusion: cumulative share of the market that has adopted by time
/// `t`, `F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})`.
///
/// `p` is the coefficient of innovation (adoption from outside influence),
/// `q` of imitation (word of mouth); a meta-analysis average is
/// `p ≈ 0.03`, `q ≈ 0.38` per year.
///
/// # Errors
/// [`GrowthError::InvalidParameter`] when `p` is not positive, or `q` or `t`
/// is negative, or any is not finite.
pub fn bass_cumulative_adoption(p: f64, q: f64, t: f64) -> Result<f64, GrowthError> {
    check_bass(p, q)?;
    check_range("t", t, 0.0, f64::MAX)?;
    let e = (-(p + q) * t).exp();
    Ok((1.0 - e) / (1.0 + (q / p) * e))
}

/// Bass diffusion: adoption rate `f(t) = dF/dt` (share of the market
/// adopting per unit of time at `t`).
///
/// # Errors
/// As [`bass_cumulative_adoption`].
pub fn bass_adoption_rate(p: f64, q: f64, t: f64) -> Result<f64, GrowthError> {
    check_bass(p, q)?;
    check_range("t", t, 0.0, f64::MAX)?;
    let s = p + q;
    let e = (-s * t).exp();
    let denominator = 1.0 + (q / p) * e;
    Ok((s * s / p) * e / (denominator * denominator))
}

/// Bass diffusion: time of peak adoption `t* = ln(q/p) / (p + q)`.
///
/// When `q ≤ p` word of mouth never overtakes outside influence and the
/// adoption rate is highest at launch, so this returns 0 rather than the
/// formula's negative time.
///
/// # Errors
/// As [`bass_cumulative_adoption`].
pub fn bass_peak_time(p: f64, q: f64) -> Result<f64, GrowthError> {
    check_bass(p, q)?;
    if q <= p {
        return Ok(0.0);
    }
    Ok((q / p).ln() / (p + q))
}

fn check_bass(p: f64, q: f64) -> Result<(), GrowthError> {
    check_range("p", p, f64::MIN_POSITIVE, f64::MAX)?;
    check_range("q", q, 0.0, f64::MAX)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn skok_reiss_matches_domain_examples() {
        // DOMAIN.md §3: U0 = 10, K = 2, t = 20 days.
        let ct2 = skok_reiss_users(10.0, 2.0, 20.0, 2.0).unwrap();
        let ct1 = skok_reiss_users(10.0, 2.0, 20.0, 1.0).unwrap();
        assert!(close(ct2, 20_470.0, 1e-6), "{ct2}");
        assert!(close(ct1, 20_971_510.0, 1e-3), "{ct1}");
    }

    #[test]
    fn skok_reiss_k_one_is_the_linear_limit_and_continuous() {
        let exact = skok_reiss_users(10.0, 1.0, 20.0, 2.0).unwrap();
        assert!(close(exact, 110.0, 1e-12));
        let near = skok_reiss_users(10.0, 1.0 + 1e-12, 20.0, 2.0).unwrap();
        assert!(close(near, 110.0, 1e-6), "{near}");
    }

    #[test]
    fn skok_reiss_subcritical_tends_to_u0_over_one_minus_k() {
        let long_run = skok_reiss_users(10.0, 0.5, 10_000.0, 1.0).unwrap();
        assert!(close(long_run, 20.0, 1e-9));
        assert!(close(
            skok_reiss_users(10.0, 0.0, 5.0, 1.0).unwrap(),
            10.0,
            1e-12
        ));
    }

    #[test]
    fn skok_reiss_rejects_bad_input() {
        assert!(matches!(
            skok_reiss_users(10.0, 2.0, 20.0, 0.0),
            Err(GrowthError::InvalidParameter {
                field: "cycle_days",
                ..
            })
        ));
        assert!(matches!(
            skok_reiss_users(f64::NAN, 2.0, 20.0, 1.0),
            Err(GrowthError::InvalidParameter { field: "u0", .. })
        ));
        assert!(matches!(
            skok_reiss_users(1.0, -0.1, 20.0, 1.0),
            Err(GrowthError::InvalidParameter { field: "k", .. })
        ));
    }

    #[test]
    fn galton_watson_moments() {
        assert!(close(
            gw_expected_generation_size(1.5, 4).unwrap(),
            5.0625,
            1e-12
        ));
        // DOMAIN.md: Poisson m = 0.5 → mean 2, variance 4.
        assert!(close(gw_expected_total_progeny(0.5).unwrap(), 2.0, 1e-12));
        assert!(close(
            gw_total_progeny_variance(0.5, 0.5).unwrap(),
            4.0,
            1e-12
        ));
        assert!(gw_expected_total_progeny(1.0).is_err());
        assert!(gw_total_progeny_variance(0.5, -1.0).is_err());
    }

    #[test]
    fn poisson_extinction_matches_domain_table() {
        for (m, q) in [(1.1, 0.8239), (1.2, 0.6863), (1.5, 0.4172), (2.0, 0.2032)] {
            let got = extinction_probability_poisson(m).unwrap();
            assert!(close(got, q, 5e-5), "m = {m}: {got} vs {q}");
            // It really is a root of q = e^{m(q−1)}.
            assert!(close(got, (m * (got - 1.0)).exp(), 1e-12));
        }
        assert_eq!(extinction_probability_poisson(0.7).unwrap(), 1.0);
        assert_eq!(extinction_probability_poisson(1.0).unwrap(), 1.0);
    }

    #[test]
    fn poisson_extinction_near_critical_uses_newton_fallback() {
        let m = 1.0 + 1e-7;
        let q = extinction_probability_poisson(m).unwrap();
        // Near criticality q ≈ 1 − 2(m − 1).
        assert!(q < 1.0 && close(q, 1.0 - 2e-7, 1e-8), "{q}");
    }

    #[test]
    fn geometric_extinction_is_one_over_m() {
        assert!(close(
            extinction_probability_geometric(2.0).unwrap(),
            0.5,
            1e-15
        ));
        assert_eq!(extinction_probability_geometric(0.9).unwrap(), 1.0);
        // Cross-check against the generic iteration on the geometric pgf.
        let m = 1.6_f64;
        let p = 1.0 / (1.0 + m);
        let iterated =
            smallest_fixed_point(|s| p / (1.0 - (1.0 - p) * s), 1e-15, 1_000_000).unwrap();
        assert!(close(iterated, 1.0 / m, 1e-12));
    }

    #[test]
    fn fixed_point_rejects_non_pgf() {
        assert!(smallest_fixed_point(|q| q + 2.0, 1e-12, 10).is_err());
        assert!(matches!(
            smallest_fixed_point(|q| 0.5 + 0.5 * q, 1e-30, 3),
            Err(GrowthError::InvalidParameter { .. }) | Err(GrowthError::NoConvergence { .. })
        ));
    }

    #[test]
    fn bass_peak_and_curve() {
        let (p, q) = (0.03, 0.38);
        let peak = bass_peak_time(p, q).unwrap();
        assert!(close(peak, (q / p).ln() / (p + q), 1e-12));
        assert!(close(peak, 6.19, 0.01), "{peak}");
        // At the peak exactly (1 − p/q)/2 of the market has adopted.
        let at_peak = bass_cumulative_adoption(p, q, peak).unwrap();
        assert!(close(at_peak, 0.5 - p / (2.0 * q), 1e-12));
        // The rate is maximal at the peak.
        let r = |t| bass_adoption_rate(p, q, t).unwrap();
        assert!(r(peak) > r(peak - 0.1) && r(peak) > r(peak + 0.1));
        assert_eq!(bass_cumulative_adoption(p, q, 0.0).unwrap(), 0.0);
        assert!(close(
            bass_cumulative_adoption(p, q, 1e3).unwrap(),
            1.0,
            1e-12
        ));
        assert_eq!(bass_peak_time(0.4, 0.1).unwrap(), 0.0);
        assert!(bass_peak_time(0.0, 0.1).is_err());
    }
}
