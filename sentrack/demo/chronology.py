"""The pupil's timeline in the demo, and the letters to parents.

Each event is what the app's workflow would have written for the same fact (the same kind,
title, detail and states: see `sentrack.workflows`), dated by the fact, with `recorded_at` the
moment someone entered it, a little after and never after `today`.

Every period of SEN support has its letter telling parents (Children and Families Act 2014
s.68), sent a few days after the status was recorded; a few recent ones wait to be sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import DAY, moment, weekday_on_or_after
from sentrack.demo.pupils import PupilDraft
from sentrack.demo.staff import Staff
from sentrack.models import ParentLetter, Provision, TimelineEvent
from sentrack.workflows import timeline
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from sentrack.workflows.timeline import event_values

UNSENT_LETTER_DAYS = 42  # letters for support that began this recently may still be waiting
UNSENT_LETTER_RATE = 0.6
UNSENT_LETTERS_AT_LEAST = 2  # a school's newest letters, if from the last 90 days, or its newest
NEXT_MINUTES = timedelta(minutes=7)  # between two entries made one after the other


def add_event(
    context: DemoContext,
    pupil_id: int,
    kind: str,
    title: str,
    effective_on: date,
    recorded_at: datetime,
    actor_id: int | None,
    **more: str | int | None,
) -> None:
    """An event on the pupil's timeline, entered at `recorded_at`; `more`: the event's cycle id,
    detail and states (see `workflows.timeline.event_values`)."""
    values = event_values(
        pupil_id=pupil_id, kind=kind, title=title, effective_on=effective_on, actor_id=actor_id, **more
    )
    context.rows.add(TimelineEvent, recorded_at=recorded_at, **values)


def short(text: str, length: int = 60) -> str:
    """`text` cut to `length` characters as the app cuts it for a timeline detail."""
    return text if len(text) <= length else text[: length - 1] + "…"


def add_status_events(context: DemoContext, pupils: list[PupilDraft], senco_id: int) -> None:
    """A 'sen_status' event for every period of every pupil's SEN history."""
    for pupil in pupils:
        before = Provision.NONE
        for period in pupil.periods:
            row = period.row
            needs = ", ".join(n.value for n in (period.primary_need, period.secondary_need) if n is not None)
            add_event(
                context,
                pupil.id,
                "sen_status",
                timeline.STATUS_TITLES[period.provision],
                period.start,
                row["recorded_at"],
                senco_id,
                detail=f"{period.provision.label}{f' ({needs})' if needs else ''}. {period.reason}",
                from_state=before.value,
                to_state=period.provision.value,
            )
            before = period.provision


def add_letters(context: DemoContext, pupils: list[PupilDraft], staff: Staff) -> None:
    """A letter for each period of SEN support, made when the status was recorded. Sent within a
    few days, except some of those from the last six weeks; if that leaves fewer than two to
    send, the school's newest wait too (those from the last 90 days, and at least one)."""
    rng, today = context.rng, context.today
    letters, made_at = [], {}
    for pupil in pupils:
        before = Provision.NONE
        for period in pupil.periods:
            if period.provision is Provision.SEN_SUPPORT and before is not Provision.SEN_SUPPORT:
                recorded = period.row["recorded_at"]
                row = context.rows.add(
                    ParentLetter,
                    pupil_id=pupil.id,
                    sen_status_id=period.row["id"],
                    kind=SEN_SUPPORT_LETTER,
                    created_on=recorded.date(),
                    sent_on=None,
                    sent_by_id=None,
                )
                letters.append(row)
                made_at[row["id"]] = recorded
            before = period.provision
    unsent = {
        row["id"]
        for row in letters
        if row["created_on"] >= today - UNSENT_LETTER_DAYS * DAY and rng.random() < UNSENT_LETTER_RATE
    }
    newest = sorted(letters, key=lambda row: (row["created_on"], row["id"]), reverse=True)
    for index, row in enumerate(newest):
        if len(unsent) >= UNSENT_LETTERS_AT_LEAST or (index and row["created_on"] < today - 90 * DAY):
            break
        unsent.add(row["id"])
    for row in letters:
        if row["id"] in unsent:
            continue
        sent = min(today, weekday_on_or_after(row["created_on"] + rng.choice((0, 1, 1, 2, 3, 5)) * DAY))
        row["sent_on"], row["sent_by_id"] = sent, staff.senco_id
        entered = max(moment(rng, sent), made_at[row["id"]] + NEXT_MINUTES)
        add_event(context, row["pupil_id"], "letter_sent", timeline.LETTER_SENT, sent, entered, staff.senco_id)
    context.summary.letters_unsent += len(unsent)
