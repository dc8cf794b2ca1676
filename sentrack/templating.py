"""Template filters, the small HTML pieces table cells are made of, and the navigation each user
sees. The pieces (`link`, `tag`) are Python, not macros: a long table calls them once a row, and a
macro call costs many times more than a function call."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from sentrack.access import Ability, abilities, may_see_ehc_caseload, page_flags
from sentrack.clock import SCHOOL_TIME as LONDON
from sentrack.clock import day_of
from sentrack.models.enums import NeedType, Provision, Role, year_group_label
from sentrack.workflows.revisions import display


def format_date(value: date | None, style: str = "long") -> str:
    """'3 October 2025' (long) or '3 Oct 2025' (short), as GOV.UK writes dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = day_of(value)
    if style == "long":
        return display(value)  # the one way dates are written, in pages and in messages alike
    return f"{value.day} {value:%b} {value.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{format_date(day_of(value))} at {typed_at(value)}"


def typed_at(value: datetime) -> str:
    """The time of day of a moment, as GOV.UK writes it: '10:42am', '4:05pm'."""
    local = value.astimezone(LONDON)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{hour}:{local.strftime('%M')}{local.strftime('%p').lower()}"


def format_money(pence: int | None) -> str:
    """Pence as pounds: 123450 -> '£1,234.50'."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


MAP_ENDPOINTS = "interventions.provision_map"


# The last header links, each opened by one ability: the school's staff, settings and data requests.
SCHOOL_ITEMS = (
    (Ability.MANAGE_STAFF, (("Staff", "staff.index", "staff.member"), ("Classes", "staff.groups", "staff.group"))),
    (Ability.MANAGE_SETTINGS, (("Settings", "meetings.settings", "meetings.settings"),)),
    (Ability.MANAGE_SUBJECT_ACCESS, (("Data requests", "access_requests.index", "access_requests."),)),
)


def navigation() -> list[dict]:
    """The header links for the signed-in user's roles."""
    if not current_user.is_authenticated or getattr(current_user, "second_factor_pending", False):
        return []  # half signed in: nowhere to go until the second factor is given
    allowed = abilities(current_user)
    items = [("Home", "main.home", None)]
    if Ability.VIEW_PUPILS in allowed:
        items.append(("Pupils", "pupils.index", "pupils."))
    if allowed & {Ability.RECORD_SESSION, Ability.SET_UP_INTERVENTION}:
        items.append(("Interventions", "interventions.index", "interventions."))
    if Ability.VIEW_PROVISION_MAP in allowed:
        items.append(("Provision map", "interventions.provision_map_page", MAP_ENDPOINTS))
    if Ability.VIEW_FIGURES in allowed:
        items.append(("Dashboard", "dashboard.index", "dashboard."))
    if Ability.READ_SEN_REPORT in allowed:
        items.append(("SEN report", "reports.index", "reports."))
    if may_see_ehc_caseload(current_user):
        items.append(("EHC caseload", "ehc.caseload", "ehc.caseload"))
    items.append(("My tasks", "duties.my_tasks", "duties.task"))
    items.append(("Notifications", "duties.notifications", None))
    items += [item for ability, more in SCHOOL_ITEMS if ability in allowed for item in more]
    endpoint = request.endpoint or ""
    nav = []
    for text, target, prefix in items:
        active = endpoint == target or (prefix is not None and endpoint.startswith(prefix))
        if prefix == "interventions." and endpoint.startswith(MAP_ENDPOINTS):
            active = False  # the provision map has its own item
        nav.append({"text": text, "href": url_for(target), "active": active})
    return nav


def unread_notifications():
    """The signed-in user's unread notifications (`duties.queries.unread_of`), for the account
    bar: asked only by a page that shows the bar, once a request."""
    from sentrack.duties.queries import unread_of
    from sentrack.extensions import db

    return unread_of(db.session, current_user._get_current_object())


def link(href: str, text, *, classes: str = "") -> Markup:
    """A GOV.UK link; `text` is escaped unless it is already Markup."""
    extra = f" {classes}" if classes else ""
    return Markup('<a class="govuk-link{}" href="{}">{}</a>').format(extra, href, text)


# The GOV.UK tag colours; a tag of any other colour is a mistake in a template.
TAG_COLOURS = frozenset(
    {"grey", "green", "turquoise", "blue", "light-blue", "purple", "pink", "red", "orange", "yellow"}
)


def tag(text, colour: str | None = None) -> Markup:
    """A GOV.UK tag (`<strong class="govuk-tag ...">`), in one of the GOV.UK colours or the default."""
    if colour is not None and colour not in TAG_COLOURS:
        raise ValueError(f"no GOV.UK tag is {colour}")
    modifier = f" govuk-tag--{colour}" if colour else ""
    return Markup('<strong class="govuk-tag{}">{}</strong>').format(modifier, text)


def sort_heading(href: str, label, *, hint: str, sort: str = "none", arrow: str | None = None) -> dict:
    """A heading for `components.table` that sorts its column: a link to `href` saying `hint` to
    screen readers ("sort A to Z"), `arrow` beside the label when it is the sorted column, and
    `sort` ("ascending", "descending" or "none") as the column's aria-sort."""
    shown = Markup('{}<span aria-hidden="true"> {}</span>').format(label, arrow) if arrow else label
    text = Markup('{}<span class="govuk-visually-hidden"> ({})</span>').format(shown, hint)
    return {"text": link(href, text), "sort": sort}


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")  # `{% do rows.append(...) %}` builds a table's rows
    app.add_template_global(link, "link")
    app.add_template_global(tag, "tag")
    app.add_template_global(sort_heading, "sort_heading")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_money, "money")
    app.add_template_filter(year_group_label, "year_group")
    # Globals rather than context, so that imported macros see them too.
    app.jinja_env.globals.update(Ability=Ability, Provision=Provision, NeedType=NeedType, Role=Role)

    @app.context_processor
    def common_context():
        return {
            "nav_items": navigation(),
            "demo_banner": current_app.config.get("DEMO_BANNER", False),
            "user_abilities": abilities(current_user) if current_user.is_authenticated else frozenset(),
            "user_sees": page_flags(current_user) if current_user.is_authenticated else frozenset(),
            "unread_notifications": unread_notifications,
        }
