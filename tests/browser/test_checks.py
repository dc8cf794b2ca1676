"""The checks the journeys rely on can fail: axe-core reports a violation with its rule, impact
and target; an error in the browser console (such as a script the CSP refuses) fails the check;
and a page shown but never checked is noticed."""

from __future__ import annotations

import pytest


def test_axe_check_fails_on_a_violation_naming_rule_impact_and_target(visitor):
    visitor.goto("/sign-in")
    # An image without a text alternative, added to the page as a careless template might.
    visitor.page.evaluate(
        """() => { const img = document.createElement('img'); img.id = 'no-alt';
                  img.src = '/static/images/favicon.svg'; document.querySelector('main').append(img); }"""
    )
    with pytest.raises(AssertionError) as failure:
        visitor.check()
    message = str(failure.value)
    assert "axe-core found 1 WCAG violation(s) on /sign-in" in message
    assert "- image-alt (critical): Images must have alternative text" in message
    assert "at #no-alt:" in message


def test_a_script_refused_by_the_content_security_policy_fails_the_check(visitor):
    visitor.goto("/sign-in")
    visitor.page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.inline = 1';
                  document.body.append(s); }"""
    )
    with pytest.raises(AssertionError) as failure:
        visitor.check()
    assert "errors in the browser console on /sign-in" in str(failure.value)
    assert "Content Security Policy" in str(failure.value)
    assert visitor.page.evaluate("window.inline") is None


def test_a_page_shown_without_a_check_is_noticed(visitor):
    visitor.goto("/privacy", check=False)
    assert visitor.unchecked() == ["/privacy"]
    visitor.check()
    assert visitor.unchecked() == []
