"""The school's bank of outcome wordings (sentrack/models/outcome_bank.py): the wordings every
school starts with, seeding them, and the SENCO's changes.

A good outcome says what the pupil will do, how well, in what setting and how it will be seen, so
that the review can tell whether it was met; the target date of the plan's outcome makes it
time-bound. The starting wordings are written that way, for each broad area of need, and say
"the pupil" so that they read well for any child once picked.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import AreaOfNeed, OutcomeWording, School, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.revisions import begin_edit, check_version, finish_edit, record_revision

_C, _L, _S, _P = (
    AreaOfNeed.COMMUNICATION,
    AreaOfNeed.COGNITION,
    AreaOfNeed.SEMH,
    AreaOfNeed.SENSORY_PHYSICAL,
)

# (area of need, wording, how success will be seen): the bank every school starts with.
STARTING_WORDINGS: tuple[tuple[AreaOfNeed, str, str], ...] = (
    (
        _C,
        "The pupil will follow a spoken instruction of two steps in class without it being repeated.",
        "Follows two-step instructions first time on 4 of 5 occasions a day, seen by the class teacher over a week.",
    ),
    (
        _C,
        "The pupil will ask an adult for help using a sentence, in lessons and at break.",
        "Asks for help in a full sentence at least twice a day, without a prompt, over two weeks.",
    ),
    (
        _C,
        "The pupil will take turns in a conversation with a partner, listening and replying on the subject.",
        "Keeps a paired conversation going for four turns on the subject in 3 of 4 observed sessions.",
    ),
    (
        _C,
        "The pupil will use the new topic words taught each week when talking about the topic.",
        "Uses 5 of the week's topic words correctly when explaining the topic to an adult.",
    ),
    (
        _C,
        "The pupil will move between activities using a visual timetable, without becoming distressed.",
        "Moves between activities calmly after checking the timetable on 4 of 5 days in a week.",
    ),
    (
        _L,
        "The pupil will read aloud a passage at their reading level accurately and at a steady pace.",
        "Reads a book-banded passage with 95% of words read correctly, on three readings in a fortnight.",
    ),
    (
        _L,
        "The pupil will spell the common exception words taught this term in their own writing.",
        "Spells 8 of 10 of the term's words correctly in independent writing, checked in two pieces of work.",
    ),
    (
        _L,
        "The pupil will recall number bonds to 10 quickly and use them to add and subtract.",
        "Answers 9 of 10 mixed number bond questions correctly within two minutes, on two separate days.",
    ),
    (
        _L,
        "The pupil will write a paragraph of connected sentences, planned with a writing frame.",
        "Writes five connected, punctuated sentences on a topic with the frame, in two pieces of class work.",
    ),
    (
        _L,
        "The pupil will start a task on their own, using a checklist of its steps.",
        "Starts within two minutes and completes the checklist's steps in 4 of 5 lessons observed.",
    ),
    (
        _S,
        "The pupil will name how they are feeling and choose a calming strategy when upset.",
        "Uses the feelings chart and a chosen strategy, returning to learning within ten minutes, on 4 of 5 occasions.",
    ),
    (
        _S,
        "The pupil will settle to learning at the start of the day after a brief check-in with a named adult.",
        "In class and working within ten minutes of arriving on at least 4 days a week for three weeks.",
    ),
    (
        _S,
        "The pupil will play a structured game with peers at break, taking turns and following its rules.",
        "Joins and finishes a game with two or more peers at 3 breaks a week, seen by the duty staff.",
    ),
    (
        _S,
        "The pupil will stay in the classroom for whole lessons, using an agreed break card when needed.",
        "Leaves lessons only with the break card, returning within five minutes, across a fortnight.",
    ),
    (
        _S,
        "The pupil will tell a trusted adult when something has worried them, on the day it happens.",
        "Tells an adult on the day in the worries the class team and parents know of, over half a term.",
    ),
    (
        _P,
        "The pupil will use their hearing aids or radio aid in every lesson, telling an adult when one fails.",
        "Aids worn and working in every lesson checked, and faults reported by the pupil, over two weeks.",
    ),
    (
        _P,
        "The pupil will use enlarged or adapted materials on their own, asking for them when they are missing.",
        "Asks for and uses adapted materials without a prompt in 4 of 5 lessons observed.",
    ),
    (
        _P,
        "The pupil will form letters of a consistent size on the line, using a pencil grip.",
        "Writes a sentence with letters correctly formed and sized, in three pieces of work in a fortnight.",
    ),
    (
        _P,
        "The pupil will dress and undress for PE on their own within the time the class takes.",
        "Ready for PE with the class, without adult help, in 3 of 4 lessons.",
    ),
    (
        _P,
        "The pupil will move around the school safely and on time, using the agreed route and aids.",
        "Arrives at each lesson on time by the agreed route, without an incident, over two weeks.",
    ),
)


def seed_outcome_bank(session: Session, school_ids: list[int] | None = None) -> int:
    """Give each school (of `school_ids`, or every school) that has no wording yet the starting
    wordings; returns how many schools were given them. A school that has any wording, even
    retired ones, is left as its SENCO made it. Flushes; the caller commits."""
    has_any = sa.select(OutcomeWording.id).where(OutcomeWording.school_id == School.id).exists()
    query = sa.select(School.id).where(~has_any)
    if school_ids is not None:
        query = query.where(School.id.in_(school_ids))
    bare = list(session.scalars(query))
    if bare:
        session.execute(
            sa.insert(OutcomeWording),
            [
                {"school_id": school_id, "area_of_need": area, "wording": wording, "success_criteria": criteria}
                for school_id in bare
                for area, wording, criteria in STARTING_WORDINGS
            ],
        )
    session.flush()
    return len(bare)


@dataclass
class WordingDetails:
    area_of_need: AreaOfNeed
    wording: str
    success_criteria: str | None
    active: bool = True


WORDING_FIELDS = {
    "area_of_need": "Area of need",
    "wording": "Outcome",
    "success_criteria": "How success will be seen",
    "active": "Offered in plans",
}


def _check_wording(session: Session, actor: User, details: WordingDetails, existing: OutcomeWording | None) -> None:
    """The wording is needed, and the school's bank has no other of the same words for the area."""
    details.wording = " ".join(details.wording.split())
    details.success_criteria = (details.success_criteria or "").strip() or None
    if not details.wording:
        raise RuleBroken("Enter the outcome", field="wording")
    clash = sa.select(OutcomeWording.id).where(
        OutcomeWording.school_id == actor.school_id,
        OutcomeWording.area_of_need == details.area_of_need,
        sa.func.lower(OutcomeWording.wording) == details.wording.lower(),
    )
    if existing is not None:
        clash = clash.where(OutcomeWording.id != existing.id)
    if session.scalar(clash) is not None:
        raise RuleBroken("The bank already has this outcome for this area of need", field="wording")


def save_wording(
    session: Session,
    *,
    actor: User,
    details: WordingDetails,
    existing: OutcomeWording | None = None,
    expected_version: int | None = None,
) -> OutcomeWording:
    """Add a wording to the school's bank, or change or retire one (`details.active` false: no
    longer offered). Refused for an empty or repeated wording; EditConflict when someone else
    saved the wording after `expected_version`."""
    if existing is not None:
        check_version(session, "outcome_wording", existing, WORDING_FIELDS, expected_version)
    _check_wording(session, actor, details, existing)
    if existing is None:
        entry = OutcomeWording(school_id=actor.school_id, version=1, **vars(details))
        session.add(entry)
        session.flush()
        record_revision(session, "outcome_wording", entry, WORDING_FIELDS, actor)
    else:
        entry = existing
        begin_edit(session, "outcome_wording", entry, WORDING_FIELDS, expected_version)
        for name, value in vars(details).items():
            setattr(entry, name, value)
        finish_edit(session, "outcome_wording", entry, WORDING_FIELDS, actor)
    audit.record(
        session,
        "outcome_wording_saved",
        actor=actor,
        school_id=actor.school_id,
        object_type="outcome_wording",
        object_id=entry.id,
    )
    session.flush()
    return entry
