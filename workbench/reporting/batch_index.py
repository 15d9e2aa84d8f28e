"""What a batch leaves for the analyst to send: summary.csv, batch.json (the manifest), index.html.

All three say the same facts: the batch date, the data period and hash, the code version, and per
run its scope, language, status history (built / reused / failed, with dates), the time its report
was built (the original time when a later batch reused it) and how long that build took, and the
headline figures (12-month retention with its interval, coverage) read from the run's
metrics.json — the suppression-safe numbers the report itself publishes, never recomputed. A run
that failed after an earlier success has its old files renamed ``OUTDATED-*`` (`mark_outdated`)
so nobody sends them by mistake; the three outputs say so.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import i18n
from workbench.data import codes
from workbench.data.write import atomic_write
from workbench.params.batch import BatchRun, BatchSpec
from workbench.privacy import public

OUTPUTS = ("report.pdf", "report.html", "report.ipynb", "metrics.json")
OUTDATED_PREFIX = "OUTDATED-"
OUTDATED_NOTE = "OUTDATED.txt"
MANIFEST = "batch.json"
HISTORY_KEEP = 20  # batches remembered per run
SUMMARY_COLUMNS = (
    "run_id", "name", "scope", "lang", "prefecture", "facility", "status", "built_at",
    "duration_s", "error", "outdated", "n_releases", "coverage", "retention_12",
    "retention_12_lower", "retention_12_upper", "retention_24", "retention_36", "suppressed",
    "pdf", "html",
)  # fmt: skip


def scope_of(run: BatchRun) -> str:
    """The run's scope code: its facility, else its prefecture, else 'province'."""
    src = run.params.to_mapping() if run.params else run.raw
    for key, known in (("facility", codes.FACILITIES), ("prefecture", codes.PREFECTURES)):
        if src.get(key) in known:
            return str(src[key])
    return "province" if run.params else "unknown"


def stable_name(run: BatchRun) -> str:
    """The run's name without its language suffix: province, changsha (both languages alike)."""
    lang = run.params.lang if run.params else str(run.raw.get("lang", "zh"))
    return run.run_id.removesuffix(f"_{lang}")


def scope_label(scope: str, lang: str) -> str:
    if scope == "province":
        return i18n.t("scope_all", lang)
    for kind in ("facility", "prefecture"):
        if scope in codes.KINDS[kind]:
            return codes.label(kind, scope, lang)
    return scope


