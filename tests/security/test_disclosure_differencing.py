"""Differencing attacks on official outputs (issue 15 item 2, docs/disclosure.md).

The attack: two reports whose scopes differ by one person; the difference of their metrics.json
(and HTML tables) gives that person's relapse, death, prefecture and visit count. Defences:
release periods are whole months and scopes obey the scope rules (so the attack's scopes are
refused), and every published count is perturbed by a cell key drawn from the scope's record set
(so a difference that slips through, e.g. one record corrected in the data, is the truth plus
noise). The batch below differences 80 overlapping scopes through the report's own code
(protect -> metrics.json / the coverage table) and measures what an attacker recovers; the same
attack on unprotected numbers recovers everything, so the test can fail.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_disclosure_threshold import simulated

from workbench.evaluation import contract
from workbench.evaluation.protect import protect
from workbench.evaluation.results import Counts, ReportResults
from workbench.exceptions import ParameterError
from workbench.params.report import ReportParams
from workbench.privacy import disclosure
from workbench.reporting import metrics as metrics_mod

K = 10
N_PAIRS = 80


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    from workbench.cohort import build_cohort
    from workbench.data.io import load_dataset

    data = simulated(tmp_path_factory.mktemp("diff") / "data", n=800, seed=9)
    ds = load_dataset(str(data))
    full = build_cohort(ds)
    visits = ds.visits["release_id"].value_counts()
    return full.assign(n_visits=full["release_id"].map(visits).fillna(0).astype(int))


def _raw(scope: pd.DataFrame) -> ReportResults:
    counts = contract.cohort_counts(scope, int(scope["n_visits"].sum()))
    regions = scope.groupby("prefecture", observed=True).agg(
        n=("release_id", "size"), observed=("event", lambda e: float(e.ne("relapse").mean()))
    )
    regions = regions.reset_index().rename(columns={"prefecture": "code"})
    regions = regions.assign(code=regions["code"].astype(str), expected=0.5, flag="")
    return ReportResults("contract", "s", "relapse", {}, None, (None, None), counts,
                         coverage=contract.prefecture_coverage(scope), endings=contract.endings_shares(scope),
                         regions=regions)  # fmt: skip


def published(scope: pd.DataFrame, protected: bool = True, raw=None) -> dict:
    """What a report of `scope` publishes: metrics.json, and the coverage table's counts."""
    raw = raw or _raw(scope)
    res = protect(raw, scope["release_id"], K) if protected else raw
    params = ReportParams.from_mapping({"data": "x", "suppression_threshold": K})
    doc = metrics_mod.build_metrics(res, params, 0, {})
    doc["coverage_table"] = res.coverage.set_index("prefecture")
    return doc


def _hits(big: dict, small: dict, person: pd.Series) -> dict[str, bool]:
    d = {f: (big["data"][f] or 0) - (small["data"][f] or 0)
         for f in ("n_relapses", "n_deaths", "n_visits")}  # fmt: skip
    diff = (big["coverage_table"]["n_releases"].astype(float)
            - small["coverage_table"]["n_releases"].astype(float)).drop("all")  # fmt: skip
    relapsed = person["event"] == "relapse"
    return {
        "relapse": (d["n_relapses"] >= 1) == relapsed,
        "relapse_tp": relapsed and d["n_relapses"] >= 1,  # true and false positives: the
        "relapse_fp": not relapsed and d["n_relapses"] >= 1,  # attacker's advantage
        "relapsed": relapsed,
        "death": (d["n_deaths"] >= 1) == (person["event"] == "death"),
        "visits": d["n_visits"] == person["n_visits"],
        "prefecture": diff.idxmax() == str(person["prefecture"]),
    }


