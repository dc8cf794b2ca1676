"""The security suite: CSRF on every state-changing request, the response headers, and sessions
that end on the server.

Routes come from the app's url_map through the permission truth table (tests/test_permissions.py),
so a new POST route is checked here as soon as it has its entry there.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from bs4 import BeautifulSoup

from sentrack import create_app
from sentrack.models import Concern
from tests.helpers import count, text
from tests.pages import Page
from tests.test_fuzz_forms import FORMS, ROLE_PREFERENCE, _kind, fields_of, leaf_fields, rendered_forms, snapshot
from tests.test_permissions import (
    ANONYMOUS,
    ROUTES,
    Redirect,
    _target,
)

COOKIE = "sentrack_session"

# A known defect, left for the page's owner: the term page's second form writes its CSRF field
# with the same id as the first form's.


@pytest.fixture
def csrf_on(app, monkeypatch):
    """The test configuration turns CSRF off for request tests; these tests turn it back on."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _post_rules(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods)


def _post_actor(rule: str) -> str:
    """Someone the POST is for: the first role the entry lets through (anonymous for sign-in)."""
    route = ROUTES[rule]
    if route.anonymous == 200:
        return ANONYMOUS
    return next(
        role
        for role in ROLE_PREFERENCE
        if route.expect[role] == 200
        or (isinstance(route.expect[role], Redirect) and route.expect[role].to != "/sign-in")
        or (rule == "/sign-out" and isinstance(route.expect[role], Redirect))
    )


def _form_data(form) -> dict:
    """What a browser would post for the form as the page rendered it (its current values)."""
    data = {}
    bound_fields = {bound.name: bound for bound in leaf_fields(form)}
    for field in fields_of(form):
        bound = bound_fields[field.name]
        if field.kind == "submit":
            data[field.name] = field.value
        elif field.kind == "date":
            value = bound.data
            data[field.name] = [str(value.day), str(value.month), str(value.year)] if value else ["", "", ""]
        elif field.kind == "multi":
            data[field.name] = [str(v) for v in (bound.data or [])]
        elif field.kind == "flag":
            if bound.data:
                data[field.name] = "y"
        else:
            data[field.name] = (
                bound._value() if hasattr(bound, "_value") else ("" if bound.data is None else str(bound.data))
            )
    return data


def _prepare(app, client, world, login, session, foreign_group, rule):
    """Sign in as the POST's user and return (url, form data, the page's valid CSRF token)."""
    route = ROUTES[rule]
    fuzz = FORMS.get(rule)
    role = (fuzz.actor if fuzz is not None else None) or _post_actor(rule)
    target = _target(world, route, _kind(route, role) if role != ANONYMOUS else "own", foreign_group, session)
    if role != ANONYMOUS:
        login(world.users[role])
    url = route.url(target)
    if fuzz is not None and fuzz.actor is not None:  # a form only its own actor reaches, once prepared
        url = fuzz.prepare(world, session, target, url)
    if route.method == "GET":  # a page with a form: post what it rendered
        with rendered_forms(app) as seen:
            page = Page(client.get(url))
        form = next((f for name, f in seen if name == "form"), seen[0][1])
        return url, _form_data(form), page.csrf_token()
    # A button: its token is the session's, on any page with a form (the home page signs out).
    return url, {}, client.page("/").csrf_token()


def _rules_with_posts() -> list[str]:
    from tests.test_permissions import POST_RULES

    return sorted(POST_RULES)


@pytest.mark.parametrize("rule", _rules_with_posts())
def test_a_post_without_a_csrf_token_is_refused_and_stores_nothing(
    app, client, world, login, session, foreign_group, csrf_on, rule
):
    url, data, _token = _prepare(app, client, world, login, session, foreign_group, rule)
    before = snapshot(session)

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert snapshot(session) == before


@pytest.mark.parametrize("rule", _rules_with_posts())
def test_a_post_with_a_wrong_csrf_token_is_refused_and_stores_nothing(
    app, client, world, login, session, foreign_group, csrf_on, rule
):
    url, data, token = _prepare(app, client, world, login, session, foreign_group, rule)
    # A token the app issued, but to another browser's session; and one it never issued.
    stranger = app.test_client()
    foreign_token = stranger.page("/sign-in").csrf_token()
    before = snapshot(session)

    # The signature's first character changed: unlike its last, whose low bits base64 ignores,
    # every bit of it counts, so the tampered token can never verify by chance.
    signed, signature = token.rsplit(".", 1)
    tampered = f"{signed}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    for wrong in (foreign_token, tampered, "not-a-token", ""):
        response = client.post(url, data={**data, "csrf_token": wrong})

        assert response.status_code == 400, wrong
    assert snapshot(session) == before


@pytest.mark.parametrize("rule", _rules_with_posts())
def test_the_same_post_with_the_token_gets_past_csrf(app, client, world, login, session, foreign_group, csrf_on, rule):
    """The control for the two tests above: the posts they make are refused for the token alone."""
    url, data, token = _prepare(app, client, world, login, session, foreign_group, rule)

    response = client.post(url, data={**data, "csrf_token": token})

    assert response.status_code in (200, 302), text(response)[:300]


