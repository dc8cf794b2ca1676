"""Duties, tasks and notifications (DESIGN sections 5 and 6).

A Duty is one responsibility the roles guide gives a role, kept as data (its wording lives in
`sentrack.duties.catalogue`). A Task is that duty falling due for one subject (a pupil, a cycle,
a concern, the school...) in one period; the database holds it at most once per
(duty, subject, period), so the daily sweep may run any number of times. A Notification is an
outbox row: shown in the app, and carrying what a later email sender needs.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.enums import Labelled, Role, enum_type
from sentrack.models.organisation import School
from sentrack.models.people import User
from sentrack.models.pupils import Pupil

# Where a task's title template names the pupil.
PUPIL_IN_TITLE = "{pupil}"


def task_title(title: str, template: str | None, pupil: Pupil | None) -> str:
    """A task's title with the pupil named as their record names them now, or, without the
    pupil (out of the reader's scope, or for an email), as "a pupil"."""
    if template:
        return template.replace(PUPIL_IN_TITLE, pupil.full_name if pupil is not None else "a pupil")
    return title


class TriggerKind(Labelled):
    EVENT = "event", "When something happens"
    CALENDAR = "calendar", "On the calendar"


class TaskStatus(Labelled):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled", "No longer needed"  # the reason for it went; never counted as done


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Never emailed: the person chose no email for its kind, or read it in the app before the
    # daily email that would have carried it (`sentrack.digest`).
    SKIPPED = "skipped"


class Duty(Base):
    """A responsibility from the roles guide that the app can follow."""

    __tablename__ = "duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    title: Mapped[str] = mapped_column(sa.String(200))
    clause: Mapped[str] = mapped_column(sa.Text)  # the guide's sentence, paraphrased
    trigger_kind: Mapped[TriggerKind] = mapped_column(enum_type(TriggerKind, "trigger_kind"))
    trigger: Mapped[str] = mapped_column(sa.Text)
    due_rule: Mapped[str] = mapped_column(sa.Text)
    due_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


# How a task with no assignee is named wherever its holder is shown.
NO_HOLDER = "No one yet"


class Task(Base):
    """A duty fallen due for one subject in one period, for the role's current holder."""

    __tablename__ = "task"
    __table_args__ = (
        sa.UniqueConstraint("duty_id", "subject_type", "subject_id", "period"),
        sa.CheckConstraint("(status = 'done') = (completed_on IS NOT NULL)", name="completed_when_done"),
        sa.CheckConstraint("(status = 'open') = (closed_on IS NULL)", name="closed_when_not_open"),
        sa.CheckConstraint("(done_by_type IS NULL) = (done_by_id IS NULL)", name="done_by_record"),
        sa.Index("ix_task_assignee_status_due", "assigned_to_id", "status", "due_on"),
        sa.Index("ix_task_school_status_due", "school_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    duty_id: Mapped[int] = mapped_column(sa.ForeignKey("duty.id"))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(40))  # "" for a duty that falls due once
    pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))  # set when reassigned by hand
    for_role: Mapped[Role] = mapped_column(enum_type(Role, "for_role"))
    # The title as made, naming the pupil as they were then: shown only for a task about no pupil
    # (or, failing a template, as it stands). A task about a pupil is shown by `title_template`,
    # which holds PUPIL_IN_TITLE where the pupil's name goes, filled in from the current record
    # when shown (`shown_title`), so that a pupil renamed is never shown by their previous name.
    title: Mapped[str] = mapped_column(sa.String(200))
    title_template: Mapped[str | None] = mapped_column(sa.String(200))
    # Where the work is done: an endpoint and its arguments, built with url_for when shown.
    link_endpoint: Mapped[str | None] = mapped_column(sa.String(80))
    link_args: Mapped[dict | None] = mapped_column(sa.JSON)
    due_on: Mapped[date]
    status: Mapped[TaskStatus] = mapped_column(enum_type(TaskStatus, "status"), default=TaskStatus.OPEN)
    completed_on: Mapped[date | None]
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The record that did the work ("review" 12), when a record closed the task rather than a person.
    done_by_type: Mapped[str | None] = mapped_column(sa.String(30))
    done_by_id: Mapped[int | None]
    closed_on: Mapped[date | None]  # the day it closed, done or no longer needed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    school: Mapped[School] = relationship()
    duty: Mapped[Duty] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    pupil: Mapped[Pupil | None] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    @property
    def shown_title(self) -> str:
        """The task's title as every page shows it: the one place it is composed."""
        return task_title(self.title, self.title_template, self.pupil)

    @property
    def holder(self) -> str:
        """Who holds the task, as every page names them: the assignee, or "No one yet" while the
        role has no holder who can do it. The one place this is worded."""
        return self.assigned_to.full_name if self.assigned_to is not None else NO_HOLDER

    def is_overdue(self, today: date) -> bool:
        return self.status is TaskStatus.OPEN and today > self.due_on

    @property
    def spec(self):
        """The duty's entry in the catalogue (`sentrack.workflows.duty_catalogue.DutySpec`)."""
        from sentrack.workflows.duty_catalogue import BY_CODE

        return BY_CODE.get(self.duty.code)

    @property
    def closed_by_hand(self) -> bool:
        return self.spec is None or self.spec.closed_by_hand

    @property
    def path(self) -> str | None:
        """The path of the place to act, built from the stored endpoint when shown."""
        from sentrack.workflows.sweep import path_for

        return path_for(self.link_endpoint, self.link_args)


class PassportRead(Base):
    """A member of staff's "I have read it" for a pupil's passport, for the SEN status it describes."""

    __tablename__ = "passport_read"
    __table_args__ = (sa.UniqueConstraint("pupil_id", "user_id", "sen_status_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    sen_status_id: Mapped[int] = mapped_column(sa.ForeignKey("sen_status.id"), index=True)
    read_on: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())


class Notification(Base):
    """An outbox row: one per (recipient, kind, subject, period), so nothing is sent twice."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint(
            "recipient_id", "kind", "subject_type", "subject_id", "period", name="uq_notification_once_per_subject"
        ),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_notification_recipient_read", "recipient_id", "read_at"),
        sa.Index("ix_notification_email_due", "email_status", "next_attempt_at"),
        sa.Index("ix_notification_recipient_created", "recipient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the email sender (a later step): what it has done with this row.
    email_status: Mapped[EmailStatus] = mapped_column(
        enum_type(EmailStatus, "email_status"), default=EmailStatus.PENDING, server_default="pending"
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The daily email that carries it, for a person who takes its kind in the daily email
    # (`sentrack.digest`); None for one emailed as it happens, or not yet gathered.
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("email_digest.id", ondelete="SET NULL"), index=True)

    recipient: Mapped[User] = relationship()

    @classmethod
    def once(cls, recipient_id: int, kind: str, about, *, title: str, body: str, link: str | None, **more):
        """A notification sent once (no period) about `about`, a record (its table's name and id)."""
        return cls(
            recipient_id=recipient_id,
            kind=kind,
            subject_type=about.__tablename__,
            subject_id=about.id,
            period="",
            title=title,
            body=body,
            link=link,
            **more,
        )
