"""Research notebooks: hygiene (no outputs, no def/class, parameters match their parameter set)
and every notebook executed by papermill with small parameters, then rendered to HTML."""

from __future__ import annotations

import ast
import dataclasses
import html
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from workbench.exceptions import ParameterError
from workbench.params.notebook import PARAMETER_SETS, execute, parameter_set

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = tuple(PARAMETER_SETS)

# small, fast parameters (the whole file should stay well under 3 minutes on 2 cores)
SMALL = {
    "01_cohort_and_followup": {"n_simulated": 800, "n_examples": 4},
    "02_retention_and_relapse": {
        "n_simulated": 800,
        "n_bootstrap": 5,
        "groups": ["sex", "primary_drug"],
    },
    "03_support_effects": {"n_simulated": 1000, "n_bootstrap": 3},
    "04_method_checks": {"n_replicates": 2, "n_per_replicate": 500, "n_bootstrap": 3},
    "05_bring_your_own_data": {"n_bootstrap": 5},
}


def _kernel() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return "workbench" if "workbench" in specs else "python3"


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = _read(name)
    for cell in _code_cells(nb):
        assert cell.outputs == []
        assert cell.execution_count is None
    for cell in nb.cells:  # no traces of an execution (papermill, JupyterLab timing)
        assert not {"papermill", "execution"} & set(cell.metadata)
        assert "injected-parameters" not in cell.metadata.get("tags", [])
    assert nb.metadata["kernelspec"]["name"] == "workbench"
    assert nb.metadata["kernelspec"]["display_name"] == "Workbench (Python 3.11)"  # as `make lab`


@pytest.mark.parametrize("name", NAMES)
def test_no_def_or_class_in_cells(name):
    banned = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for cell in _code_cells(_read(name)):
        tree = ast.parse(cell.source)
        found = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, banned)]
        assert found == [], f"{name}: {found} in cell\n{cell.source}"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_then_validation_cell(name):
    code = _code_cells(_read(name))
    assert code[0].metadata.get("tags") == ["parameters"]
    assert f"{PARAMETER_SETS[name].__name__}.from_mapping(" in code[1].source
    assert 'warnings.simplefilter("error", StatisticalWarning)' in code[1].source


@pytest.mark.parametrize("name", NAMES)
def test_parameter_names_and_defaults_match_the_parameter_set(name):
    inferred = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    cls = PARAMETER_SETS[name]
    assert list(inferred) == list(cls.field_names())
    for f in dataclasses.fields(cls):
        default = ast.literal_eval(inferred[f.name]["default"])
        expected = f.default
        if isinstance(expected, tuple):
            expected = list(expected)
        assert default == expected, f"{name}: {f.name}"


def test_every_notebook_has_a_parameter_set():
    on_disk = sorted(p.stem for p in NOTEBOOKS.glob("0*.ipynb"))
    assert on_disk == sorted(NAMES)


