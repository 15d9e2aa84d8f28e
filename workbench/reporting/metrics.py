"""metrics.json ("workbench.metrics/5", design.md): the report's key numbers, machine-readable.

Schema 2 (issue 20) adds, with every method named in the rows: ``competing`` (list of {cause,
months, estimate, lower, upper, method, role}: the cumulative incidence of relapse and of death
from the competing-risks NPMLE for interval-censored relapse (role "estimate"), and the
Aalen-Johansen estimator on visit-dated times (role "comparison", kept to show the visit-dating
bias)); and ``risk`` ({method, terms: [{term, hr, lower, upper, p}], sensitivity: {method,
terms}}: hazard ratios of the interval-censored PH model, the Cox model on visit-dated times as
the labelled sensitivity analysis; empty when not estimated). Schema 1 had neither.

Schema 3 (issue 18) adds to each ``interventions`` row ``target_trial``: the support's emulated
target trial (clone–censor–weight, workbench/evaluation/target_trial.py) as {grace_months,
horizons: [{month, risk_start, risk_never, rd, rd_lower, rd_upper}], rmst_diff_days,
rmst_diff_lower, rmst_diff_upper} — relapse risk at 12/24/36 months if everyone eligible started
the support within ``grace_months`` of release vs never, their difference with its 95 % bootstrap
CI, and the difference in mean abstinent days to 36 months; the same block as ``workbench
effects --json``. It is null (with a note) when the trial is withheld (fewer than k people) or
not emulated (randomised arms, baseline groups). The hazard-ratio fields stay: they are the
report's sensitivity analyses now.

Schema 4 (issue 19) adds to each ``regions`` row ``shrunken``: the prefecture's place in the fair
ranking (workbench/programme/ranking.py) as {estimate, lower, upper, rank_lower, rank_upper,
p_below} — its risk-adjusted 12-month retention for the province's mix of people after
hierarchical shrinkage with the 95 % interval, the 95 % rank interval (1 = highest retention, out
of the ranked prefectures) and the probability that it is below the province level; null for a
prefecture that is not ranked (fewer than k people, relapses or people without a relapse).

Schema 4 also adds the top-level blocks ``trend`` and ``projection_check`` after ``regions``
(issue 19: the direction of travel and the checked projections; described field by field in
`workbench.reporting.trend_metrics`).

Schema 5 (the report's wording, docs/report_wording.md) adds to each ``interventions`` row
``verdict``: what the report says about the support, from one rule, as {basis, value, month,
reasons, sensitivity_disagrees}. ``basis`` is "target_trial" when the report has emulated target
trials (then ``value`` is "lower", "higher", "no_clear_difference", "not_judged" or
"not_estimable" for the relapse risk at ``month`` (24) if everyone eligible started the support
within the grace period vs never: lower/higher only when the 95 % CI of the difference excludes
0; ``reasons`` the failed checks' codes of a support not judged (``tt_positivity``,
``tt_extreme_weights``, ``tt_few_starts``) or why it cannot be judged (e.g. ``nobody_received``:
no one in the scope had started it, so no trial was emulated); ``sensitivity_disagrees``
true when the hazard-ratio and landmark analyses point the other way and one of the two is
clear), else "hazard_ratio_rmst" (randomised arms, baseline groups: ``value`` the summary's
reconciled verdict, ``month`` and ``sensitivity_disagrees`` null). The same verdicts as the
summary's table and `workbench effects`' verdict column.

Size: the schema's description (one paragraph per version, above) and the builders and checks of
its blocks stay together, so a reader of metrics.json finds every field in one module.

``provenance`` says what produced the report: workbench_version, git_commit, params_sha256,
inputs_sha256, started_at (UTC), duration_s, and ``stages`` ({stage: seconds} in the order run,
issue 23: ``cache`` (hashing the inputs, the cache lookup and store), ``load``, ``cohort``, each
analysis computed in this run (``retention``, ``coverage``, ``tiers``, ``regions``, ``ranking``, ``risk``,
``effects``, ``target_trial``, ``competing``; absent when the analyses came from the cache), ``notebook``,
``html``, ``pdf``). Durations only: no name, value or path. The same stages end the command's
run log (`workbench report` on stderr: ``stages: load 2.1 s, …``).

Everything outside ``provenance`` depends only on the inputs, parameters and code, so reruns give
byte-identical files apart from that block. Numbers are plain floats; a value that could not be
estimated, or a count below the suppression threshold, is null with a reason in ``notes``.

The numbers are the report's published ones (workbench/evaluation/protect.py: perturbed counts,
withheld or shifted rates) at the precision the report prints plus one digit: proportions to 4
decimals, hazard ratios to 3, days to 1, counts and projected counts whole (docs/disclosure.md:
8 significant digits let two reports be differenced far below one person's weight).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from workbench.evaluation.results import ReportResults, as_float
from workbench.exceptions import ReportError
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting.suppression import is_small, scrub_counts
from workbench.reporting.text import REASONS, reason
from workbench.reporting.trend_metrics import projection_check_block, trend_block

SCHEMA = "workbench.metrics/5"
TOP_KEYS = (
    "schema",
    "scope",
    "data",
    "coverage",
    "retention",
    "competing",
    "tiers",
    "interventions",
    "risk",
    "regions",
    "trend",
    "projection_check",
    "suppressed",
    "notes",
    "provenance",
)
PROVENANCE_KEYS = (
    "workbench_version",
    "git_commit",
    "params_sha256",
    "inputs_sha256",
    "started_at",
    "duration_s",
    "stages",
)


SIGNIFICANT_DIGITS = 8
DECIMALS = {"rate": 4, "hr": 3, "days": 1, "count": 0}


def _num(x: Any, kind: str | None = None) -> float | None:
    """A plain float: rounded to the decimals of its `kind` (DECIMALS), else to 8 significant
    digits (parallel linear algebra can move the last bits between runs; the file must not)."""
    v = as_float(x)
    if v is None:
        return None
    if kind is not None:
        return float(round(v, DECIMALS[kind])) + 0.0  # + 0.0: no "-0.0"
    return float(f"{v:.{SIGNIFICANT_DIGITS}g}")


class _Notes(list):
    """The notes of one metrics.json, written in the report's language (keys stay paths)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def say(self, kind: str, **kw: Any) -> None:
        self.append(t(f"mnote_{kind}", self.lang, **kw))


