"""What counts as a direct identifier: column headers (Chinese, pinyin, English) and cell values.

Records of drug users are sensitive personal information (PIPL). Two independent tests decide
that a column identifies people; either is enough:

1. **Its header** (`header_kind`). The header is normalised (full-width to ASCII, lower case,
   spaces, dashes, dots, brackets and underscores removed) and compared with `HEADER_WORDS`:
   Chinese words match anywhere in the header (the Chinese 'contact phone' contains 'phone'), English and pinyin words
   match a whole word of the header (home_address contains the word address), and short or
   ambiguous ones (xm, dh, zz, name, tel, ...) only the whole header. A header of the data
   contract (release_id and its Chinese aliases, ...) is never an identifier header.
2. **Its values** (`value_kind`): a resident-ID number (GB 11643-1999: 18 characters with a
   valid check digit), a mainland mobile number (1[3-9] and 9 digits, with or without +86 and
   separators), an e-mail address, or a run of 10 or more digits (older 15-digit ID numbers, bank
   cards, QQ numbers, landlines with area code), anywhere in the text of a cell.

Free-text columns (remarks, notes and their Chinese words, ...) are reported as their own kind: names and
addresses written in prose cannot be found reliably by any pattern, so `workbench pseudonymize`
drops them and `report`/`validate`/`batch` refuse them unless told they are safe.
Messages name the column and the kind of identifier, never a value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from workbench.data import schema
from workbench.i18n.data import IDENTIFIER_HEADERS_ZH, IDENTIFIER_WHOLE_HEADERS_ZH

ID_COLUMNS = ("release_id", "person_id")
GUARD_ROWS = 10_000  # rows of each table the guard scans (and ids looked at for names)

# kind -> (Chinese words matched anywhere (in workbench.i18n.data), words matched as a whole word, whole-header-only words)
HEADER_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "name": (
        IDENTIFIER_HEADERS_ZH["name"],
        ("surname", "firstname", "lastname", "fullname", "realname", "givenname", "xingming"),
        ("name", "xm", "xingm", "mingzi", "personname", "patientname", "clientname", "alias",
         "nickname", "cym"),
    ),
    "resident ID number": (
        IDENTIFIER_HEADERS_ZH["resident ID number"],
        ("idcard", "idnumber", "idno", "nationalid", "citizenid", "passport", "identitycard",
         "sfz", "sfzh", "sfzhm", "sfzhaoma", "shenfenzheng", "zjhm", "zjh"),
        ("id_card", "identity", "ssn", "nric"),
    ),
    "phone number": (
        IDENTIFIER_HEADERS_ZH["phone number"],
        ("phone", "mobile", "telephone", "cellphone", "lxdh", "sjhm", "sjh", "lxfs", "shouji",
         "dianhua", "lianxidianhua", "fax"),
        ("tel", "dh", "sj", "cell", "contactnumber", "phoneno", "mobileno"),
    ),
    "address": (
        IDENTIFIER_HEADERS_ZH["address"],
        ("address", "addr", "residence", "domicile", "street", "hjd", "hjdz", "xzz", "jzd",
         "zhuzhi", "dizhi", "huji", "postcode", "zipcode"),
        ("dz", "zz", "xzd"),
    ),
    "e-mail or social account": (
        IDENTIFIER_HEADERS_ZH["e-mail or social account"],
        ("email", "mail", "wechat", "weixin", "wxh", "qqh", "qqhao", "weibo", "alipay",
         "youxiang"),
        ("wx", "yx", "e_mail"),
    ),
    "relative or contact person": (
        IDENTIFIER_HEADERS_ZH["relative or contact person"],
        ("guardian", "nextofkin", "relative", "relatives", "spouse", "emergencycontact",
         "familycontact", "lxr", "jslxr", "jjlxr", "jhr"),
        ("contact", "contactperson", "kin"),
    ),
    "other direct identifier": (
        IDENTIFIER_HEADERS_ZH["other direct identifier"],
        ("licenseplate", "bankaccount", "bankcard", "cardnumber", "iban", "socialsecurity",
         "fingerprint", "photo", "face", "signature", "cph", "yhk"),
        ("plate", "account"),
    ),
    "free text": (
        IDENTIFIER_HEADERS_ZH["free text"],
        ("remark", "remarks", "note", "notes", "comment", "comments", "memo", "description",
         "freetext", "beizhu", "shuoming"),
        ("bz", "text", "other", "others", "misc", *IDENTIFIER_WHOLE_HEADERS_ZH),
    ),
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s_\-.()\uff08\uff09\u3010\u3011\[\]:\uff1a/\\#·]+")  # full-width too
_SCRIPTS = re.compile(r"[a-z0-9]+|[^a-z0-9]+")  # 'qq' + the Chinese for 'number' -> two words
_RESIDENT_ID = re.compile(
    r"(?<![0-9.])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9])",
    re.ASCII,
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
VALUE_PATTERNS = {
    "mobile number": re.compile(
        r"(?<![0-9.])(?:\+?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]{4}){2}(?![0-9])", re.ASCII
    ),
    "e-mail address": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    "long digit run": re.compile(r"(?<![0-9.])[0-9]{10,}", re.ASCII),
}
_CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def _normalise(header: object) -> str:
    return unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().lower()


def _contract_headers() -> frozenset[str]:
    return frozenset(h for table in schema.TABLES for h in schema.header_lookup(table))


_CONTRACT = _contract_headers()


def header_kind(header: object) -> str | None:
    """The kind of identifier a column header names (see HEADER_WORDS), or None.

    >>> header_kind("home_address"), header_kind("release_id")
    ('address', None)
    """
    text = _normalise(header)
    if schema.normalise_header(text) in _CONTRACT:
        return None
    tokens = [t for part in _SEPARATORS.split(text) for t in _SCRIPTS.findall(part)]
    joined = "".join(tokens)
    # every run of consecutive tokens, joined: home_address -> home, address, homeaddress
    runs = {"".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1)}
    for kind, (anywhere, words, whole) in HEADER_WORDS.items():
        if any(w in joined for w in anywhere if not w.isascii()):
            return kind
        if any(w in runs for w in words) or any(w in runs for w in anywhere if w.isascii()):
            return kind
        if joined in whole or text in whole:
            return kind
    return None


def valid_resident_id(text: str) -> bool:
    """True for an 18-character resident-ID number whose check digit is right (GB 11643-1999)."""
    if len(text) != 18 or not text[:17].isascii() or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == text[17].upper()


def value_kind(text: str, digits: bool = True) -> str | None:
    """The kind of identifier found in one cell's text, or None. `digits=False` skips the
    long-digit-run test (for id columns, where long numeric ids are normal)."""
    if any(valid_resident_id(m[0]) for m in _RESIDENT_ID.finditer(text)):
        return "resident ID number"
    for kind, pattern in VALUE_PATTERNS.items():
        if (digits or kind != "long digit run") and pattern.search(text):
            return kind
    return None


def values_kind(values: Iterable[object], digits: bool = True) -> str | None:
    """The first kind of identifier found in any of `values` (text of distinct cells)."""
    texts = [str(v) for v in values if isinstance(v, str) or (v is not None and v == v)]
    if not texts:
        return None
    blob = "\n".join(texts)  # one regex pass over all cells finds whether to look closer
    if not (_RESIDENT_ID.search(blob) or any(p.search(blob) for p in VALUE_PATTERNS.values())):
        return None
    for text in texts:
        kind = value_kind(text, digits)
        if kind:
            return kind
    return None


def names_in_ids(values: Iterable[object]) -> bool:
    """True when an id looks like a Chinese personal name (2-4 hanzi): ids are codes."""
    return any(isinstance(v, str) and _CHINESE_NAME.match(v) for v in values)


# ---------------------------------------------------------------------------------------------
# which columns of a table identify people


def id_columns(frame: pd.DataFrame, table: str) -> list[str]:
    """The columns of `frame` that are the contract's ids (release_id, person_id)."""
    lookup = schema.header_lookup(table) if table in schema.SPECS else {}  # a spec: no ids
    return [c for c in frame.columns if lookup.get(schema.normalise_header(c)) in ID_COLUMNS]