def test_unknown_parameter_is_refused_before_running(tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'n_simulate'; valid parameters"):
        execute(NOTEBOOKS / "01_cohort_and_followup.ipynb", tmp_path / "x.ipynb", {"n_simulate": 5})
    with pytest.raises(ParameterError, match="'06_x' is not a research notebook"):
        parameter_set("06_x.ipynb")


def test_bad_parameter_value_stops_in_the_validation_cell(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        execute(
            NOTEBOOKS / "05_bring_your_own_data.ipynb",
            tmp_path / "bad.ipynb",
            {"n_bootstrap": -1},
            kernel_name=_kernel(),
        )
    assert err.value.ename == "ParameterError"
    assert "n_bootstrap -1 is below its minimum 0" in err.value.evalue
    # the validation cell (after papermill's injected parameters), before any analysis
    assert err.value.exec_count == 3
    assert "OwnDataParams.from_mapping(" in err.value.source


# English words a Chinese notebook may show on purpose: method and model names, statistical
# symbols, the Rossi data's own column names and file names (checked word by word).
KEPT = {
    "NPMLE", "Turnbull", "Kaplan", "Meier", "KM", "Cox", "PH", "IC", "AFT", "AIC", "SMD", "HR",
    "RMST", "NNT", "Aalen", "Johansen", "Kuhn", "Tucker", "rr", "id", "fin", "race", "wexp", "mar",
    "paro", "prio", "bench", "README", "md",
}  # fmt: skip
ENGLISH = re.compile(r"[A-Za-z]{2,}")
# and in the narrative: authors, designs' abbreviations, file formats (code in backticks is
# skipped: parameter and column names are kept as written)
PROSE_KEPT = {
    "logistic", "Wald", "ATE", "ATO", "VanderWeele", "Greenwood", "Hudgens", "Satten", "Longini",
    "Sun", "Efron", "Rossi", "Berk", "Lenihan", "lifelines", "CSV", "Excel", "Parquet", "YAML",
    "interval", "ictest", "coxph", "load_rossi", "Maryland", "Weibull", "log", "rank", "Schoenfeld",
}  # fmt: skip
CODE_SPAN = re.compile(r"`[^`]*`|{[^}]*}")  # code, and a catalog entry's format fields


def english_words(text: str) -> set[str]:
    """Words of two or more Latin letters in `text` that are not kept on purpose."""
    return {w for w in ENGLISH.findall(text) if w not in KEPT}


def test_english_words_are_found_and_kept_words_are_not():
    assert english_words("出所后月数（月）") == set()
    assert english_words("Turnbull NPMLE（基于区间 (L, R]）") == set()
    assert english_words("Months since release") == {"Months", "since", "release"}
    assert english_words("复吸: nan") == {"nan"}


def prose_english_words(markdown: str) -> set[str]:
    """English words of a narrative in a Chinese notebook, beyond the kept words."""
    return english_words(CODE_SPAN.sub(" ", markdown)) - PROSE_KEPT


PROSE_CALL = re.compile(r'"(nbp\w+)"')  # a prose key in a cell (display.prose's first argument)


def test_prose_comes_from_the_catalog_in_both_languages():
    """Every notebook's narrative after its bilingual title is a `display.prose` call of a
    catalog entry (workbench/i18n/notebook_prose.py), so it follows `lang`; no markdown cell
    holds one-language prose; every prose entry is used by a notebook."""
    from workbench.i18n import TEXT, notebook_prose

    used = []
    for name in NAMES:
        nb = _read(name)
        markdown = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]
        assert markdown == [0], f"{name}: markdown cells {markdown[1:]}: put the prose in "
        "workbench/i18n/notebook_prose.py and show it with display.prose(key, lang)"
        title = nb.cells[0].source
        assert re.search(r"[\u4e00-\u9fff]", title) and "`lang`" in title, name  # both languages
        used += [k for c in _code_cells(nb) for k in PROSE_CALL.findall(c.source)]
    assert all(k in TEXT for k in used), [k for k in used if k not in TEXT]
    assert sorted(set(used)) == sorted(notebook_prose.ENTRIES)
    for key in notebook_prose.ENTRIES:
        assert not prose_english_words(TEXT[key]["zh"]), (key, prose_english_words(TEXT[key]["zh"]))


OUTLINE = "# § "  # an unrun notebook's outline: the first line(s) of every prose cell


def prose_outline(key: str) -> str:
    """The comment line naming a prose cell's content in English, so that a notebook opened
    unrun reads as an outline (heading, else first sentence; format fields as "…")."""
    from workbench.i18n import TEXT

    text = TEXT[key]["en"].strip().replace("**", "").replace("`", "")
    first = text.splitlines()[0]
    if first.startswith("#"):
        words = first.lstrip("#").strip()
    else:
        words = re.split(r"(?<=[.?!])\s", text.replace("\n", " "), maxsplit=1)[0]
    words = re.sub(r"{[^}]*}", "…", words)
    if len(OUTLINE) + len(words) > 98:
        words = words[: 97 - len(OUTLINE)].rstrip() + "…"
    return OUTLINE + words


def test_prose_cells_start_with_their_outline_in_english():
    """Opened unrun, a prose cell shows its section heading (or first sentence) as a comment
    above the `display.prose` call, so the notebook reads as an outline before it runs (the
    title cell says to run it for the text in the chosen language)."""
    for name in NAMES:
        nb = _read(name)
        title = nb.cells[0].source
        assert "Run All" in title and "全部运行" in title, name
        for cell in _code_cells(nb):
            keys = PROSE_CALL.findall(cell.source)
            if not keys or "display.prose(" not in cell.source:
                continue
            head = cell.source.splitlines()[: len(keys)]
            assert head == [prose_outline(k) for k in keys], (name, cell.source)


CODE_WORDS = {"NPMLE", "GLOBAL"}  # estimator or test codes where a table cell needs a word


def _outputs(nb) -> list:
    return [o for c in _code_cells(nb) for o in c.outputs]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_in_chinese_executes_and_renders(name, tmp_path):
    """Executed in zh: no error or warning; every figure shown once with alt text, Chinese
    texts and no legend over data or overlapping text; every table a whole `display.table`
    with Chinese headers; the HTML export has alt text on every image."""
    from nbconvert import HTMLExporter

    out = tmp_path / f"{name}.ipynb"
    nb = execute(NOTEBOOKS / f"{name}.ipynb", out, {**SMALL[name], "lang": "zh"},
                 kernel_name=_kernel())  # fmt: skip
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    streams = " ".join(o.text for o in outputs if o.output_type == "stream")
    assert "Warning" not in streams, streams  # StatisticalWarning, FutureWarning, ...
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 1
    for image in images:
        meta = image.metadata["image/png"]  # shown by display.figure, nothing else
        assert meta["alt"].startswith("图：") and len(meta["alt"]) > 5
        texts = meta["workbench"]["texts"]
        assert texts and not set().union(*map(english_words, texts)), texts
        assert meta["workbench"]["layout_problems"] == [], meta["alt"]
    tables = [
        o.data["text/html"] for o in outputs if "<table" in o.get("data", {}).get("text/html", "")
    ]
    for table in tables:
        assert 'class="dataframe workbench-table"' in table  # whole: never pandas' cut repr
        headers = [html.unescape(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, re.S)]
        assert headers and not set().union(*map(english_words, headers)), headers
        if headers == ["项目", "数值"]:  # a record (display.record): its items are headers too
            items = [html.unescape(i) for i in re.findall(r"<tr><td[^>]*>(.*?)</td>", table)]
            assert items and not set().union(*map(english_words, items)), items
        assert "…" not in table and "..." not in table
    prose = [o.data["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert prose and not set().union(*map(prose_english_words, prose)), prose
    cells = {
        html.unescape(c) for table in tables for c in re.findall(r"<td[^>]*>(.*?)</td>", table)
    }
    assert not cells & CODE_WORDS, cells & CODE_WORDS  # a group named "NPMLE", a row "GLOBAL"
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert "<html" in page and len(page) > 10_000
    assert not re.findall(r"<img(?![^>]*\balt=)[^>]*>", page)


def _tables_and_prose(nb) -> tuple[str, str]:
    """All table cells' text and all narrative of an executed notebook (to search in)."""
    outputs = _outputs(nb)
    tables = " | ".join(
        html.unescape(c)
        for o in outputs
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", o.get("data", {}).get("text/html", ""))
    )
    prose = "\n".join(
        o.data["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})
    )
    return tables, prose


@pytest.mark.slow
def test_own_data_notebook_runs_a_spec_without_arms_and_with_intervals(tmp_path):
    """Notebook 05 on an interval-censored spec that lists no arms (lifelines' diabetes data:
    nephropathy onset, gender): it runs to the end, says what it skips, fits the
    interval-censored PH model (not Cox on dated ends) and shows no "GLOBAL"."""
    from workbench.i18n import t

    spec = ROOT / "data" / "corpus" / "diabetes" / "spec.yaml"
    nb = execute(NOTEBOOKS / "05_bring_your_own_data.ipynb", tmp_path / "d.ipynb",
                 {"spec": str(spec), "n_bootstrap": 0, "lang": "en"}, kernel_name=_kernel())  # fmt: skip
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    tables, prose = _tables_and_prose(nb)
    assert t("nbs_no_arms", "en") in prose and t("nbs_interval", "en") in prose
    assert t("nbp05_risk_interval", "en").splitlines()[0] in prose  # the IC PH heading
    assert t("nbp05_effect_none", "en").splitlines()[0] in prose  # section 4: skipped, said so
    term = t("risk_term_level", "en", name="gender", level="female", reference="male")
    assert term in tables  # the model's one term, in words
    assert "GLOBAL" not in tables and "NPMLE" not in tables.split(" | ")
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1 and "everyone" in images[0].metadata["image/png"]["alt"]


@pytest.mark.slow
def test_own_data_notebook_names_a_mapped_arm_by_its_values_in_chinese(tmp_path):
    """Notebook 05 in Chinese on R survival's cgd trial (treat: rIFN-g vs placebo, strata
    center, 44 infections for 6 terms): the groups carry the spec's values, not 是/否; the few
    events are a caveat shown, not an error; the effect is said in event-free days (not the
    programme's 保持操守); no "GLOBAL"."""
    from workbench.i18n import t

    spec = ROOT / "data" / "corpus" / "cgd" / "spec.yaml"
    nb = execute(NOTEBOOKS / "05_bring_your_own_data.ipynb", tmp_path / "c.ipynb",
                 {"spec": str(spec), "n_bootstrap": 0, "lang": "zh"}, kernel_name=_kernel())  # fmt: skip
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    tables, prose = _tables_and_prose(nb)
    assert "treat：rIFN-g" in tables and "treat：placebo" in tables
    assert "treat：是" not in tables and "treat：否" not in tables
    assert t("nbs_few_events", "zh", events=44, terms=6) in prose
    assert "平均无事件天数之差" in tables and "保持操守" not in tables
    assert "GLOBAL" not in tables and t("risk_all_factors", "zh") in tables
    alts = [o.metadata["image/png"]["alt"] for o in outputs if "image/png" in o.get("data", {})]
    assert len(alts) == 1 and "rIFN-g" in alts[0] and "出所" not in alts[0]


@pytest.mark.slow
def test_effects_notebook_runs_model_based_in_english(tmp_path):
    """Notebook 03 with n_bootstrap 0 ("0 for model-based", as its parameter says) runs to the
    end, its target trial with the sandwich CI (it stopped with "n_bootstrap 0 must be >= 2"),
    and an English run shows no Chinese in its tables, narrative or figures."""
    nb = execute(NOTEBOOKS / "03_support_effects.ipynb", tmp_path / "e.ipynb",
                 {"n_simulated": 1000, "n_bootstrap": 0, "lang": "en"}, kernel_name=_kernel())  # fmt: skip
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    tables, prose = _tables_and_prose(nb)
    alts = " ".join(
        o.metadata["image/png"]["alt"] for o in outputs if "image/png" in o.get("data", {})
    )
    assert not re.findall(r"[\u4e00-\u9fff]+", tables + prose + alts)
    assert nb.cells[-1].outputs  # the target trial's findings, the notebook's last cell


# --- the parameter sets themselves -------------------------------------------------------------


def test_parameter_sets_parse_papermill_values():
    from workbench.params.notebook import EffectsParams, RetentionParams

    p = RetentionParams.from_mapping(
        {"milestones": [12, 24.0], "groups": "sex", "cutoff": "2019-06-30", "n_bootstrap": 20.0}
    )
    assert p.milestones == (12, 24) and p.groups == ("sex",) and p.n_bootstrap == 20
    assert p.cutoff.isoformat() == "2019-06-30"
    assert p.to_mapping()["cutoff"] == "2019-06-30" and p.to_mapping()["groups"] == ["sex"]
    assert EffectsParams.from_mapping({"data": None}).data is None


@pytest.mark.parametrize(
    ("cls_name", "values", "message"),
    [
        (
            "RetentionParams",
            {"n_bootstrap": "many"},
            "n_bootstrap 'many' is not valid \\(expected a whole",
        ),
        ("RetentionParams", {"groups": ["sex", "shoe"]}, "groups 'shoe' is not one of: primary"),
        ("RetentionParams", {"milestones": [12, 48]}, "milestones 48 is above its maximum 36"),
        (
            "RetentionParams",
            {"cutoff": "2019-02-30"},
            "cutoff '2019-02-30' is not valid \\(expected a date",
        ),
        ("RetentionParams", {"strict_warnings": "yes"}, "strict_warnings 'yes' is not valid"),
        ("RetentionParams", {"seed": None}, "seed None is not valid \\(expected a value, not None"),
        ("RetentionParams", {"data": "/no/such/folder"}, "data '/no/such/folder' does not exist"),
        ("EffectsParams", {"intervention": "award_gold"}, "intervention 'award_gold' is not one"),
        ("EffectsParams", {"lang": "fr"}, "lang 'fr' is not one of: zh, en"),
        ("MethodCheckParams", {"n_replicates": 1}, "n_replicates 1 is below its minimum 2"),
        ("OwnDataParams", {"spec": "rossi.csv"}, "spec 'rossi.csv' is not a dataset spec"),
        ("OwnDataParams", {"spec": "nowhere.yaml"}, "spec 'nowhere.yaml' does not exist; copy"),
        ("CohortParams", {"n_simulate": 5}, "unknown parameter 'n_simulate'; valid parameters"),
    ],
)
def test_parameter_sets_refuse_bad_values(cls_name, values, message):
    import workbench.params.notebook as nbp

    with pytest.raises(ParameterError, match=message):
        getattr(nbp, cls_name).from_mapping(values)


def test_few_bootstrap_replicates_are_said_to_give_rough_intervals():
    """A handful of replicates (a trial run) is said plainly at the top of the notebook: the
    percentile intervals can miss their own estimate (notebook 03 at 3 replicates showed HR
    0.661 with 95 % CI 0.714-0.792)."""
    from workbench.i18n import t
    from workbench.params.notebook import CohortParams, EffectsParams, MethodCheckParams

    for lang in ("zh", "en"):
        said = EffectsParams.from_mapping({"n_bootstrap": 3}).notes(lang)
        assert said == [t("nb_few_bootstrap", lang, n=3, min=50)]
        assert MethodCheckParams.from_mapping({"n_bootstrap": 49}).notes(lang) != []
    assert EffectsParams.from_mapping({"n_bootstrap": 0}).notes("en") == []  # model-based CIs
    assert EffectsParams.from_mapping({"n_bootstrap": 50}).notes("en") == []
    assert CohortParams.from_mapping({}).notes("en") == []  # no bootstrap at all


def test_parse_assignments_keeps_dates_as_text_and_resolves_paths(tmp_path, monkeypatch):
    from workbench.params.notebook import parse_assignments

    monkeypatch.chdir(tmp_path)
    got = parse_assignments(["cutoff=2019-06-30", "groups=[sex, age_group]", "data=d", "seed=7"])
    assert got == {
        "cutoff": "2019-06-30",
        "groups": ["sex", "age_group"],
        "data": str(tmp_path / "d"),
        "seed": 7,
    }
    with pytest.raises(ParameterError, match="-p 'seed' is not KEY=VALUE"):
        parse_assignments(["seed"])


def test_run_notebook_reports_our_error(tmp_path, capsys):
    from types import SimpleNamespace

    from workbench.cli.notebook import run_notebook

    args = SimpleNamespace(
        notebook="02_retention_and_relapse", out=str(tmp_path / "o.ipynb"), param=["n_jobs=0"]
    )
    assert run_notebook(args) == 2
    assert "n_jobs 0 is below its minimum 1" in capsys.readouterr().err
    assert not (tmp_path / "o.ipynb").exists()  # refused before any kernel started
