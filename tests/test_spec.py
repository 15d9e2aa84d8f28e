"""YAML dataset specs for analysis-ready tables (workbench.spec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter

from workbench.codes import DAYS_PER_MONTH
from workbench.exceptions import DataError, ParameterError
from workbench.spec import SpecDataset, load_spec

ROOT = Path(__file__).resolve().parents[1]
ROSSI = ROOT / "params" / "examples" / "rossi.yaml"
# Published Cox estimates (Efron ties) for arrest ~ fin + age + race + wexp + mar + paro + prio.
ROSSI_COEF = [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711, 0.0914971]


def _spec(tmp_path: Path, text: str, table: str = "t,e,g\n3,1,a\n5,0,b\n") -> Path:
    (tmp_path / "t.csv").write_text(table, encoding="utf-8")
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rossi_spec_maps_weeks_to_days_and_arrest_to_event():
    spec = load_spec(ROSSI)
    raw = pd.read_csv(ROOT / "data" / "examples" / "rossi.csv")
    assert isinstance(spec, SpecDataset)
    assert (spec.name, spec.event_label, spec.time_unit) == ("rossi", "arrest", "weeks")
    assert spec.interventions == ("fin",)
    assert spec.covariates == ("age", "race", "wexp", "mar", "paro", "prio")
    f = spec.frame
    assert len(f) == 432
    assert (f["event"] == "relapse").sum() == 114  # 114 of 432 were re-arrested (Rossi et al.)
    np.testing.assert_allclose(f["lower_day"], raw["week"] * 7.0, rtol=0, atol=1e-12)
    hit = raw["arrest"].to_numpy() == 1
    np.testing.assert_allclose(f["upper_day"][hit], raw["week"][hit] * 7.0, rtol=0, atol=1e-12)
    assert f["upper_day"][~hit].isna().all()
    summary = spec.summary()
    assert summary.loc[0, ["n", "n_events", "n_censored", "n_exact"]].tolist() == [
        432,
        114,
        318,
        114,
    ]


def test_rossi_through_spec_reproduces_published_cox():
    f = load_spec(ROSSI).frame
    data = f[["fin", "age", "race", "wexp", "mar", "paro", "prio"]].assign(
        T=f["lower_day"], E=(f["event"] == "relapse").astype(int)
    )
    cph = CoxPHFitter().fit(data, duration_col="T", event_col="E")
    np.testing.assert_allclose(cph.params_.to_numpy(), ROSSI_COEF, rtol=0, atol=1e-5)


def test_months_and_id_and_group_by(tmp_path):
    path = _spec(
        tmp_path, "table: t.csv\ntime: t\nevent: e\ntime_unit: months\nid: g\ngroup_by: g\n"
    )
    f = load_spec(path).frame
    np.testing.assert_allclose(f["lower_day"], [3 * DAYS_PER_MONTH, 5 * DAYS_PER_MONTH], rtol=1e-12)
    assert f["id"].tolist() == ["a", "b"]
    assert f["g"].tolist() == ["a", "b"]
    assert f["event"].tolist() == ["relapse", "censored"]


def test_interval_spec_with_open_upper(tmp_path):
    table = "l,u\n0,6\n6,12\n12,inf\n18,\n"
    f = load_spec(
        _spec(tmp_path, "table: t.csv\nlower: l\nupper: u\ntime_unit: weeks\n", table)
    ).frame
    np.testing.assert_allclose(f["lower_day"], [0, 42, 84, 126], rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["upper_day"], [42, 84, np.nan, np.nan], rtol=0, atol=1e-12)
    assert f["event"].tolist() == ["relapse", "relapse", "censored", "censored"]
    assert f["id"].tolist() == ["2", "3", "4", "5"]


def test_event_mapping(tmp_path):
    table = "t,status\n3,rearrested\n5,free\n"
    text = (
        "table: t.csv\ntime: t\nevent: {column: status, relapse: [rearrested], censored: [free]}\n"
    )
    f = load_spec(_spec(tmp_path, text, table)).frame
    assert f["event"].tolist() == ["relapse", "censored"]


def test_true_false_events(tmp_path):
    f = load_spec(
        _spec(tmp_path, "table: t.csv\ntime: t\nevent: e\n", "t,e\n3,TRUE\n5,false\n")
    ).frame
    assert f["event"].tolist() == ["relapse", "censored"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("table: t.csv\ntime: t\nevent: e\ncolour: red\n", r"spec\.yaml: unknown key colour"),
        ("table: t.csv\ntime: t\n", r"spec\.yaml: key event is missing"),
        ("time: t\nevent: e\n", r"spec\.yaml: key table is missing"),
        ("table: t.csv\ntime: t\nlower: t\nupper: t\n", r"give either time or lower"),
        ("table: t.csv\nlower: t\n", r"lower and upper go together"),
        (
            "table: t.csv\ntime: t\nevent: e\ntime_unit: years\n",
            r"time_unit 'years' is not one of days, weeks, months",
        ),
        (
            "table: t.csv\ntime: t\nevent: e\ncovariates: [1, 2]\n",
            r"covariates must be a list of column names",
        ),
        ("table: t.csv\ntime: [t]\nevent: e\n", r"time must be a column name or text"),
        (
            "table: t.csv\ntime: t\nevent: {col: e}\n",
            r"event mapping needs keys column, relapse, censored",
        ),
        ("table: missing.csv\ntime: t\nevent: e\n", r"table missing\.csv does not exist"),
        ("- a\n- b\n", r"expected a mapping of keys"),
        ("table: [unclosed\n", r"spec\.yaml: not valid YAML"),
    ],
)
def test_spec_errors(tmp_path, text, message):
    with pytest.raises(ParameterError, match=message):
        load_spec(_spec(tmp_path, text))


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        (
            "t,e\n3,1\n",
            "table: t.csv\ntime: time\nevent: e\n",
            r"spec\.yaml: column time is not in t\.csv \(expected one of t, e\)",
        ),
        (
            "t,e\n3,1\nx,0\n",
            "table: t.csv\ntime: t\nevent: e\n",
            r"t\.csv row 3: t x is not a finite number",
        ),
        ("t,e\n3,1\n,0\n", "table: t.csv\ntime: t\nevent: e\n", r"t\.csv row 3: t is empty"),
        (
            "t,e\ninf,1\n",
            "table: t.csv\ntime: t\nevent: e\n",
            r"t\.csv row 2: t inf is not a finite number",
        ),
        (
            "l,u\n0,-inf\n",
            "table: t.csv\nlower: l\nupper: u\n",
            r"t\.csv row 2: u -inf is not a finite number",
        ),
        ("t,e\n-3,1\n", "table: t.csv\ntime: t\nevent: e\n", r"t\.csv row 2: t -3 is negative"),
        (
            "t,e\n3,2\n",
            "table: t.csv\ntime: t\nevent: e\n",
            r"t\.csv row 2: e 2 is not an event value",
        ),
        (
            "t,e,f\n3,1,2\n",
            "table: t.csv\ntime: t\nevent: e\ninterventions: [f]\n",
            r"intervention f 2 is not 0 or 1",
        ),
        ("l,u\n6,3\n", "table: t.csv\nlower: l\nupper: u\n", r"t\.csv row 2: u 3 is below l"),
        (
            "i,t,e\na,3,1\nb,4,0\na,5,1\n",
            "table: t.csv\nid: i\ntime: t\nevent: e\n",
            r"t\.csv row 4: i a appears again \(first in row 2\)",
        ),
        (
            "i,t,e\na,3,1\n,4,0\n",
            "table: t.csv\nid: i\ntime: t\nevent: e\n",
            r"t\.csv row 3: i is empty",
        ),
    ],
)
def test_table_errors(tmp_path, table, text, message):
    with pytest.raises(DataError, match=message):
        load_spec(_spec(tmp_path, text, table))


_CELL = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "-1", "inf", "nan", "1", "0", "true", "是", ",", '"']),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.lists(_CELL, min_size=1, max_size=5), min_size=1, max_size=4))
def test_malformed_rows_raise_only_data_error(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("spec")
    table = "id,l,u,e,fin\nA,0,6,1,0\n" + "\n".join(",".join(r) for r in rows) + "\n"
    (folder / "t.csv").write_text(table, encoding="utf-8")
    for text in (
        "table: t.csv\nid: id\ntime: l\nevent: e\ninterventions: [fin]\n",
        "table: t.csv\nlower: l\nupper: u\ncovariates: [fin]\n",
    ):
        (folder / "spec.yaml").write_text(text, encoding="utf-8")
        try:
            spec = load_spec(folder / "spec.yaml")
        except DataError as exc:
            assert "\n" not in str(exc)
            continue
        f = spec.frame
        assert (f["lower_day"] >= 0).all() and np.isfinite(f["lower_day"]).all()
        assert not np.isinf(f["upper_day"]).any()
        assert not (f["upper_day"] < f["lower_day"]).any()
