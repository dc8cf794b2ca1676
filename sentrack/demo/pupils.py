"""Demo pupils: names, dates of birth and admission, UPNs, classes, looked-after and medical
flags, and their parents and carers as contacts.

A pupil is first drafted (`PupilDraft`): its row may still change, and the register gives it an
SEN history, until the rows are inserted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sentrack.demo import names
from sentrack.demo.context import DemoContext, weighted
from sentrack.demo.dates import DAY, first_school_day, random_date, random_school_day
from sentrack.demo.schools import Group, SchoolSpec
from sentrack.demo.staff import Staff
from sentrack.demo.upn import UpnAllocator
from sentrack.models import (
    Contact,
    ContactMethod,
    ContactPhone,
    ContactRestriction,
    NeedType,
    Phase,
    Provision,
    Pupil,
    group_pupils,
)

IN_YEAR_ADMISSION_RATE = 0.08
MEDICAL_RATE = 0.05
LOOKED_AFTER_RATE = 0.007
LOOKED_AFTER_MIN = 2
# The primary school's pupil taught out of their year group: in Year 3, born in Year 4's year.
OUT_OF_YEAR = 3
CONTACT_METHODS = [(ContactMethod.PHONE, 50), (ContactMethod.EMAIL, 40), (ContactMethod.LETTER, 10)]


@dataclass
class Period:
    """One period of a pupil's SEN history, open until the next one starts."""

    provision: Provision
    start: date
    reason: str
    primary_need: NeedType | None = None
    secondary_need: NeedType | None = None
    decision_reason: str | None = None  # why a review stepped the pupil down, for an N period
    row: dict[str, Any] | None = field(default=None, repr=False)  # its SenStatus row, once added


@dataclass(eq=False)  # compared by identity
class PupilDraft:
    row: dict[str, Any]
    group_id: int
    teacher_id: int
    family: names.NameGroup
    periods: list[Period] = field(default_factory=list)
    assessed_concern: dict[str, Any] | None = None  # the concern that opened support cycle 1

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def admitted_on(self) -> date:
        return self.row["admitted_on"]

    @property
    def provision(self) -> Provision:
        return self.periods[-1].provision if self.periods else Provision.NONE


