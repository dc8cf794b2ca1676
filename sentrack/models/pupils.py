"""Pupils, their parents and carers, their SEN status history, and concerns raised about them."""

from __future__ import annotations

import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks, unique_while
from sentrack.models.enums import (
    YEAR_GROUP_MAX,
    YEAR_GROUP_MIN,
    AreaOfNeed,
    ConcernStatus,
    ContactMethod,
    ContactRestriction,
    NeedType,
    Provision,
    enum_type,
    year_group_label,
)
from sentrack.models.organisation import School, TeachingGroup, group_pupils
from sentrack.models.people import User


def new_public_id() -> str:
    """An opaque identifier for URLs: it says nothing about the pupil."""
    return secrets.token_hex(12)


class Pupil(Base):
    __tablename__ = "pupil"
    __table_args__ = (
        sa.CheckConstraint(f"year_group BETWEEN {YEAR_GROUP_MIN} AND {YEAR_GROUP_MAX}", name="year_group_range"),
        sa.Index("ix_pupil_school_name", "school_id", "last_name", "first_name"),
        sa.Index("ix_pupil_school_year", "school_id", "year_group"),
        sa.CheckConstraint(
            "left_on IS NULL OR admitted_on IS NULL OR left_on > admitted_on", name="left_after_admitted"
        ),
        sa.CheckConstraint("(left_on IS NULL) = (leaving_reason IS NULL)", name="leaving_reason_when_left"),
        # A UPN belongs to one pupil on a school's roll; a pupil who left keeps theirs, and a pupil
        # who moves to another school gets a new record there with the same UPN.
        unique_while("uq_pupil_upn_on_roll", ("school_id", "upn"), "left_on IS NULL"),
        sa.Index("ix_pupil_upn", "upn"),
        sa.Index("ix_pupil_former_upn", "former_upn"),
        sa.Index("ix_pupil_previous_pupil_id", "previous_pupil_id"),
        sa.CheckConstraint("sex IS NULL OR sex IN ('M', 'F')", name="sex_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(24), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    upn: Mapped[str] = mapped_column(sa.String(13))
    first_name: Mapped[str] = mapped_column(sa.String(60))
    last_name: Mapped[str] = mapped_column(sa.String(60))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(60))
    preferred_last_name: Mapped[str | None] = mapped_column(sa.String(60))
    # The UPN the pupil held before, as the MIS gives it (a temporary UPN replaced by a permanent one).
    former_upn: Mapped[str | None] = mapped_column(sa.String(13))
    sex: Mapped[str | None] = mapped_column(sa.String(1))  # M or F, as the census records it
    date_of_birth: Mapped[date]
    year_group: Mapped[int]
    looked_after: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    medical_conditions: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    medical_notes: Mapped[str | None] = mapped_column(sa.Text)
    admitted_on: Mapped[date | None]
    # The first day the pupil is no longer on the school's roll, and why they left.
    left_on: Mapped[date | None]
    leaving_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Where the pupil went, when known: the school's name and its URN or LA and establishment numbers.
    destination_name: Mapped[str | None] = mapped_column(sa.String(120))
    destination_urn: Mapped[str | None] = mapped_column(sa.String(6))
    destination_la: Mapped[str | None] = mapped_column(sa.String(3))
    destination_estab: Mapped[str | None] = mapped_column(sa.String(4))
    # The pupil's record at their previous school in this SEN Track, when they transferred from it.
    previous_pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    school: Mapped[School] = relationship()
    previous_pupil: Mapped[Pupil | None] = relationship(remote_side="Pupil.id")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="pupil", order_by="(Contact.priority, Contact.id)", cascade="all, delete-orphan"
    )
    sen_statuses: Mapped[list[SenStatus]] = relationship(back_populates="pupil", order_by="SenStatus.start_date.desc()")
    concerns: Mapped[list[Concern]] = relationship(back_populates="pupil", order_by="Concern.raised_on.desc()")
    groups: Mapped[list[TeachingGroup]] = relationship(
        secondary=group_pupils, back_populates="pupils", order_by="TeachingGroup.name"
    )

    @property
    def current_groups(self) -> list[TeachingGroup]:
        """The pupil's classes of this year: a class ended at a year end is history."""
        return [group for group in self.groups if group.ended_on is None]

    @property
    def class_names(self) -> str:
        """The pupil's current classes in one line, so that a pupil's saved versions include them."""
        return ", ".join(sorted(group.name for group in self.current_groups))

    @property
    def full_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    @property
    def year_label(self) -> str:
        return year_group_label(self.year_group)

    def __repr__(self) -> str:  # never the name: reprs end up in logs
        return f"<Pupil {self.id}>"


