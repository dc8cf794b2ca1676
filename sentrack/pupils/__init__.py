"""The pupil list, the pupil's record, and the changes staff make to it."""

from flask import Blueprint

bp = Blueprint("pupils", __name__, url_prefix="/pupils")

from sentrack.pupils import passport, views  # noqa: E402,F401
