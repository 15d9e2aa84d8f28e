"""Strict JSON: NaN/inf become null, every null number carries a reason, NaN text is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench import jsonout


def test_plain_turns_numpy_and_non_finite_into_json_types():
    value = {"a": np.float64("nan"), "b": np.inf, "c": -np.inf, "d": np.int64(3), "e": np.bool_(1)}
    assert jsonout.plain(value) == {"a": None, "b": None, "c": None, "d": 3, "e": True}
    assert jsonout.plain([np.float32(0.5), pd.Timestamp("2020-01-02")]) == [
        0.5,
        "2020-01-02T00:00:00",
    ]


def test_records_give_every_null_number_a_reason():
    frame = pd.DataFrame(
        {"x": [1.0, np.nan, np.nan], "reason": [None, "follow-up ends at day 364", None]}
    )
    rows = jsonout.records(frame, reason="not estimable")
    assert rows[0] == {"x": 1.0}
    assert rows[1] == {"x": None, "reason": "follow-up ends at day 364"}
    assert rows[2] == {"x": None, "reason": "not estimable"}
    # a float reason column (NaN where nothing is missing) is not a number that needs a reason
    mixed = pd.DataFrame({"x": [1.0, np.nan], "reason": [np.nan, "not reached"]})
    assert jsonout.records(mixed) == [{"x": 1.0}, {"x": None, "reason": "not reached"}]
    with pytest.raises(ValueError, match="without a reason"):
        jsonout.records(pd.DataFrame({"x": [np.nan]}))


def test_dumps_is_strict_and_loads_refuses_nan():
    text = jsonout.dumps({"x": float("nan"), "y": [1, float("inf")]})
    assert "NaN" not in text and "Infinity" not in text
    assert jsonout.loads(text) == {"x": None, "y": [1, None]}
    for bad in ('{"x": NaN}', '{"x": Infinity}', '{"x": -Infinity}'):
        with pytest.raises(ValueError, match="not valid JSON"):
            jsonout.loads(bad)
    with pytest.raises(TypeError):
        jsonout.dumps({"x": object()})
