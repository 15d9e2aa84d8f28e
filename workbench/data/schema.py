"""The data contract as code: the tables, their columns, and the Chinese aliases they accept.

Each table is a tuple of `Column`s (name, kind, accepted header aliases, code list, range);
`TABLE_ALIASES`, `CODE_ALIASES` and `FLAG_WORDS` are the Chinese (and English) spellings of file
names, codes and yes/no cells the contract accepts (data/README.md). Checking a column's values is
`workbench.data.values`; applying both to a raw table is `workbench.data.conform`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from workbench.data import codes

TABLES = ("releases", "visits", "interventions", "events")
OPTIONAL_TABLES = ("events",)
DATE_RANGE = (pd.Timestamp("1990-01-01"), pd.Timestamp("2100-12-31"))
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# larger serials are past the date range (and past what pandas can hold, near 2262)
EXCEL_LAST_SERIAL = (DATE_RANGE[1] - EXCEL_EPOCH).days
DATE_FORMS = "YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日"
FLAG_FORMS = "1/0 or 是/否"  # the yes/no cells a flag column accepts (FLAG_WORDS lists them all)


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    kind: id | text | date | code | int | float | flag. `codes` names a kind of
    `workbench.data.codes.KINDS` for code columns; `allowed` lists allowed numbers.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    nullable: bool = False
    codes: str | None = None
    low: float | None = None
    high: float | None = None
    allowed: tuple[float, ...] = ()
    description: str = ""


def _c(name, kind, aliases=(), **kw) -> Column:
    return Column(name, kind, tuple(aliases), **kw)


RELEASES = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"], description="release episode id"),
    _c("person_id", "id", ["人员编号"], required=False, description="pseudonymous person id"),
    _c("release_date", "date", ["出所日期", "解除日期", "解戒日期"], description="day of release"),
    _c("prefecture", "code", ["市州", "所属市州"], codes="prefecture"),
    _c("facility", "code", ["戒毒所", "强戒所", "所属戒毒所"], codes="facility"),
    _c("sex", "code", ["性别"], codes="sex"),
    _c("birth_year", "int", ["出生年份", "出生年"], low=1900, high=2030),
    _c("primary_drug", "code", ["主要毒品", "滥用毒品种类"], codes="primary_drug"),
    _c("prior_treatments", "int", ["既往戒治次数", "戒毒次数"], low=0, high=50),
    _c("years_using", "float", ["吸毒年限"], low=0, high=80),
    _c("education", "code", ["文化程度", "受教育程度"], codes="education"),
    _c("employed_before", "flag", ["入所前就业", "戒前就业"]),
    _c("married", "flag", ["婚否", "已婚"]),
    _c("family_support", "flag", ["家庭支持"]),
    _c("motivation_score", "float", ["戒毒动机评分", "动机评分"], low=0, high=10),
)
VISITS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("visit_date", "date", ["回访日期"]),
    _c(
        "scheduled_month",
        "float",
        ["计划回访月份", "回访月份", "回访期次"],
        nullable=True,
        allowed=tuple(float(m) for m in codes.SCHEDULED_MONTHS),
        description="6, 12, ..., 36; empty = unscheduled contact",
    ),
    _c("result", "code", ["回访结果"], codes="result"),
    _c(
        "employed",
        "flag",
        ["就业", "当前就业", "就业情况", "回访时就业"],
        required=False,
        nullable=True,
        description="employed at the visit (1/0); empty when nobody was seen",
    ),
)
INTERVENTIONS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("intervention", "code", ["帮扶措施", "帮扶类型"], codes="intervention"),
    _c("start_date", "date", ["开始日期"]),
    _c("end_date", "date", ["结束日期"], required=False, nullable=True),
    _c("amount", "float", ["金额", "帮扶金额"], required=False, nullable=True, low=0, high=1e6),
)
EVENTS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("event_date", "date", ["事件日期", "日期"]),
    _c("event", "code", ["事件", "事件类型"], codes="event"),
    _c("source", "text", ["来源", "信息来源"], required=False, nullable=True),
)
SPECS: Mapping[str, tuple[Column, ...]] = {
    "releases": RELEASES,
    "visits": VISITS,
    "interventions": INTERVENTIONS,
    "events": EVENTS,
}
# Sheet or file names (besides the English table name) that hold each table.
TABLE_ALIASES = {
    "releases": ("出所人员", "解除强制隔离戒毒人员"),
    "visits": ("回访记录", "回访"),
    "interventions": ("帮扶措施", "帮扶记录"),
    "events": ("事件", "事件记录"),
}

# Chinese (and English-label) words accepted for codes; repaired to the code and reported.
# The Chinese labels of workbench.data.codes and the English labels are accepted too.
CODE_ALIASES: Mapping[str, Mapping[str, str]] = {
    "result": {
        "阴性": "negative",
        "阳性": "positive",
        "未见面": "missed",
        "失联": "missed",
        "未回访": "missed",
        "死亡": "died",
        "迁出": "transferred",
        "转出": "transferred",
        "再次被查获吸毒": "detained",
        "再次强制隔离戒毒": "detained",
    },
    "sex": {
        "男": "male",
        "女": "female",
        "男性": "male",
        "女性": "female",
        "m": "male",
        "f": "female",
    },
    "prefecture": {
        **{lab["zh"].removesuffix("市"): code for code, lab in codes.PREFECTURES.items()},
        "湘西州": "xiangxi",
        "湘西自治州": "xiangxi",
    },
    "facility": {"新开铺强制隔离戒毒所": "xinkaipu", "女子强制隔离戒毒所": "women"},
    "primary_drug": {"冰毒": "methamphetamine", "甲基苯丙胺": "methamphetamine", "k粉": "ketamine"},
    "education": {
        "文盲": "none",
        "高中": "senior",
        "中专": "senior",
        "大专": "college",
        "本科": "college",
        "本科及以上": "college",
    },
    "intervention": {
        "311就业服务": "employment_311",
        "志愿者团队": "peer_education",
        "同伴教育/志愿者团队": "peer_education",
        "精准帮扶": "precise_support",
    },
    "event": {"复吸": "relapse", "死亡": "death", "迁出": "transfer"},
}
FLAG_WORDS = {
    "1": 1,
    "0": 0,
    "1.0": 1,
    "0.0": 0,
    "是": 1,
    "否": 0,
    "有": 1,
    "无": 0,
    "已婚": 1,
    "未婚": 0,
    "yes": 1,
    "no": 0,
    "y": 1,
    "n": 0,
    "true": 1,
    "false": 0,
}

# The accepted date forms (DATE_FORMS) as a pattern: year first, then month and day, separated
# by - / . or 年 月 日. ASCII digits only (re.ASCII): full-width digits are not read as dates.
DATE_RE = re.compile(
    r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$",
    re.ASCII,
)


def code_lookup(kind: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every accepted spelling (lower-cased) of the codes of `kind`, mapped to the code."""
    table = codes.KINDS[kind]
    out: dict[str, str] = {}
    for code, lab in table.items():
        out[lab["en"].lower()] = code
        out[lab["zh"].lower()] = code
    out.update({k.lower(): v for k, v in CODE_ALIASES.get(kind, {}).items()})
    out.update({k.lower(): v for k, v in (extra or {}).items()})
    out.update({code.lower(): code for code in table})
    return out


def header_lookup(table: str) -> dict[str, str]:
    """Accepted headers (normalised by `normalise_header`) of `table`, mapped to canonical names."""
    out: dict[str, str] = {}
    for col in SPECS[table]:
        for name in (col.name, *col.aliases):
            out[normalise_header(name)] = col.name
    return out


def normalise_header(name: object) -> str:
    """Header as compared: trimmed, lower case, spaces and dashes as underscores."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the contract's columns and dtypes for `table`."""
    dtypes = {"date": "datetime64[ns]", "int": "int64", "flag": "int64", "float": "float64"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object)) for c in SPECS[table]})
