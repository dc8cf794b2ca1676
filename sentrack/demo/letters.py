"""The demo's letters to parents: each school's letter templates, saved by its SENCO at the start
of the year in the default wording (with that version in the template's history); and at each
school a parent under a court order, on the record of a pupil whose SEN support letter is still
waiting to go, so that the letter page shows whom it goes to and who is left out, and why."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import weekday_on_or_after
from sentrack.demo.pupils import PupilDraft
from sentrack.models import Contact, ContactRestriction, LetterTemplate, ParentLetter, RecordRevision
from sentrack.workflows.letter_templates import KINDS, TEMPLATE_FIELDS

COURT_ORDER_NOTE = (
    "Prohibited steps order of the family court: no information about the child's education to be "
    "given to this parent. A copy is held by the designated safeguarding lead."
)


def add_letter_templates(context: DemoContext, school_id: int, senco_id: int) -> None:
    """Each kind of letter in the default wording, saved by the SENCO on the first weekday of the
    year at half past eight (a fixed time: the demo's random draws stay as they were)."""
    saved_at = datetime.combine(weekday_on_or_after(context.year_start), time(8, 30), tzinfo=UTC)
    for kind in KINDS.values():
        row = context.rows.add(
            LetterTemplate,
            school_id=school_id,
            kind=kind.code,
            title=kind.title,
            body=kind.body,
            updated_by_id=senco_id,
            updated_at=saved_at,
            version=1,
        )
        context.rows.add(
            RecordRevision,
            record_type="letter_template",
            record_id=row["id"],
            version=1,
            snapshot={name: row[name] for name in TEMPLATE_FIELDS},
            saved_by_id=senco_id,
            saved_at=saved_at,
        )


def restrict_a_contact(context: DemoContext, pupils: list[PupilDraft]) -> None:
    """The second contact of the first pupil (by id) with an SEN support letter still to send and
    two contacts or more: a parent with parental responsibility under a court order."""
    waiting = {row["pupil_id"] for row in context.rows.pending(ParentLetter) if row["sent_on"] is None}
    contacts: dict[int, list[dict]] = defaultdict(list)
    for row in context.rows.pending(Contact):
        contacts[row["pupil_id"]].append(row)
    for pupil in sorted(pupils, key=lambda p: p.id):
        theirs = sorted(contacts.get(pupil.id, []), key=lambda row: row["priority"])
        if pupil.id in waiting and len(theirs) >= 2:
            theirs[1].update(
                parental_responsibility=True,
                restriction=ContactRestriction.COURT_ORDER,
                restriction_note=COURT_ORDER_NOTE,
            )
            return
