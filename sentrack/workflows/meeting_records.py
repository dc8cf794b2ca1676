"""A held meeting's record corrected, and the history of its corrections.

Whoever led the meeting, or the SENCO, corrects its record (`sentrack.access.may_correct_meeting`)
under the rules it was recorded by (sentrack/workflows/meetings.py), at the version they opened:
someone else's save in between is an EditConflict naming what they changed, and every saved
version keeps its snapshot (sentrack/workflows/revisions.py). The history is read from those
snapshots, one version against the one before: who saved it, when, and each part's old and new
words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import MeetingMode, ParentMeeting, User
from sentrack.models.cycles import RecordRevision
from sentrack.workflows import RuleBroken
from sentrack.workflows.meeting_actions import checked_actions, set_actions
from sentrack.workflows.meetings import (
    HELD_PARTS,
    MEETING_FIELDS,
    RECORD_TYPE,
    MeetingDetails,
    _check_held_on,
    _check_leader,
    _check_shared,
    _refuse_same_day,
    _separate_with,
    _told,
    _views_or_reason,
    held_on_day,
)
from sentrack.workflows.revisions import display, edit, snapshot

MEETING_CORRECTED = "Meeting with parents: record corrected"
_DATES = ("held_on", "shared_with_parents_on")


def _check_date_kept(meeting: ParentMeeting, held_on: date) -> None:
    """A meeting that stands for a review or a plan agreed keeps that record's date."""
    if held_on == meeting.held_on:
        return
    if meeting.review_id is not None:
        raise RuleBroken(
            "This meeting was the review: its date is the review's, changed with the review", field="held_on"
        )
    if meeting.plan_id is not None:
        raise RuleBroken(
            "The plan was agreed at this meeting: its date is the date the plan was agreed, changed with the plan",
            field="held_on",
        )


def _checked(session: Session, meeting: ParentMeeting, details: MeetingDetails, today: date) -> dict[str, Any]:
    """The record's new values once each rule holds (RuleBroken beside the field at fault)."""
    pupil = meeting.pupil
    _check_held_on(pupil, details.held_on, today)
    _check_date_kept(meeting, details.held_on)
    named = {meeting.led_by_id, *(a.owner_id for a in meeting.action_items)} - {None}
    staff_ids = _check_leader(session, pupil, details.led_by_id, named=named)
    views, reason = _views_or_reason(details)
    if not (details.outcomes or "").strip():
        raise RuleBroken("Record what was agreed at the meeting", field="outcomes")
    _check_shared(details.shared_with_parents_on, details.held_on, today)
    separate_with = _separate_with(details.separate, details.separate_with)
    if separate_with is None:
        others = [m for m in held_on_day(session, pupil.id, details.held_on) if m.id != meeting.id]
        _refuse_same_day(others, details.held_on, "recorded", "held_on")
    actions = checked_actions(details.action_items, staff_ids=staff_ids, held_on=details.held_on, today=today)
    values = {name: getattr(details, name) for name in HELD_PARTS}
    return values | {"pupil_views": views, "views_not_gathered": reason, "separate_with": separate_with, "_": actions}


def correct_meeting(
    session: Session,
    *,
    actor: User,
    meeting: ParentMeeting,
    details: MeetingDetails,
    today: date,
    expected_version: int | None,
) -> list[str]:
    """Correct a held meeting's record, as the person saw it at `expected_version` (EditConflict
    when someone else saved it since). Refused (RuleBroken) as recording it is refused, and for a
    new date of a meeting that stands for a review or a plan agreed. Returns the labels of the
    parts changed: none, and nothing but the version is written (no timeline, no audit)."""
    if meeting.held_on is None:
        raise RuleBroken("Record the meeting before correcting its record")
    values = _checked(session, meeting, details, today)
    actions = values.pop("_")
    before = snapshot(meeting, MEETING_FIELDS)
    with edit(session, RECORD_TYPE, meeting, MEETING_FIELDS, expected_version, actor):
        for name, value in values.items():
            setattr(meeting, name, value)
        set_actions(meeting, actions)
    after = snapshot(meeting, MEETING_FIELDS)
    changed = [name for name in MEETING_FIELDS if before[name] != after[name]]
    if changed:
        labels = ", ".join(MEETING_FIELDS[name].lower() for name in changed)
        event = {
            "kind": "parent_meeting_corrected",
            "title": MEETING_CORRECTED,
            "detail": f"The record of the meeting of {display(meeting.held_on)}. Changed: {labels}",
            "effective_on": today,
        }
        _told(
            session,
            actor=actor,
            meeting=meeting,
            today=today,
            event=event,
            audited="parent_meeting_corrected",
            version=meeting.version,
            fields=changed,
        )
    return [MEETING_FIELDS[name] for name in changed]


# --- The history of corrections ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Correction:
    """One saved version of the record against the one before."""

    version: int
    saved_at: datetime
    saved_by: User | None
    changes: list[Change]


def _shown(name: str, value: Any) -> str:
    """A snapshot's value (dates as ISO text, codes for choices) as the page words it."""
    if value in (None, "", []):
        return "(blank)"
    if name in _DATES and isinstance(value, str):
        return display(date.fromisoformat(value))
    if name == "mode" and value in {m.value for m in MeetingMode}:
        return MeetingMode(value).label
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return display(value)


def corrections(session: Session, meeting: ParentMeeting) -> list[Correction]:
    """The record's corrections, newest first: each saved version that changed something, with
    who saved it, when, and each part changed from what to what. One query."""
    revisions = session.scalars(
        sa.select(RecordRevision)
        .where(RecordRevision.record_type == RECORD_TYPE, RecordRevision.record_id == meeting.id)
        .options(selectinload(RecordRevision.saved_by))
        .order_by(RecordRevision.version)
    ).all()
    found = []
    for before, after in zip(revisions, revisions[1:], strict=False):
        changes = [
            Change(label, _shown(name, before.snapshot.get(name)), _shown(name, after.snapshot.get(name)))
            for name, label in MEETING_FIELDS.items()
            if before.snapshot.get(name) != after.snapshot.get(name)
        ]
        if changes:
            found.append(Correction(after.version, after.saved_at, after.saved_by, changes))
    return found[::-1]
