"""Demo data: a local authority whose schools look like English schools in the middle of a year.

`build_demo` fills a database with a primary and a secondary school (or as many as asked for):
staff with roles, classes, pupils with parents and carers, an SEN register shaped like England's
with dated histories, and concerns, some of them past their deadline. Everything is dated from
`today`, so the demo looks lived-in on whatever date it runs, and everything comes from one
seeded random generator, so the same seed and date give the same data.

Rows are inserted with bulk statements and primary keys assigned here, so that a hundred schools
take seconds rather than minutes. The caller commits.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.auth.passwords import hash_password
from sentrack.demo import names
from sentrack.workflows.upn import check_letter
from sentrack.models import (
    AreaOfNeed,
    Concern,
    ConcernStatus,
    Contact,
    ContactMethod,
    LocalAuthority,
    NeedType,
    Phase,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    School,
    SchoolTerm,
    SenStatus,
    TeachingGroup,
    User,
    group_pupils,
    group_teachers,
)

__all__ = [
    "DEMO_PASSWORD",
    "DemoSummary",
    "build_demo",
    "demo_pupil_count",
    "is_valid_upn",
    "upn_check_letter",
]

DEMO_PASSWORD = "sentrack-demo"
LA_CODE = "999"
LA_NAME = "Demo Borough Council"
CONCERN_DEADLINE_DAYS = 28  # the School default

# The roll.
DEFAULT_PUPILS = {Phase.PRIMARY: 420, Phase.SECONDARY: 1000}
YEAR_GROUPS = {Phase.PRIMARY: range(0, 7), Phase.SECONDARY: range(7, 12)}
CLASSES_PER_PRIMARY_YEAR = 2
TUTOR_GROUP_SIZE = 25
IN_YEAR_ADMISSION_RATE = 0.08
MEDICAL_RATE = 0.05
LOOKED_AFTER_RATE = 0.007
LOOKED_AFTER_MIN = 2

# The register, shaped like England's (DfE, "Special educational needs in England").
SEN_SUPPORT_RATE = 0.13
EHC_PLAN_RATE = {Phase.PRIMARY: 0.025, Phase.SECONDARY: 0.05}
SECONDARY_NEED_RATE = 0.4
STEP_DOWN_RATE = 0.01
SEN_SUPPORT_NEEDS = {
    Phase.PRIMARY: names.SEN_SUPPORT_NEEDS_PRIMARY,
    Phase.SECONDARY: names.SEN_SUPPORT_NEEDS_SECONDARY,
}

# Concerns in a school of 420 pupils; other schools get a proportionate number.
CONCERNS_PER_420 = {"open": 12, "overdue": 4, "closed": 10}
CONCERN_AREAS = [
    (AreaOfNeed.COGNITION, 35),
    (AreaOfNeed.SEMH, 30),
    (AreaOfNeed.COMMUNICATION, 25),
    (AreaOfNeed.SENSORY_PHYSICAL, 10),
]
CONTACT_METHODS = [(ContactMethod.PHONE, 50), (ContactMethod.EMAIL, 40), (ContactMethod.LETTER, 10)]

INSERT_CHUNK = 1000
DAY = timedelta(days=1)
YEAR = timedelta(days=365)

T = TypeVar("T")


# --- Unique pupil numbers -------------------------------------------------------------------------

class _UpnAllocator:
    """Hands out UPNs (LA code, establishment, year of allocation, serial), each once.

    When an establishment's 999 serials for a year run out, numbering moves to a spare
    establishment number, as if another school of the authority had allocated it.
    """

    SPARE_ESTABLISHMENTS = range(7000, 10000)

    def __init__(self, la_code: str) -> None:
        self.la_code = la_code
        self._last_serial: dict[tuple[int, int], int] = {}
        self._spare_for: dict[tuple[int, int], int] = {}
        self._spares = iter(self.SPARE_ESTABLISHMENTS)

    def allocate(self, establishment: int, year: int) -> str:
        key = (establishment, year % 100)
        while self._last_serial.get(key, 0) >= 999:
            if key not in self._spare_for:
                self._spare_for[key] = next(self._spares)
            key = (self._spare_for[key], key[1])
        serial = self._last_serial.get(key, 0) + 1
        self._last_serial[key] = serial
        rest = f"{self.la_code}{key[0]:04d}{key[1]:02d}{serial:03d}"
        return check_letter(rest) + rest


# --- Dates ----------------------------------------------------------------------------------------

def _academic_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def _first_school_day(year: int) -> date:
    day = date(year, 9, 1)
    while day.weekday() >= 5:
        day += DAY
    return day


def _terms_of_year(year: int) -> list[tuple[str, date, date]]:
    """The default terms of the academic year starting in September of `year`."""
    return [
        (f"Autumn {year}", date(year, 9, 1), date(year, 12, 31)),
        (f"Spring {year + 1}", date(year + 1, 1, 1), date(year + 1, 3, 31)),
        (f"Summer {year + 1}", date(year + 1, 4, 1), date(year + 1, 8, 31)),
    ]


def _random_date(rng: random.Random, earliest: date, latest: date) -> date:
    if latest <= earliest:
        return earliest
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _random_school_day(rng: random.Random, earliest: date, latest: date) -> date:
    """A random weekday between the two dates, or a weekend day if the range holds no other."""
    for _ in range(8):  # drawing again keeps the weekdays equally likely
        day = _random_date(rng, earliest, latest)
        if day.weekday() < 5:
            return day
    monday = day + (7 - day.weekday()) * DAY
    friday = day - (day.weekday() - 4) * DAY
    if monday <= latest:
        return monday
    return friday if friday >= earliest else day


def _moment(rng: random.Random, day: date) -> datetime:
    """A time in the school day of `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(rng.randint(8, 16), rng.randrange(60)), tzinfo=UTC)


def _weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([item for item, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` sizes that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", plain.lower().replace(" ", "-"))


