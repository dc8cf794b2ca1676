"""Letter templates: the wording of each kind of letter to parents, kept by the SENCO for their
school, with placeholders such as {pupil_name} filled from the pupil's record for each letter.

Filling is plain substitution of known names: no template language and no `str.format` runs over
what a person typed, so a template can neither reach the app's objects ({__class__}) nor run code.
A template naming a placeholder that does not exist, or holding a stray curly bracket, is refused
with the names at fault. The letter comes out as plain text in paragraphs (a blank line between
them, each line kept), which the page escapes as it shows it and the PDF writes as text.

A school that has not saved its own wording of a kind uses the default wording below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import LetterTemplate, RecordRevision, School, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.revisions import begin_edit, check_version, finish_edit, insert_once
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER

# What each placeholder stands for, as the edit page lists them.
PLACEHOLDERS: dict[str, str] = {
    "pupil_name": "the pupil's name (the name they use, and their surname)",
    "pupil_first_name": "the name the pupil uses",
    "parent_names": "the name of the parent or carer the letter is addressed to",
    "address": "their postal address, as recorded on their contact",
    "school_name": "the school's name",
    "date": "the date of the letter (the day it was sent, or today if not yet sent)",
    "senco_name": "the name of the school's SENCO",
    "support_start": "the date the school began making special educational provision",
}

TITLE_MAX, BODY_MAX = 200, 10000
_TOKEN = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class TemplateKind:
    """A kind of letter the school sends: its name on the pages and its default wording."""

    code: str
    name: str
    letter_kind: str  # the ParentLetter.kind this template writes
    title: str
    body: str


S68_BODY = """{parent_names}
{address}

{date}

Dear {parent_names},

I am writing to let you know that, from {support_start}, {school_name} is making special \
educational provision for {pupil_first_name}. {pupil_first_name} is now on the school's register \
of pupils receiving SEN support.

The law asks a school to tell parents when it starts to make special educational provision for a \
child who does not have an education, health and care (EHC) plan (Children and Families Act 2014, \
section 68). This letter is that notice.

Special educational provision is help that is extra to, or different from, what is usually given \
to children of the same age. We will agree a plan with you: what we are aiming for, the help we \
will give, and a date to look together at how it has gone. You will have a copy of the plan, and \
we will meet you at least three times a year.

Your views, and {pupil_first_name}'s, matter at every step. If you would like to talk about this \
letter or about {pupil_first_name}'s support, please contact me through the school office.

The local authority's Local Offer describes the support available in the area, and free, \
impartial advice is available from the local SEND information, advice and support service.

Yours sincerely,

{senco_name}
Special educational needs co-ordinator (SENCO)
{school_name}"""

KINDS: dict[str, TemplateKind] = {
    "s68": TemplateKind(
        code="s68",
        name="SEN support starts (section 68 notice)",
        letter_kind=SEN_SUPPORT_LETTER,
        title="Special educational provision for {pupil_name}",
        body=S68_BODY,
    ),
}
KIND_OF_LETTER = {kind.letter_kind: kind.code for kind in KINDS.values()}
# What a conflicting save lists, with the edit page's labels.
TEMPLATE_FIELDS = {"title": "Heading", "body": "Letter"}


# --- Checking and filling ----------------------------------------------------------------------


def placeholder_problem(text: str) -> str | None:
    """Why `text` cannot be a template (unknown placeholders, named; a stray curly bracket), or
    None when every curly bracket encloses a known placeholder."""
    unknown = sorted({name for name in _TOKEN.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        verb = "is not a placeholder" if len(unknown) == 1 else "are not placeholders"
        return f"{listed} {verb}: use only the placeholders listed, spelt as shown"
    if "{" in _TOKEN.sub("", text) or "}" in _TOKEN.sub("", text):
        return "Remove the curly bracket that is not part of a placeholder: { and } go only around a placeholder's name"
    return None


def check_template(title: str, body: str) -> None:
    """Raise RuleBroken beside the heading or the letter when either is empty, too long, or holds
    a placeholder that does not exist or a stray curly bracket."""
    for field, text, label, most in (("title", title, "heading", TITLE_MAX), ("body", body, "letter", BODY_MAX)):
        if not text or not text.strip():
            raise RuleBroken(f"Enter the {label}", field=field)
        if len(text) > most:
            raise RuleBroken(f"The {label} must be {most} characters or fewer", field=field)
        problem = placeholder_problem(text)
        if problem:
            raise RuleBroken(problem, field=field)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value as plain text (unknown ones, which
    a saved template never holds, are left as typed)."""
    return _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class Letter:
    """A letter as filled in: its heading and its paragraphs, each a list of lines (plain text)."""

    title: str
    paragraphs: list[list[str]]

    @property
    def text(self) -> str:
        """The letter as plain text, as a downloaded text file or an email would carry it."""
        return "\n\n".join([self.title, *("\n".join(lines) for lines in self.paragraphs)]) + "\n"


