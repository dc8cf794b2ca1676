"""The dashboard's filters, sent by GET."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField

from sentrack.models import NeedType
from sentrack.models.enums import year_group_label


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField("Year group", widget=GovSelect(), choices=[], validate_choice=False)
    group = SelectField("Class", widget=GovSelect(), choices=[], validate_choice=False)
    need = SelectField("Primary need", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Show", widget=GovSubmitInput())

    @classmethod
    def from_record(cls, selection) -> DashboardFilterForm:
        """The filters of `selection` (a `dashboard.views.Selection`): its school's year groups and
        classes to choose from, and what is chosen now."""
        form = cls(formdata=None)
        form.year.choices = [("", "All year groups")] + [(str(y), year_group_label(y)) for y in selection.years]
        form.group.choices = [("", "All classes")] + [(str(gid), name) for gid, name in selection.groups]
        form.need.choices = [("", "All needs")] + [(n.value, n.label) for n in NeedType]
        chosen = selection.filter
        form.year.data = "" if chosen.year_group is None else str(chosen.year_group)
        form.group.data = "" if chosen.group_id is None else str(chosen.group_id)
        form.need.data = chosen.need.value if chosen.need else ""
        return form
