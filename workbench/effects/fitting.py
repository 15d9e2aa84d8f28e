"""Model fits for baseline arms on an `AnalysisCohort`, safe on ordinary tables.

Text covariates enter as labelled dummies against their reference level (`risk.design_matrix`);
strata, case weights, delayed entry and clusters come from the cohort. A shape the data cannot
support (everyone in one arm, no event in one arm, a diverging fit) is named in one sentence
(`arm_problem`, `EstimationError`) instead of a library traceback.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from workbench.effects.methods import commas, piece, verbatim
from workbench.effects.weighted_estimate import exact_only, wald_ci
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text
from workbench.stats.pwe import PiecewiseExponentialPH

# |log HR| beyond this is a diverging fit (no events in a group, perfect separation).
MAX_LOG_HR = 10.0


def arm_problem(table: pd.DataFrame, code: str, event_label: str = "event") -> str | None:
    """Why arm `code` cannot be compared (one sentence), or None."""
    arm = table[code].to_numpy(int)
    relapse = table["event"].eq("relapse").to_numpy()
    if arm.min() == arm.max():
        who = "everyone is" if arm[0] == 1 else "nobody is"
        return f"{who} in arm {code} (a single group), so there is nothing to compare"
    for value, group in ((1, f"{code} = 1"), (0, f"{code} = 0")):
        if not relapse[arm == value].any():
            return (
                f"no {event_label} in the group {group}, so its hazard ratio is not "
                "estimable (0 or infinite); the RMST difference is still shown"
            )
    return None


def design(table: pd.DataFrame, arms, covariates, reference) -> pd.DataFrame:
    """Arms (0/1) and covariates as numbers: text columns one-hot against the reference level;
    a covariate with a single value is left out."""
    from workbench.risk.design import design_matrix

    kept = [c for c in covariates if table[c].nunique() > 1]
    X = design_matrix(table, kept, {k: v for k, v in reference.items() if k in kept}).X
    arm = table[list(arms)].astype(float)
    return pd.concat([arm.reset_index(drop=True), X.reset_index(drop=True)], axis=1)


def cox_fit(cohort, arms, covariates):
    """(HR, CI array, method label, fitter) of `arms` from a Cox model (Efron ties) on exact /
    right-censored times, adjusted for `covariates`; strata, weights, entry and cluster from
    the cohort."""
    from lifelines import CoxPHFitter

    table = cohort.table
    lower, upper = table["lower_day"].to_numpy(float), table["upper_day"].to_numpy(float)
    df = design(table, arms, covariates, cohort.reference).assign(
        t=lower, e=np.isfinite(upper).astype(int)
    )
    options = _cox_options(cohort, df)
    fit_options = {"precision": 1e-12}  # R's coxph agreement to 1e-6 (as risk.CoxModel)
    # lifelines fits beta and the model variance; its own sandwich ignores the Efron tie
    # correction (statistics.md trap 4), so the robust variance comes from risk.efron
    plain = {k: v for k, v in options.items() if k not in ("robust", "cluster_col")}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*weights are not integers")
        data = df.drop(columns="_cluster", errors="ignore")  # not a covariate
        cph = _quiet_fit(
            lambda: CoxPHFitter().fit(data, "t", "e", fit_options=fit_options, **plain)
        )
    names = list(arms)
    _check_separation(cph.params_, names)
    b = cph.params_[names].to_numpy(float)
    var = cph.variance_matrix_.to_numpy()
    if options.get("robust") or "cluster_col" in options:
        var = _sandwich(cph, df, options, var)
    idx = [list(cph.params_.index).index(n) for n in names]
    ci = np.array([wald_ci(b[k], var[j, j]) for k, j in enumerate(idx)])
    return np.exp(b), ci, _cox_method(cohort, options), cph


def _sandwich(cph, df: pd.DataFrame, options: dict, v_model: np.ndarray) -> np.ndarray:
    """R's robust variance (Efron score residuals; weights; clusters; strata; entry)."""
    from workbench.risk.efron import sandwich_variance, stratified_residuals

    X = df[list(cph.params_.index)].to_numpy(float)
    t, e = df["t"].to_numpy(float), df["e"].to_numpy(int)
    w = df["_w"].to_numpy(float) if "weights_col" in options else None
    strata = None
    if "strata" in options:
        strata = pd.factorize(df[options["strata"]].astype(str).agg("|".join, axis=1))[0]
    entry = df["_entry"].to_numpy(float) if "entry_col" in options else None
    cluster = df["_cluster"].to_numpy() if "cluster_col" in options else None
    resid = stratified_residuals(X, t, e, cph.params_.to_numpy(), w, strata, entry)
    return sandwich_variance(resid, v_model, w, cluster)