@pytest.fixture(scope="module")
def attacked(cohort) -> dict[bool, dict[str, float]]:
    """Difference the full scope with N_PAIRS scopes each missing one person: the share of
    people whose relapse, death, prefecture and exact visit count the attacker gets right, on
    protected (True) and unprotected (False) outputs."""
    rng = np.random.default_rng(1)
    targets = rng.choice(len(cohort), size=N_PAIRS, replace=False)
    full = _raw(cohort)
    big = {p: published(cohort, p, full) for p in (True, False)}
    hits: dict[bool, list[dict[str, bool]]] = {True: [], False: []}
    for i in targets:
        scope = cohort.drop(index=cohort.index[i])
        raw = _raw(scope)
        for p in (True, False):
            hits[p].append(_hits(big[p], published(scope, p, raw), cohort.iloc[i]))
    out = {}
    for p in (True, False):
        h = pd.DataFrame(hits[p]).astype(float)
        rates = h.mean().to_dict()
        tpr = h["relapse_tp"].sum() / h["relapsed"].sum()
        fpr = h["relapse_fp"].sum() / (1 - h["relapsed"]).sum()
        out[p] = {key: rates[key] for key in _KEYS} | {"relapse_advantage": tpr - fpr}
    return out


_KEYS = ("relapse", "death", "prefecture", "visits")


def test_differencing_unprotected_numbers_recovers_everyone(attacked):
    """The control: without disclosure control the attack is exact."""
    assert attacked[False] == dict.fromkeys(_KEYS, 1.0) | {"relapse_advantage": 1.0}


def test_differencing_protected_outputs_recovers_no_one_reliably(cohort, attacked):
    """With the cell key, a one-person difference is buried in noise of spread ±6: the relapse
    guess's advantage (true minus false positive rate; 1 when exact, 0 for a coin) is about
    1/7 in theory (the bound leaves three standard errors for 80 pairs), a death guess is no
    better than always guessing "alive", the prefecture is rarely the largest difference
    (chance: 1/14) and the visit count rarely exact."""
    rates = attacked[True]
    assert rates["relapse_advantage"] <= 0.45, rates
    assert rates["relapse"] <= 0.72, rates
    assert rates["prefecture"] <= 0.35, rates
    assert rates["visits"] <= 0.25, rates
    death_base = cohort["event"].ne("death").mean()  # guessing "alive" is right this often
    assert rates["death"] <= death_base + 0.02, rates


def test_published_counts_are_consistent_and_reproducible(cohort):
    """The same records give the same numbers; one number has one value in a report (the
    relapse count in the data block and the endings table; the total row of coverage)."""
    a = published(cohort)
    b = published(cohort.sample(frac=1, random_state=3))
    assert a["data"] == b["data"]
    res = protect(_raw(cohort), cohort["release_id"], K)
    endings = res.endings.set_index("ending")["n"]
    assert endings["relapse"] == res.counts.n_relapses
    assert endings["death"] == res.counts.n_deaths
    total = res.coverage.set_index("prefecture").loc["all"]
    assert total["n_releases"] == res.counts.n_releases
    raw = contract.cohort_counts(cohort, 0)
    assert abs(res.counts.n_relapses - raw.n_relapses) <= 3
    changed = [
        f
        for f in ("n_releases", "n_relapses", "n_deaths")
        if getattr(res.counts, f) != getattr(raw, f)
    ]
    assert changed  # perturbation is on (a 1-in-343 chance of all three draws being 0)


def test_release_end_one_day_apart_is_refused():
    base = {"data": "x", "release_start": "2018-01-01"}
    ReportParams.from_mapping({**base, "release_end": "2018-06-30"})
    with pytest.raises(ParameterError, match=r"release_end 2018-06-29 is not the last day of a "
                       r"month.*use 2018-06-30"):  # fmt: skip
        ReportParams.from_mapping({**base, "release_end": "2018-06-29"})
    with pytest.raises(ParameterError, match=r"release_start 2018-01-02 .* use 2018-01-01"):
        ReportParams.from_mapping({"data": "x", "release_start": "2018-01-02"})
    internal = ReportParams.from_mapping(
        {**base, "release_end": "2018-06-29", "internal_use": 1 == 1}
    )
    assert internal.release_end == dt.date(2018, 6, 29)


