"""The graduated approach on screen: a pupil's support cycles, the timeline, letters to parents,
and decisions on concerns."""

from flask import Blueprint

bp = Blueprint("cycles", __name__, url_prefix="/pupils/<public_id>")

from sentrack.cycles import records, views  # noqa: E402,F401
