"""A pupil's SEN file for the next school: the CTF and the transfer pack of a leaver, and transfers
of a pupil's record between schools of this SEN Track."""

from flask import Blueprint

bp = Blueprint("transfers", __name__)

from sentrack.transfers import views  # noqa: E402,F401
