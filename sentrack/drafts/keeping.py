"""How a long form keeps what is typed into it.

- `@keeps` marks a form's view: its typing may be kept as a draft.
- `keep(form)`, called by that view once it has loaded its records through `access` and built the
  form, does what the request asks of drafts: on a GET, offers the person's draft back (or fills
  the form from it, `?draft=restore`, so that restoring works without JavaScript); on an autosave
  or a discard sent through `/drafts/...`, keeps or deletes the draft and answers. Since the view
  itself runs for those, they are refused exactly as the form is (404 for a pupil out of reach).
- `kept_after_session_end()`: a form posted after the session ended by the idle timeout or its
  absolute end keeps what was typed as the person's draft (see its docstring for when).

A form saved through `operations.run` deletes its draft in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, g, jsonify, make_response, redirect, request, session, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from sentrack import operations, submissions
from sentrack.auth.sessions import timed_out_user
from sentrack.clock import now
from sentrack.extensions import db
from sentrack.models import User
from sentrack.templating import format_date, typed_at
from sentrack.workflows import drafts as flow

RESTORE = "restore"
# A form posted this long after its session timed out still keeps its text (the page's one-time
# token, which proves the form was shown to that person, lives a day too).
KEEP_AFTER_END = timedelta(days=1)
# The kinds of field that hold nothing typed: never kept, never restored.
_NOT_TYPED = frozenset({"SubmitField", "CSRFTokenField"})


def keeps(view):
    """Mark `view` as a long form whose typing is kept as a draft (put it under `@once`)."""
    view.keeps_drafts = True
    return view


def is_long_form(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "keeps_drafts", False))


def match_form(path: str):
    """The rule and arguments of the long form at `path` (an address of this app, without its
    first slash), or None when it names none."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, args = adapter.match("/" + path, method="POST", return_rule=True)
    except HTTPException:
        return None
    return (rule, args) if is_long_form(rule.endpoint) else None


def form_path() -> str:
    """The address of the form this request is about (without its first slash)."""
    return g.get("draft_form_path") or request.path.lstrip("/")


def keep(form) -> None:
    """The one line of a long form's view, after its access checks: see the module."""
    key = flow.form_key(request.endpoint, request.view_args)
    form.draft_key = key
    form.draft_keep_url = url_for("drafts.keep", form=form_path())
    asked = g.get("draft_asked")
    if asked == "keep":
        abort(_keep_typed(form, key))
    if asked == "discard":
        abort(_discard(key))
    if request.method != "GET":
        return
    user = operations.signed_in_user()
    draft = flow.draft_for(db.session, user_id=user.id, key=key, moment=now())
    if draft is None:
        return
    if request.args.get("draft") == RESTORE:
        form.process(formdata=MultiDict(_filled_in(form, draft.fields)))
        flow.restored(db.session, actor=user, draft=draft, **_about())  # committed with the request
        form.draft_restored = _when(draft.saved_at)
        return
    form.draft_offered = _when(draft.saved_at)
    form.draft_restore_url = url_for(request.endpoint, **request.view_args, **{**request.args, "draft": RESTORE})
    form.draft_discard_url = url_for("drafts.discard", form=form_path())


def _when(moment) -> str:
    day = format_date(moment)
    return typed_at(moment) if day == format_date(now()) else f"{typed_at(moment)} on {day}"


def _about() -> dict:
    """The pupil whose record the form belongs to (the one the view loaded), for the audit trail."""
    loaded = g.get("loaded_pupils") or {}
    if len(loaded) != 1:
        return {}
    ((pupil_id, school_id),) = loaded.items()
    return {"pupil_id": pupil_id, "school_id": school_id}


def _typed_names(form):
    """The names a post of `form` may use for typed values: its fields' and its rows'."""
    names, prefixes = set(), []
    for field in form:
        if field.type in _NOT_TYPED:
            continue
        names.add(field.name)
        if field.type == "FieldList":
            prefixes.append(field.name + "-")
    return names, tuple(prefixes)


def _restorable(form, fields: dict) -> dict[str, list[str]]:
    """What of `fields` fills `form` in: the values of its typed fields and rows, no button."""
    names, prefixes = _typed_names(form)
    return {
        name: values for name, values in fields.items() if name in names or (prefixes and name.startswith(prefixes))
    }


def _filled_in(form, fields: dict) -> dict[str, list[str]]:
    """The form as it would be posted now, with what the draft typed put in: a row the form no
    longer has (a list of outcomes that changed since) is left out, one the draft lacks is kept."""
    posted = _as_posted(form)
    rows = {name for name in posted if "-" in name}
    for name, values in _restorable(form, fields).items():
        if name in posted or (name not in rows and "-" not in name):
            posted[name] = values
    return posted


