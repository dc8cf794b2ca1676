"""The addresses a long form's page sends its drafts to: kept while typing (the page's script)
and discarded from the banner that offers one back. Each runs the form's own view, which checks
the person may open the form (`keeping.dispatch`), and the view's draft hook answers.

The warning before a session ends reads its timings from `session_timings`, on every page.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user, login_required

from sentrack.auth import sessions
from sentrack.auth.views import safe_next
from sentrack.drafts import bp, keeping


@bp.route("/drafts/keep/<path:form>", methods=["POST"])
@login_required
def keep(form: str):
    """Keep what is typed into the form at `form` as the person's draft (JSON answer)."""
    return keeping.dispatch(form, "keep")


@bp.route("/drafts/discard/<path:form>", methods=["POST"])
@login_required
def discard(form: str):
    """Discard the person's draft of the form at `form`, and show the form again."""
    return keeping.dispatch(form, "discard")


# The warning comes this long before the session ends, or at half an idle timeout shorter than twice it.
WARN_BEFORE_SECONDS = 120


@bp.app_context_processor
def session_timings() -> dict:
    """What the timeout warning (templates/drafts/_timeout_warning.html) needs, for someone
    signed in: the idle timeout, the seconds left before it and before the session's absolute
    end, and how long before the end to warn."""
    user = current_user
    if not user.is_authenticated or getattr(user, "session_times", None) is None:
        return {"session_timings": None}
    idle_timeout = current_app.config["SESSION_IDLE_TIMEOUT"]
    idle, absolute = sessions.time_left(
        user, idle_timeout=idle_timeout, absolute_timeout=current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    )
    timeout_seconds = int(idle_timeout.total_seconds())
    here = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return {
        "session_timings": {
            "idle_timeout": timeout_seconds,
            "idle_left": idle,
            "absolute_left": absolute,
            "warn_before": min(WARN_BEFORE_SECONDS, timeout_seconds // 2),
            # Where "Stay signed in" comes back to without the script: this page, if its address
            # is one the sign-in's own check would go back to (no control characters, this site).
            "back": safe_next(here) or "/",
        }
    }
