"""The fair ranking as published: disclosure control (nothing about a small region, no raw
counts), the tile map (every prefecture placed, unranked ones hatched without a number), the
summary's words and metrics.json's `regions[*].shrunken`."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

from workbench.data import codes
from workbench.evaluation.protect import protect_ranking
from workbench.evaluation.results import Counts, ReportResults
from workbench.i18n import t
from workbench.privacy import disclosure as dc
from workbench.reporting import metrics, ranking_section, tile_map
from workbench.reporting.figures import short_name

THRESHOLD = 100  # large, so that some prefectures of the 3,000-release cohort are left out


@pytest.fixture(scope="module")
def raw_and_published(small_sim):
    from workbench.cohort.contract import as_cohort
    from workbench.evaluation.contract import ranking_tables
    from workbench.params.report import ReportParams

    cohort = as_cohort(small_sim.dataset).table
    params = ReportParams(data="x", suppression_threshold=THRESHOLD, internal_use=True)
    raw = ranking_tables(cohort, params)
    key = dc.scope_key(cohort["release_id"])
    return cohort, raw, protect_ranking(raw, key, THRESHOLD)


def results_with(ranking: dict) -> ReportResults:
    return ReportResults(kind="contract", source="x", event_label="relapse", sha256={},
                         cutoff=None, period=(None, None), counts=Counts(3000, 0, 0, 0),
                         ranking=ranking)  # fmt: skip


def test_published_ranking_shows_nothing_about_small_regions(raw_and_published):
    cohort, raw, published = raw_and_published
    pref = published["prefecture"]
    assert not {"observed", "expected", "data_weight"} & set(pref.columns)
    n = cohort["prefecture"].astype(str).value_counts()
    relapses = cohort.loc[cohort["event"].eq("relapse"), "prefecture"].astype(str).value_counts()
    for code in pref["code"]:
        assert n[code] >= THRESHOLD and relapses[code] >= THRESHOLD
        assert n[code] - relapses[code] >= THRESHOLD
    assert len(pref) < 14  # some prefectures are left out at this threshold
    # one draw (|d| <= 6 here) times one relapse's weight: the published estimate stays within
    # 6 / relapses of the raw one on the log-ratio scale
    merged = pref.merge(raw["prefecture"], on="code", suffixes=("", "_raw"))
    moved = np.abs(np.log(merged["ratio"] / merged["ratio_raw"]))
    assert (moved <= 6 / merged["observed"] + 1e-3).all()


def test_tile_map_hatches_what_is_not_ranked(raw_and_published):
    _, _, published = raw_and_published
    pref = published["prefecture"]
    for lang in ("zh", "en"):
        fig = tile_map.draw_tile_map(pref, lang)
        ax = fig.axes[0]
        labels = [a.get_text() for a in ax.texts]
        assert len(labels) == 14  # one tile per prefecture
        for code in tile_map.TILES:
            name = short_name(code, lang)
            text = next(x for x in labels if x.split("\n")[0] == name)
            assert ("%" in text) == (code in set(pref["code"]))  # no number on a hatched tile
        hatched = [p for p in ax.patches if p.get_hatch()]
        assert len(hatched) == 14 - len(pref)
        alt = tile_map.alt_text(pref, lang)
        hidden = [c for c in tile_map.TILES if c not in set(pref["code"])]
        assert all(codes.label("prefecture", c, lang) in alt for c in hidden)
    alt = html.escape(tile_map.alt_text(pref, "en"), quote=True)
    assert f'alt="{alt}"' in tile_map.tile_map(pref, "en")


def test_where_lines_follow_the_95_percent_intervals():
    table = pd.DataFrame(
        {
            "code": ["changsha", "hengyang", "loudi", "yiyang"],
            "rank": [1, 2, 3, 4],
            "rank_lower": [1, 1, 2, 3],
            "rank_upper": [2, 3, 4, 4],
            "p_below": [0.02, 0.03, 0.97, 0.98],
        }
    )
    lines = ranking_section.where_lines(results_with({"prefecture": table}), "en")
    name = {c: codes.label("prefecture", c, "en") for c in table["code"]}
    assert lines[0] == t("rk_where_above", "en", names=name["changsha"])
    assert lines[1] == t("rk_where_below", "en", names=name["yiyang"])
    assert lines[2] == t("rk_where_rest", "en", n=2)
    assert lines[3] == t("rk_where_top", "en", name=name["changsha"], lo=1, hi=2)
    assert ranking_section.where_lines(results_with({}), "zh") == []
    sure = table.assign(rank_upper=[1, 3, 4, 4])  # the top's rank interval is [1, 1]
    lines = ranking_section.where_lines(results_with({"prefecture": sure}), "zh")
    assert lines[-1] == t(
        "rk_where_top_sure", "zh", name=codes.label("prefecture", "changsha", "zh")
    )


def test_metrics_carry_the_shrunken_block(raw_and_published):
    _, _, published = raw_and_published
    pref = published["prefecture"]
    regions = pd.DataFrame({"code": pref["code"], "n": pref["n"], "observed": 0.5,
                            "expected": 0.5, "flag": ""})  # fmt: skip
    results = results_with(published)
    results = ReportResults(**{**results.__dict__, "regions": regions})
    rows = metrics._regions(results, THRESHOLD, [])
    keys = {"estimate", "lower", "upper", "rank_lower", "rank_upper", "p_below"}
    assert all(set(r["shrunken"]) == keys for r in rows)
    first = next(r for r in rows if r["code"] == pref["code"].iloc[0])
    assert first["shrunken"]["estimate"] == pytest.approx(pref["estimate"].iloc[0], abs=1e-4)
