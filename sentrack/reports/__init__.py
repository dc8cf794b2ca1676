"""The school's annual SEN information report: the SENCO drafts it from the school's figures, edits
it and publishes it; the head teacher and the governors read it."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/sen-report")

from sentrack.reports import views  # noqa: E402,F401