def _cox_options(cohort, df: pd.DataFrame) -> dict:
    table, options = cohort.table, {}
    if cohort.strata:
        for j, column in enumerate(cohort.strata):
            df[f"_stratum{j}"] = pd.factorize(table[column].astype(str))[0]
        options["strata"] = [f"_stratum{j}" for j in range(len(cohort.strata))]
    if cohort.weights is not None:
        df["_w"] = table[cohort.weights].to_numpy(float)
        options.update(weights_col="_w", robust=True)
    if cohort.entry is not None:
        df["_entry"] = table[cohort.entry].to_numpy(float)
        options["entry_col"] = "_entry"
    if cohort.cluster is not None and cohort.cluster in table.columns:
        df["_cluster"] = pd.factorize(table[cohort.cluster].astype(str))[0]
        options["cluster_col"] = "_cluster"
    return options


def _cox_method(cohort, options: dict) -> Text:
    """The Cox model's label: "Cox PH (Efron ties)[, stratified by ...][, weighted by ...]..."."""
    parts = [piece("cox")]
    if "strata" in options:
        parts.append(piece("stratified", columns=verbatim(", ".join(cohort.strata))))
    if "weights_col" in options:
        parts.append(piece("weighted_by", column=verbatim(cohort.weights)))
    if "entry_col" in options:
        parts.append(piece("cox_delayed_entry"))
    if "cluster_col" in options:
        parts.append(piece("clustered", column=verbatim(cohort.cluster)))
    return commas(*parts)


def pwe_fit(cohort, arms, covariates):
    """(HR, CI array, method label, fitter) of `arms` from the piecewise-exponential PH model for
    interval-censored times, adjusted for `covariates`."""
    if cohort.strata or cohort.entry is not None:
        raise EstimationError(
            "strata and delayed entry are supported for exact follow-up times only; the "
            "interval-censored model cannot use them yet"
        )
    table = cohort.table
    X = design(table, arms, covariates, cohort.reference)
    lower, upper = table["lower_day"].to_numpy(float), table["upper_day"].to_numpy(float)
    cuts = data_cuts(lower, upper)
    fit = _quiet_fit(lambda: PiecewiseExponentialPH(cuts).fit(lower, upper, X))
    names = list(arms)
    _check_separation(fit.params_[list(X.columns)], names)
    b = fit.params_[names].to_numpy(float)
    var = np.diag(fit.variance_matrix_.loc[names, names].to_numpy(float))
    ci = np.array([wald_ci(bj, vj) for bj, vj in zip(b, var, strict=True)])  # never warns
    return np.exp(b), ci, piece("pwe"), fit


def data_cuts(lower, upper, pieces: int = 10) -> np.ndarray:
    """Baseline pieces on the table's own time scale: 0 and the quantiles of its observed
    interval ends (the programme's day cuts, 0-1,096 days, leave a table in years with empty
    pieces whose rates diverge).

    >>> data_cuts(np.array([0.0, 365.0, 730.0]), np.array([365.0, 730.0, np.nan]), pieces=2)
    array([  0., 365.])
    """
    ends = np.r_[lower[lower > 0], upper[np.isfinite(upper) & (upper > 0)]]
    if ends.size == 0:
        return np.array([0.0])
    q = np.quantile(ends, np.arange(pieces) / pieces, method="inverted_cdf")
    return np.unique(np.r_[0.0, q])


def adjusted_fit(cohort, arms, covariates):
    """Cox (exact times) or piecewise-exponential PH (intervals) with all arms."""
    lower = cohort.table["lower_day"].to_numpy(float)
    upper = cohort.table["upper_day"].to_numpy(float)
    if exact_only(lower, upper):
        return cox_fit(cohort, arms, covariates)
    return pwe_fit(cohort, arms, covariates)


def _quiet_fit(fit):
    """Run a fit; a diverging or failing fit becomes one EstimationError sentence. Of lifelines'
    ConvergenceWarnings only "did not converge" ones fail the fit; its hints (low variance,
    "norm(delta) still high") are left to the separation check (`_check_separation`)."""
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    with warnings.catch_warnings():
        # the last filter added is matched first: ConvergenceWarning is a RuntimeWarning, so
        # ignoring RuntimeWarning after erroring on it silenced a fit that did not converge
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        for failed in ("Newton-Raphson failed", "The log-likelihood is getting suspiciously"):
            warnings.filterwarnings("error", message=failed, category=ConvergenceWarning)
        try:
            return fit()
        except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise EstimationError(
                f"the model did not converge ({first[:160]}); a covariate or arm may separate "
                "the groups perfectly: remove it or merge its rare levels"
            ) from None
        except (ValueError, ParameterError) as err:
            raise EstimationError(f"the model could not be fitted: {str(err)[:200]}") from None


def _check_separation(params: pd.Series, arms) -> None:
    """A diverging coefficient (a group with no events, or a covariate that separates who has
    the event perfectly) makes the fit meaningless: name it in one sentence."""
    b = params.to_numpy(float)
    bad = [str(n) for n, v in zip(params.index, b, strict=True) if not abs(v) <= MAX_LOG_HR]
    if not bad:
        return
    arm = [n for n in bad if n in arms]
    if arm:
        raise EstimationError(
            f"the hazard ratio of {', '.join(arm)} diverges (a group with no events), so it is "
            "not estimable"
        )
    raise EstimationError(
        f"covariate term {bad[0]} separates who has the event perfectly (its hazard ratio "
        "diverges); remove the covariate or merge its rare levels"
    )
