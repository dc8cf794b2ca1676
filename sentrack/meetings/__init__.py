"""Meetings with parents on screen, and the SENCO's settings: term dates and rule settings."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)

from sentrack.meetings import views  # noqa: E402,F401
