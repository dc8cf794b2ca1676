"""Signing in and out (with a second factor), changing a password, and the server-side sessions behind them."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from sentrack.auth import factor_views, invitations, views  # noqa: E402,F401  (factor_views's gate first)