def _count(n: Any, threshold: int, what: str, notes: list[str]) -> int | None:
    if n is None:
        return None
    if int(n) < threshold:
        _say(notes, "suppressed", what=what, k=threshold)
        return None
    return int(n)


def _say(notes: list[str], kind: str, **kw: Any) -> None:
    if isinstance(notes, _Notes):
        notes.say(kind, **kw)
    else:
        notes.append(t(f"mnote_{kind}", "en", **kw))


def build_metrics(
    results: ReportResults, params: ReportParams, suppressed: int, provenance: dict[str, Any]
) -> dict[str, Any]:
    """The metrics.json document for one report."""
    k, lang = params.suppression_threshold, params.lang
    notes: list[str] = _Notes(lang)
    c = results.counts
    data = {
        "status": _status(params),
        "sha256": dict(sorted(results.sha256.items())),
        "n_releases": _count(c.n_releases, k, "data.n_releases", notes),
        "n_visits": _count(c.n_visits, k, "data.n_visits", notes),
        "n_relapses": _count(c.n_relapses, k, "data.n_relapses", notes),
        "n_deaths": _count(c.n_deaths, k, "data.n_deaths", notes),
        "n_censored": {
            r: _count(n, k, f"data.n_censored.{r}", notes) for r, n in sorted(c.n_censored.items())
        },
    }
    for section, why in sorted(results.missing.items()):
        plain = reason(section, why, lang, k)
        shown = plain if (why in REASONS or lang == "zh") else why
        notes.append(scrub_counts(t("mnote_missing", lang, what=section, why=shown), k))
    return {
        "schema": SCHEMA,
        "scope": _scope(results, params),
        "data": data,
        "coverage": _coverage(results, k, notes),
        "retention": _retention(results, k, notes),
        "competing": _competing(results),
        "tiers": _tiers(results, k, notes),
        "interventions": _interventions(results, k, notes),
        "risk": _risk(results),
        "regions": _regions(results, k, notes),
        "trend": trend_block(results, k),
        "projection_check": projection_check_block(results, k),
        "suppressed": int(suppressed),
        "notes": list(notes) + _analysis_notes(results, k, lang, notes),
        "provenance": {key: provenance.get(key) for key in PROVENANCE_KEYS},
    }


