"""The school census check: every pupil on the roll with the SEN provision and needs the January
census will take, and what the census would reject."""

from flask import Blueprint

bp = Blueprint("census", __name__)

from sentrack.census import views  # noqa: E402,F401
