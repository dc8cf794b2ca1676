"""The dashboard's filters, sent by GET."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField("Year group", widget=GovSelect(), choices=[], validate_choice=False)
    group = SelectField("Class", widget=GovSelect(), choices=[], validate_choice=False)
    need = SelectField("Primary need", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Show", widget=GovSubmitInput())
