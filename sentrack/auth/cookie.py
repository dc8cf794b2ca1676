"""The Flask session cookie, which may carry only what signing in and forms need.

It is signed but not encrypted, so anyone holding it can read it: it names the server-side
session (a random token) and carries the CSRF token and one-page messages, nothing else. What a
page needs to remember about pupils (the search text) is kept with the server-side session
(`sentrack.auth.sessions.remember`). Saving any other key is a programming error, refused here so
that no page can put a pupil's details in the cookie.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

ALLOWED_KEYS = frozenset(
    {
        "_user_id",
        "_fresh",
        "_id",
        "_remember",
        "_remember_seconds",  # Flask-Login
        "csrf_token",  # Flask-WTF
        "_flashes",  # Flask's one-page messages
        "_permanent",
    }
)


class CookieHoldsNoDetails(RuntimeError):
    pass


class TokenOnlySessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        session = super().open_session(app, request)
        # A cookie written before a key was moved to the server loses that key on its next use.
        stale = [key for key in session if key not in ALLOWED_KEYS] if session is not None else []
        for key in stale:
            del session[key]
        return session

    def save_session(self, app, session, response) -> None:
        unknown = set(session) - ALLOWED_KEYS
        if unknown:
            raise CookieHoldsNoDetails(
                f"The session cookie may not carry {', '.join(sorted(unknown))}: keep it with the "
                "server-side session (sentrack.auth.sessions.remember)."
            )
        super().save_session(app, session, response)
