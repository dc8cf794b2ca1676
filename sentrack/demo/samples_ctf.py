"""The demo's sample Common Transfer File, `samples/arrivals.xml`: twelve new pupils joining the
demo school in the 2026/27 academic year, as the school's MIS would send them to SEN Track.

Everything in it is made up: names from `names`, valid UPNs of an establishment number no demo
school uses (so that none matches a demo pupil), dates of birth that fit each year group, contacts
with drama-range phone numbers, and SEN history for a few (SEN support with ranked needs, one EHC
plan). Two pupils are there to show the import's checks: one whose year group does not fit their
age (a warning) and one whose need type is not a census code (an error).

The file is what `write_ctf(arrivals_ctf())` writes, never edited by hand; after changing this
module, write it again with `python -m sentrack.demo.samples_ctf`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sentrack.demo import names
from sentrack.demo.builder import LA_CODE
from sentrack.demo.schools import SchoolSpec
from sentrack.models import Phase
from sentrack.workflows.ctf_format import (
    WRITTEN_VERSION,
    CtfContact,
    CtfFile,
    CtfHeader,
    CtfNeed,
    CtfPhone,
    CtfPupil,
    CtfSchool,
    CtfSenPeriod,
)
from sentrack.workflows.ctf_write import write_ctf
from sentrack.workflows.upn import check_letter

SAMPLES = Path(__file__).parent / "samples"
ARRIVALS = SAMPLES / "arrivals.xml"

ACADEMIC_YEAR = 2026
CREATED = datetime(2026, 11, 20, 9, 15)
FIRST_DAY = date(2026, 9, 3)
DEMO_SCHOOL = SchoolSpec(1, Phase.PRIMARY, 0)
# The establishment that gave the arrivals their UPNs: a number no demo school gives.
UPN_ESTABLISHMENT = "6001"
POSTCODE_AREA = "DM1"

# Forename, surname, year group in 2026/27, date of birth; the year group of Jayden Reid does not
# fit his age (he was born in Year 5's year): a warning, not an error.
PUPILS = [
    ("Amelia", "Hughes", 0, date(2022, 3, 14)),
    ("Yusuf", "Rahman", 0, date(2021, 11, 2)),
    ("Ivy", "Nowak", 1, date(2020, 12, 9)),
    ("Kofi", "Mensah", 2, date(2019, 10, 21)),
    ("Saanvi", "Patel", 2, date(2020, 6, 30)),
    ("Theodore", "Walsh", 3, date(2018, 9, 17)),
    ("Aaliyah", "Campbell", 3, date(2019, 4, 5)),
    ("Oskar", "Kowalski", 4, date(2018, 1, 25)),
    ("Leyla", "Yilmaz", 5, date(2016, 10, 8)),
    ("Jayden", "Reid", 3, date(2016, 11, 3)),
    ("Mei", "Chen", 6, date(2015, 12, 1)),
    ("Harry", "Thompson", 6, date(2016, 5, 12)),
]
MISMATCHED_YEAR = "Jayden"
UNKNOWN_NEED = "XYZ"  # not a census need type: the import shows Mei Chen in error

# SEN history by forename: the periods, then the needs by rank.
SEN = {
    "Theodore": ((CtfSenPeriod(date(2025, 1, 13), "K"),), ("SLCN", "SPLD")),
    "Oskar": ((CtfSenPeriod(date(2024, 10, 7), "K"),), ("SEMH", "SLCN")),
    "Leyla": ((CtfSenPeriod(date(2022, 11, 14), "K"), CtfSenPeriod(date(2024, 6, 3), "E")), ("ASD", "SLCN")),
    "Aaliyah": ((CtfSenPeriod(date(2026, 2, 2), "K"),), ("NSA",)),
    "Mei": ((CtfSenPeriod(date(2025, 3, 3), "K"),), (UNKNOWN_NEED,)),
}
PREFERRED = {"Theodore": "Teddy"}
# Entry dates other than the first day of the year: pupils who joined later in the autumn.
JOINED_LATER = {"Kofi": date(2026, 10, 5), "Harry": date(2026, 11, 16)}
# Pupils whose previous school gave a temporary UPN before the permanent one.
FORMER_UPNS = {"Harry"}
STREETS = ["Rowan Way", "Mill Lane", "Church Street", "Station Road", "Park Avenue", "Orchard Close"]


def _upn(year_group: int, serial: int, *, temporary: bool = False) -> str:
    """A UPN of the arrivals' establishment, allocated in the pupil's reception year; a temporary
    one ends in a letter."""
    year = (ACADEMIC_YEAR - year_group) % 100
    tail = f"{serial:02d}T" if temporary else f"{serial:03d}"
    rest = f"{LA_CODE}{UPN_ESTABLISHMENT}{year:02d}{tail}"
    return check_letter(rest) + rest


def _address(number: int) -> str:
    return f"{3 + 7 * number} {STREETS[number % len(STREETS)]}\n{names.TOWN}\n{POSTCODE_AREA} {number % 9 + 1}QT"


def _contacts(number: int, surname: str) -> tuple[CtfContact, ...]:
    """A mother (every pupil), and for every other pupil a father living elsewhere; a carer for
    the last pupil instead."""
    # A mobile each; every third family a home landline too (Ofcom's drama ranges).
    phone = (CtfPhone("M", f"07700 900{100 + 3 * number:03d}"),)
    if number % 3 == 0:
        phone += (CtfPhone("H", f"01632 960{100 + number:03d}"),)
    if number == len(PUPILS) - 1:
        work = CtfPhone("W", "0113 496 0000")
        carer = CtfContact(1, "Mx", "Sam", "Okafor", "CAR", True, None, True, (*phone, work), "sam.okafor@example.com")
        return (carer,)
    mother_name = names.BRITISH_AND_IRISH.women[number]
    email = f"{names.ascii_word(mother_name)}.{names.ascii_word(surname)}@example.com"
    mother = CtfContact(1, "Mrs", mother_name, surname, "PAM", True, None, True, phone, email)
    if number % 2:
        return (mother,)
    father_name = names.BRITISH_AND_IRISH.men[number]
    other_address = _address(number + len(PUPILS))
    father_phone = (CtfPhone("M", f"07700 900{101 + 3 * number:03d}"),)
    father = CtfContact(2, "Mr", father_name, surname, "PAF", True, other_address, False, father_phone, None)
    return (mother, father)


def _pupil(number: int, forename: str, surname: str, year_group: int, born: date) -> CtfPupil:
    periods, needs = SEN.get(forename, ((), ()))
    return CtfPupil(
        upn=_upn(year_group, number + 1),
        surname=surname,
        forename=forename,
        date_of_birth=born,
        sex=names.child_sex(forename),
        former_upn=_upn(year_group, number + 1, temporary=True) if forename in FORMER_UPNS else None,
        preferred_forename=PREFERRED.get(forename),
        year_group=year_group,
        entry_date=JOINED_LATER.get(forename, FIRST_DAY),
        address=_address(number),
        contacts=_contacts(number, surname),
        sen=periods,
        needs=tuple(CtfNeed(rank, code) for rank, code in enumerate(needs, start=1)),
        position=number + 1,
    )


def arrivals_ctf() -> CtfFile:
    """The sample file's content: from the demo school's MIS to the demo school (its LA code and
    establishment number)."""
    school = CtfSchool(la=LA_CODE, estab=DEMO_SCHOOL.estab_number, urn=DEMO_SCHOOL.urn)
    header = CtfHeader(
        version=WRITTEN_VERSION,
        created=CREATED,
        qualifier="partial",
        supplier="Demo MIS",
        source=CtfSchool(school.la, school.estab, school.urn, DEMO_SCHOOL.name, ACADEMIC_YEAR),
        destination=school,
    )
    pupils = tuple(_pupil(number, *row) for number, row in enumerate(PUPILS))
    return CtfFile(header=header, pupils=pupils)


def arrivals_xml() -> bytes:
    return write_ctf(arrivals_ctf())


if __name__ == "__main__":
    ARRIVALS.write_bytes(arrivals_xml())