def _analysis_notes(results: ReportResults, k: int, lang: str, done: list[str]) -> list[str]:
    """The analyses' caveats: verbatim in English; in Chinese as the report words them."""
    if lang == "zh":
        from workbench.reporting.notes import official_notes

        return [scrub_counts(n, k, lang) for n in official_notes(results.notes, lang)]
    return [scrub_counts(n.message, k) for n in results.notes if n.message not in done]


def _status(params: ReportParams) -> str | None:
    """dataset.yaml `status` (real, simulated, test): a reader of the file alone must see that
    the numbers are simulated."""
    from workbench.reporting.sections import data_status

    return data_status(params)


def _scope(results: ReportResults, params: ReportParams) -> dict[str, Any]:
    return {
        "name": params.name,
        "language": params.lang,
        "prefecture": params.prefecture,
        "facility": params.facility,
        "release_start": results.period[0],
        "release_end": results.period[1],
        "cutoff": results.cutoff,
        "suppression_threshold": params.suppression_threshold,
        "internal_use": params.internal_use,
    }


def _coverage(results: ReportResults, k: int, notes: list[str]) -> float | None:
    if results.coverage is None:
        return None
    if is_small(results.counts.n_releases, k):  # a rate of a tiny group discloses its members
        _say(notes, "coverage", k=k)
        return None
    return _num(results.coverage.iloc[-1]["coverage"], "rate")


def _retention(results: ReportResults, k: int, notes: list[str]) -> list[dict[str, Any]]:
    if results.milestones is None:
        return []
    for r in results.milestones.itertuples(index=False):
        if getattr(r, "withheld", False):
            notes.append(
                f"retention.{r.months:g}: withheld (fewer than {k} people relapsed or stayed "
                "abstinent)"
            )
    return [
        {
            "months": _num(r.months),
            "estimate": _num(r.estimate, "rate"),
            "lower": _num(r.lower, "rate"),
            "upper": _num(r.upper, "rate"),
            "method": str(r.method),
        }
        for r in results.milestones.itertuples(index=False)
    ]


def _competing(results: ReportResults) -> list[dict[str, Any]]:
    if results.cif is None:
        return []
    cif = results.cif
    roles = cif["role"] if "role" in cif.columns else ["estimate"] * len(cif)
    return [
        {
            "cause": str(r.cause),
            "months": _num(r.months),
            "estimate": _num(r.estimate, "rate"),
            "lower": _num(r.lower, "rate"),
            "upper": _num(r.upper, "rate"),
            "method": str(r.method),
            "role": str(role),
        }
        for r, role in zip(cif.itertuples(index=False), roles, strict=True)
    ]


def _hr_rows(table) -> list[dict[str, Any]]:
    return [
        {"term": str(r.term), "hr": _num(r.hr, "hr"), "lower": _num(r.lower, "hr"),
         "upper": _num(r.upper, "hr"), "p": _num(r.p)}
        for r in table.itertuples(index=False)
    ]  # fmt: skip


def _risk(results: ReportResults) -> dict[str, Any]:
    risk = results.risk
    if risk is None:
        return {}
    sens = risk.sensitivity
    return {
        "method": str(risk.method or "Cox PH on best available times"),
        "terms": _hr_rows(risk.table["en"]),
        "sensitivity": (
            {"method": str(sens.method), "terms": _hr_rows(sens.table["en"])} if sens else None
        ),
    }


def _tiers(results: ReportResults, k: int, notes: list[str]) -> dict[str, Any]:
    if results.tiers is None:
        return {}
    out = {}
    for r in results.tiers.itertuples(index=False):
        y = str(int(r.years))
        projected = _num(r.projected, "count")
        projected = None if projected is None else int(projected)  # people: whole numbers
        if projected is not None and projected < k:
            _say(notes, "suppressed", what=f"tiers.{y}.projected", k=k)
            projected = None
        out[y] = {
            "observed": _count(r.observed, k, f"tiers.{y}.observed", notes),
            "projected": projected,
            "target": None if as_float(r.target) is None else int(r.target),
        }
    return out


VERDICT_KEYS = ("basis", "value", "month", "reasons", "sensitivity_disagrees")
INTERVENTION_KEYS = {"hr": "hr", "hr_lower": "hr", "hr_upper": "hr", "rmst_diff_days": "days",
                     "rmst_diff_lower": "days", "rmst_diff_upper": "days",
                     "horizon_days": "days"}  # fmt: skip


