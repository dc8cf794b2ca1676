"""Unique pupil numbers (UPN): 13 characters, a check letter then twelve characters.

The check letter is the sum of each of characters 2 to 13 multiplied by its position (2 to 13),
modulo 23, read from the DfE's 23-letter alphabet (no I, O or S). A permanent UPN has digits in
positions 2 to 13; a temporary UPN has a letter from that alphabet in position 13.
"""

from __future__ import annotations

import re

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


_SHAPE = re.compile(r"[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]", re.ASCII)


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return CHECK_ALPHABET.index(char)


def check_letter(rest: str) -> str:
    """The check letter for the twelve characters that follow it."""
    total = sum(_value(char) * position for position, char in enumerate(rest, start=2))
    return CHECK_ALPHABET[total % 23]


def normalise(upn: str) -> str:
    return "".join(upn.split()).upper()


def upn_problem(upn: str) -> str | None:
    """Why `upn` is not a valid UPN, or None."""
    if len(upn) != 13:
        return "A UPN is 13 characters long"
    if not _SHAPE.fullmatch(upn):
        return "A UPN is a letter followed by 11 digits and a final digit or letter"
    if check_letter(upn[1:]) != upn[0]:
        return "This UPN's check letter does not match: check it has been copied correctly"
    return None
