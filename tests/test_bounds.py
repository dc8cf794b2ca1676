"""Input bounds: integers beyond the database's range, oversized requests and dates far outside
any school's life never make an error 500.

- A huge integer in a path (`<int:...>`) is a 404; in a query string it is ignored (a filter that
  names nothing); in a form it gets a message beside the field.
- A request over MAX_CONTENT_LENGTH is answered with a 413 page.
- A date before 1 January 1900 or after 31 December 2100 is refused beside the field, in every
  form, and ignored in a query string.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from sentrack.auth import throttle
from sentrack.forms import EARLIEST_DATE, LATEST_DATE, MAX_INT, GovDateField, bounded_int
from tests.pages import Page
from tests.test_fuzz_forms import (
    CHOICE,
    DATE,
    FORMS,
    HIDDEN,
    MULTI,
    NUMBER,
    ROW_KEYS,
    _kind,
    fields_of,
    open_form,
)
from tests.test_permissions import ROUTES, _target

HUGE = "99999999999999999999"
INT_SEGMENT = re.compile(r"^<int:[^>]+>$")


# --- 14: integers beyond the database's range ----------------------------------------------------


def test_bounded_int_takes_the_database_range_only():
    assert bounded_int(str(MAX_INT)) == MAX_INT == 2**31 - 1
    assert bounded_int(str(MAX_INT + 1)) is None
    assert bounded_int(HUGE) is None
    assert bounded_int("-1") == -1
    assert bounded_int(str(-MAX_INT - 1)) == -MAX_INT - 1
    assert bounded_int(str(-MAX_INT - 2)) is None
    assert bounded_int("12abc") is None
    assert bounded_int("") is None


INT_RULES = [rule for rule in ROUTES if "<int:" in rule]


def test_some_routes_take_an_integer():
    assert len(INT_RULES) >= 15


@pytest.mark.parametrize("rule", INT_RULES)
def test_a_huge_integer_in_a_path_is_not_found(client, world, login, session, foreign_group, rule):
    route = ROUTES[rule]
    # Someone the route answers (a page, or a redirect after a button): with a real number the
    # URL is found, with a huge one it is not.
    role = next(r for r in ("senco", "head", "admin", "teacher", "ta", "la") if route.expect[r] not in (403, 404))
    target = _target(world, route, _kind(route, role), foreign_group, session)
    login(world.users[role])
    url = route.url(target)
    parts = url.split("?")[0].split("/")
    segments = rule.split("/")
    assert len(parts) == len(segments), (url, rule)
    for index, segment in enumerate(segments):
        if INT_SEGMENT.match(segment):
            assert parts[index].isdigit()
            huge = [*parts[:index], HUGE, *parts[index + 1 :]]
            response = client.open("/".join(huge), method=route.method)
            assert response.status_code == 404, ("/".join(huge), response.status_code)
            just_beyond = [*parts[:index], str(MAX_INT + 1), *parts[index + 1 :]]
            response = client.open("/".join(just_beyond), method=route.method)
            assert response.status_code == 404, ("/".join(just_beyond), response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        f"/pupils/?page={HUGE}",
        f"/pupils/?year={HUGE}",
        f"/pupils/?group={HUGE}",
        f"/pupils/?year=-{HUGE}",
        f"/pupils/left?page={HUGE}",
        f"/dashboard/?year={HUGE}",
        f"/dashboard/?group={HUGE}",
        f"/interventions/new?chosen=1&type={HUGE}&group={HUGE}",
        f"/interventions/new?type={HUGE}&group={HUGE}",
        f"/tasks?role={HUGE}&status={HUGE}",
        f"/settings/terms/new?year={HUGE}&season={HUGE}",
        f"/provision-map?term={HUGE}&year={HUGE}&wave={HUGE}",
    ],
)
def test_a_huge_integer_in_a_query_string_is_ignored(client, world, login, query):
    login(world.users["senco"])

    response = client.get(query)

    assert response.status_code == 200, (query, response.status_code)


# --- 16: dates far out of range ------------------------------------------------------------------


class _DateForm(Form):
    day = GovDateField("Start date")


def _date_form(day: str, month: str, year: str) -> _DateForm:
    form = _DateForm(MultiDict([("day", day), ("day", month), ("day", year)]))
    form.validate()
    return form


@pytest.mark.parametrize(
    ("parts", "accepted"),
    [
        (("31", "12", "1899"), False),
        (("1", "1", "1900"), True),
        (("2", "1", "1900"), True),
        (("30", "12", "2100"), True),
        (("31", "12", "2100"), True),
        (("1", "1", "2101"), False),
        (("1", "1", "0001"), False),
        (("31", "12", "9999"), False),
    ],
)
def test_the_date_field_takes_1900_to_2100(parts, accepted):
    form = _date_form(*parts)

    if accepted:
        assert form.day.errors == []
        assert form.day.data == date(int(parts[2]), int(parts[1]), int(parts[0]))
    else:
        assert form.day.data is None
        assert form.day.errors == ["The start date must be between 1 January 1900 and 31 December 2100"]


def test_the_bounds_are_the_ones_the_message_names():
    assert date(1900, 1, 1) == EARLIEST_DATE
    assert date(2100, 12, 31) == LATEST_DATE


# --- Every form: far dates and huge integers are refused beside the field -----------------------


def _shown(form, page):
    return [f for f in fields_of(form) if page.has(f'[name="{f.name}"]')]


@pytest.mark.parametrize("rule", list(FORMS))
def test_every_form_refuses_far_dates_and_huge_integers_beside_the_field(
    app, client, world, login, session, foreign_group, rule
):
    url, form, page = open_form(app, client, world, login, session, foreign_group, rule)
    # A row of records' fields go with the row's key, as the page renders it.
    keys = {f.name: f.value for f in fields_of(form) if f.kind == HIDDEN and f.name.endswith(ROW_KEYS)}
    for field in _shown(form, page):
        if field.kind == DATE:
            values = [["1", "1", "0001"], ["31", "12", "9999"], ["31", "12", "1899"], ["1", "1", "2101"]]
        elif field.kind in (CHOICE, MULTI, NUMBER):
            values = [HUGE, "-" + HUGE, str(MAX_INT + 1)]
        elif field.kind == HIDDEN:
            values = [HUGE]
        else:
            continue
        for value in values:
            throttle.reset()
            response = client.post(url, data={**keys, field.name: value})
            assert response.status_code < 500, (rule, field.name, value, response.status_code)
            if field.kind == HIDDEN:
                continue
            assert response.status_code == 200, (rule, field.name, value, response.status_code)
            assert Page(response).field_error(field.id), (rule, field.name, value, "no message beside the field")


# --- 15: request size ----------------------------------------------------------------------------


def test_a_request_size_limit_is_set(app):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 10 * 1024 * 1024


def test_an_oversized_request_is_a_413_page(app, client, world, login):
    login(world.users["senco"])
    limit = app.config["MAX_CONTENT_LENGTH"]

    page = client.post_page("/pupils/new", data={"first_name": "x" * (limit + 1)}, status=413)

    assert page.text("h1") == "What you sent is too large"
    assert "Traceback" not in page.html


def test_a_request_just_under_the_limit_is_not_refused_for_size(app, client, world, login):
    login(world.users["senco"])
    limit = app.config["MAX_CONTENT_LENGTH"]

    page = client.post_page("/pupils/new", data={"first_name": "x" * (limit - 1000)})

    assert page.field_error("first_name")  # the form again, with its own message about the name


def test_an_oversized_request_is_a_413_page_before_the_csrf_check(app, client, world, login, monkeypatch):
    """With CSRF protection on (as in production) the token check reads the form first: the
    size limit still answers with the 413 page, not a 400 or a 500."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login(world.users["senco"])

    page = client.post_page(
        "/pupils/new", data={"first_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}, status=413
    )

    assert page.text("h1") == "What you sent is too large"
