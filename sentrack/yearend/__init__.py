"""The year end and classes in bulk: the rollover from a preview, and class membership changed
for many pupils at once."""

from flask import Blueprint

bp = Blueprint("yearend", __name__)

from sentrack.yearend import views  # noqa: E402,F401
