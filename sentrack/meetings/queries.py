"""Page queries of meetings with parents and the settings: the records a page opens, within the
pupil or the school it was reached through, as small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from sentrack.models import Contact, MeetingAction, ParentMeeting, Pupil, School, SchoolTerm, User
from sentrack.workflows.meeting_actions import ActionCounts, action_counts
from sentrack.workflows.meeting_records import Correction, corrections
from sentrack.workflows.meetings import staff_who_may_lead
from sentrack.workflows.recipients import recipients
from sentrack.workflows.settings import RULE_SETTINGS, school_term_rows, years_offered
from sentrack.workflows.terms import Term, academic_year_of


def pupil_meeting(session: Session, pupil: Pupil, meeting_id: int, *, held: bool) -> ParentMeeting | None:
    """The pupil's meeting with parents `meeting_id`, held (or only planned); None otherwise."""
    return session.scalar(
        sa.select(ParentMeeting).where(
            ParentMeeting.id == meeting_id,
            ParentMeeting.pupil_id == pupil.id,
            ParentMeeting.held_on.is_not(None) if held else ParentMeeting.held_on.is_(None),
        )
    )


def meeting_record(session: Session, pupil: Pupil, meeting_id: int, *, held: bool = False) -> ParentMeeting | None:
    """The pupil's meeting with parents `meeting_id` (held, or when `held` is false planned too),
    with who led and recorded it and its actions and their owners; None when the pupil has no
    such meeting."""
    return (
        session.scalars(
            sa.select(ParentMeeting)
            .where(
                ParentMeeting.id == meeting_id,
                ParentMeeting.pupil_id == pupil.id,
                ParentMeeting.held_on.is_not(None) if held else sa.true(),
            )
            .options(
                joinedload(ParentMeeting.led_by),
                joinedload(ParentMeeting.recorded_by),
                selectinload(ParentMeeting.action_items).joinedload(MeetingAction.owner),
            )
        )
        .unique()
        .first()
    )


@dataclass(frozen=True)
class RecordPage:
    """A meeting's own page: the record, how its actions stand, and its corrections."""

    meeting: ParentMeeting
    counts: ActionCounts
    corrections: list[Correction]


def record_page(session: Session, meeting: ParentMeeting, today: date) -> RecordPage:
    return RecordPage(meeting=meeting, counts=action_counts(meeting, today), corrections=corrections(session, meeting))


@dataclass(frozen=True)
class PrintPage:
    """The record for parents: the meeting, and the contacts who are sent a copy."""

    meeting: ParentMeeting
    copies_for: list[Contact]


def print_page(pupil: Pupil, meeting: ParentMeeting) -> PrintPage:
    return PrintPage(meeting=meeting, copies_for=recipients(pupil.contacts))


def correction_leaders(session: Session, meeting: ParentMeeting) -> tuple[tuple[str, str], ...]:
    """Whom the correction form offers to lead the meeting and be given its actions: the staff who
    may lead one, and anyone the record already names who has left since (so the record keeps them)."""
    staff = staff_who_may_lead(session, meeting.pupil.school_id)
    offered = {u.id for u in staff}
    named = [meeting.led_by, *(a.owner for a in meeting.action_items)]
    kept = {u.id: u for u in named if u is not None and u.id not in offered}
    return tuple((str(u.id), u.full_name) for u in [*staff, *kept.values()])


@dataclass(frozen=True)
class MeetingPage:
    planned: ParentMeeting | None  # the planned meeting being recorded; None for a new one
    leaders: tuple[tuple[str, str], ...]  # (id, name) of the staff who may lead the meeting


def meeting_page(session: Session, pupil: Pupil, meeting_id: int | None = None) -> MeetingPage | None:
    """What the record and plan forms offer: the staff who may lead, and the pupil's planned
    meeting `meeting_id` when one is being recorded; None when there is no such planned meeting."""
    planned = None
    if meeting_id is not None:
        planned = pupil_meeting(session, pupil, meeting_id, held=False)
        if planned is None:
            return None
    leaders = tuple((str(u.id), u.full_name) for u in staff_who_may_lead(session, pupil.school_id))
    return MeetingPage(planned=planned, leaders=leaders)


def school_of(session: Session, user: User) -> School | None:
    """The school whose settings the user manages; None for a user of no one school."""
    return session.get(School, user.school_id) if user.school_id is not None else None


@dataclass(frozen=True)
class SettingsPage:
    school: School
    years: dict[int, list[Term]]  # this and next academic year's terms, by year
    rules: tuple[tuple[str, int | str], ...]  # each rule setting's label and the school's value


def settings_page(session: Session, school: School, today: date) -> SettingsPage:
    """The school's terms of this and next academic year and its rule settings."""
    return SettingsPage(
        school=school,
        years=school_term_rows(session, school, today),
        rules=(
            *((label, getattr(school, name)) for name, (label, _low, _high) in RULE_SETTINGS.items()),
            ("URN", school.urn),
            ("DfE establishment number", school.estab_number or "Not set"),
            ("DfE number (LA and establishment)", school.dfe_number or "Not set"),
            ("Maintained by the local authority", "Yes" if school.maintained else "No: an academy or free school"),
        ),
    )


@dataclass(frozen=True)
class TermPage:
    term: SchoolTerm | None  # the school's own dates being changed; None for a new term
    years: list[int]  # the academic years the form offers
    this_year: int


def term_page(session: Session, school: School, term_id: int | None, today: date) -> TermPage | None:
    """The term form's record and the years it offers; None for a term of another school."""
    term = None
    if term_id is not None:
        term = session.scalar(sa.select(SchoolTerm).where(SchoolTerm.id == term_id, SchoolTerm.school_id == school.id))
        if term is None:
            return None
    return TermPage(term=term, years=years_offered(today, term), this_year=academic_year_of(today))
