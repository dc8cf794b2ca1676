"""The compliance dashboard (DESIGN section 7): the head teacher's and SENCO's figures with the
pupils and tasks behind each, the governors' figures without names, and the LA officer's schools
side by side; with a printable version and CSV exports."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from sentrack.dashboard import views  # noqa: E402,F401
