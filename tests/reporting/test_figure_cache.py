"""The report's figures drawn once (issue 23): keyed by content, the cached ``<img>`` equal to a
freshly drawn one, and the kernel's prewarm leaving the other language nothing to draw."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pandas as pd
import pytest
from support import make_dataset

from workbench.evaluation import analyse
from workbench.evaluation.analysis import CODE_VERSION_ENV
from workbench.params.report import ReportParams
from workbench.reporting import figure_ahead, figure_cache, figures, kernel_state

FIGURES = "workbench.reporting.figures"


def curve() -> pd.DataFrame:
    time = np.arange(0.0, 400.0, 20.0)
    estimate = np.exp(-time / 500)
    return pd.DataFrame(
        {"time": time, "estimate": estimate, "lower": estimate - 0.05, "upper": estimate + 0.03}
    )


def key(*args, name: str = "retention_curve", **kwargs) -> str | None:
    return figure_cache.figure_key(FIGURES, name, args, kwargs)


def test_key_is_the_content_not_the_object():
    c = curve()
    k = key(c, None, "en")
    assert k == key(c.copy(), None, "en")  # another object, same content
    assert k != key(c, None, "zh")  # language
    assert k != key(c, None, "en", name="funnel")  # drawing function
    assert k != key(c, None, "en", ylabel="x")  # keyword argument
    nudged = c.copy()
    nudged.loc[3, "estimate"] += 1e-12  # any value
    assert k != key(nudged, None, "en")
    renamed = c.rename(columns={"lower": "low"})
    assert k != key(renamed, None, "en")
    assert k != key(c.astype({"time": "float32"}), None, "en")  # dtype
    assert k != key(c.iloc[::-1], None, "en")  # row order


def test_key_changes_with_the_code_version(monkeypatch):
    keys = []
    for version in ("a", "b"):
        monkeypatch.setenv(CODE_VERSION_ENV, version)
        figure_cache._environment.cache_clear()
        keys.append(key(curve(), None, "en"))
    figure_cache._environment.cache_clear()
    assert keys[0] != keys[1]


def test_an_argument_it_cannot_key_is_drawn_and_not_cached():
    assert key(curve(), None, "en", ylabel=object()) is None


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cached_image_equals_a_freshly_drawn_one(cache_dir):
    drawn = figure_cache.DRAWN["n"]
    first = figure_cache.retention_curve(curve(), None, "en", "y", "x")
    assert figure_cache.DRAWN["n"] == drawn + 1
    again = figure_cache.retention_curve(curve(), None, "en", "y", "x")
    assert figure_cache.DRAWN["n"] == drawn + 1  # from the cache
    assert again == first == figures.retention_curve(curve(), None, "en", "y", "x")
    assert 'src="data:image/png;base64,' in again


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small cohort's analyses (both languages share them) in a private cache."""
    root = tmp_path_factory.mktemp("figcache")
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
    data = make_dataset(root / "data")
    text = {"data": str(data), "name": "small", "n_bootstrap": 5, "seed": 11, "lang": "zh"}
    (root / "zh.yaml").write_text(json.dumps(text), "utf-8")
    zh = ReportParams.from_yaml(root / "zh.yaml")
    yield analyse(zh), zh
    mp.undo()


def test_sections_from_the_cache_equal_drawn_ones_and_prewarm_draws_the_other_language(small):
    """Every figure section's HTML is byte-identical whether its figures were drawn or came
    from the cache; after `prewarm(['en'])` the English sections draw nothing, and their HTML
    equals the English sections drawn without a cache."""
    results, zh = small
    en = ReportParams.from_mapping({**zh.to_mapping(), "lang": "en"})
    builds = figure_ahead.figure_sections(results)
    assert len(builds) >= 5  # retention, tiers, effects, regions, ranking at least

    def html(params) -> tuple[list[str], int]:
        before = figure_cache.DRAWN["n"]
        out = [b(results, params).html for b in builds]
        return out, figure_cache.DRAWN["n"] - before

    drawn_zh, n_zh = html(zh)
    assert n_zh >= 5
    cached_zh, n_again = html(zh)
    assert n_again == 0 and cached_zh == drawn_zh
    assert kernel_state.prewarm(["en"], {"results": results, "params": zh}) == n_zh
    cached_en, n_en = html(en)
    assert n_en == 0
    with pytest.MonkeyPatch.context() as mp:  # a cache that cannot be used: everything drawn
        mp.setenv("WORKBENCH_CACHE_DIR", "/proc/no-cache-here")
        fresh_en, n_fresh = html(en)
    assert n_fresh == n_zh and fresh_en == cached_en


def test_the_parent_draws_ahead_from_the_last_figure_into_the_cache(small, tmp_path):
    """`ahead` (the parent's thread while the kernel runs the notebook) fills an empty cache with
    the report's figures, backwards, and stops at the end of its block; a scoped report's (whose
    sections read the province benchmark) draws nothing."""
    results, zh = small
    builds = figure_ahead.figure_sections(results)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "empty"))
        start = figure_cache.DRAWN["n"]
        with figure_ahead.ahead(results, zh):
            for _ in range(600):  # done within 60 s even on a loaded machine
                if not any(t.name == "figures-ahead" for t in threading.enumerate()):
                    break
                time.sleep(0.1)
        assert figure_cache.DRAWN["n"] - start >= 5  # as many as the test above draws
        before = figure_cache.DRAWN["n"]
        [b(results, zh) for b in builds]
        assert figure_cache.DRAWN["n"] == before  # all from the cache
        scoped = ReportParams.from_mapping({**zh.to_mapping(), "prefecture": "changsha"})
        mp.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "scoped"))
        with figure_ahead.ahead(results, scoped):
            time.sleep(1.0)
        assert figure_cache.DRAWN["n"] == before