# --- What to build --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _SchoolSpec:
    number: int  # 1, 2, ... in order of building; school 1 carries the demo sign-ins
    phase: Phase
    pupils: int

    @property
    def urn(self) -> str:
        return f"{100000 + self.number}"

    @property
    def _place(self) -> str:
        places = names.SCHOOL_PLACE_NAMES
        place = places[(self.number - 1) % len(places)]
        cycle = (self.number - 1) // len(places)
        return f"{place} {cycle + 1}" if cycle else place

    @property
    def name(self) -> str:
        suffix = "Primary School" if self.phase is Phase.PRIMARY else "Academy"
        return f"{self._place} {suffix}"

    @property
    def slug(self) -> str:
        suffix = "primary" if self.phase is Phase.PRIMARY else "academy"
        return _ascii_word(f"{self._place} {suffix}")

    @property
    def year_groups(self) -> range:
        return YEAR_GROUPS[self.phase]

    @property
    def upn_establishments(self) -> tuple[int, ...]:
        """DfE establishment numbers of the schools that gave this school's pupils their UPNs:
        the primary itself, or the secondary's feeder primaries."""
        if self.phase is Phase.PRIMARY:
            return (2000 + self.number % 1000,)
        return tuple(2100 + (10 * self.number + j) % 1900 for j in range(6))

    @property
    def is_demo_school(self) -> bool:
        return self.number == 1

    def classes(self) -> list[tuple[str, int, int]]:
        """(name, year group, number of pupils) of each class, Reception or Year 7 first."""
        found = []
        per_year = _spread(self.pupils, len(self.year_groups))
        for index, (year_group, pupils) in enumerate(zip(self.year_groups, per_year)):
            if self.phase is Phase.PRIMARY:
                trees = names.CLASS_TREES[2 * index : 2 * index + CLASSES_PER_PRIMARY_YEAR]
                label = "R" if year_group == 0 else str(year_group)
                group_names = [f"{label} {tree}" for tree in trees]
            else:
                count = min(26, max(1, round(pupils / TUTOR_GROUP_SIZE)))
                group_names = [f"{year_group}{chr(ord('A') + i)}" for i in range(count)]
            sizes = _spread(pupils, len(group_names))
            found += [(name, year_group, size) for name, size in zip(group_names, sizes)]
        return found


def _school_specs(schools: int, pupils_per_school: int | None) -> list[_SchoolSpec]:
    specs = []
    for number in range(1, schools + 1):
        phase = Phase.PRIMARY if number % 2 else Phase.SECONDARY
        specs.append(_SchoolSpec(number, phase, pupils_per_school or DEFAULT_PUPILS[phase]))
    return specs


def demo_pupil_count(schools: int = 2, pupils_per_school: int | None = None) -> int:
    """How many pupils `build_demo` creates with these settings (for a progress bar)."""
    return sum(spec.pupils for spec in _school_specs(schools, pupils_per_school))


# --- Rows waiting to be inserted ------------------------------------------------------------------

Target = type | sa.Table


