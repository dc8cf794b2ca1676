"""Meetings with parents (CoP 6.65): at least three a year for a pupil on the SEN register, led by
a teacher who knows the pupil, gathering the pupil's views, with a record shared with parents.

A meeting is planned (`planned_for`) or held (`held_on`); a planned meeting becomes held when it
is recorded. A review with a parent present is a held meeting too (`cycle_id`, `review_id`), and
so is a plan agreed at a meeting with parents (`plan_id`); both link the meeting already recorded
for that day rather than adding a second. Two records for one pupil on one day are one meeting for
the engagement rule; a second is recorded only as a separate meeting with another parent or carer
(`separate_with`, as with separated parents). A held meeting has the pupil's views or the reason
they could not be gathered (CoP 6.65 to 6.71).

A held meeting's record is corrected later by whoever led it or the SENCO: each save moves it to the
next version (sentrack/workflows/revisions.py), whose snapshots are the history of its changes.
The actions agreed are rows (`MeetingAction`): what, who (a member of staff, or a parent or anyone
else by name), by when, and the day each was done. The older free-text `actions` stays for the
records written before, and for those a review or a plan writes.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks, children
from sentrack.models.enums import Labelled, enum_type
from sentrack.models.people import User
from sentrack.models.pupils import Pupil


class MeetingMode(Labelled):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone"
    VIDEO = "video", "Video call"


class ParentMeeting(Base):
    __tablename__ = "parent_meeting"
    __table_args__ = (
        *checks(
            held_or_planned="held_on IS NOT NULL OR planned_for IS NOT NULL",
            shared_after_held=(
                "shared_with_parents_on IS NULL OR (held_on IS NOT NULL AND shared_with_parents_on >= held_on)"
            ),
            held_has_pupil_views="held_on IS NULL OR pupil_views IS NOT NULL OR views_not_gathered IS NOT NULL",
        ),
        sa.Index("ix_parent_meeting_pupil_held", "pupil_id", "held_on"),
        sa.Index("ix_parent_meeting_pupil_planned", "pupil_id", "planned_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    planned_for: Mapped[date | None]
    held_on: Mapped[date | None]
    mode: Mapped[MeetingMode] = mapped_column(enum_type(MeetingMode, "mode"))
    led_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    pupil_views: Mapped[str | None] = mapped_column(sa.Text)
    views_not_gathered: Mapped[str | None] = mapped_column(sa.Text)  # why the pupil's views could not be gathered
    discussion: Mapped[str | None] = mapped_column(sa.Text)  # what was discussed
    outcomes: Mapped[str | None] = mapped_column(sa.Text)  # what was agreed
    actions: Mapped[str | None] = mapped_column(sa.Text)  # actions as free text (older records, reviews, plans)
    shared_with_parents_on: Mapped[date | None]
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("support_cycle.id"), index=True)
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id"), unique=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"), unique=True)
    separate_with: Mapped[str | None] = mapped_column(sa.Text)  # a separate meeting that day, with whom
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    # Each correction moves the record to the next version (sentrack/workflows/revisions.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    pupil: Mapped[Pupil] = relationship()
    led_by: Mapped[User | None] = relationship(foreign_keys=[led_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    action_items: Mapped[list[MeetingAction]] = children("meeting", "MeetingAction.position")

    @property
    def leader_name(self) -> str | None:
        """Who led it, by name: what a saved version remembers of the leader."""
        return self.led_by.full_name if self.led_by is not None else None

    @property
    def action_lines(self) -> list[str]:
        """The actions agreed, one line each in order: what a saved version remembers of them."""
        return [action.line for action in self.action_items]

    def overdue_actions(self, today: date) -> list[MeetingAction]:
        return [action for action in self.action_items if action.is_overdue(today)]

    def __repr__(self) -> str:
        return f"<ParentMeeting {self.id}>"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def action_line(what: str, who: str, due_on: date, done_on: date | None) -> str:
    """An action in one line, as a saved version of its meeting's record remembers it."""
    done = f"; done {_day(done_on)}" if done_on else ""
    return f"{what} ({who}, by {_day(due_on)}{done})"


class MeetingAction(Base):
    """An action agreed at a meeting with parents: what is to be done, by whom (a member of the
    school's staff, or a parent or anyone else named), by when, and the day it was done."""

    __tablename__ = "meeting_action"
    __table_args__ = (
        *checks(
            one_owner="(owner_id IS NULL) <> (owner_name IS NULL)",
            position_from_one="position >= 1",
        ),
        sa.UniqueConstraint("meeting_id", "position", name="uq_meeting_action_meeting_position"),
        sa.Index("ix_meeting_action_owner_done", "owner_id", "done_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("parent_meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    what: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    owner_name: Mapped[str | None] = mapped_column(sa.String(120))  # a parent or anyone not on the staff
    due_on: Mapped[date]
    done_on: Mapped[date | None]

    meeting: Mapped[ParentMeeting] = relationship(back_populates="action_items")
    owner: Mapped[User | None] = relationship()

    @property
    def who(self) -> str:
        return self.owner.full_name if self.owner is not None else (self.owner_name or "")

    def is_overdue(self, today: date) -> bool:
        """Not done, and its date has passed: the one definition every page shows."""
        return self.done_on is None and self.due_on < today

    @property
    def line(self) -> str:
        return action_line(self.what, self.who, self.due_on, self.done_on)

    def __repr__(self) -> str:
        return f"<MeetingAction {self.id}>"
