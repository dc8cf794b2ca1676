"""Meetings with parents (CoP 6.65): at least three a year for a pupil on the SEN register, led by
a teacher who knows the pupil, gathering the pupil's views, with a record shared with parents.

A meeting is planned (`planned_for`) or held (`held_on`); a planned meeting becomes held when it
is recorded. A review with a parent present is a held meeting too (`cycle_id`, `review_id`), and
so is a plan agreed at a meeting with parents (`plan_id`); both link the meeting already recorded
for that day rather than adding a second. Two records for one pupil on one day are one meeting for
the engagement rule; a second is recorded only as a separate meeting with another parent or carer
(`separate_with`, as with separated parents). A held meeting has the pupil's views or the reason
they could not be gathered (CoP 6.65 to 6.71).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks
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
    outcomes: Mapped[str | None] = mapped_column(sa.Text)
    actions: Mapped[str | None] = mapped_column(sa.Text)
    shared_with_parents_on: Mapped[date | None]
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("support_cycle.id"), index=True)
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review.id"), unique=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"), unique=True)
    separate_with: Mapped[str | None] = mapped_column(sa.Text)  # a separate meeting that day, with whom
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship()
    led_by: Mapped[User | None] = relationship(foreign_keys=[led_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    def __repr__(self) -> str:
        return f"<ParentMeeting {self.id}>"
