"""The SEN information report's forms: its sections typed in, and the buttons that draft and
publish it (publishing carries the version that was read)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from sentrack.forms import VersionedForm, opened_at, text_area
from sentrack.models import SenReport
from sentrack.workflows.sen_report import REPORT_FIELDS, SECTIONS

MAX_SECTION = 8000  # characters in one section: a page or two of text


class _ReportFields(VersionedForm):
    @classmethod
    def from_record(cls, report: SenReport | None) -> ReportForm:
        """The form as sent, or on opening the page, the report's sections and version (0 for a
        report not begun)."""
        form = cls()
        if not form.is_submitted():
            form.process(obj=report)
            opened_at(form, report)
        return form

    def to_details(self) -> dict[str, str | None]:
        """Each section's text, None when left empty, as `save_report` takes them."""
        return {key: self[key].data for key in REPORT_FIELDS}


# One text box per section, in the report's order, then the button.
ReportForm = type(
    "ReportForm",
    (_ReportFields,),
    {
        **{
            section.key: text_area(section.heading, max_length=MAX_SECTION, hint=section.covers) for section in SECTIONS
        },
        "submit": SubmitField("Save the report", widget=GovSubmitInput()),
    },
)


class DraftForm(FlaskForm):
    """The button that drafts the report from the figures: its CSRF token, nothing else."""


class PublishForm(VersionedForm):
    """The button that publishes the report, at the version the SENCO read."""
