"""Nothing typed is lost: drafts of long forms, and the warning before a session ends.

A long form's view is marked `@drafts.keeps` and calls `drafts.keep(form)` once it has loaded its
records (so checked the person's access) and built its form; the form page does the rest
(`form_page.html`). See `sentrack.drafts.keeping`.
"""

from flask import Blueprint

bp = Blueprint("drafts", __name__)

from sentrack.drafts import views  # noqa: E402,F401
from sentrack.drafts.keeping import keep, keeps  # noqa: E402

__all__ = ["bp", "keep", "keeps"]