def test_every_route_taking_a_post_is_checked_for_csrf(app):
    assert set(_rules_with_posts()) == set(_post_rules(app))


def test_the_csrf_refusal_is_a_page_not_a_trace(client, world, login, csrf_on):
    login(world.users["senco"])

    page = client.post_page("/pupils/new", data={"first_name": "Ivy"}, status=400)

    assert page.text("h1") == "The form could not be sent"
    assert "Traceback" not in page.html
    assert "CSRF" not in page.text()


# --- Response headers ------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def assert_security_headers(response) -> None:
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"]
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert not {"*", "data:", "http:", "https:"} & set(scripts)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "same-origin",
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    # Every inline script of the page is one the policy admits by its hash (none are blocked,
    # and no other inline script could run).
    if response.mimetype == "text/html":
        for script in BeautifulSoup(text(response), "html.parser").select("script:not([src])"):
            body = script.string or ""
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in scripts, body[:80]


def _get_rules() -> list[str]:
    return [rule for rule, route in ROUTES.items() if route.method == "GET"]


@pytest.mark.parametrize("rule", _get_rules())
def test_every_page_carries_the_security_headers_and_is_not_stored(client, world, login, session, foreign_group, rule):
    """As its user (200) and as an anonymous user (redirect or the public page): every answer
    has the headers, and none may be kept by a cache (pages carry pupil data)."""
    route = ROUTES[rule]
    role = next((r for r in ROLE_PREFERENCE if route.expect[r] == 200), None)
    target = _target(world, route, _kind(route, role) if role else "own", foreign_group, session)
    url = route.url(target)
    answers = [client.get(url)]
    if role is not None:
        login(world.users[role])
        answers.append(client.get(url))
        assert answers[-1].status_code == 200

    for response in answers:
        assert_security_headers(response)
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("status_path", ["/no-such-page", "/pupils/000000000000000000000000"])
def test_error_pages_carry_the_headers(client, world, login, status_path):
    login(world.users["senco"])

    response = client.get(status_path)

    assert response.status_code == 404
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_too_large_page_carries_the_headers(app, client, world, login):
    login(world.users["senco"])

    response = client.post("/pupils/new", data={"first_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})

    assert response.status_code == 413
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_pupil_record_and_the_csv_export_are_not_stored(client, world, login):
    login(world.users["senco"])

    for url in (
        f"/pupils/{world.pupils['taught'].public_id}",
        "/provision-map/export",
        f"/pupils/{world.pupils['taught'].public_id}/audit",
    ):
        response = client.get(url)

        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_static_files_are_not_sniffed(client):
    with client.get("/static/css/sentrack.css") as response:
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "text/css"


def test_no_hsts_outside_production(client):
    """Development and tests run on plain HTTP: HSTS there would lock a developer's browser out."""
    assert "Strict-Transport-Security" not in client.get("/accessibility").headers


@pytest.fixture
def production_app(monkeypatch, app):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-for-the-production-config-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sentrack@db.invalid/sentrack")  # never connected to
    monkeypatch.delenv("SENTRACK_TODAY", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # not reached by these requests
    monkeypatch.delenv("PROXY_HOPS", raising=False)
    return create_app(config_name="production")


def test_production_sends_hsts_and_secure_cookies(production_app):
    client = production_app.test_client()

    response = client.get("/sign-in", base_url="https://sentrack.school.sch.uk")

    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert "includeSubDomains" in hsts
    assert_security_headers(response)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- Sessions end on the server --------------------------------------------------------------


def _copy_cookie(source, target) -> None:
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def test_a_cookie_copied_before_sign_out_no_longer_works_after_it(app, client, world, auth, session):
    pupil = world.pupils["taught"]
    assert auth.sign_in("senco@oak.test").status_code == 302
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert thief.get(f"/pupils/{pupil.public_id}").status_code == 200  # the copy works while signed in
    concerns = count(session, Concern)

    auth.sign_out()

    for url in (f"/pupils/{pupil.public_id}", f"/pupils/{pupil.public_id}/audit", "/pupils/", "/"):
        response = thief.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/sign-in"), url
        assert pupil.last_name not in text(response)
    response = thief.post(
        f"/pupils/{pupil.public_id}/concerns/new",
        data={"raised_on": ["20", "11", "2026"], "description": "Written with a stolen cookie"},
    )
    assert response.headers["Location"].startswith("/sign-in")
    assert count(session, Concern) == concerns


def test_signing_in_again_does_not_revive_a_copied_cookie(app, client, world, auth):
    """The old token stays dead when the same person signs in again: each sign-in is a new session."""
    auth.sign_in("senco@oak.test")
    thief = app.test_client()
    _copy_cookie(client, thief)
    auth.sign_out()

    auth.sign_in("senco@oak.test")

    assert thief.get("/").headers["Location"].startswith("/sign-in")
    assert client.get("/").status_code == 200
