"""Requests for a pupil's data: subject access requests and a parent's request to see the
educational record, their due dates and task, what is withheld, and the export."""

from flask import Blueprint

bp = Blueprint("access_requests", __name__)

from sentrack.access_requests import views  # noqa: E402,F401