class PupilBuilder:
    def __init__(self, context: DemoContext, *, la_code: str) -> None:
        self.context = context
        self.upns = UpnAllocator(la_code)
        self.public_ids: set[str] = set()

    def add_pupils(self, spec: SchoolSpec, school_id: int, groups: list[Group], staff: Staff) -> list[PupilDraft]:
        pupils = []
        for group in groups:
            for _ in range(group.size):
                pupil = self._new_pupil(spec, school_id, group, staff.teacher_of[group.id])
                self.context.rows.add(group_pupils, group_id=group.id, pupil_id=pupil.id)
                pupils.append(pupil)
        return pupils

    def _new_pupil(self, spec: SchoolSpec, school_id: int, group: Group, teacher_id: int) -> PupilDraft:
        context = self.context
        rng, year_start = context.rng, context.year_start
        family = context.name_group()
        given_names = context.name_group() if rng.random() < names.MIXED_NAMES_RATE else family
        first = rng.choice(given_names.children)
        preferred = names.PREFERRED_NAMES.get(first) if rng.random() < 0.4 else None
        reception_year = year_start.year - group.year_group  # when the pupil started school
        born = random_date(rng, date(reception_year - 5, 9, 1), date(reception_year - 4, 8, 31))
        admitted = self._admission_date(spec, group.year_group)
        entered = datetime.combine(max(admitted, year_start), time(7, 30), tzinfo=UTC)
        row = context.rows.add(
            Pupil,
            public_id=self._public_id(),
            school_id=school_id,
            upn=self.upns.allocate(rng.choice(spec.upn_establishments), reception_year),
            first_name=first,
            last_name=rng.choice(family.surnames),
            preferred_name=preferred,
            sex=names.child_sex(first),
            date_of_birth=born,
            year_group=group.year_group,
            looked_after=False,
            medical_conditions=False,
            medical_notes=None,
            admitted_on=admitted,
            created_at=entered,
            updated_at=entered,
        )
        return PupilDraft(row, group.id, teacher_id, family)

    def _admission_date(self, spec: SchoolSpec, year_group: int) -> date:
        """The first day of the pupil's first year here, or for a few a later day in the year."""
        rng, today = self.context.rng, self.context.today
        entry_year = self.context.year_start.year - (year_group - spec.year_groups[0])
        start = min(first_school_day(entry_year), today)
        joined_late = rng.random() < IN_YEAR_ADMISSION_RATE
        if joined_late and start + 30 * DAY <= today - 7 * DAY:
            return random_school_day(rng, start + 30 * DAY, today - 7 * DAY)
        return start

    def _public_id(self) -> str:
        while True:
            public_id = f"{self.context.rng.getrandbits(96):024x}"
            if public_id not in self.public_ids:
                self.public_ids.add(public_id)
                return public_id

    def mark_looked_after(self, pupils: list[PupilDraft]) -> None:
        """About 0.7% looked after, at least two a school, one of them on SEN support."""
        rng = self.context.rng
        count = min(len(pupils), max(LOOKED_AFTER_MIN, round(LOOKED_AFTER_RATE * len(pupils))))
        on_support = [p for p in pupils if p.provision is Provision.SEN_SUPPORT]
        chosen = rng.sample(on_support, 1) if on_support else []
        others = [p for p in pupils if p not in chosen]  # chosen holds one at most
        chosen += rng.sample(others, count - len(chosen))
        for pupil in chosen:
            pupil.row["looked_after"] = True

    def mark_medical_conditions(self, pupils: list[PupilDraft]) -> None:
        rng = self.context.rng
        for pupil in rng.sample(pupils, round(MEDICAL_RATE * len(pupils))):
            pupil.row["medical_conditions"] = True
            pupil.row["medical_notes"] = rng.choice(names.MEDICAL_NOTES)

    def mark_taught_out_of_year(self, spec: SchoolSpec, pupils: list[PupilDraft]) -> PupilDraft | None:
        """At a primary school, one pupil off the register in Year 3 has a date of birth of Year 4's
        year (kept down a year after a long illness, as the administrator confirmed on adding
        them): the pupil form asks again only if their year group or date of birth is changed.
        Chosen without the random stream, so that the rest of the demo is built as before."""
        if spec.phase is not Phase.PRIMARY:
            return None
        chosen = next(
            (
                p
                for p in pupils
                if p.row["year_group"] == OUT_OF_YEAR and p.provision is Provision.NONE and not p.row["looked_after"]
            ),
            None,
        )
        if chosen is not None:
            born = chosen.row["date_of_birth"]
            chosen.row["date_of_birth"] = date(born.year - 1, born.month, min(born.day, 28))
        return chosen

    # --- Contacts ---------------------------------------------------------------------------------

    def add_contacts(self, pupils: list[PupilDraft]) -> None:
        rng = self.context.rng
        for pupil in pupils:
            looked_after = pupil.row["looked_after"]
            patterns = names.LOOKED_AFTER_CONTACT_PATTERNS if looked_after else names.CONTACT_PATTERNS
            home = self._address()
            for priority, relationship in enumerate(weighted(rng, patterns), start=1):
                address = home if priority == 1 or rng.random() < 0.6 else self._address()
                self._add_contact(pupil, relationship, priority, address)

    def _add_contact(self, pupil: PupilDraft, relationship: str, priority: int, address: str) -> None:
        context = self.context
        rng = context.rng
        sex = names.RELATIONSHIP_SEX[relationship] or rng.choice("fm")
        same_surname = relationship != "Foster carer" and rng.random() < 0.75
        group = pupil.family if same_surname else context.name_group()
        first = rng.choice(group.women if sex == "f" else group.men)
        last = pupil.row["last_name"] if same_surname else rng.choice(group.surnames)
        method = weighted(rng, CONTACT_METHODS)
        has_email = method is ContactMethod.EMAIL or rng.random() < 0.6
        email = f"{names.ascii_word(first)}.{names.ascii_word(last)}{rng.randint(1, 99)}@example.com"
        responsible = rng.random() < names.PARENTAL_RESPONSIBILITY[relationship]
        number = f"07700 900{rng.randrange(1000):03d}"  # Ofcom's range for drama
        row = context.rows.add(
            Contact,
            pupil_id=pupil.id,
            name=f"{first} {last}",
            relationship_to_pupil=relationship,
            parental_responsibility=responsible,
            email=email if has_email else None,
            address=address,
            preferred_contact=method,
            priority=priority,
            restriction=ContactRestriction.NONE,  # a few are restricted later (demo/letters.py)
            restriction_note=None,
        )
        # A mobile each; every seventh contact (by id, not by a draw) a home landline as well.
        context.rows.add(ContactPhone, contact_id=row["id"], position=1, kind="M", number=number)
        if row["id"] % 7 == 0:
            home = f"01632 960{row['id'] % 1000:03d}"
            context.rows.add(ContactPhone, contact_id=row["id"], position=2, kind="H", number=home)

    def _address(self) -> str:
        rng = self.context.rng
        return f"{rng.randint(1, 160)} {rng.choice(names.STREETS)}, {names.TOWN}"
