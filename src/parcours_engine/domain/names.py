"""The key two registrations of the same person share, whatever the spelling of their name.

"ESSAI Léonie", "Essai LEONIE" and "essai-leonie" are one person typed three ways: the key drops
accents (Unicode decomposition, then the combining marks), case, and everything that is not a letter
or a digit (hyphens, spaces, apostrophes), and spells ligatures out (œ -> oe). The last name and the
first name keep their place (a key is `last|first`). With the birth date it finds the possible
duplicates of a registration (pathways.beneficiaries), through an indexed column.
"""

from __future__ import annotations

import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
KEY_LENGTH = 250  # the column's length: two names of at most 120 characters (ß -> ss may lengthen)


def name_part(name: str) -> str:
    """One name without accents, case, hyphens, spaces or punctuation."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_LIGATURES))
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def name_key(last_name: str, first_name: str) -> str:
    """The key of a person's names (`last|first`), at most KEY_LENGTH characters."""
    return f"{name_part(last_name)}|{name_part(first_name)}"[:KEY_LENGTH]
