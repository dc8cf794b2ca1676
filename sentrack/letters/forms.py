"""The form of a letter template: its heading and wording, previewed or saved."""

from __future__ import annotations

from flask import request
from govuk_frontend_wtf import wtforms_widgets as gov
from wtforms import SubmitField

from sentrack.forms import VersionedForm, opened_at, text_area, text_field
from sentrack.models import LetterTemplate
from sentrack.workflows.letter_templates import BODY_MAX, TITLE_MAX, TemplateDetails


class LetterTemplateForm(VersionedForm):
    title = text_field("Heading", required="Enter the heading", max_length=TITLE_MAX)
    body = text_area(
        "Letter",
        required="Enter the letter",
        max_length=BODY_MAX,
        hint="Leave a blank line between paragraphs. Placeholders in curly brackets are filled in for each letter.",
    )
    preview = SubmitField("Preview", widget=gov.GovSubmitInput())
    submit = SubmitField("Save template", widget=gov.GovSubmitInput())

    @classmethod
    def from_record(cls, template: LetterTemplate) -> LetterTemplateForm:
        """The form for `template`, filled from it when first shown (version 0: the default wording)."""
        if request.method == "GET":
            form = cls(obj=template)
            opened_at(form, template)
            return form
        return cls()

    @property
    def previewing(self) -> bool:
        """Whether the Preview button sent the form (nothing is saved then)."""
        return bool(self.preview.data)

    def to_details(self) -> TemplateDetails:
        return TemplateDetails(title=self.title.data or "", body=self.body.data or "")
