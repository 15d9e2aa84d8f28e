"""The closing sections: methods and caveats in plain words, and provenance."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pandas as pd

from workbench.data import codes
from workbench.evaluation.analysis import ReportResults
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting import provenance as prov
from workbench.reporting.notes import method_text, official_notes
from workbench.reporting.sections import BEIJING, Section, _p, heading, table_html
from workbench.reporting.suppression import scrub_counts

METHODS = {
    "zh": (
        "复吸只在回访或被查获时发现，因此每个人的复吸时间只知道落在“最后一次阴性回访”和“首次发现复吸”之间。"
        "我们使用专门处理这种区间数据的方法（Turnbull非参数最大似然估计），而不是把回访日期当作复吸日期，后者会使保持率偏高或偏低。",
        "置信区间通过对出所人员重复抽样（自助法）得到，随机种子固定，重复运行结果完全相同。",
        "目标完成情况中，“已确认”只计算在第k年回访时仍为阴性的人；“预计”另外加上仍在跟踪期内、尚未到达k年的人按保持曲线推算的人数。"
        "死亡、迁出和失访的人不再推算。",
        "地区比较已按各市州人员构成（年龄、性别、毒品种类、既往戒治次数、家庭支持、戒毒动机等）调整；"
        "调整只能考虑已记录的因素，未记录的差异（例如当地执法力度）仍可能影响结果。",
        "帮扶措施不是随机分配的：工作人员往往优先帮扶动机强、适应能力好的人。简单比较“接受过帮扶”与“未接受帮扶”的人会高估帮扶效果；"
        "帮扶开始前的时间也不能算作帮扶的功劳（永生时间偏倚）。",
        "奖项和典型案例是保持操守的结果，不是原因，不能用来说明帮扶效果。",
        "为保护个人信息，报告不含任何个人记录，人数少于{k}人的数字一律不予显示；比例在其分子或"
        "分子以外部分少于{k}人时也不予显示；人数和比例加有微小的固定扰动（人数在±3以内），"
        "以免通过比较两份报告推断个人情况。",
    ),
    "en": (
        "Relapse is only found at return visits or when someone is re-admitted, so for each person "
        "we only know it happened between the last negative visit and the first evidence of "
        "relapse. We use a method made for such intervals (Turnbull's nonparametric maximum "
        "likelihood estimate) instead of treating visit dates as relapse dates, which would make "
        "retention look better or worse than it is.",
        "Confidence intervals come from resampling the people released (bootstrap) with a fixed "
        "seed, so a rerun gives exactly the same numbers.",
        "For the programme tiers, 'confirmed' counts only people negative at their k-year visit; "
        "'projected' adds people still in tracking who have not reached k years yet, weighted by "
        "their chance of getting there from the retention curve. People who died, moved away or "
        "were lost are not projected.",
        "The regional comparison adjusts for each prefecture's mix of people (age, sex, drug, "
        "prior treatments, family support, motivation, …). It can only adjust for what was "
        "recorded; unrecorded differences (for example local policing) may still matter.",
        "Support is not handed out at random: staff tend to choose motivated, well-adapted people. "
        "A plain comparison of 'received support' with 'did not' overstates its effect, and the "
        "time before support starts must not be credited to it (immortal-time bias).",
        "Awards and typical cases are results of staying abstinent, not causes; they cannot show "
        "that support works.",
        "To protect personal information the report holds no person-level records, every "
        "count below {k} is hidden, and so is a rate whose numerator or its complement is below "
        "{k}; counts and rates carry a small fixed perturbation (counts within ±3) so that two "
        "reports cannot be compared to learn about one person.",
    ),
}


KM_METHOD = {
    "zh": "事件时间已确切记录，未发生事件的比例用Kaplan–Meier方法估计，置信区间用Greenwood方差（log-log变换）计算。",
    "en": "Event times are recorded exactly, so the share without the event is the Kaplan–Meier "
    "estimate, with Greenwood (log-log) confidence intervals.",
}


def methods(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    items = list(METHODS[lang])
    if results.kind == "spec":
        randomised = getattr(results, "design", "observational") == "randomised"
        items = [KM_METHOD[lang], t("trial_method", lang) if randomised else items[4], items[6]]
    items = [x.format(k=params.suppression_threshold) for x in items]
    randomised = getattr(results, "design", "observational") == "randomised"
    if results.effects is not None and "evalue" in results.effects and not randomised:
        from workbench.reporting.model_sections import EVALUE_NOTE

        items.append(EVALUE_NOTE[lang])
    items.append(t("hr_rule", lang))
    k = params.suppression_threshold
    notes = [scrub_counts(n, k, lang) for n in official_notes(results.notes, lang)]
    body = "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>"
    used = method_lines(results, lang)
    if used:
        body += (
            _p(t("methods_tables", lang))
            + "<ul class='wb-notes'>"
            + "".join(f"<li>{html.escape(x)}</li>" for x in used)
            + "</ul>"
        )
    if notes:
        body += (
            "<ul class='wb-notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"
        )
    return Section("methods", heading("sec_methods", lang) + body)


def method_lines(results: ReportResults, lang: str) -> list[str]:
    """Each table's method, named once here (the tables say "see Methods")."""
    sep = "：" if lang == "zh" else ": "
    found = []
    for frame, caption in (
        (results.milestones, "cap_milestones"),
        (results.effects, "cap_effects"),
        (results.cif, "cap_cif"),
    ):
        if frame is not None and len(frame) and "method" in frame:
            found.append(t(caption, lang) + sep + method_text(str(frame["method"].iloc[0]), lang))
    return found


PARAM_WORDS = {
    "data": ("数据", "Data"),
    "name": ("报告名称", "Report name"),
    "title": ("标题", "Title"),
    "issuer": ("编制单位", "Issued by"),
    "lang": ("语言", "Language"),
    "prefecture": ("市州", "Prefecture"),
    "facility": ("强制隔离戒毒所", "Centre"),
    "release_start": ("出所时间起", "Released from"),
    "release_end": ("出所时间止", "Released to"),
    "cutoff": ("数据截止日期", "Data cut-off"),
    "milestones": ("时间点（月）", "Milestones (months)"),
    "landmark_day": ("界标分析日（出所后天数）", "Landmark day (days after release)"),
    "interventions": ("比较的帮扶措施", "Supports compared"),
    "n_bootstrap": ("自助法重复次数", "Bootstrap replicates"),
    "seed": ("随机种子", "Random seed"),
    "suppression_threshold": ("不予显示的人数界限", "Counts hidden below"),
    "n_jobs": ("并行进程数", "Parallel processes"),
    "internal_use": ("仅供内部使用", "Internal use only"),
}


def parameter_table(params: ReportParams) -> pd.DataFrame:
    """The run's parameters in the report's language; the data path as its folder name only."""
    lang = params.lang
    i = 0 if lang == "zh" else 1
    values = params.to_mapping()
    values["data"] = Path(str(values["data"])).name
    values["lang"] = {"zh": "中文", "en": "English"}[lang] if lang == "zh" else values["lang"]
    for key in ("prefecture", "facility"):
        if values.get(key):
            values[key] = codes.label(key, values[key], lang)
    if values.get("interventions"):
        values["interventions"] = [
            codes.label("intervention", c, lang) for c in values["interventions"]
        ]
    return pd.DataFrame(
        {
            t("col_item", lang): [PARAM_WORDS.get(key, (key, key))[i] for key in values],
            t("col_value", lang): [_plain(v, lang) for v in values.values()],
        }
    )


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
        _p(t("prov_intro", lang))
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
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(map(str, value))
    return str(value)
