"""The closing sections: methods and caveats in plain words, and provenance."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.i18n import TEXT, join, t
from workbench.params.report import ReportParams
from workbench.reporting import provenance as prov
from workbench.reporting import trial_verdicts
from workbench.reporting.markup import Section, heading, paragraph, table_html
from workbench.reporting.notes import official_notes
from workbench.reporting.sections import BEIJING
from workbench.reporting.suppression import scrub_counts

METHODS = (
    "methods_interval",
    "methods_bootstrap",
    "methods_tiers",
    "methods_regions",
    "methods_selection",
    "methods_awards",
    "methods_privacy",
)


def methods(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    items = [t(key, lang) for key in METHODS]
    if results.kind == "spec":
        randomised = getattr(results, "design", "observational") == "randomised"
        items = [
            t("methods_km", lang),
            t("trial_method", lang) if randomised else items[4],
            items[6],
        ]
    else:  # no Methods text for an analysis the report does not contain
        items = [t(key, lang) for key in METHODS if _contains(results, params, key)]
    items = [x.format(k=params.suppression_threshold) for x in items]
    if trial_verdicts.has_trials(results):  # how the summary judges a support (#18)
        after = t("methods_selection", lang).format(k=params.suppression_threshold)
        at = next((i + 1 for i, x in enumerate(items) if x == after), len(items))
        g = f"{next(iter(results.target_trials.values())).grace_months:g}"
        items.insert(at, t("tv_methods", lang, g=g, m=trial_verdicts.HEADLINE_MONTH))
    if results.kind != "spec" and _has_benchmark(params):
        items.append(t("methods_benchmark", lang))
    if getattr(results, "ranking", None) or (params.prefecture and _has_benchmark(params)):
        items.append(t("methods_ranking", lang))  # the fair ranking or a standing in it (#19)
    randomised = getattr(results, "design", "observational") == "randomised"
    if results.effects is not None and "evalue" in results.effects and not randomised:
        items.append(t("evalue_note", lang))
    items.append(t("hr_rule", lang))
    k = params.suppression_threshold
    notes = [
        scrub_counts(n, k, lang) for n in official_notes(results.notes, lang, under_tables=True)
    ]
    body = "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"
    used = method_lines(results, lang)
    if used:
        body += (
            paragraph(t("methods_tables", lang))
            + "<ul class='wb-notes'>"
            + "".join(f"<li>{html.escape(x)}</li>" for x in used)
            + "</ul>"
        )
    if notes:
        body += (
            "<ul class='wb-notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        )
    return Section("methods", heading("sec_methods", lang) + body)


def _has_benchmark(params: ReportParams) -> bool:
    from workbench.reporting.benchmark import province_benchmark

    bench = province_benchmark(params)
    return bool(bench is not None and bench.available)


def _contains(results: ReportResults, params: ReportParams, key: str) -> bool:
    if key == "methods_tiers":
        return results.tiers is not None
    if key == "methods_regions":
        if results.regions is not None:
            return True
        from workbench.reporting.benchmark import province_benchmark

        bench = province_benchmark(params)  # a prefecture's standing in the province comparison
        scoped = params.prefecture or params.facility
        return bool(bench is not None and bench.standing is not None and scoped)
    if key == "methods_selection":
        return results.effects is not None and len(results.effects) > 0
    return True


def method_lines(results: ReportResults, lang: str) -> list[str]:
    """Each table's method, named once here (the tables say "see Methods")."""
    sep = t("label_sep", lang)
    found = []
    for name, caption in (
        ("milestones", "cap_milestones"),
        ("effects", "cap_effects"),
        ("cif", "cap_cif"),
    ):
        frame = getattr(results, name)
        if frame is not None and len(frame) and "method" in frame:
            key = f"effects:{frame['code'].iloc[0]}" if name == "effects" else name
            found.append(t(caption, lang) + sep + join(results.method_text[key], lang))
    return found


def parameter_table(params: ReportParams) -> pd.DataFrame:
    """The run's parameters in the report's language; the data path as its folder name only."""
    lang = params.lang
    values = params.to_mapping()
    values["data"] = Path(str(values["data"])).name
    values["lang"] = t("language_name", lang) if lang == "zh" else values["lang"]
    for key in ("prefecture", "facility"):
        if values.get(key):
            values[key] = codes.label(key, values[key], lang)
    if values.get("interventions"):
        values["interventions"] = [
            codes.label("intervention", c, lang) for c in values["interventions"]
        ]
    return pd.DataFrame(
        {
            t("col_item", lang): [_param_word(key, lang) for key in values],
            t("col_value", lang): [_plain(v, lang) for v in values.values()],
        }
    )


def _param_word(key: str, lang: str) -> str:
    """A parameter's name in the report's language (an unknown key as it is)."""
    return t(f"param_{key}", lang) if f"param_{key}" in TEXT else key


def provenance(results: ReportResults, params: ReportParams, started_at: str) -> Section:
    lang = params.lang
    key, val = t("col_item", lang), t("col_value", lang)
    inputs = pd.DataFrame(
        {t("col_file", lang): list(results.sha256), "SHA-256": list(results.sha256.values())}
    )
    runinfo = {
        t("run_at", lang): beijing_time(started_at),
        t("git_commit", lang): prov.git_commit() or "–",
    }
    versions = pd.DataFrame(
        {
            key: [*runinfo, *prov.package_versions()],
            val: [*runinfo.values(), *prov.package_versions().values()],
        }
    )
    body = (
        paragraph(t("prov_intro", lang))
        + table_html(inputs, t("cap_inputs", lang), lang, labels=False)
        + table_html(parameter_table(params), t("cap_params", lang), lang, labels=False)
        + table_html(versions, t("cap_versions", lang), lang, labels=False)
    )
    return Section("provenance", heading("sec_provenance", lang) + body)


def beijing_time(iso_utc: str) -> str:
    """'2026-12-07T02:43:09Z' as '2026-12-07 10:43', in Beijing time (the officials' clock)."""
    try:
        when = dt.datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    except ValueError:
        return iso_utc
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _plain(value: object, lang: str = "en") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, list):
        return t("list_sep", lang).join(map(str, value))
    return str(value)
