"""Signing in and out (with a second factor), changing or recovering a password, and the server-side
sessions behind them (which a person sees and ends on their sessions page)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from sentrack.auth import factor_views, invitations, own_sessions, recovery, views, webauthn_views  # noqa: E402,F401  (factor_views's gate first)
