"""Method labels as catalog parts (effects.methods): verbatim words keep their text and take the
reader's punctuation; the English string is the parts rendered in English."""

from workbench.effects.methods import commas, english, piece, verbatim
from workbench.i18n import join


def test_verbatim_keeps_words_and_renders_the_readers_punctuation():
    text = verbatim("age, sex; stratified by site")
    assert join((text,), "en") == "age, sex; stratified by site"
    assert join((text,), "zh") == "age，sex；stratified by site"


def test_commas_and_english_join_the_parts():
    parts = (commas(verbatim("a"), verbatim("b")), verbatim("c"))
    assert english(parts) == join(parts, "en")
    assert join((parts[0],), "zh") == "a，b"
    assert piece("verbatim", text="x").key == "method_verbatim"
