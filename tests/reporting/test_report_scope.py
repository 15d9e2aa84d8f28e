"""The report's scoped dataset: the dataset itself for a whole-dataset scope, else a filter."""

from __future__ import annotations

import pandas as pd

from workbench.evaluation.models import scoped_dataset
from workbench.simulate import simulate


def test_whole_scope_is_the_dataset_itself_and_a_part_filters_every_table():
    ds = simulate(n=200, seed=11).dataset
    assert scoped_dataset(ds, ds.releases["release_id"]) is ds
    part = ds.releases["release_id"].iloc[:50]
    sub = scoped_dataset(ds, part)
    for name in ("releases", "visits", "interventions", "events"):
        table = getattr(ds, name)
        expected = table[table["release_id"].isin(set(part))].reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(sub, name), expected)
    assert len(sub.releases) == 50
