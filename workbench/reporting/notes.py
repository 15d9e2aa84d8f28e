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

from collections.abc import Iterable

from workbench.data import codes
from workbench.evaluation.results import Note
from workbench.i18n import TEXT, Text, t


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
    if note.code is None or note.code in COUNTED or f"caveat_{note.code}" not in TEXT:
        return None
    values = {k: _field(k, v, lang) for k, v in note.fields.items()}
    return t(f"caveat_{note.code}", lang, **values)


# A support's weighting caveats: shown beside its row in Support effects (reporting.support_checks).
SUPPORT_CAVEATS = frozenset({"support_positivity", "support_low_ess"})


def official_notes(notes: Iterable[Note], lang: str, under_tables: bool = False) -> list[str]:
    """Our caveats in `lang` (each once), then one line counting the library messages;
    `under_tables`: leave out a support's weighting caveats (the report shows them under the
    support table)."""
    out: list[str] = []
    n_library = 0
    for note in notes:
        if under_tables and note.code in SUPPORT_CAVEATS:
            continue
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
