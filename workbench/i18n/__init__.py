"""One zh/en catalog: every word the workbench shows a reader, looked up by key.

Each submodule holds one domain's entries as pure data, ``key -> (Chinese, English)``
(``report``: the evaluation report's words, glossary.md verbatim). ``TEXT`` merges them and
refuses a key defined twice; ``t`` renders one entry; ``check_lang`` is the one language check.
Chinese characters appear nowhere else in the package except the glossary-driven codes
(``codes``) and the Chinese column aliases of the data contract (``schema``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from workbench.exceptions import ParameterError
from workbench.i18n import (
    batch,
    checks,
    data,
    effects,
    emulation,
    methods,
    notebook,
    notebook_prose,
    notebook_spec,
    planning,
    ranking,
    report,
    report_methods,
    retention,
    risk,
    sequential,
    standing,
    target_trial,
    trends,
    trial_verdicts,
)

LANGUAGES = ("zh", "en")
_CATALOGS = {
    "report": report.ENTRIES,
    "report_methods": report_methods.ENTRIES,
    "risk": risk.ENTRIES,
    "retention": retention.ENTRIES,
    "effects": effects.ENTRIES,
    "emulation": emulation.ENTRIES,
    "sequential": sequential.ENTRIES,
    "methods": methods.ENTRIES,
    "data": data.ENTRIES,
    "notebook": notebook.ENTRIES,
    "notebook_prose": notebook_prose.ENTRIES,
    "notebook_spec": notebook_spec.ENTRIES,
    "target_trial": target_trial.ENTRIES,
    "trends": trends.ENTRIES,
    "batch": batch.ENTRIES,
    "checks": checks.ENTRIES,
    "ranking": ranking.ENTRIES,
    "planning": planning.ENTRIES,
    "standing": standing.ENTRIES,
    "trial_verdicts": trial_verdicts.ENTRIES,
}


def _merge(catalogs: dict[str, dict[str, tuple[str, str]]]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for name, entries in catalogs.items():
        for key, (zh, en) in entries.items():
            if key in merged:
                raise RuntimeError(f"catalog key {key!r} is defined in {origin[key]} and {name}")
            merged[key], origin[key] = {"zh": zh, "en": en}, name
    return merged


TEXT = MappingProxyType(_merge(_CATALOGS))


def check_lang(lang: object) -> str:
    """`lang` if it is a language the workbench writes, else a ParameterError saying which are."""
    if lang not in LANGUAGES:
        raise ParameterError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang  # type: ignore[return-value]


def t(key: str, lang: str, *args: object, **kwargs: object) -> str:
    """The text for `key` in `lang`, formatted with `args`/`kwargs`.

    >>> t("sum_retention_na", "en", m=12, why="no releases in scope")
    'Retention at 12 months could not be estimated: no releases in scope.'
    """
    text = TEXT[key][check_lang(lang)]
    return text.format(*args, **kwargs) if (args or kwargs) else text


@dataclass(frozen=True)
class Text:
    """Words to be rendered later, in whichever language the reader has: a catalog key and its
    fields. Results carry these (method labels, caveats, reasons) instead of finished English, so
    presentation never parses English back. Fields that are themselves `Text` render too."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        values = {k: v.render(lang) if isinstance(v, Text) else v for k, v in self.fields.items()}
        return t(self.key, lang, **values)


def join(parts: Iterable[Text], lang: str, sep: str = "; ") -> str:
    """Render `parts` and join them: '; ' (or ', ') in English, '；' (or '，') in Chinese."""
    zh_sep = {"; ": "；", ", ": "，"}.get(sep, sep)
    return (zh_sep if check_lang(lang) == "zh" else sep).join(p.render(lang) for p in parts)


def listing(words: Iterable[object], lang: str) -> str:
    """Words of one list in the reader's language: "female, male" / "女、男".

    >>> listing(["a", "b"], "zh")
    'a、b'
    """
    return ("、" if check_lang(lang) == "zh" else ", ").join(str(w) for w in words)