class _Rows:
    """Rows held in memory and inserted table by table, with primary keys assigned here.

    Ids continue from the highest already in each table. A row may still be changed after
    `add` until the next `insert`.
    """

    ORDER: tuple[Target, ...] = (
        LocalAuthority,
        School,
        SchoolTerm,
        User,
        RoleAssignment,
        TeachingGroup,
        group_teachers,
        Pupil,
        group_pupils,
        Contact,
        SenStatus,
        Concern,
    )

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: dict[Target, list[dict[str, Any]]] = {target: [] for target in self.ORDER}
        self._next_id: dict[Target, int] = {}
        for target in self.ORDER:
            table = _table(target)
            if "id" in table.c:
                self._next_id[target] = (session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def add(self, target: Target, **values: Any) -> dict[str, Any]:
        if target in self._next_id:
            values["id"] = self._next_id[target]
            self._next_id[target] += 1
        self._pending[target].append(values)
        return values

    def insert(self, progress: Callable[[int], object]) -> None:
        for target in self.ORDER:
            rows = self._pending[target]
            for start in range(0, len(rows), INSERT_CHUNK):
                chunk = rows[start : start + INSERT_CHUNK]
                self.session.execute(sa.insert(target), chunk)
                if target is Pupil:
                    progress(len(chunk))
            rows.clear()

    def advance_sequences(self) -> None:
        """On PostgreSQL, move each id sequence past the ids assigned here, so that rows the app
        adds later get fresh ids."""
        bind = self.session.get_bind()
        if bind.dialect.name != "postgresql":
            return
        preparer = bind.dialect.identifier_preparer
        for target, next_id in self._next_id.items():
            if next_id > 1:
                self.session.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                    {"table": preparer.format_table(_table(target)), "last": next_id - 1},
                )


def _table(target: Target) -> sa.Table:
    return target if isinstance(target, sa.Table) else target.__table__


# --- The builder ----------------------------------------------------------------------------------

@dataclass
class DemoSummary:
    """What `build_demo` made. `staff` counts every account, the LA officer's included."""

    schools: int = 0
    pupils: int = 0
    staff: int = 0
    sen_support: int = 0
    ehc_plans: int = 0
    concerns_open: int = 0
    concerns_overdue: int = 0
    sign_ins: list[tuple[str, str]] = field(default_factory=list)  # (email, role label)


@dataclass
class _Period:
    provision: Provision
    start: date
    reason: str
    primary_need: NeedType | None = None
    secondary_need: NeedType | None = None


@dataclass(eq=False)  # compared by identity
class _PupilDraft:
    row: dict[str, Any]
    group_id: int
    teacher_id: int
    family: names.NameGroup
    periods: list[_Period] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.row["id"]

    @property
    def admitted_on(self) -> date:
        return self.row["admitted_on"]

    @property
    def provision(self) -> Provision:
        return self.periods[-1].provision if self.periods else Provision.NONE


class _Picker:
    """Pupils in random order, each taken at most once."""

    def __init__(self, rng: random.Random, pupils: list[_PupilDraft]) -> None:
        self._pupils = pupils[:]
        rng.shuffle(self._pupils)
        self._taken: set[int] = set()

    def take(self, condition: Callable[[_PupilDraft], bool]) -> _PupilDraft | None:
        pupil = next((p for p in self._pupils if p.id not in self._taken and condition(p)), None)
        if pupil is not None:
            self._taken.add(pupil.id)
        return pupil


@dataclass
class _Group:
    id: int
    year_group: int
    size: int


@dataclass
class _Staff:
    senco_id: int
    teacher_of: dict[int, int]  # class id -> its teacher's user id
    demo_group_id: int | None  # the class of teacher@demo.test


