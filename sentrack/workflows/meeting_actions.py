"""The actions agreed at a meeting with parents (CoP 6.65: the record sets out the actions and
support agreed): each says what is to be done, who does it (a member of the school's staff, or a
parent or anyone else by name), by when, and, once done, the day it was done.

A form gives them as rows, some left blank (left out). Each rule names the row's field it is
about, so that the message shows beside it: `<rows>-<index>-<field>`, the field's name on the form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import object_session

from sentrack.models import MeetingAction, ParentMeeting
from sentrack.workflows import RuleBroken

ROWS = "action_items"  # the name of the form's list of rows, which the rules' fields are named by
WHAT_MAX = 1000
OWNER_NAME_MAX = 120


@dataclass(frozen=True)
class ActionDetails:
    """One row of actions as the form gives it; `row` is its index on the form."""

    row: int
    what: str | None
    owner_id: int | None  # a member of the school's staff
    owner_name: str | None  # or a parent or anyone else, by name
    due_on: date | None
    done_on: date | None = None

    @property
    def blank(self) -> bool:
        return not ((self.what or "").strip() or self.owner_id or (self.owner_name or "").strip() or self.due_on)

    def field(self, name: str) -> str:
        return f"{ROWS}-{self.row}-{name}"


def _check_row(action: ActionDetails, *, staff_ids: set[int], held_on: date, today: date) -> None:
    what = (action.what or "").strip()
    name = (action.owner_name or "").strip()
    if not what:
        raise RuleBroken("Enter what is to be done, or clear the row", field=action.field("what"))
    if action.owner_id is None and not name:
        raise RuleBroken("Choose who will do it, or name them", field=action.field("owner_id"))
    if action.owner_id is not None and name:
        raise RuleBroken(
            "Leave the name blank when a member of staff will do it, or choose 'Someone else'",
            field=action.field("owner_name"),
        )
    if action.owner_id is not None and action.owner_id not in staff_ids:
        raise RuleBroken("Choose a member of the school's staff from the list", field=action.field("owner_id"))
    if action.due_on is None:
        raise RuleBroken("Enter the date it is to be done by", field=action.field("due_on"))
    if action.due_on < held_on:
        raise RuleBroken("The date it is to be done by cannot be before the meeting", field=action.field("due_on"))
    if action.done_on is not None and action.done_on < held_on:
        raise RuleBroken("The date it was done cannot be before the meeting", field=action.field("done_on"))
    if action.done_on is not None and action.done_on > today:
        raise RuleBroken("The date it was done cannot be in the future", field=action.field("done_on"))


def checked_actions(
    actions: Iterable[ActionDetails], *, staff_ids: set[int], held_on: date, today: date
) -> list[ActionDetails]:
    """The rows that are not blank, in order, each checked: RuleBroken beside the first field at
    fault (what, who, by when, the day done; neither before the meeting, done not in the future)."""
    kept = [action for action in actions if not action.blank]
    for action in kept:
        _check_row(action, staff_ids=staff_ids, held_on=held_on, today=today)
    return kept


def set_actions(meeting: ParentMeeting, actions: list[ActionDetails]) -> None:
    """The meeting's actions become `actions` (checked), in order: each position keeps its row, so
    that no two rows hold the same position while the change is written."""
    rows = list(meeting.action_items)
    for position, details in enumerate(actions, start=1):
        values = {
            "what": (details.what or "").strip(),
            "owner_id": details.owner_id,
            "owner_name": (details.owner_name or "").strip() or None,
            "due_on": details.due_on,
            "done_on": details.done_on,
        }
        if position > len(rows):
            meeting.action_items.append(MeetingAction(position=position, **values))
            continue
        row = rows[position - 1]
        if row.owner_id != details.owner_id:
            object_session(row).expire(row, ["owner"])  # read again, so that the record names the new one
        for name, value in values.items():
            setattr(row, name, value)
    for row in rows[len(actions) :]:
        meeting.action_items.remove(row)


@dataclass(frozen=True)
class ActionCounts:
    """How the meeting's actions stand on a day: open (not done), of which overdue, and done."""

    open: int
    overdue: int
    done: int


def action_counts(meeting: ParentMeeting, today: date) -> ActionCounts:
    actions = meeting.action_items
    return ActionCounts(
        open=sum(1 for a in actions if a.done_on is None),
        overdue=sum(1 for a in actions if a.is_overdue(today)),
        done=sum(1 for a in actions if a.done_on is not None),
    )