def column_findings(frame: pd.DataFrame, table: str, typed: bool = True) -> dict[str, str]:
    """Column -> kind of identifier, for every identifying column of a raw table. Ids (which
    are pseudonymised) count only with resident-ID or phone numbers, e-mails or names; the
    contract's date, number and code columns (refused on load when they hold text) are looked
    at like ids with `typed`, and not at all without."""
    ids = set(id_columns(frame, table))
    checked = _checked_columns(frame, table)
    found: dict[str, str] = {}
    for column in frame.columns:
        if column in checked and not typed:
            continue
        values = pd.unique(frame[column].dropna().astype(str))
        if column in checked:
            kind = values_kind(values, digits=False)
        elif column in ids:
            kind = values_kind(values, digits=False)
            if kind is None and names_in_ids(values[:GUARD_ROWS]):
                kind = "name"
        else:
            kind = header_kind(column) or values_kind(values)
        if kind:
            found[str(column)] = kind
    return found


def _checked_columns(frame: pd.DataFrame, table: str) -> set[str]:
    """Columns of the contract whose values are dates, numbers or codes (checked on load)."""
    if table not in schema.SPECS:
        return set()
    lookup = schema.header_lookup(table)
    typed = {c.name for c in schema.SPECS[table] if c.kind not in ("id", "text")}
    return {c for c in frame.columns if lookup.get(schema.normalise_header(c)) in typed}


def dropped_columns(frame: pd.DataFrame, table: str) -> tuple[str, ...]:
    """Columns pseudonymize drops: identifying ones other than the ids it replaces."""
    ids = set(id_columns(frame, table))
    return tuple(c for c in column_findings(frame, table) if c not in ids)
