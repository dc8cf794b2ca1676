"""Letters to parents: the formal notice that the school is making SEN provision (CFA 2014 s.68),
written from the school's template to each parent or carer the school sends copies to
(`recipients`), and marked sent when it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import Contact, LetterTemplate, ParentLetter, Pupil, SenStatus, User
from sentrack.pdf import Document, pdf_pages
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.letter_templates import Letter, day_words, render
from sentrack.workflows.revisions import display
from sentrack.workflows.timeline import add_event


def mark_letter_sent(session: Session, *, actor: User, letter: ParentLetter, pupil: Pupil, today: date) -> None:
    """Record that the letter went to parents today. Refused when it was sent already."""
    if letter.sent_on is not None:
        raise RuleBroken(f"This letter was already sent on {display(letter.sent_on)}")
    letter.sent_on = today
    letter.sent_by_id = actor.id
    add_event(
        session,
        pupil=pupil,
        kind="letter_sent",
        title=timeline.LETTER_SENT,
        effective_on=today,
        actor=actor,
    )
    audit.record(session, "letter_sent", actor=actor, pupil=pupil, object_type="parent_letter", object_id=letter.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])


@dataclass(frozen=True)
class AddressedLetter:
    """The letter as written to one parent or carer."""

    to: Contact
    letter: Letter


def letter_date(letter: ParentLetter, today: date) -> date:
    """The date a letter bears: the day it was sent, or today while it waits to go."""
    return letter.sent_on or today


def write_letters(
    template: LetterTemplate,
    *,
    letter: ParentLetter,
    pupil: Pupil,
    status: SenStatus | None,
    to: list[Contact],
    senco_name: str,
    today: date,
) -> list[AddressedLetter]:
    """The letter from the school's template, once for each of `to` (the contacts the school
    sends copies to), addressed to them at their address."""
    common = {
        "pupil_name": pupil.full_name,
        "pupil_first_name": pupil.preferred_name or pupil.first_name,
        "school_name": pupil.school.name,
        "date": day_words(letter_date(letter, today)),
        "senco_name": senco_name,
        "support_start": day_words(status.start_date if status else letter.created_on),
    }
    letters = []
    for contact in to:
        values = common | {"parent_names": contact.name, "address": contact.address or ""}
        letters.append(AddressedLetter(contact, render(template.title, template.body, values)))
    return letters


def letters_pdf(school_name: str, letters: list[AddressedLetter]) -> bytes:
    """The letters as one PDF: each on a new page, headed by its title and the school's name."""
    documents = [Document(one.letter.title, [[school_name], *one.letter.paragraphs]) for one in letters]
    return pdf_pages(letters[0].letter.title if letters else "Letter to parents", documents)
