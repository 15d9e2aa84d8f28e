"""YAML dataset specs for analysis-ready tables (workbench.data.spec)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter

from workbench.data.codes import DAYS_PER_MONTH
from workbench.data.spec import SpecDataset, load_spec
from workbench.exceptions import DataError, ParameterError

ROOT = Path(__file__).resolve().parents[2]
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
            "table: t.csv\ntime: t\nevent: e\ntime_unit: decades\n",
            r"time_unit 'decades' is not one of days, weeks, months, years",
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
            "l,u\n0,1e400\n",
            "table: t.csv\nlower: l\nupper: u\n",
            r"t\.csv row 2: u 1e400 is not a finite number",
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
            r"t\.csv row 2: f 2 is not a treatment value \(expected 1/0, true/false, yes/no or 是/否\)",
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


def test_arms_take_event_words_and_a_treated_untreated_mapping(tmp_path):
    table = "t,e,a,b\n3,1,yes,TREAT\n5,0,否,placebo\n7,1,True,Control\n"
    text = (
        "table: t.csv\ntime: t\nevent: e\ndesign: randomized\n"
        "arms: [a, {column: b, treated: [treat], untreated: [placebo, control]}]\n"
    )
    spec = load_spec(_spec(tmp_path, text, table))
    assert spec.design == "randomised"
    assert spec.interventions == ("a", "b")
    assert spec.frame["a"].tolist() == [1, 0, 1]
    assert spec.frame["b"].tolist() == [1, 0, 0]


def test_text_covariates_reference_and_complete_cases(tmp_path):
    table = "t,e,house,age\n3,1,housed,30\n5,0,homeless,\n7,1,housed,40\n9,0,,50\n4,1,homeless,35\n"
    text = (
        "table: t.csv\ntime: t\nevent: e\ncovariates: [house, age]\nreference: {house: homeless}\n"
    )
    spec = load_spec(_spec(tmp_path, text, table))
    assert spec.reference == {"house": "homeless"}
    assert spec.frame["house"].tolist() == ["housed", "housed", "homeless"]
    assert spec.frame["age"].tolist() == [30.0, 40.0, 35.0]
    assert (spec.n_dropped, spec.dropped) == (2, {"house": 1, "age": 1})
    assert spec.summary().loc[0, "n_dropped"] == 2
    assert any("2 row(s) with an empty value" in n and "house (1)" in n for n in spec.notes)
    with pytest.raises(DataError, match=r"t\.csv row 3: age is empty \(the spec says missing"):
        load_spec(_spec(tmp_path, text + "missing: error\n", table))


def test_competing_strata_cluster_weights_entry_and_start_label(tmp_path):
    table = "t,s,site,w,enter\n3,2,a,1.5,0\n5,0,b,1,1\n7,1,a,2,2\n2,1,b,1,0\n"
    text = (
        "table: t.csv\ntime: t\ntime_unit: weeks\n"
        "event: {column: s, relapse: [2], censored: [0], competing: [1], competing_label: death}\n"
        "strata: [site]\ncluster: site\nweights: w\nentry: enter\n"
        "start_label: {zh: 随机分组, en: randomisation}\n"
    )
    spec = load_spec(_spec(tmp_path, text, table))
    f = spec.frame
    assert f["event"].tolist() == ["relapse", "censored", "death", "death"]
    np.testing.assert_allclose(f["death_day"], [np.nan, np.nan, 49, 14], rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["upper_day"], [21, np.nan, np.nan, np.nan], rtol=0, atol=1e-12)
    np.testing.assert_allclose(f["entry_day"], [0, 7, 14, 0], rtol=0, atol=1e-12)
    assert f["w"].tolist() == [1.5, 1.0, 2.0, 1.0]
    assert (spec.strata, spec.cluster, spec.weights, spec.entry) == (("site",), "site", "w", True)
    assert spec.start_label == {"zh": "随机分组", "en": "randomisation"}
    assert spec.competing_label == "death"
    assert spec.summary().loc[0, "n_competing"] == 2
    assert load_spec(_spec(tmp_path, "table: t.csv\ntime: t\nevent: e\n")).start_label["en"] == (
        "release"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("design: trial\n", r"design 'trial' is not one of randomised, observational"),
        ("missing: impute\n", r"missing 'impute' is not one of complete_case, error"),
        ("interventions: [e]\narms: [e]\n", r"give interventions or arms, not both"),
        ("arms: [{column: g, treated: [a]}]\n", r"arms mapping needs exactly the keys column"),
        ("arms: [g, g]\n", r"arms lists a column twice"),
        ("start_label: {en: x}\n", r"start_label must give zh and en text"),
        ("covariates: [g]\nreference: {g: z}\n", r"reference level 'z' of g is not one of a, b"),
        ("reference: {g: a}\n", r"reference given for g, which is not a covariate"),
        ("strata: site\n", r"strata must be a list of column names"),
        ("cluster: [g]\n", r"cluster must be a column name"),
        ("weights: w\n", r"column w is not in t\.csv"),
    ],
)
def test_grown_grammar_errors(tmp_path, text, message):
    with pytest.raises((ParameterError, DataError), match=message):
        load_spec(_spec(tmp_path, "table: t.csv\ntime: t\nevent: e\n" + text))


@pytest.mark.parametrize(
    ("table", "text", "message"),
    [
        ("t,e,a\n3,1,maybe\n", "arms: [a]", r"row 2: a maybe is not a treatment value"),
        (
            "t,e,a\n3,1,x\n",
            "arms: [{column: a, treated: [y], untreated: [n]}]",
            r"row 2: a x is not a treatment value \(expected one of treated y or untreated n\)",
        ),
        ("t,e,w\n3,1,-1\n", "weights: w", r"row 2: w -1 is not a weight > 0"),
        # a weight of 0 adds nothing and the Cox fits refuse it: said at load, with the row
        ("t,e,w\n3,1,1\n4,0,0\n", "weights: w", r"row 3: w 0 is not a weight > 0.*remove the row"),
        ("t,e,n\n3,1,4\n", "entry: n", r"row 2: n 4 is after the follow-up time"),
        ("t,e,a\n3,1,\n", "covariates: [a]", r"t\.csv: every row has an empty cell in a"),
    ],
)
def test_grown_grammar_value_errors(tmp_path, table, text, message):
    with pytest.raises(DataError, match=message):
        load_spec(_spec(tmp_path, f"table: t.csv\ntime: t\nevent: e\n{text}\n", table))


def test_competing_label_at_top_level_or_in_the_event_mapping_not_both(tmp_path):
    table = "t,s\n3,2\n5,1\n"
    event = "event: {column: s, relapse: [2], censored: [0], competing: [1]"
    spec = load_spec(
        _spec(tmp_path, f"table: t.csv\ntime: t\n{event}}}\ncompeting_label: death\n", table)
    )
    assert spec.competing_label == "death"
    with pytest.raises(ParameterError, match="competing_label must be text, given once"):
        load_spec(
            _spec(
                tmp_path,
                f"table: t.csv\ntime: t\n{event}, competing_label: x}}\ncompeting_label: y\n",
                table,
            )
        )
