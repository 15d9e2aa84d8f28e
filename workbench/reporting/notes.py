"""Technical notes for officials: our caveats in the report's language, library chatter summarised.

The analyses record every warning they raise (`results.record_warnings` → `Note`). Our own
caveats are `StatisticalWarning`s with a catalog code and fields (positivity, effective sample
size, NPMLE convergence, too few relapses per model term, outcome codes in the interventions
table): each is rendered from the catalog entry ``caveat_<code>`` in Chinese or English with its
numbers. Messages from the numerical libraries (lifelines convergence hints, numpy floating-point
warnings) are written for programmers, in English, often with code and web links: the official
report says how many there were, and the analysts' executed notebook (internal) prints them in
full (`print_log`). Method labels are rendered from the `Text` parts the analyses record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from workbench.data import codes
from workbench.evaluation.results import Note
from workbench.i18n import TEXT, Text, join, t


def _field(name: str, value: object, lang: str) -> object:
    """A caveat's field for the reader: `Text` in `lang`; a field named after a glossary kind
    (``outcome``, ``intervention``, …) holds codes, shown as their labels."""
    if isinstance(value, Text):
        return value.render(lang)
    if name in codes.KINDS:
        values = value if isinstance(value, tuple | list) else (value,)
        return t("list_sep", lang).join(codes.label(name, c, lang) for c in values)
    return value


# Caveats the official report counts with the library messages: it never worded them (before #17
# they were not recognised); showing them would change the report's wording.
COUNTED = frozenset({"competing_npmle_not_converged"})


def translate(note: Note, lang: str) -> str | None:
    """The note in `lang` when it is one of our caveats (a code with a ``caveat_`` entry);
    None for a library message."""
    found = (note.code, note.fields) if note.code is not None else _legacy_code(note)
    if found is None or found[0] in COUNTED or f"caveat_{found[0]}" not in TEXT:
        return None
    name, fields = found
    values = {k: _field(k, v, lang) for k, v in fields.items()}
    return t(f"caveat_{name}", lang, **values)


def official_notes(notes: Iterable[Note], lang: str) -> list[str]:
    """Our caveats in `lang` (each once), then one line counting the library messages."""
    out: list[str] = []
    n_library = 0
    for note in notes:
        text = translate(note, lang)
        if text is None:
            n_library += 1
        elif text not in out:
            out.append(text)
    if n_library:
        out.append(t("library_messages", lang, n=n_library))
    return out


def print_log(results) -> None:
    """Every recorded message and every reason a section is missing, verbatim (internal)."""
    for note in results.notes:
        print("note:", note.message)
    for section, why in results.missing.items():
        print(f"missing {section}:", why)


def method_words(method: str, parts: tuple[Text, ...] | None, lang: str) -> str:
    """A table's method label in the report's language: its `Text` parts rendered (joined by
    ", ", "，" in Chinese), else the English label translated by the rules below (until every
    producer records parts)."""
    if parts:
        return join(parts, lang, ", ")
    return method_text(method, lang)


# --- until the raisers record codes and method parts (issue 17): read the English ----------------


def _legacy_code(note: Note) -> tuple[str, dict] | None:
    for pattern, name, fields in LEGACY:
        m = pattern.search(note.message)
        if m:
            return name, fields(m)
    return None


def _int(text: str) -> int:
    return int(text.replace(",", ""))


LEGACY = (
    (
        re.compile(
            r"positivity: ([\d,]+) people have a propensity below ([\d.e-]+) or above "
            r"([\d.e-]+)"
        ),
        "positivity",
        lambda m: {"n": _int(m[1]), "lo": float(m[2]), "hi": float(m[3])},
    ),
    (
        re.compile(
            r"positivity: effective sample size of the (treated|untreated) arm is (\d+) "
            r"of ([\d,]+)"
        ),
        "low_ess",
        lambda m: {"arm": Text(f"arm_group_{m[1]}"), "ess": int(m[2]), "n": _int(m[3])},
    ),
    (
        re.compile(r"interventions table holds ([\w, ]+): outcomes"),
        "outcome_records",
        lambda m: {"outcome": tuple(c.strip() for c in m[1].split(","))},
    ),
)


# Method labels of the tables (English, as the analyses record them) in Chinese, longest first.
METHOD_ZH = (
    (
        r"competing-risks NPMLE \(interval-censored relapse, exact death\)",
        "竞争风险非参数最大似然估计（复吸区间删失，死亡日期确切）",
    ),
    (
        r"Cox model on visit-dated times \(sensitivity\)",
        "按随访日期定复吸时间的Cox模型（敏感性分析）",
    ),
    (
        r"Aalen-Johansen on visit-dated times \(comparison\)",
        "按随访日期定复吸时间的Aalen–Johansen方法（对照）",
    ),
    (
        r"interval-censored proportional hazards \(monthly piecewise baseline\)",
        "区间删失比例风险模型（按月分段基线）",
    ),
    (r"time-varying piecewise-exponential PH", "时变分段指数比例风险模型"),
    (
        r"Cox PH \(Efron ties\), covariate-adjusted",
        "协变量调整的Cox比例风险模型（Efron法处理同时发生）",
    ),
    (r"Cox PH \(Efron ties\)", "Cox比例风险模型（Efron法处理同时发生）"),
    (r"unadjusted \(randomised arms\)", "未调整（随机分组）"),
    (r"covariate-adjusted HR", "协变量调整的风险比"),
    (r"stratified by ", "分层："),
    (
        r"difference of the arms' Kaplan-Meier RMST \(Greenwood-type SEs\)",
        "各组Kaplan–Meier曲线平均无事件天数之差（Greenwood型标准误）",
    ),
    (
        r"difference of the arms' Turnbull RMST \(bootstrap SEs\)",
        "各组Turnbull曲线平均无事件天数之差（自助法标准误）",
    ),
    (r"left-truncated NPMLE curves", "考虑延迟进入的非参数最大似然估计保持曲线"),
    (r"piecewise-exponential PH", "分段指数比例风险模型"),
    (r"\(logistic\)", "(逻辑回归)"),
    (r"ATE weights \(([^)]+)\)", r"倾向性评分加权（全体人群，\1模型）"),
    (r"ATT weights \(([^)]+)\)", r"倾向性评分加权（接受帮扶人群，\1模型）"),
    (r"overlap weights \(([^)]+)\)", r"倾向性评分重叠加权（\1模型）"),
    (r"landmark day (\d+)", r"第\1天界标分析"),
    (r"baseline exposure", "基线暴露比较"),
    (r"interval-censored", "区间删失"),
    (r"Turnbull NPMLE", "Turnbull非参数最大似然估计"),
    (r"Aalen-Johansen", "Aalen–Johansen方法"),
    (r"Cox \+ KM", "Cox模型与Kaplan–Meier曲线"),
    (r"IPTW HR", "逆概率加权风险比"),
    (r"overlap-weighted HR", "重叠加权风险比"),
    (r"ATT-weighted HR", "ATT加权风险比"),
    (r"balance not achieved, RMST withheld", "加权后两组未达到平衡，平均保持操守天数之差不予报告"),
    (r"bootstrap (\d+)", r"自助法\1次"),
    (r"^HR: ", "风险比："),
    (r"; RMST: ", "；平均保持操守天数之差（RMST）："),
    (r"; ", "；"),
    (r", ", "，"),
)


def method_text(method: str, lang: str) -> str:
    """A table's method label in the report's language (Chinese reports get Chinese terms)."""
    if lang != "zh":
        return method
    for pattern, replacement in METHOD_ZH:
        method = re.sub(pattern, replacement, method)
    return method