def _as_posted(form) -> dict[str, list[str]]:
    """What a browser would send for `form` as it stands: each field's values by name."""
    posted: dict[str, list[str]] = {}
    for field in form:
        if field.type in _NOT_TYPED:
            continue
        if field.type == "FieldList":
            for entry in field:
                inner = getattr(entry, "form", None)
                posted.update(_as_posted(inner) if inner is not None else {entry.name: _values(entry)})
            continue
        posted[field.name] = _values(field)
    return {name: values for name, values in posted.items() if values}


def _values(field) -> list[str]:
    if field.raw_data:
        return [str(value) for value in field.raw_data]
    data = field.data
    if data is None or data is False:
        return []
    if data is True:
        return ["y"]
    if hasattr(data, "strftime"):
        return [str(data.day), str(data.month), str(data.year)]
    if isinstance(data, (list, tuple, set)):
        return [str(getattr(value, "value", value)) for value in data]
    if hasattr(field, "_value") and field.type not in ("RadioField", "SelectField"):
        return [field._value()]
    return [str(getattr(data, "value", data))]


def _keep_typed(form, key: str):
    """An autosave: keep what the page sent as the person's draft; answer with when, and the time
    left before the session ends (the page's warning counts from it)."""
    from sentrack.auth.views import session_time_left

    user = operations.signed_in_user()
    fields = _restorable(form, flow.typed_fields(request.form))
    if not fields:
        return make_response(jsonify(kept=False, **session_time_left(user)), 200)
    moment = now()
    operations.step(flow.keep_draft, back=request.path, actor=user, key=key, fields=fields, moment=moment, **_about())
    return make_response(jsonify(kept=True, saved_at=typed_at(moment), **session_time_left(user)), 200)


def _discard(key: str):
    user = operations.signed_in_user()
    operations.step(flow.forget_draft, back=request.path, actor=user, key=key, discarded=True, **_about())
    flash("Your draft has been discarded.", "success")
    return redirect("/" + form_path())


def dispatch(path: str, asked: str):
    """Run the view of the long form at `path` for an autosave ('keep') or a discard: as if the
    post had been sent to the form itself, so that the view's own checks refuse it (404 when the
    form is not found or not the person's to open). The view's draft hook answers."""
    found = match_form(path)
    if found is None:
        abort(404)
    rule, args = found
    g.draft_asked, g.draft_form_path = asked, path
    request.url_rule, request.view_args = rule, args  # the refusal is audited as the form's
    flashed = list(session.get("_flashes", []))
    current_app.view_functions[rule.endpoint](**args)
    # The view answered without reaching its hook (the record can no longer take the form):
    # nothing is kept, and no message it gave is left for the next page.
    if flashed:
        session["_flashes"] = flashed
    else:
        session.pop("_flashes", None)
    abort(404)


def _ended_user() -> int | None:
    """Whose session this request's cookie named, when it ended by timing out (see below)."""
    return g.get("session_ended_user") or timed_out_user(db.session, session.get("_user_id"), within=KEEP_AFTER_END)


def kept_after_session_end() -> bool:
    """Keep what a post carried when it arrives after its session ended; true if it was kept
    (or, when the long form is opened again rather than posted, if a draft of it is waiting).

    Only a long form's post (or its autosave) whose session ended by the idle timeout or at its
    absolute end, less than KEEP_AFTER_END ago, and that carries the one-time token the form page
    was given, signed for the same person: a session ended by signing out or a password change
    keeps nothing, and a cookie alone keeps nothing. The CSRF check has passed already. The draft
    is the person's own and is only ever shown on the form after they sign in again and the
    form's view has checked they may open it; nothing is saved to a record until they press Save."""
    if request.method == "GET":
        return _draft_waiting()
    if request.method != "POST":
        return False
    endpoint, args = request.endpoint, request.view_args or {}
    if endpoint == "drafts.keep":
        found = match_form(str(args.get("form", "")))
        if found is None:
            return False
        endpoint, args = found[0].endpoint, found[1]
    if not is_long_form(endpoint):
        return False
    user_id = g.get("session_ended_user") or timed_out_user(db.session, session.get("_user_id"), within=KEEP_AFTER_END)
    if user_id is None or submissions.token_problem(request.form.get(submissions.FIELD), user_id) is not None:
        return False
    user = db.session.get(User, user_id)
    fields = flow.typed_fields(request.form)
    if user is None or not user.active or not fields:
        return False
    key = flow.form_key(endpoint, args)
    operations.step(
        flow.keep_draft, back=request.path, actor=user, key=key, fields=fields, moment=now(), at_sign_out=True
    )
    return True


def _draft_waiting() -> bool:
    """A long form opened after the session timed out, with the person's draft of it waiting
    (kept while they typed): the sign-in page says so too."""
    if not is_long_form(request.endpoint):
        return False
    user_id = _ended_user()
    key = flow.form_key(request.endpoint, request.view_args)
    return user_id is not None and flow.draft_for(db.session, user_id=user_id, key=key, moment=now()) is not None
