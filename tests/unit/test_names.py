"""The name key of duplicate detection (issue 15, point 9): a name typed with or without accents,
in any case, with hyphens or spaces, is one key; different names are different keys."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from parcours_engine.domain.names import name_key

LETTERS = "abcdefghijklmnopqrstuvwxyz"
ACCENTS = ("\u0301", "\u0300", "\u0302", "\u0308", "\u0327")  # ´ ` ^ ¨ ¸
names = st.text(alphabet=LETTERS, min_size=1, max_size=20)


@st.composite
def typed(draw: st.DrawFn, name: str) -> str:
    """`name` as a person may type it: accents added, any case, hyphens and spaces between letters."""
    out = []
    for letter in name:
        if draw(st.booleans()):
            letter = unicodedata.normalize("NFC", letter + draw(st.sampled_from(ACCENTS)))
        out.append(letter.upper() if draw(st.booleans()) else letter)
        out.append(draw(st.sampled_from(("", "", "-", " "))))
    return draw(st.sampled_from(("", " "))) + "".join(out)


@given(st.data(), names, names)
def test_spellings_of_the_same_names_share_a_key(data: st.DataObject, last: str, first: str) -> None:
    once = name_key(data.draw(typed(last)), data.draw(typed(first)))
    again = name_key(data.draw(typed(last)), data.draw(typed(first)))
    assert once == again == name_key(last, first)


@given(st.data(), names, names, names)
def test_different_names_have_different_keys(data: st.DataObject, last: str, first: str, other: str) -> None:
    if other != first:
        assert name_key(data.draw(typed(last)), data.draw(typed(first))) != name_key(
            data.draw(typed(last)), data.draw(typed(other))
        )
    if other != last:
        assert name_key(last, first) != name_key(other, first)


def test_the_registrations_of_the_issue_collide() -> None:
    assert name_key("ESSAI", "Léonie") == name_key("Essai", "LEONIE") == name_key("essai ", "Le-onie")
    assert name_key("Le Bœuf-Dupont", "Jean Pierre") == name_key("LEBOEUF DUPONT", "Jean-Pierre")
    assert name_key("ESSAI", "Léonie") != name_key("ESSAI", "Léonce")
    assert name_key("Martin", "Léa") != name_key("Léa", "Martin")  # the places are kept
