"""The percentile-bootstrap CIs the reports print (primary effects, weighted comparison's HR and
RMST difference, NPMLE band and RMST): each is the 2.5 % / 97.5 % quantile of its own bootstrap
replicates, and the replicates' spread matches the estimate's sampling spread. Their coverage
over 200 simulated cohorts is in bench/README.md (bench/bootstrap_coverage.py): too slow here."""

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data.codes import DAYS_PER_MONTH
from workbench.retention.turnbull import TurnbullFitter
from workbench.stats.npmle import restricted_mean, step_survival

REF = Path(__file__).parents[1] / "reference"
Q = [0.025, 0.975]


def _visits(rng, n):
    """Weibull relapse days (shape 0.8, scale 400) between monthly visits attended with
    probability 0.85, until a cut-off in [300, 1400] days (bench/bootstrap_coverage.py)."""
    T = rng.weibull(0.8, n) * 400.0
    visits = np.arange(1, 49) * DAYS_PER_MONTH
    cut = rng.uniform(300, 1400, n)[:, None]
    seen = (rng.random((n, visits.size)) < 0.85) & (visits[None, :] <= cut)
    before, after = seen & (visits < T[:, None]), seen & (visits >= T[:, None])
    L = np.where(before, visits, 0.0).max(axis=1)
    R = np.where(after, visits, np.inf).min(axis=1)
    return L, R


def test_npmle_band_and_rmst_ci_are_replicate_quantiles_and_as_wide_as_the_spread():
    # 24 cohorts of 300, 60 replicates each (~10 s). Per cohort the band at 6/12/24 months and
    # the RMST CI must be the replicate quantiles exactly; across cohorts the SD of the
    # estimates must match the mean bootstrap SD: SD of (estimate - truth) / bootstrap SD is
    # 1 for a calibrated band (SE of an SD from 24 draws ~0.15; bounds 0.65-1.45 ~ 2.5 SE;
    # resampling too little or too much, or a band from the wrong replicates, leaves them).
    # Measured: 1.09, 1.09, 0.99 at 6, 12, 24 months
    rng = np.random.default_rng(24)
    days = np.array([6.0, 12.0, 24.0]) * DAYS_PER_MONTH
    truth = np.exp(-((days / 400.0) ** 0.8))
    z = []
    for k in range(24):
        L, R = _visits(rng, 300)
        fit = TurnbullFitter(n_bootstrap=60, seed=k).fit(L, R)
        band = fit.confidence_band(days)
        reps = np.array([step_survival(d, p, days) for d, p in fit.replicates()])
        assert len(reps) == 60
        lo, hi = np.quantile(reps, Q, axis=0)
        np.testing.assert_allclose(band[["lower", "upper"]].to_numpy().T, [lo, hi], rtol=1e-12)
        r = fit.rmst(24 * DAYS_PER_MONTH)
        rm = np.array(fit.rmst_replicates(24 * DAYS_PER_MONTH))
        np.testing.assert_allclose([r.lower, r.upper], np.quantile(rm, Q), rtol=1e-12)
        # each replicate's RMST (mass at interval midpoints) lies between its lower-envelope
        # area and that area plus one visit gap (monthly visits: every interval <= ~2 gaps
        # long, so a midpoint is at most ~1 gap right of its left end)
        env = np.array([restricted_mean(d, p, 24 * DAYS_PER_MONTH) for d, p in fit.replicates()])
        assert np.all((env <= rm + 1e-9) & (rm <= env + 2 * DAYS_PER_MONTH))
        z.append((band["estimate"].to_numpy() - truth) / reps.std(axis=0, ddof=1))
    z = np.array(z)
    assert np.all((0.65 < z.std(axis=0, ddof=1)) & (z.std(axis=0, ddof=1) < 1.45)), z.std(axis=0)


def test_primary_effect_ci_is_the_replicate_quantiles_and_as_wide_as_the_robust_se():
    # 40 replicates: SD of the bootstrap log HRs against the robust SE (ratio SE ~0.11 from 40
    # draws; 0.7-1.4 is ~3 SE). Measured: 1.00 and 1.20
    from support import toy_cohort

    from workbench.effects.primary import TimeVaryingEffects

    cohort, starts = toy_cohort(400, 5)
    fit = TimeVaryingEffects(n_bootstrap=40, seed=3, lag="none").fit(cohort, starts)
    for est in fit.estimates():
        draws = fit.boot_[est.intervention].to_numpy()
        np.testing.assert_allclose(np.log(est.ci), np.quantile(draws, Q), rtol=1e-12)
        assert 0.7 < draws.std(ddof=1) / est.se_log_hr < 1.4, est.intervention


def test_weighted_comparison_cis_are_replicate_quantiles_and_as_wide_as_R_robust_se():
    # the overlap-weighted comparison of Rossi's `fin` (test_effects_weighting: point and
    # robust CI equal R's); 40 replicates: SD of the bootstrap log HRs against R's robust SE
    # 0.190 (0.7-1.4, ~3 SE of an SD from 40 draws). Measured: 0.85
    from workbench.data.spec import load_spec
    from workbench.effects.landmark import WeightedEffect

    spec = load_spec(Path(__file__).parents[2] / "params" / "examples" / "rossi.yaml")
    ref = pd.read_csv(REF / "effects_rossi_overlap.csv").iloc[0]
    we = WeightedEffect(
        "fin", landmark_day=None, confounders=list(spec.covariates), n_bootstrap=40, seed=2,
        min_group=1, horizon_day=52 * 7,
    ).fit(spec.frame)  # fmt: skip
    res, draws = we.result_, we.boot_
    np.testing.assert_allclose(np.log(res.hr_ci), np.quantile(draws[:, 0], Q), rtol=1e-12)
    np.testing.assert_allclose(res.risk_difference_ci, np.quantile(draws[:, 1], Q), rtol=1e-12)
    np.testing.assert_allclose(res.rmst_difference_ci, np.quantile(draws[:, 2], Q), rtol=1e-12)
    assert 0.7 < draws[:, 0].std(ddof=1) / ref["robust_se"] < 1.4
