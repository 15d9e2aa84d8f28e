"""A repair made while reading a dataset, as words in any language: `Repair` is the English
text (what metrics.json, the report and the logs keep, unchanged) that also carries its catalog
key and fields (``dq_repair_*`` in ``workbench.i18n.data``), so `ValidationReport.text("zh")`
says it in Chinese without parsing English back.
"""

from __future__ import annotations

from workbench.i18n import t


class Repair(str):
    """English repair text that can be said in another language (`render(lang)`)."""

    key: str
    fields: dict[str, object]

    def __new__(cls, key: str, **fields: object) -> Repair:
        obj = super().__new__(cls, t(key, "en", **fields))
        obj.key, obj.fields = key, dict(fields)
        return obj

    def __reduce__(self):  # pickled (analysis cache) by key and fields, not by the English text
        return (_rebuild, (self.key, self.fields))

    def render(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)


def _rebuild(key: str, fields: dict[str, object]) -> Repair:
    return Repair(key, **fields)


def said(note: str, lang: str) -> str:
    """A repair note in `lang`: a `Repair` in its words, any other text as it is."""
    return note.render(lang) if isinstance(note, Repair) else note
