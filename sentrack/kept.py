"""Pages kept in each web process until the records they show change.

A kept part of a page (the body of the home page, of the dashboard, ...) is written once for its
user, its day, its query and the versions of the schools it shows (`sentrack.changes`), and given
again while those stay the same. The versions are read before the records, and a version moves in
the very transaction that changes its school's records, so a part is never given for records that
have changed since it was written. A request whose own transaction has changed records (not yet
committed) neither takes nor keeps one.

What a part names is audited on every view as on the first: the part keeps the pupils it names.
The form token it carries (the session's CSRF token) is put back as the request's own.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app, g, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from sentrack import access, audit, changes
from sentrack.clock import today
from sentrack.extensions import db

PARTS_KEPT = 512  # in each web process, the least recently given dropped first
_KEPT = "sentrack.kept.parts"
_KEEPING = threading.Lock()  # a threaded server's requests keep parts at once
_CSRF = "\x00sentrack-csrf-token\x00"  # where a kept part carries the session's CSRF token
_ONCE = "\x00sentrack-submission-token\x00"  # where it carries a form's one-time token
_WRITING = "sentrack_kept_writing"


@dataclass(frozen=True)
class Named:
    """Pupils a part names, audited on every view as `action` (with `details`)."""

    action: str
    pupils: dict[int, int | None]  # pupil id: school id
    details: dict | None = None


@dataclass(frozen=True)
class Part:
    html: Markup
    named: tuple[Named, ...] = ()
    facts: tuple = field(default=())  # what the view needs beside the markup (for its audit event)

    def audit(self, actor) -> None:
        """Each pupil the part names in their own trail, one statement for each kind."""
        for named in self.named:
            audit.record_for_pupils(
                db.session, named.action, actor=actor, pupil_schools=named.pupils, details=named.details
            )


def forget(app) -> None:
    """Drop every part the process keeps (a test that changed the app's configuration, say)."""
    with _KEEPING:
        app.extensions.pop(_KEPT, None)


def form_mark() -> str | None:
    """While a part is written to be kept, the mark where each view puts a one-time form token of
    its own (`sentrack.submissions.field`); else None."""
    return _ONCE if g.get(_WRITING) else None


def part(name: str, user, *, write: Callable[[], Part], schools: Iterable[int] | None = (), args: tuple = ()) -> Part:
    """The part `name` for `user`, as `write` writes it from the records of `schools` (by default
    those the user's pages may show, `access.schools_shown`; every school when None): the one kept
    for the same user, day, query (`args`, and the request's query string) and school versions when
    there is one, else written now and kept."""
    if schools == ():
        schools = access.schools_shown(user)
    if not current_app.config["KEEP_PAGES"] or changes.unsettled(db.session):
        return write()
    versions = changes.versions(db.session, None if schools is None else sorted(set(schools)))
    key = (name, user.id, today(), request.script_root, args, tuple(sorted(request.args.items(multi=True))), versions)
    with _KEEPING:
        kept: OrderedDict = current_app.extensions.setdefault(_KEPT, OrderedDict())
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
    if found is None:
        found = _write(write)
        with _KEEPING:
            kept[key] = found
            while len(kept) > PARTS_KEPT:
                kept.popitem(last=False)
    return Part(_filled(found.html, user.id), found.named, found.facts)


def _write(write: Callable[[], Part]) -> Part:
    """The part written with marks for the request's own tokens."""
    # Records loaded before the versions were read are read again: the part is of the records now.
    db.session.expire_all()
    setattr(g, _WRITING, True)
    try:
        written = write()
    finally:
        g.pop(_WRITING, None)
    return Part(Markup(written.html.replace(generate_csrf(), _CSRF)), written.named, written.facts)


def _filled(html: str, user_id: int) -> Markup:
    from sentrack.submissions import issue

    html = html.replace(_CSRF, generate_csrf())
    if _ONCE in html:
        html = re.sub(_ONCE, lambda _mark: issue(user_id), html)
    return Markup(html)