class _DemoBuilder:
    def __init__(
        self, session: Session, *, today: date, seed: int, progress: Callable[[int], object] | None
    ) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.year_start = _academic_year_start(today)
        self.progress = progress or (lambda n: None)
        self.rows = _Rows(session)
        self.upns = _UpnAllocator(LA_CODE)
        self.password_hash = hash_password(DEMO_PASSWORD)  # once: hashing is slow on purpose
        self.emails: set[str] = set()
        self.public_ids: set[str] = set()
        self.summary = DemoSummary()
        self._name_group_weights = [(group, group.weight) for group in names.NAME_GROUPS]

    def _name_group(self) -> names.NameGroup:
        return _weighted(self.rng, self._name_group_weights)

    def build(self, specs: list[_SchoolSpec]) -> DemoSummary:
        la_id = self.rows.add(LocalAuthority, code=LA_CODE, name=LA_NAME)["id"]
        for spec in specs:
            self._add_school(spec, la_id)
            self.rows.insert(self.progress)
        self._add_user(Role.LA_OFFICER, la_id=la_id, email="la@demo.test")
        self.rows.insert(self.progress)
        self.rows.advance_sequences()
        return self.summary

    def _add_school(self, spec: _SchoolSpec, la_id: int) -> None:
        school_id = self.rows.add(
            School,
            urn=spec.urn,
            name=spec.name,
            phase=spec.phase,
            local_authority_id=la_id,
            concern_deadline_days=CONCERN_DEADLINE_DAYS,
        )["id"]
        self._add_terms(school_id)
        groups = self._add_groups(spec, school_id)
        staff = self._add_staff(spec, school_id, groups)
        pupils = self._add_pupils(spec, school_id, groups, staff)
        self._place_on_register(spec, pupils, staff.demo_group_id)
        self._add_sen_statuses(pupils, staff.senco_id)
        self._mark_looked_after(pupils)
        self._mark_medical_conditions(pupils)
        self._add_contacts(pupils)
        self._add_concerns(pupils, staff)
        self.summary.schools += 1
        self.summary.pupils += len(pupils)
        self.summary.sen_support += sum(p.provision is Provision.SEN_SUPPORT for p in pupils)
        self.summary.ehc_plans += sum(p.provision is Provision.EHC_PLAN for p in pupils)

    def _add_terms(self, school_id: int) -> None:
        first = self.year_start.year
        for year in (first - 1, first, first + 1):
            for name, starts_on, ends_on in _terms_of_year(year):
                self.rows.add(
                    SchoolTerm, school_id=school_id, name=name, starts_on=starts_on, ends_on=ends_on
                )

    def _add_groups(self, spec: _SchoolSpec, school_id: int) -> list[_Group]:
        groups = []
        for name, year_group, size in spec.classes():
            row = self.rows.add(TeachingGroup, school_id=school_id, name=name, year_group=year_group)
            groups.append(_Group(row["id"], year_group, size))
        return groups

    # --- Staff ------------------------------------------------------------------------------------

    def _add_staff(self, spec: _SchoolSpec, school_id: int, groups: list[_Group]) -> _Staff:
        """A head, a SENCO, an admin, a governor, a teacher per class and a few support
        assistants. At the demo school the main roles sign in as role@demo.test."""

        def add(role: Role, demo_email: str | None) -> int:
            email = demo_email if spec.is_demo_school else None
            return self._add_user(role, school_id=school_id, email=email, slug=spec.slug)

        add(Role.HEAD, "head@demo.test")
        senco_id = add(Role.SENCO, "senco@demo.test")
        add(Role.ADMIN, "admin@demo.test")
        add(Role.GOVERNOR, "governor@demo.test")
        demo_group_id = None
        if spec.is_demo_school:
            demo_group_id = next((g.id for g in groups if g.year_group == 4), groups[0].id)
        teacher_of = {}
        for group in groups:
            email = "teacher@demo.test" if group.id == demo_group_id else None
            teacher_id = self._add_user(Role.TEACHER, school_id=school_id, email=email, slug=spec.slug)
            self.rows.add(group_teachers, group_id=group.id, user_id=teacher_id)
            teacher_of[group.id] = teacher_id
        for index in range(max(2, round(spec.pupils / 100))):
            add(Role.SUPPORT_ASSISTANT, "ta@demo.test" if index == 0 else None)
        return _Staff(senco_id, teacher_of, demo_group_id)

    def _add_user(
        self,
        role: Role,
        *,
        school_id: int | None = None,
        la_id: int | None = None,
        email: str | None = None,
        slug: str = "",
    ) -> int:
        """A user holding `role`. Given an email, the user is a demo sign-in; otherwise the
        email is made from the name at the school's demo domain."""
        rng = self.rng
        group = self._name_group()
        first = rng.choice(group.women if rng.random() < 0.7 else group.men)
        last = rng.choice(group.surnames)
        if email:
            self.summary.sign_ins.append((email, role.label))
        else:
            email = self._unique_email(f"{_ascii_word(first)}.{_ascii_word(last)}", f"{slug}.demo.test")
        self.emails.add(email)
        joined = datetime.combine(self.year_start - 7 * DAY, time(9), tzinfo=UTC)
        user_id = self.rows.add(
            User,
            email=email,
            full_name=f"{first} {last}",
            password_hash=self.password_hash,
            school_id=school_id,
            local_authority_id=la_id,
            active=True,
            created_at=joined,
        )["id"]
        self.rows.add(RoleAssignment, user_id=user_id, role=role, assigned_at=joined)
        self.summary.staff += 1
        return user_id

    def _unique_email(self, local: str, domain: str) -> str:
        email, number = f"{local}@{domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{domain}"
        return email

    # --- Pupils -----------------------------------------------------------------------------------

    def _add_pupils(
        self, spec: _SchoolSpec, school_id: int, groups: list[_Group], staff: _Staff
    ) -> list[_PupilDraft]:
        pupils = []
        for group in groups:
            for _ in range(group.size):
                pupil = self._new_pupil(spec, school_id, group, staff.teacher_of[group.id])
                self.rows.add(group_pupils, group_id=group.id, pupil_id=pupil.id)
                pupils.append(pupil)
        return pupils

    def _new_pupil(
        self, spec: _SchoolSpec, school_id: int, group: _Group, teacher_id: int
    ) -> _PupilDraft:
        rng = self.rng
        family = self._name_group()
        given_names = self._name_group() if rng.random() < names.MIXED_NAMES_RATE else family
        first = rng.choice(given_names.children)
        preferred = names.PREFERRED_NAMES.get(first) if rng.random() < 0.4 else None
        reception_year = self.year_start.year - group.year_group  # when the pupil started school
        born = _random_date(rng, date(reception_year - 5, 9, 1), date(reception_year - 4, 8, 31))
        admitted = self._admission_date(spec, group.year_group)
        entered = datetime.combine(max(admitted, self.year_start), time(7, 30), tzinfo=UTC)
        row = self.rows.add(
            Pupil,
            public_id=self._public_id(),
            school_id=school_id,
            upn=self.upns.allocate(rng.choice(spec.upn_establishments), reception_year),
            first_name=first,
            last_name=rng.choice(family.surnames),
            preferred_name=preferred,
            date_of_birth=born,
            year_group=group.year_group,
            looked_after=False,
            medical_conditions=False,
            medical_notes=None,
            admitted_on=admitted,
            created_at=entered,
            updated_at=entered,
        )
        return _PupilDraft(row, group.id, teacher_id, family)

    def _admission_date(self, spec: _SchoolSpec, year_group: int) -> date:
        """The first day of the pupil's first year here, or for a few a later day in the year."""
        entry_year = self.year_start.year - (year_group - spec.year_groups[0])
        start = min(_first_school_day(entry_year), self.today)
        joined_late = self.rng.random() < IN_YEAR_ADMISSION_RATE
        if joined_late and start + 30 * DAY <= self.today - 7 * DAY:
            return _random_school_day(self.rng, start + 30 * DAY, self.today - 7 * DAY)
        return start

    def _public_id(self) -> str:
        while True:
            public_id = f"{self.rng.getrandbits(96):024x}"
            if public_id not in self.public_ids:
                self.public_ids.add(public_id)
                return public_id

    def _mark_looked_after(self, pupils: list[_PupilDraft]) -> None:
        """About 0.7% looked after, at least two a school, one of them on SEN support."""
        count = min(len(pupils), max(LOOKED_AFTER_MIN, round(LOOKED_AFTER_RATE * len(pupils))))
        on_support = [p for p in pupils if p.provision is Provision.SEN_SUPPORT]
        chosen = self.rng.sample(on_support, 1) if on_support else []
        others = [p for p in pupils if p not in chosen]  # chosen holds one at most
        chosen += self.rng.sample(others, count - len(chosen))
        for pupil in chosen:
            pupil.row["looked_after"] = True

    def _mark_medical_conditions(self, pupils: list[_PupilDraft]) -> None:
        for pupil in self.rng.sample(pupils, round(MEDICAL_RATE * len(pupils))):
            pupil.row["medical_conditions"] = True
            pupil.row["medical_notes"] = self.rng.choice(names.MEDICAL_NOTES)

    def _add_contacts(self, pupils: list[_PupilDraft]) -> None:
        rng = self.rng
        for pupil in pupils:
            looked_after = pupil.row["looked_after"]
            patterns = names.LOOKED_AFTER_CONTACT_PATTERNS if looked_after else names.CONTACT_PATTERNS
            home = self._address()
            for priority, relationship in enumerate(_weighted(rng, patterns), start=1):
                address = home if priority == 1 or rng.random() < 0.6 else self._address()
                self._add_contact(pupil, relationship, priority, address)

    def _add_contact(self, pupil: _PupilDraft, relationship: str, priority: int, address: str) -> None:
        rng = self.rng
        sex = names.RELATIONSHIP_SEX[relationship] or rng.choice("fm")
        same_surname = relationship != "Foster carer" and rng.random() < 0.75
        group = pupil.family if same_surname else self._name_group()
        first = rng.choice(group.women if sex == "f" else group.men)
        last = pupil.row["last_name"] if same_surname else rng.choice(group.surnames)
        method = _weighted(rng, CONTACT_METHODS)
        has_email = method is ContactMethod.EMAIL or rng.random() < 0.6
        email = f"{_ascii_word(first)}.{_ascii_word(last)}{rng.randint(1, 99)}@example.com"
        self.rows.add(
            Contact,
            pupil_id=pupil.id,
            name=f"{first} {last}",
            relationship_to_pupil=relationship,
            parental_responsibility=rng.random() < names.PARENTAL_RESPONSIBILITY[relationship],
            phone=f"07700 900{rng.randrange(1000):03d}",  # Ofcom's range for drama
            email=email if has_email else None,
            address=address,
            preferred_contact=method,
            priority=priority,
        )

    def _address(self) -> str:
        return f"{self.rng.randint(1, 160)} {self.rng.choice(names.STREETS)}, {names.TOWN}"

    # --- The SEN register -------------------------------------------------------------------------

    def _place_on_register(
        self, spec: _SchoolSpec, pupils: list[_PupilDraft], demo_group_id: int | None
    ) -> None:
        """Give pupils their SEN histories: about 13% on SEN support, 2.5% (primary) or 5%
        (secondary) with an EHC plan, and about 1% stepped down from SEN support this year.
        The demo teacher's class gets one plan and three on SEN support first."""
        rng, today = self.rng, self.today
        order = pupils[:]
        rng.shuffle(order)
        in_class = [p for p in order if p.group_id == demo_group_id][:4]
        forced_ehc, forced_support = in_class[:1], in_class[1:]
        rest = [p for p in order if p not in in_class]  # in_class holds four at most
        ehc_extra = max(0, round(EHC_PLAN_RATE[spec.phase] * len(pupils)) - len(forced_ehc))
        support_extra = max(0, round(SEN_SUPPORT_RATE * len(pupils)) - len(forced_support))
        for pupil in forced_ehc + rest[:ehc_extra]:
            pupil.periods = self._ehc_history(pupil)
        for pupil in forced_support + rest[ehc_extra : ehc_extra + support_extra]:
            pupil.periods = self._sen_support_history(spec, pupil)
        settled = [p for p in rest[ehc_extra + support_extra :] if p.admitted_on <= today - 100 * DAY]
        for pupil in settled[: max(1, round(STEP_DOWN_RATE * len(pupils)))]:
            pupil.periods = self._step_down_history(spec, pupil)

    def _needs(self, table: Sequence[tuple[NeedType, float]]) -> tuple[NeedType, NeedType | None]:
        primary = _weighted(self.rng, table)
        if primary is NeedType.NSA or self.rng.random() >= SECONDARY_NEED_RATE:
            return primary, None
        others = [(need, weight) for need, weight in table if need not in (primary, NeedType.NSA)]
        return primary, _weighted(self.rng, others)

    def _sen_support_history(self, spec: _SchoolSpec, pupil: _PupilDraft) -> list[_Period]:
        primary, secondary = self._needs(SEN_SUPPORT_NEEDS[spec.phase])
        start, continued = self._sen_support_start(pupil.admitted_on)
        reason = names.CONTINUED_SEN_SUPPORT_REASON if continued else names.SEN_SUPPORT_REASONS[primary]
        return [_Period(Provision.SEN_SUPPORT, start, reason, primary, secondary)]

    def _sen_support_start(self, admitted: date) -> tuple[date, bool]:
        """When SEN support began, and whether it came with the pupil from a previous setting.
        Mostly one to four years ago; never before admission nor after today."""
        rng, today = self.rng, self.today
        if admitted > today - YEAR and rng.random() < 0.4:
            return admitted, True
        earliest = max(admitted, today - 4 * YEAR)
        if earliest <= today - YEAR and rng.random() < 0.75:
            return _random_school_day(rng, earliest, today - YEAR), False
        return _random_school_day(rng, earliest, min(today, max(earliest, today - 14 * DAY))), False

    def _ehc_history(self, pupil: _PupilDraft) -> list[_Period]:
        """Most plans follow SEN support at this school (at least 20 weeks before the plan, the
        statutory process); the rest came with the pupil."""
        rng, today = self.rng, self.today
        needs = self._needs(names.EHC_PLAN_NEEDS)
        admitted = pupil.admitted_on
        earliest_issue = max(admitted + 140 * DAY, today - 3 * YEAR)
        if earliest_issue <= today - 7 * DAY and rng.random() < 0.6:
            issued = _random_school_day(rng, earliest_issue, today - 7 * DAY)
            support_from = _random_school_day(rng, max(admitted, issued - 2 * YEAR), issued - 140 * DAY)
            return [
                _Period(Provision.SEN_SUPPORT, support_from, names.SEN_SUPPORT_REASONS[needs[0]], *needs),
                _Period(Provision.EHC_PLAN, issued, names.EHC_PLAN_ISSUED_REASON, *needs),
            ]
        return [_Period(Provision.EHC_PLAN, admitted, names.EHC_PLAN_ON_ENTRY_REASON, *needs)]

    def _step_down_history(self, spec: _SchoolSpec, pupil: _PupilDraft) -> list[_Period]:
        """SEN support that ended in the past year (the pupil was admitted 100 days ago or more)."""
        rng, today = self.rng, self.today
        needs = self._needs(SEN_SUPPORT_NEEDS[spec.phase])
        admitted = pupil.admitted_on
        ended = _random_school_day(rng, max(today - YEAR, admitted + 90 * DAY), today - 7 * DAY)
        support_from = _random_school_day(rng, max(admitted, ended - 3 * YEAR), ended - 90 * DAY)
        return [
            _Period(Provision.SEN_SUPPORT, support_from, names.SEN_SUPPORT_REASONS[needs[0]], *needs),
            _Period(Provision.NONE, ended, rng.choice(names.STEP_DOWN_REASONS)),
        ]

    def _add_sen_statuses(self, pupils: list[_PupilDraft], senco_id: int) -> None:
        """One row a period; each closes the day before the next starts, and the last is open."""
        for pupil in pupils:
            following_starts = [period.start for period in pupil.periods[1:]] + [None]
            for period, next_start in zip(pupil.periods, following_starts):
                self.rows.add(
                    SenStatus,
                    pupil_id=pupil.id,
                    provision=period.provision,
                    primary_need=period.primary_need,
                    secondary_need=period.secondary_need,
                    start_date=period.start,
                    end_date=next_start - DAY if next_start else None,
                    reason=period.reason,
                    recorded_by_id=senco_id,
                    recorded_at=self._entered(period.start, within_days=5),
                )

    def _entered(self, effective: date, *, within_days: int) -> datetime:
        """When a fact dated `effective` was typed in: a few days later, never after today."""
        day = _random_school_day(self.rng, effective, min(effective + within_days * DAY, self.today))
        return _moment(self.rng, day)

    # --- Concerns ---------------------------------------------------------------------------------

    def _add_concerns(self, pupils: list[_PupilDraft], staff: _Staff) -> None:
        """About 12 open concerns for 420 pupils, raised in the last six weeks on pupils not on
        the register, 4 of them past their deadline; and about 10 closed ones, half assessed
        (the pupil then went on SEN support), half no further action."""
        scale = len(pupils) / DEFAULT_PUPILS[Phase.PRIMARY]
        open_count = max(2, round(CONCERNS_PER_420["open"] * scale))
        overdue_count = min(open_count - 1, max(1, round(CONCERNS_PER_420["overdue"] * scale)))
        closed_count = max(1, round(CONCERNS_PER_420["closed"] * scale))
        off_register = _Picker(self.rng, [p for p in pupils if p.provision is Provision.NONE])
        self._open_concerns(off_register, open_count, overdue_count, staff)
        assessed = self._assessed_concerns(pupils, (closed_count + 1) // 2, staff)
        self._no_further_action_concerns(off_register, closed_count - assessed, staff)

    def _open_concerns(self, pupils: _Picker, count: int, overdue_count: int, staff: _Staff) -> None:
        """Open concerns, the demo teacher's class's first; `overdue_count` past their deadline."""
        rng, today = self.rng, self.today
        last_overdue_day = today - (CONCERN_DEADLINE_DAYS + 1) * DAY
        first_current_day = today - (CONCERN_DEADLINE_DAYS - 1) * DAY
        in_demo_class = pupils.take(lambda p: p.group_id == staff.demo_group_id)
        chosen = [(in_demo_class, False)] if in_demo_class else []
        for index in range(count - len(chosen)):
            overdue = index < overdue_count
            latest_admission = last_overdue_day if overdue else today
            pupil = pupils.take(lambda p, latest=latest_admission: p.admitted_on <= latest)
            if pupil is not None:
                chosen.append((pupil, overdue))
        for pupil, overdue in chosen:
            if overdue:
                earliest, latest = max(pupil.admitted_on, today - 42 * DAY), last_overdue_day
            else:
                earliest, latest = max(pupil.admitted_on, first_current_day), today
            raised = _random_school_day(rng, earliest, latest)
            self._add_concern(pupil, raised, _weighted(rng, CONCERN_AREAS), staff)
            self.summary.concerns_open += 1
            self.summary.concerns_overdue += overdue

    def _no_further_action_concerns(self, pupils: _Picker, count: int, staff: _Staff) -> None:
        """Concerns raised in the past nine months and closed within their deadline."""
        rng, today = self.rng, self.today
        for _ in range(count):
            pupil = pupils.take(lambda p: p.admitted_on <= today - 60 * DAY)
            if pupil is None:
                return
            raised = _random_school_day(rng, max(pupil.admitted_on, today - 270 * DAY), today - 40 * DAY)
            decided = _random_school_day(rng, raised + 7 * DAY, raised + CONCERN_DEADLINE_DAYS * DAY)
            area = _weighted(rng, CONCERN_AREAS)
            note = rng.choice(names.NO_FURTHER_ACTION_NOTES[area])
            self._add_concern(
                pupil, raised, area, staff, decision=(ConcernStatus.NO_FURTHER_ACTION, decided, note)
            )

    def _assessed_concerns(self, pupils: list[_PupilDraft], wanted: int, staff: _Staff) -> int:
        """Concerns that led to an assessment and then SEN support: raised 10 to 27 days before
        the pupil went on SEN support, decided that day. Returns how many were made."""
        rng = self.rng
        recent = [
            p for p in pupils
            if p.provision is Provision.SEN_SUPPORT
            and p.periods[0].reason != names.CONTINUED_SEN_SUPPORT_REASON
            and p.periods[0].start >= max(p.admitted_on + 10 * DAY, self.today - 2 * YEAR)
        ]
        for pupil in rng.sample(recent, min(wanted, len(recent))):
            period = pupil.periods[0]
            raised = _random_school_day(
                rng, max(pupil.admitted_on, period.start - 27 * DAY), period.start - 10 * DAY
            )
            area = period.primary_need.area or _weighted(rng, CONCERN_AREAS)
            note = rng.choice(names.ASSESSED_NOTES[area])
            decision = (ConcernStatus.ASSESSED, period.start, note)
            self._add_concern(pupil, raised, area, staff, decision=decision)
        return min(wanted, len(recent))

    def _add_concern(
        self,
        pupil: _PupilDraft,
        raised: date,
        area: AreaOfNeed,
        staff: _Staff,
        decision: tuple[ConcernStatus, date, str] | None = None,
    ) -> None:
        status, decided_on, note = decision or (ConcernStatus.OPEN, None, None)
        self.rows.add(
            Concern,
            pupil_id=pupil.id,
            raised_by_id=pupil.teacher_id,
            raised_on=raised,
            recorded_at=self._entered(raised, within_days=1),
            area_of_need=area,
            description=self.rng.choice(names.CONCERN_DESCRIPTIONS[area]),
            deadline=raised + CONCERN_DEADLINE_DAYS * DAY,
            status=status,
            decided_on=decided_on,
            decided_by_id=staff.senco_id if decision else None,
            decision_note=note,
        )


def build_demo(
    session: Session,
    *,
    today: date,
    seed: int = 2026,
    schools: int = 2,
    pupils_per_school: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> DemoSummary:
    """Fill the database with a demo local authority and its schools, dated from `today`.

    Schools alternate primary (odd numbers, URN 100001, ...) and secondary; `pupils_per_school`
    overrides the roll of each (420 primary, 1,000 secondary). `progress(n)` is called as each
    batch of n pupils is inserted. The same seed and `today` give the same data. The session is
    flushed, not committed. Raises ValueError unless schools and pupils_per_school are positive.
    """
    if schools < 1:
        raise ValueError("schools must be 1 or more")
    if pupils_per_school is not None and pupils_per_school < 1:
        raise ValueError("pupils_per_school must be 1 or more")
    builder = _DemoBuilder(session, today=today, seed=seed, progress=progress)
    summary = builder.build(_school_specs(schools, pupils_per_school))
    session.flush()
    return summary