def read_metrics(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "metrics.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def headline(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """The figures of the index and summary, as the report's metrics.json publishes them."""
    if not metrics:
        return {}
    ret = {int(r["months"]): r for r in metrics.get("retention") or []}
    r12 = ret.get(12, {})
    prov = metrics.get("provenance") or {}
    return {
        "n_releases": metrics["data"].get("n_releases"),
        "coverage": metrics.get("coverage"),
        "retention_12": r12.get("estimate"),
        "retention_12_lower": r12.get("lower"),
        "retention_12_upper": r12.get("upper"),
        "retention_24": ret.get(24, {}).get("estimate"),
        "retention_36": ret.get(36, {}).get("estimate"),
        "suppressed": metrics.get("suppressed"),
        "built_at": prov.get("started_at"),
        "duration_s": prov.get("duration_s"),
    }


# --- outdated outputs of a failed rerun -----------------------------------------------------------


def mark_outdated(folder: Path, reason: str, when: str) -> bool:
    """Rename a failed run's earlier outputs ``OUTDATED-<file>`` and explain in OUTDATED.txt;
    True when there was something to mark (or it was already marked)."""
    moved = False
    for name in OUTPUTS:
        src = folder / name
        if src.is_file():
            src.replace(folder / f"{OUTDATED_PREFIX}{name}")
            moved = True
    if moved:
        atomic_write(
            folder / OUTDATED_NOTE,
            f"The batch of {when} could not rebuild this report: {reason}\n"
            f"The files {OUTDATED_PREFIX}* are the previous report, kept for reference only: "
            "they do not reflect the current data or parameters. Do not send them.\n",
        )
    return moved or is_outdated(folder)


def is_outdated(folder: Path) -> bool:
    return (folder / OUTDATED_NOTE).is_file()


def clear_outdated(folder: Path) -> None:
    """A rebuilt report: the outdated copies of the earlier one go."""
    for name in (OUTDATED_NOTE, *(f"{OUTDATED_PREFIX}{n}" for n in OUTPUTS)):
        (folder / name).unlink(missing_ok=True)


# --- the manifest and summary.csv -----------------------------------------------------------------


def batch_facts(
    spec: BatchSpec, out: Path, when: str, code: str, commit: str | None
) -> dict[str, Any]:
    """Batch date, data period and hash, code version (from the first run that has metrics)."""
    from workbench.evaluation.analysis import inputs_sha256

    facts: dict[str, Any] = {"batch": spec.name, "batch_at": when, "code_version": code,
                             "git_commit": commit}  # fmt: skip
    for run in spec.runs:
        if run.params is None:
            continue
        facts["data_sha256"] = _safe(inputs_sha256, run.params)
        break
    periods = set()
    for run in spec.runs:
        m = read_metrics(out / run.run_id)
        if m:
            s = m["scope"]
            periods.add((s.get("release_start"), s.get("release_end"), s.get("cutoff")))
            facts.setdefault("workbench_version", m["provenance"].get("workbench_version"))
    if periods:
        start, end, cutoff = sorted(periods, key=str)[0]
        facts.update(release_start=start, release_end=end, cutoff=cutoff,
                     periods_differ=len(periods) > 1)  # fmt: skip
    return facts


def _safe(fn, *args) -> str | None:
    try:
        return fn(*args)
    except OSError:
        return None


def previous_history(out: Path) -> dict[str, list]:
    try:
        old = json.loads((out / MANIFEST).read_text("utf-8"))
        return {r["run_id"]: list(r.get("history") or []) for r in old.get("runs", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def run_records(spec: BatchSpec, out: Path, results: Iterable, when: str) -> list[dict[str, Any]]:
    """One record per run of this batch: the facts of summary.csv, batch.json and index.html."""
    by_id = {r.run_id: r for r in results}
    history = previous_history(out)
    records = []
    for run in spec.runs:
        res = by_id.get(run.run_id)
        if res is None:
            continue
        records.append(_record(run, res, out, when, history.get(run.run_id, [])))
    return records


def _record(run: BatchRun, res: Any, out: Path, when: str, history: list) -> dict[str, Any]:
    folder = out / run.run_id
    raw = _known_raw(run.raw)
    failed = res.status == "failed"
    metrics = None if failed else read_metrics(folder)
    fig = headline(metrics)
    entry = {"at": when, "status": res.status, "seconds": res.duration_s}
    if res.status == "skipped":
        entry["reused_build_of"] = fig.get("built_at")
    rec: dict[str, Any] = {
        "run_id": run.run_id,
        "name": stable_name(run),
        "scope": scope_of(run),
        "lang": run.params.lang if run.params else raw["lang"],
        "prefecture": run.params.prefecture if run.params else raw["prefecture"],
        "facility": run.params.facility if run.params else raw["facility"],
        "status": res.status,
        "built_at": fig.get("built_at"),
        "duration_s": fig.get("duration_s") if metrics else res.duration_s,
        "seconds_this_batch": res.duration_s,
        "error": public.scrub(res.public or public.GENERIC) if failed else "",
        "outdated": failed and is_outdated(folder),
        **{
            k: fig.get(k)
            for k in SUMMARY_COLUMNS
            if k in fig and k not in ("built_at", "duration_s")
        },
        "pdf": f"{run.run_id}/report.pdf" if metrics else None,
        "html": f"{run.run_id}/report.html" if metrics else None,
        "history": (history + [entry])[-HISTORY_KEEP:],
    }
    return rec


def _known_raw(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The scope of a run whose parameters are invalid, as official outputs may show it: codes
    that exist, nothing else."""
    known = {"lang": i18n.LANGUAGES, "prefecture": codes.PREFECTURES, "facility": codes.FACILITIES}
    raw = {"lang": "zh", **raw}  # the default language of a report
    return {k: raw.get(k) if raw.get(k) in allowed else None for k, allowed in known.items()}


def write_summary(out: Path, records: list[dict[str, Any]]) -> Path:
    """summary.csv: one row per run (failed runs with their public error)."""
    frame = pd.DataFrame(records).reindex(columns=list(SUMMARY_COLUMNS))
    for col in ("n_releases", "suppressed"):  # whole numbers, not 500.0 beside failed runs
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    frame = public.neutral_csv(frame)  # a name or message starting with = is text, not a formula
    return atomic_write(out / "summary.csv", frame.to_csv(index=False, lineterminator="\n"))


def write_manifest(out: Path, facts: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    doc = {"schema": "workbench.batch/1", **facts, "runs": records}
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return atomic_write(out / MANIFEST, text)


# --- index.html -----------------------------------------------------------------------------------


def _pct(x: Any) -> str:
    return "—" if x is None else f"{100 * float(x):.1f}%"


def _when(iso: Any) -> str:
    return "—" if not iso else str(iso).replace("T", " ").removesuffix("Z")[:16] + " UTC"


def _both(langs: tuple[str, ...], key: str, sep: str = "<br>", **fields: Any) -> str:
    """The catalog entry in each of the batch's languages (escaped), Chinese first."""
    return sep.join(html.escape(i18n.t(key, lang, **fields)) for lang in langs)


def _status_cell(rec: Mapping[str, Any] | None, lang: str) -> str:
    """One report's cell, in the report's own language: links, build time, status history."""
    e = html.escape
    if rec is None:
        return f'<td class="none">{e(i18n.t("idx_not_in_batch", lang))}</td>'
    steps = []
    for h in rec["history"][-3:]:
        known = h["status"] in ("ok", "skipped", "failed")
        word = i18n.t(f"idx_status_{h['status']}", lang) if known else str(h["status"])
        steps.append(e(i18n.t("idx_history", lang, when=_when(h["at"])[5:16], status=word)))
    history = "<br>".join(steps)
    if rec["status"] == "failed":
        old = f"<br>{e(i18n.t('idx_outdated', lang))}" if rec["outdated"] else ""
        return f'<td class="failed">{history}<br>{e(rec["error"])}{old}</td>'
    links = f'<a href="{e(rec["pdf"])}">PDF</a> · <a href="{e(rec["html"])}">HTML</a>'
    when = _when(rec["built_at"])
    if rec["duration_s"] is None:
        built = i18n.t("idx_built_at", lang, when=when)
    else:
        built = i18n.t("idx_built", lang, when=when, s=f"{float(rec['duration_s']):.0f}")
    return f"<td>{links}<br><small>{e(built)}<br>{history}</small></td>"


def _index_rows(records: list[dict[str, Any]], langs: tuple[str, ...]) -> list[str]:
    scopes: dict[str, dict[str, dict]] = {}
    for rec in records:
        scopes.setdefault(rec["name"], {})[rec["lang"] or "?"] = rec
    rows = []
    for name, by_lang in scopes.items():
        any_rec = next(iter(by_lang.values()))
        fig = next((r for r in by_lang.values() if r.get("retention_12") is not None), any_rec)
        scope = any_rec["scope"]
        label = "—" if scope == "unknown" else "<br>".join(scope_label(scope, x) for x in langs)
        ci = ""
        if fig.get("retention_12_lower") is not None:
            lo, hi = _pct(fig["retention_12_lower"]), _pct(fig["retention_12_upper"])
            ci = f"<br><small>{_both(langs, 'idx_ci', lo=lo, hi=hi)}</small>"
        n = fig.get("n_releases")
        cells = "".join(_status_cell(by_lang.get(x), x) for x in langs)
        rows.append(
            f"<tr><td>{html.escape(name)}<br><small>{label}</small></td>"
            f"<td>{'—' if n is None else f'{int(n):,}'}</td>"
            f"<td>{_pct(fig.get('retention_12'))}{ci}</td><td>{_pct(fig.get('coverage'))}</td>"
            f"{cells}</tr>"
        )
    return rows


def batch_languages(records: list[dict[str, Any]]) -> tuple[str, ...]:
    """The languages of the batch's runs, Chinese first (English when none is known)."""
    found = {r.get("lang") for r in records}
    return tuple(x for x in i18n.LANGUAGES if x in found) or ("en",)


def _facts_html(facts: dict[str, Any], records: list[dict[str, Any]], langs) -> str:
    e = html.escape
    counts = pd.Series([r["status"] for r in records], dtype=object).value_counts()
    lines = []
    for lang in langs:
        tally = i18n.t("list_sep", lang).join(
            i18n.t(f"idx_tally_{s}", lang, n=int(counts.get(s, 0)))
            for s in ("ok", "skipped", "failed")
        )
        lines.append(e(i18n.t("idx_batch_of", lang, when=_when(facts["batch_at"]), tally=tally)))
    period = "—"
    if facts.get("release_start"):
        period = "<br>".join(
            e(
                i18n.t("idx_period", lang, start=facts["release_start"],
                       end=facts["release_end"], cutoff=facts["cutoff"])
                + (i18n.t("idx_periods_differ", lang) if facts.get("periods_differ") else "")
            )
            for lang in langs
        )  # fmt: skip
    commit = facts.get("git_commit") or "unknown"
    code = _both(langs, "idx_code_value", version=str(facts.get("workbench_version") or ""),
                 commit=commit[:12], code=facts["code_version"][:12])  # fmt: skip
    return (
        f"<p>{'<br>'.join(lines)}</p><table class='facts'>"
        f"<tr><th>{_both(langs, 'idx_data')}</th><td>{period}<br><small>sha256 "
        f"{e(str(facts.get('data_sha256')))}</small></td></tr>"
        f"<tr><th>{_both(langs, 'idx_code')}</th><td>{code}</td></tr>"
        f"<tr><th>{_both(langs, 'idx_figures')}</th><td>{_both(langs, 'idx_figures_value')}"
        "</td></tr></table>"
    )


def write_index(out: Path, facts: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    """index.html: the batch's facts and one row per scope with both languages, its words in the
    batch's languages (workbench/i18n/batch.py); each report's cell in the report's language."""
    e = html.escape
    langs = batch_languages(records)
    title = _both(langs, "idx_title", sep=" / ", batch=facts["batch"])
    heads = "".join(
        f"<th>{_both(langs, k)}</th>"
        for k in ("idx_col_scope", "idx_col_released", "idx_col_retention", "idx_col_coverage")
    )
    heads += "".join(f"<th class='lang'>{e(i18n.t('language_name', x))}</th>" for x in langs)
    page = (
        f'<!DOCTYPE html>\n<html lang="{langs[0]}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:4px 10px;"
        "vertical-align:top;text-align:left}.failed{color:#b03a2e}small{color:#555}"
        ".lang{width:26%}"
        ".facts th{width:6em}</style></head><body>"
        f"<h1>{title}</h1>{_facts_html(facts, records, langs)}"
        '<p><a href="summary.csv">summary.csv</a> · <a href="batch.json">batch.json</a></p>'
        f"<table><thead><tr>{heads}</tr></thead>"
        f"<tbody>{''.join(_index_rows(records, langs))}</tbody></table></body></html>\n"
    )
    return atomic_write(out / "index.html", page)
