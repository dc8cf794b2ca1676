"""Retention of leavers' records: the records due for destruction, the page that confirms one
destruction (or holds the records), and the destruction log, which names no child."""

from flask import Blueprint

bp = Blueprint("retention", __name__)

from sentrack.retention import views  # noqa: E402,F401
