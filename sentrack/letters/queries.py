"""The letter template pages' queries: the school's templates (saved or default) and a
template's saved versions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sentrack.models import LetterTemplate, RecordRevision, School, User
from sentrack.pupils.queries import load_staff
from sentrack.workflows.letter_templates import KINDS, TemplateKind, school_template, template_history


@dataclass(frozen=True)
class TemplateRow:
    kind: TemplateKind
    template: LetterTemplate

    @property
    def is_default(self) -> bool:
        return self.template.id is None


def school_templates(session: Session, school: School) -> list[TemplateRow]:
    """Each kind of letter with the school's template of it (the default wording if none is saved)."""
    return [TemplateRow(kind, school_template(session, school.id, kind.code)) for kind in KINDS.values()]


@dataclass(frozen=True)
class TemplatePage:
    kind: TemplateKind
    template: LetterTemplate
    history: list[RecordRevision]
    staff: list[User]  # who saved each version, loaded at once while the page renders


def template_page(session: Session, school: School, code: str) -> TemplatePage | None:
    """The school's template of kind `code` with its saved versions; None for no such kind."""
    kind = KINDS.get(code)
    if kind is None:
        return None
    template = school_template(session, school.id, code)
    history = template_history(session, template)
    return TemplatePage(kind, template, history, load_staff(session, [r.saved_by_id for r in history]))