def _interventions(results: ReportResults, k: int, notes: list[str]) -> list[dict[str, Any]]:
    if results.effects is None:
        return []
    from workbench.reporting.trial_verdicts import metrics_block

    verdicts = metrics_block(results, k)
    out = []
    for r in results.effects.sort_values("code").to_dict("records"):
        n = _count(r["n_exposed"], k, f"interventions.{r['code']}.n_exposed", notes)
        row = {"code": str(r["code"]), "n_exposed": n}
        row.update(
            {
                key: (_num(r[key], kind) if n is not None else None)
                for key, kind in INTERVENTION_KEYS.items()
            }  # fmt: skip
        )
        row["method"] = str(r["method"])
        row["target_trial"] = _target_trial(results, str(r["code"]), k, notes)
        row["verdict"] = verdicts.get(str(r["code"]))
        out.append(row)
    return out


def _target_trial(results: ReportResults, code: str, k: int, notes: list[str]) -> Any:
    """The support's target-trial block (reporting.target_trial.trial_json), or null."""
    from workbench.reporting.target_trial import trial_json

    trial = (getattr(results, "target_trials", None) or {}).get(code)
    if trial is None:
        return None
    block = trial_json(trial)
    if block is None:
        _say(notes, "tt_withheld", code=code, k=k)
    return block


def _regions(results: ReportResults, k: int, notes: list[str]) -> list[dict[str, Any]]:
    if results.regions is None:
        return []
    shrunk = _shrunken(results)
    return [
        {
            "code": str(r.code),
            "n": _count(r.n, k, f"regions.{r.code}.n", notes),
            "observed": _num(r.observed, "rate"),
            "expected": _num(r.expected, "rate"),
            "flag": str(r.flag) or None,
            "shrunken": shrunk.get(str(r.code)),
        }
        for r in results.regions.sort_values("code").itertuples(index=False)
    ]


def _shrunken(results: ReportResults) -> dict[str, dict[str, Any]]:
    """Each ranked prefecture's shrunk risk-adjusted 12-month retention (issue 19)."""
    table = (getattr(results, "ranking", None) or {}).get("prefecture")
    rows = [] if table is None else table.to_dict("records")
    return {
        str(r["code"]): {
            **{k: _num(r[k], "rate") for k in ("estimate", "lower", "upper")},
            "rank_lower": int(r["rank_lower"]),
            "rank_upper": int(r["rank_upper"]),
            "p_below": round(float(r["p_below"]), 2),
        }  # fmt: skip
        for r in rows
    }


def dumps(metrics: dict[str, Any]) -> str:
    """Deterministic JSON text (keys in schema order, UTF-8, 2-space indent)."""
    check_metrics(metrics)
    return json.dumps(metrics, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def check_metrics(metrics: dict[str, Any]) -> None:
    """Raise ReportError unless `metrics` follows `SCHEMA`."""
    if tuple(metrics) != TOP_KEYS or metrics["schema"] != SCHEMA:
        raise ReportError(f"metrics keys {list(metrics)} do not follow {SCHEMA} {list(TOP_KEYS)}")
    for row in metrics["retention"]:
        if set(row) != {"months", "estimate", "lower", "upper", "method"}:
            raise ReportError(f"metrics retention row {row} has the wrong keys")
    for row in metrics["interventions"]:
        from workbench.reporting.target_trial import check_trial_json

        problems = check_trial_json(row.get("target_trial"), f"interventions.{row['code']}")
        if "target_trial" not in row or problems:
            raise ReportError(f"metrics interventions row {row['code']}: target_trial {problems}")
        verdict = row.get("verdict")
        if verdict is not None and tuple(verdict) != VERDICT_KEYS:
            raise ReportError(f"metrics interventions row {row['code']}: verdict keys "
                              f"{list(verdict)}, expected {list(VERDICT_KEYS)}")  # fmt: skip
    for row in metrics["competing"]:
        if set(row) != {"cause", "months", "estimate", "lower", "upper", "method", "role"}:
            raise ReportError(f"metrics competing row {row} has the wrong keys")
    _check_plain(metrics, "metrics")


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            _check_plain(v, f"{where}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
    elif isinstance(value, float) and not np.isfinite(value):
        raise ReportError(f"{where} is {value}; use null with a note")
    elif value is not None and not isinstance(value, bool | int | float | str):
        raise ReportError(f"{where} has type {type(value).__name__}; only plain JSON types allowed")


def without_provenance(text: str) -> dict[str, Any]:
    """A metrics.json text parsed, minus its provenance block (for reproducibility checks)."""
    d = json.loads(text)
    d.pop("provenance", None)
    return d
