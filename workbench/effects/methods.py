"""Method labels of the effect analyses, built as catalog parts (``workbench.i18n.methods``).

A result's ``method_text`` is a tuple of `Text` parts (joined with "; "); its English ``method``
string is the same parts rendered in English (`english`), so the two cannot drift apart.
Within one part, pieces are joined with ", " (`commas`); names and sentences that stay as they
are (column names, a reason) are `verbatim`, with their ", " and "; " rendered as the report's
Chinese punctuation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from workbench.i18n import Text, join


def piece(name: str, **fields: object) -> Text:
    """The catalog entry ``method_<name>`` with its fields."""
    return Text(f"method_{name}", fields)


def _chain(key: str, parts: Sequence[Text]) -> Text:
    out = parts[0]
    for part in parts[1:]:
        out = Text(key, {"a": out, "b": part})
    return out


def commas(*parts: Text) -> Text:
    """Pieces of one part joined with ", " (Chinese "，")."""
    return _chain("method_comma", parts)


def verbatim(text: str) -> Text:
    """Words that stay as they are, their ", " and "; " rendered in the reader's punctuation."""
    return _chain(
        "method_semicolon",
        [
            commas(*(piece("verbatim", text=leaf) for leaf in part.split(", ")))
            for part in str(text).split("; ")
        ],
    )


def english(parts: Iterable[Text]) -> str:
    """The English method string of `parts`."""
    return join(tuple(parts), "en")


def adjusted(fit: Text) -> Text:
    """A fit's label followed by ", covariate-adjusted" (one phrase for the plain Cox model)."""
    if fit == piece("cox"):
        return piece("cox_adjusted")
    return commas(fit, piece("covariate_adjusted"))