def render(title: str, body: str, values: dict[str, str]) -> Letter:
    """The letter from a template and the values of its placeholders. A blank line in the body
    starts a paragraph; a line left empty by a placeholder with no value (an address not
    recorded) is dropped, and so is a paragraph left empty."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", fill(body.replace("\r\n", "\n"), values)):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        if lines:
            paragraphs.append(lines)
    return Letter(title=" ".join(fill(title, values).split()), paragraphs=paragraphs)


def day_words(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def example_values(school: School, senco_name: str, today: date) -> dict[str, str]:
    """Made-up values for the edit page's preview: no pupil's details are shown there."""
    return {
        "pupil_name": "Sam Example",
        "pupil_first_name": "Sam",
        "parent_names": "Alex Example",
        "address": "1 Example Road\nExampletown\nEX1 1AA",
        "school_name": school.name,
        "date": day_words(today),
        "senco_name": senco_name,
        "support_start": day_words(today),
    }


# --- The school's templates ----------------------------------------------------------------------


def template_kind(code: str) -> TemplateKind | None:
    return KINDS.get(code)


def school_template(session: Session, school_id: int, code: str) -> LetterTemplate:
    """The school's template of kind `code`: the saved one, else a new one (version 0, not added
    to the session) holding the default wording."""
    saved = session.scalar(
        sa.select(LetterTemplate).where(LetterTemplate.school_id == school_id, LetterTemplate.kind == code)
    )
    if saved is not None:
        return saved
    kind = KINDS[code]
    return LetterTemplate(school_id=school_id, kind=code, title=kind.title, body=kind.body, version=0)


def default_templates(school_id: int, *, by: User | None = None) -> list[LetterTemplate]:
    """A saved template of every kind in the default wording, for a school being set up."""
    return [
        LetterTemplate(school_id=school_id, kind=kind.code, title=kind.title, body=kind.body, version=1, updated_by=by)
        for kind in KINDS.values()
    ]


@dataclass
class TemplateDetails:
    title: str
    body: str


def _cleaned(details: TemplateDetails) -> tuple[str, str]:
    return details.title.strip(), details.body.replace("\r\n", "\n").strip()


def preview_template(
    session: Session, *, details: TemplateDetails, school: School, senco_name: str, today: date
) -> Letter:
    """The letter the typed wording would write, filled with made-up details; nothing is saved.
    Refused (RuleBroken) as a save would be."""
    title, body = _cleaned(details)
    check_template(title, body)
    return render(title, body, example_values(school, senco_name, today))


def save_template(
    session: Session,
    *,
    actor: User,
    template: LetterTemplate,
    details: TemplateDetails,
    expected_version: int | None,
) -> bool:
    """Save the school's wording of a letter; whether anything changed. Refused (RuleBroken)
    when a placeholder is unknown or a bracket stray; EditConflict when someone else saved the
    template after `expected_version` (0: the default wording, never saved)."""
    title, body = _cleaned(details)
    check_template(title, body)
    if template.id is None:
        if expected_version not in (None, 0):
            raise RuleBroken("This page is out of date: open the template again and make your change there")
        template.title, template.body, template.updated_by_id, template.updated_at = title, body, actor.id, now()
        insert_once(
            session,
            "letter_template",
            template,
            TEMPLATE_FIELDS,
            actor,
            lambda: school_template(session, template.school_id, template.kind),
        )
    else:
        check_version(session, "letter_template", template, TEMPLATE_FIELDS, expected_version)
        if (template.title, template.body) == (title, body):
            return False
        begin_edit(session, "letter_template", template, TEMPLATE_FIELDS, expected_version)
        template.title, template.body, template.updated_by_id, template.updated_at = title, body, actor.id, now()
        finish_edit(session, "letter_template", template, TEMPLATE_FIELDS, actor)
    audit.record(session, "letter_template_saved", actor=actor, about=template, details={"kind": template.kind})
    session.flush()
    return True


def template_history(session: Session, template: LetterTemplate) -> list[RecordRevision]:
    """The template's saved versions, newest first, with who saved each."""
    if template.id is None:
        return []
    return list(
        session.scalars(
            sa.select(RecordRevision)
            .where(RecordRevision.record_type == "letter_template", RecordRevision.record_id == template.id)
            .order_by(RecordRevision.version.desc())
        )
    )