class Contact(Base):
    """A parent or carer."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    relationship_to_pupil: Mapped[str] = mapped_column(sa.String(40))
    # The relationship's census code (PAM, PAF, CAR, ...) when it came from a CTF or a CSV.
    relationship_code: Mapped[str | None] = mapped_column(sa.String(3))
    parental_responsibility: Mapped[bool] = mapped_column(default=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    address: Mapped[str | None] = mapped_column(sa.Text)
    preferred_contact: Mapped[ContactMethod] = mapped_column(enum_type(ContactMethod, "preferred_contact"))
    priority: Mapped[int] = mapped_column(default=1)
    # A court order, a safeguarding concern or another reason the school sends this contact no
    # letters or copies of the pupil's records (sentrack/workflows/recipients.py), with a note.
    restriction: Mapped[ContactRestriction] = mapped_column(
        enum_type(ContactRestriction, "restriction"), default=ContactRestriction.NONE, server_default="none"
    )
    restriction_note: Mapped[str | None] = mapped_column(sa.Text)
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    pupil: Mapped[Pupil] = relationship(back_populates="contacts")
    # Every number the contact gave, in their order: the first is the one to ring first.
    phone_rows: Mapped[list[ContactPhone]] = relationship(
        order_by="ContactPhone.position", cascade="all, delete-orphan", lazy="selectin", back_populates="contact"
    )

    @property
    def is_restricted(self) -> bool:
        return self.restriction is not ContactRestriction.NONE

    @property
    def phone_numbers(self) -> tuple[tuple[str | None, str], ...]:
        """The numbers in order, each as (kind, number): the kind a CTF TelephoneType code, or None."""
        return tuple((row.kind, row.number) for row in self.phone_rows)

    @phone_numbers.setter
    def phone_numbers(self, numbers) -> None:
        """Keep exactly `numbers`, in order: rows are changed in place, so positions stay unique."""
        numbers = [(kind, number) for kind, number in numbers]
        rows = self.phone_rows
        for position, (kind, number) in enumerate(numbers, start=1):
            if position <= len(rows):
                rows[position - 1].kind, rows[position - 1].number = kind, number
            else:
                rows.append(ContactPhone(position=position, kind=kind, number=number))
        del rows[len(numbers) :]

    @property
    def phone(self) -> str | None:
        """The main number: the first one given."""
        return self.phone_rows[0].number if self.phone_rows else None

    @phone.setter
    def phone(self, number: str | None) -> None:
        self.phone_numbers = [(None, number)] if number else []

    @property
    def phones_shown(self) -> str:
        """The numbers as a person reads them, each with its kind: "07700 900123 (mobile), ..."."""
        return phones_shown(self.phone_numbers)


# The CTF's TelephoneType codes whose meaning is sure; any other code is kept as written and shown as such.
PHONE_KINDS = {"M": "mobile", "H": "home", "W": "work", "F": "fax"}


def phone_kind_label(kind: str | None) -> str | None:
    if not kind:
        return None
    return PHONE_KINDS.get(kind, f"type {kind}")


def phones_shown(numbers) -> str:
    shown = []
    for kind, number in numbers:
        label = phone_kind_label(kind)
        shown.append(f"{number} ({label})" if label else number)
    return ", ".join(shown)


class ContactPhone(Base):
    """One of a contact's phone numbers, with its kind (a CTF TelephoneType code: M, H, W, ...)."""

    __tablename__ = "contact_phone"
    __table_args__ = (sa.UniqueConstraint("contact_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str | None] = mapped_column(sa.String(10))
    number: Mapped[str] = mapped_column(sa.String(30))

    contact: Mapped[Contact] = relationship(back_populates="phone_rows")


class SenStatus(Base):
    """A dated period of census SEN provision. At most one is open per pupil; none is deleted.

    `start_date` and `end_date` (inclusive) are effective dates; `recorded_at` is when it was typed.
    """

    __tablename__ = "sen_status"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint(
            "(provision = 'N' AND primary_need IS NULL) OR (provision <> 'N' AND primary_need IS NOT NULL)",
            name="need_matches_provision",
        ),
        sa.CheckConstraint("primary_need <> 'NSA' OR provision = 'K'", name="nsa_only_with_k"),
        sa.CheckConstraint(
            "secondary_need IS NULL OR (primary_need IS NOT NULL AND secondary_need <> primary_need"
            " AND secondary_need <> 'NSA')",
            name="secondary_need_valid",
        ),
        unique_while("uq_sen_status_one_open_per_pupil", "pupil_id", "end_date IS NULL"),
        sa.Index("ix_sen_status_pupil_start", "pupil_id", "start_date"),
        sa.Index("ix_sen_status_open_provision", "provision", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    provision: Mapped[Provision] = mapped_column(enum_type(Provision, "provision"))
    primary_need: Mapped[NeedType | None] = mapped_column(enum_type(NeedType, "primary_need"))
    secondary_need: Mapped[NeedType | None] = mapped_column(enum_type(NeedType, "secondary_need"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship(back_populates="sen_statuses")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.end_date is None


class Concern(Base):
    """A concern about a pupil's progress. It must end in an assessment or a reasoned
    'no further action' by its deadline: there is no monitoring list (guide, point 4)."""

    __tablename__ = "concern"
    __table_args__ = (
        *checks(
            deadline_after_raised="deadline >= raised_on",
            decided_when_closed=(
                "(status = 'open' AND decided_on IS NULL) OR (status <> 'open' AND decided_on IS NOT NULL)"
            ),
        ),
        sa.Index("ix_concern_pupil_raised", "pupil_id", "raised_on"),
        sa.Index("ix_concern_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    raised_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    area_of_need: Mapped[AreaOfNeed | None] = mapped_column(enum_type(AreaOfNeed, "area_of_need"))
    description: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[date]
    status: Mapped[ConcernStatus] = mapped_column(enum_type(ConcernStatus, "status"), default=ConcernStatus.OPEN)
    decided_on: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    # Each save moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    pupil: Mapped[Pupil] = relationship(back_populates="concerns")
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def is_overdue(self, today: date) -> bool:
        from sentrack.workflows.register import is_concern_past_deadline

        return is_concern_past_deadline(self.status, self.deadline, today)