def _scoped(cohort: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """The cohort table rows in the report's scope (as contract.scope_cohort)."""
    keep = pd.Series(True, index=cohort.index)
    for mask in contract.scope_masks(cohort, params).values():
        keep &= mask
    return cohort.loc[keep]


def _params(**extra) -> ReportParams:
    return ReportParams.from_mapping({"data": "x", "suppression_threshold": K, **extra})


def _month_end(period: pd.Period) -> str:
    return period.to_timestamp(how="end").date().isoformat()


def test_scope_rules_refuse_a_small_edge_month(cohort):
    months = cohort["release_date"].dt.to_period("M")
    sizes = months.value_counts().sort_index()
    small = sizes[(sizes > 0) & (sizes < K)].index[1]  # a month of 1-9 releases, not the first
    big = sizes[sizes >= K].index[2]
    params = _params(release_end=_month_end(small))
    scoped = _scoped(cohort, params)
    with pytest.raises(ParameterError, match=rf"release_end: the scope's last month \({small}\) "
                       rf"holds fewer than {K} releases"):  # fmt: skip
        contract.check_scope_rules(cohort, scoped, params)
    params = _params(release_end=_month_end(big))
    contract.check_scope_rules(cohort, _scoped(cohort, params), params)


def test_scope_rules_refuse_a_restriction_that_leaves_out_a_few(cohort):
    """A prefecture scope compared with the province differs by all other prefectures (fine);
    a period that cuts off fewer than k releases at the data's end is refused."""
    params = _params(prefecture=str(cohort["prefecture"].iloc[0]))
    contract.check_scope_rules(cohort, _scoped(cohort, params), params)
    months = cohort["release_date"].dt.to_period("M")
    last = months.max()
    cut = last - 1
    while (months > cut).sum() < 1 or months.eq(cut).sum() < K:
        cut -= 1
    left_out = int((months > cut).sum())
    params = _params(release_end=_month_end(cut))
    scoped = _scoped(cohort, params)
    if left_out < K:
        with pytest.raises(ParameterError, match=r"release_end leaves out fewer than 10 people"):
            contract.check_scope_rules(cohort, scoped, params)
    masks = {"a": pd.Series([True] * 30 + [False] * 3), "b": pd.Series([True] * 33)}
    with pytest.raises(ParameterError, match="a leaves out fewer than 10 people"):
        disclosure.check_scope(pd.Series([pd.Period("2018-01", "M")] * 33), masks, K)


def test_a_scope_below_the_threshold_is_not_refused_but_shows_nothing(cohort):
    tiny = cohort.iloc[:7]
    params = _params(release_end=_month_end(tiny["release_date"].dt.to_period("M").max()))
    contract.check_scope_rules(cohort, tiny, params)  # everything in it is suppressed anyway
    doc = published(tiny)
    assert doc["data"]["n_releases"] is None and doc["coverage"] is None


def test_rates_of_an_11_person_scope_are_withheld():
    """The issue's case: 11 people, "<10" relapses, but retention 50.0 % with n = 11."""
    ms = pd.DataFrame({"months": [12.0, 24.0], "estimate": [0.5, 0.95], "lower": [0.2, 0.8],
                       "upper": [0.8, 1.0], "method": "Turnbull"})  # fmt: skip
    counts = Counts(n_releases=11, n_visits=40, n_relapses=5, n_deaths=0, n_censored={})
    raw = ReportResults("contract", "s", "relapse", {}, None, (None, None), counts,
                        milestones=ms, median_day=200.0)  # fmt: skip
    res = protect(raw, [f"r{i}" for i in range(11)], K)
    assert res.milestones["estimate"].isna().all() and res.milestones["withheld"].all()
    assert res.median_day is None
    params = ReportParams.from_mapping({"data": "x"})
    doc = metrics_mod.build_metrics(res, params, 0, {})
    assert [r["estimate"] for r in doc["retention"]] == [None, None]
    assert any("retention.12: withheld" in n for n in doc["notes"])
    for p, n, ok in [(0.5, 11, False), (0.5, 20, True), (0.95, 100, False), (0.9, 100, True),
                     (0.05, 400, True), (0.01, 400, False), (1.0, 500, False)]:  # fmt: skip
        assert disclosure.rate_allowed(p, n, K) is ok, (p, n)


def test_scope_key_is_the_published_constant():
    # The key seeds every published perturbation: pinned to the bytes used since the first
    # release (b"workbench.disclosure/1\0", not the module's path), order of ids irrelevant.
    expected = "a6b6f995292ccaee0c89df36b2efd6bf4ecfb185903ec2d1a03eb41917b3325e"
    assert disclosure.scope_key(["R2", "R1"]).hex() == expected
