"""The page reader the request tests use (tests/pages.py): what it checks and what it reads."""

from __future__ import annotations

import pytest
from flask import Flask, flash, render_template_string

from tests.pages import Html, Page

BODY = """<!DOCTYPE html><html><head><title>Ada's record – SEN Track</title></head><body>
<div class="govuk-notification-banner" aria-labelledby="flash-title-1"><h2 id="flash-title-1">Success</h2>
<div class="govuk-notification-banner__content">Saved the &amp; plan</div></div>
<div class="govuk-notification-banner" aria-labelledby="other-title"><h2 id="other-title">Important</h2>
<div class="govuk-notification-banner__content">Not a flash</div></div>
<main id="main-content">
<div class="govuk-error-summary"><ul class="govuk-error-summary__list">
<li><a href="#name">Enter a name</a></li></ul></div>
<p id="name-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> Enter a
  name</p>
<input id="name" name="name" value="">
<form action="/pupils/abc/concerns/new" method="post">
<input name="csrf_token" type="hidden" value="tok-1"><input name="submission_token" value="sub-1"></form>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">UPN</dt>
<dd class="govuk-summary-list__value">A123</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Date of birth</dt>
<dd class="govuk-summary-list__value">1 May 2018</dd>
<dd class="govuk-summary-list__actions"><a href="/x">Change</a></dd></div>
</dl>
<table class="govuk-table"><caption class="govuk-table__caption">Concerns</caption>
<thead><tr><th>Raised</th><th>What</th></tr></thead>
<tbody><tr><th scope="row">20 November 2026</th><td><a href="/pupils/0123456789abcdef01234567">Reads
   slowly</a></td></tr></tbody></table>
</main></body></html>"""


@pytest.fixture
def tiny():
    app = Flask(__name__)
    app.secret_key = "test"

    @app.get("/page")
    def page():
        return BODY

    @app.get("/flashed")
    def flashed():
        flash("Saved", "success")
        return render_template_string(
            "<title>t</title>{% for c, m in get_flashed_messages(with_categories=true) %}"
            '<div class="govuk-notification-banner" aria-labelledby="flash-title-{{ loop.index }}">'
            '<div class="govuk-notification-banner__content">{{ m }}</div></div>{% endfor %}'
        )

    @app.get("/untitled")
    def untitled():
        return "<html><head><title> </title></head><body></body></html>"

    @app.get("/twice")
    def twice():
        return '<title>t</title><p id="a"></p><p id="a"></p>'

    return app.test_client()


def test_a_page_reads_its_parts(tiny):
    page = Page(tiny.get("/page"))

    assert page.title == "Ada's record – SEN Track"
    assert page.flashes() == ["Saved the & plan"]
    assert page.error_summary() == ["Enter a name"]
    assert page.field_error("name") == "Enter a name"
    assert page.field_error("email") is None
    assert page.csrf_token() == "tok-1"
    assert page.submission_token("/pupils/abc/concerns/new") == "sub-1"
    assert page.summary() == {"UPN": "A123", "Date of birth": "1 May 2018"}
    assert page.table("Concerns") == [["20 November 2026", "Reads slowly"]]
    assert page.table_head("Concerns") == ["Raised", "What"]
    assert page.pupil_links() == ["0123456789abcdef01234567"]
    assert page.value("name") == ""
    assert "Reads slowly" in page


def test_a_page_refuses_a_wrong_status_no_title_or_an_id_used_twice(tiny):
    with pytest.raises(AssertionError, match="expected 404, got 200"):
        Page(tiny.get("/page"), status=404)
    with pytest.raises(AssertionError, match="no <title>"):
        Page(tiny.get("/untitled"))
    with pytest.raises(AssertionError, match="ids used more than once"):
        Page(tiny.get("/twice"))
    assert Page(tiny.get("/twice"), repeats_allowed=frozenset({"a"})).all("#a")


def test_one_insists_on_one_element_and_the_missing_token_fails(tiny):
    page = Page(tiny.get("/page"))

    with pytest.raises(AssertionError, match="matches 0 elements"):
        page.one("#nowhere")
    with pytest.raises(AssertionError, match="no form posting to /elsewhere"):
        page.submission_token("/elsewhere")


def test_flashed_messages_are_read_from_the_banners(tiny):
    assert Page(tiny.get("/flashed")).flashes() == ["Saved"]


def test_html_without_a_response_is_read_unchecked():
    assert Html('<p id="x-error" class="govuk-error-message">Error: Too long</p>').field_error("x") == "Too long"
