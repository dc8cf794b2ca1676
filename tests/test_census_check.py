"""The school census check: each flag, the pupils counted (the roll today, the user's school
only), the page and its CSV, who may see them, and a fixed number of queries whatever the roll."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.extensions import db
from sentrack.models import (
    AuditEvent,
    EhcPlan,
    ImportBatch,
    ImportKind,
    ImportStatus,
    MisSen,
    NeedType,
    Provision,
    Pupil,
    SenStatus,
)
from sentrack.workflows.census_check import (
    FLAG_KINDS,
    SenRecord,
    census_check,
    check_pupil,
    record_problems,
)
from tests.conftest import TODAY
from tests.factories import make_pupil
from tests.test_query_counts import MOST_STATEMENTS, statements

# --- The rules, over plain records --------------------------------------------------------------


def _kinds(flags) -> list[str]:
    return [flag.kind for flag in flags]


@pytest.mark.parametrize(
    ("record", "kinds"),
    [
        (SenRecord("K", ((1, "SLCN"), (2, "SPLD"))), []),
        (SenRecord("E", ((1, "ASD"),)), []),
        (SenRecord("K", ((1, "NSA"),)), []),
        (SenRecord("N"), []),
        (SenRecord(None), []),
        (SenRecord("N", ((1, "SLCN"),)), ["need_without_sen"]),
        (SenRecord(None, ((1, "SLCN"),)), ["need_without_sen"]),
        (SenRecord("E", ((1, "NSA"),)), ["nsa_with_ehc"]),
        (SenRecord("K", ((1, "SLCN"), (1, "SPLD"))), ["rank_repeated"]),
        (SenRecord("K", ((1, "SLCN"), (2, "SPLD"), (2, "MLD"), (2, "HI"))), ["rank_repeated"]),
        (SenRecord("K", ((1, "DYSLEXIA"),)), ["unknown_need"]),
        (SenRecord("N", ((1, "NSA"), (1, "XYZ"))), ["need_without_sen", "rank_repeated", "unknown_need"]),
    ],
)
def test_the_census_rules_over_one_record(record, kinds):
    assert _kinds(record_problems(record, "The last imported CTF")) == kinds


def test_the_census_rules_say_what_is_wrong_and_where():
    flags = record_problems(SenRecord("K", ((1, "SLCN"), (2, "SPLD"), (2, "MLD"))), "The last imported CTF")
    assert [flag.words for flag in flags] == ["The last imported CTF: 2 needs have rank 2"]
    flags = record_problems(SenRecord("N", ((1, "SLCN"),)), "The last imported CTF")
    assert [flag.words for flag in flags] == [
        "The last imported CTF: a need type is recorded with N, not SEN support (K) or E"
    ]
    flags = record_problems(SenRecord("E", ((1, "NSA"),)), "SEN Track")
    assert [flag.words for flag in flags] == ["SEN Track: NSA (no specialist assessment) with an EHC plan (E)"]


@pytest.mark.parametrize(
    ("ours", "theirs", "in_force", "expected"),
    [
        (SenRecord("E", ((1, "ASD"),)), None, True, []),
        (
            SenRecord("E", ((1, "ASD"),)),
            None,
            False,
            ["Recorded as on an EHC plan (E) by SEN Track, with no EHC plan in force recorded in SEN Track"],
        ),
        (
            SenRecord("K", ((1, "ASD"),)),
            SenRecord("E", ((1, "ASD"),)),
            False,
            [
                "Recorded as on an EHC plan (E) by the last imported CTF, with no EHC plan in force recorded "
                "in SEN Track",
                "Provision: SEN Track has SEN support (K), the last imported CTF EHC plan (E)",
            ],
        ),
        (
            SenRecord("E", ((1, "ASD"),)),
            SenRecord("E", ((1, "ASD"),)),
            False,
            [
                "Recorded as on an EHC plan (E) by SEN Track and the last imported CTF, with no EHC plan in "
                "force recorded in SEN Track"
            ],
        ),
        (SenRecord("K", ((1, "SLCN"), (2, "SPLD"))), SenRecord("K", ((1, "SLCN"), (2, "SPLD"))), False, []),
        (SenRecord(None), SenRecord("N"), False, []),
        (SenRecord(None), SenRecord(None), False, []),
        (
            SenRecord(None),
            SenRecord("K", ((1, "MLD"),)),
            False,
            ["Provision: SEN Track has No SEN (N), the last imported CTF SEN support (K)"],
        ),
        (
            SenRecord("K", ((1, "SLCN"),)),
            SenRecord("K", ((1, "MLD"),)),
            False,
            ["Primary need: SEN Track has SLCN, the last imported CTF MLD"],
        ),
        (
            SenRecord("K", ((1, "SLCN"), (2, "SPLD"))),
            SenRecord("K", ((1, "SLCN"),)),
            False,
            ["Secondary need: SEN Track has SPLD, the last imported CTF none"],
        ),
    ],
    ids=[
        "e-with-plan",
        "e-without-plan",
        "ctf-e-without-plan",
        "both-e-without-plan",
        "agree",
        "no-record-and-n",
        "no-record-either-side",
        "provision-differs",
        "primary-differs",
        "secondary-differs",
    ],
)
def test_a_pupils_flags(ours, theirs, in_force, expected):
    assert [flag.words for flag in check_pupil(ours, theirs, in_force)] == expected


# --- The check over the database ---------------------------------------------------------------


@pytest.fixture
def batch(world, session) -> ImportBatch:
    found = ImportBatch(
        school_id=world.school.id,
        kind=ImportKind.CTF,
        file_name="roll.xml",
        digest="0" * 64,
        rows=[],
        counts={},
        status=ImportStatus.APPLIED,
        decided_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
    )
    session.add(found)
    session.flush()
    return found


def _mis(session, batch, pupil, provision: Provision | None, *needs: tuple[int, str]) -> None:
    session.add(
        MisSen(
            pupil_id=pupil.id,
            batch_id=batch.id,
            provision=provision,
            needs=[{"rank": rank, "type": code} for rank, code in needs],
        )
    )
    session.flush()


def _plan(session, world, pupil, *, issued_on=date(2025, 12, 1), ceased_on=None) -> None:
    session.add(
        EhcPlan(
            pupil_id=pupil.id,
            local_authority_id=world.la.id,
            issued_on=issued_on,
            named_setting=world.school.name,
            primary_need=NeedType.ASD,
            ceased_on=ceased_on,
            cease_reason="No longer needed" if ceased_on else None,
        )
    )
    session.flush()


def _by_pupil(check) -> dict[int, object]:
    return {row.pupil_id: row for row in check.rows}


def test_the_roll_today_of_the_school_only(world, session):
    left = make_pupil(session, world.school, first="Ida", last="Jones")
    left.left_on, left.leaving_reason = TODAY, "Moved away"
    arriving = make_pupil(session, world.school, first="Jon", last="King")
    arriving.admitted_on = TODAY + timedelta(days=1)
    leaving_tomorrow = make_pupil(session, world.school, first="Kim", last="Lowe")
    leaving_tomorrow.left_on, leaving_tomorrow.leaving_reason = TODAY + timedelta(days=1), "Moved away"
    session.flush()

    check = census_check(session, world.school.id, TODAY)

    p = world.pupils
    expected = {p["taught"].id, p["taught_plain"].id, p["untaught"].id, p["untaught_k"].id, leaving_tomorrow.id}
    assert set(_by_pupil(check)) == expected
    surnames = [session.get(Pupil, row.pupil_id).last_name for row in check.rows]
    assert surnames == sorted(surnames)


def test_sen_track_side_is_the_open_status(world, session):
    pupil = world.pupils["taught"]
    status = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id)).one()
    status.end_date = date(2026, 1, 31)
    session.add(
        SenStatus(
            pupil_id=pupil.id,
            provision=Provision.SEN_SUPPORT,
            primary_need=NeedType.SEMH,
            secondary_need=NeedType.SPLD,
            start_date=date(2026, 2, 1),
            reason="Needs reviewed",
        )
    )
    session.flush()

    row = _by_pupil(census_check(session, world.school.id, TODAY))[pupil.id]

    assert row.sen_track == SenRecord("K", ((1, "SEMH"), (2, "SPLD")))
    assert row.mis is None
    assert row.flags == ()


def test_each_flag_found_in_the_database(world, session, batch):
    p = world.pupils
    # taught: K SPLD in SEN Track; the MIS agrees.
    _mis(session, batch, p["taught"], Provision.SEN_SUPPORT, (1, "SPLD"))
    # taught_plain: no SEN status; the MIS gives a need with N.
    _mis(session, batch, p["taught_plain"], Provision.NONE, (1, "SLCN"))
    # untaught: E ASD in SEN Track, no plan recorded; the MIS gives NSA with E.
    _mis(session, batch, p["untaught"], Provision.EHC_PLAN, (1, "NSA"))
    # untaught_k: K SLCN in SEN Track; the MIS ranks two needs first.
    _mis(session, batch, p["untaught_k"], Provision.SEN_SUPPORT, (1, "SLCN"), (1, "MLD"))

    check = census_check(session, world.school.id, TODAY)
    rows = _by_pupil(check)

    assert rows[p["taught"].id].flags == ()
    assert rows[p["taught"].id].mis == SenRecord("K", ((1, "SPLD"),))
    assert _kinds(rows[p["taught_plain"].id].flags) == ["need_without_sen"]
    assert _kinds(rows[p["untaught"].id].flags) == ["nsa_with_ehc", "ehc_without_plan", "disagrees"]
    assert rows[p["untaught"].id].flags[-1].words == "Primary need: SEN Track has ASD, the last imported CTF NSA"
    assert _kinds(rows[p["untaught_k"].id].flags) == ["rank_repeated"]
    assert check.flag_counts == {
        "need_without_sen": 1,
        "nsa_with_ehc": 1,
        "rank_repeated": 1,
        "unknown_need": 0,
        "ehc_without_plan": 1,
        "disagrees": 1,
    }
    assert check.without_ctf == 0
    assert len(check.with_problems) == 3


@pytest.mark.parametrize(
    ("plan", "flagged"),
    [
        ({}, False),
        ({"issued_on": TODAY}, False),
        ({"issued_on": TODAY + timedelta(days=1)}, True),
        ({"ceased_on": TODAY}, True),
        ({"ceased_on": TODAY + timedelta(days=1)}, False),
    ],
    ids=["in-force", "issued-today", "issued-tomorrow", "ceased-today", "ceases-tomorrow"],
)
def test_an_e_is_flagged_unless_a_plan_is_in_force_today(world, session, plan, flagged):
    pupil = world.pupils["untaught"]
    _plan(session, world, pupil, **plan)
    row = _by_pupil(census_check(session, world.school.id, TODAY))[pupil.id]
    assert ("ehc_without_plan" in _kinds(row.flags)) is flagged


def test_another_pupils_plan_does_not_count(world, session):
    _plan(session, world, world.pupils["sibling_ehc"])
    row = _by_pupil(census_check(session, world.school.id, TODAY))[world.pupils["untaught"].id]
    assert _kinds(row.flags) == ["ehc_without_plan"]


def test_pupils_with_the_same_records_are_flagged_each_by_their_own(world, session, batch):
    """The check works out each combination of records once: pupils alike in every column but
    one (a plan in force, the CTF's needs) are still flagged each by their own records."""
    alike = [
        make_pupil(
            session,
            world.school,
            first=f"Twin{n}",
            last="Alike",
            provision=Provision.EHC_PLAN,
            need=NeedType.ASD,
            since=date(2025, 9, 1),
        )
        for n in range(4)
    ]
    _plan(session, world, alike[0])
    for pupil in alike[:3]:
        _mis(session, batch, pupil, Provision.EHC_PLAN, (1, "ASD"))
    _mis(session, batch, alike[3], Provision.EHC_PLAN, (1, "ASD"), (1, "MLD"))

    rows = _by_pupil(census_check(session, world.school.id, TODAY))

    assert [_kinds(rows[pupil.id].flags) for pupil in alike] == [
        [],
        ["ehc_without_plan"],
        ["ehc_without_plan"],
        ["rank_repeated", "ehc_without_plan"],
    ]
    for pupil, in_force in zip(alike, (True, False, False, False), strict=True):
        row = rows[pupil.id]
        assert row.flags == check_pupil(row.sen_track, row.mis, in_force)


def test_the_mis_provision_differs(world, session, batch):
    pupil = world.pupils["untaught_k"]
    _mis(session, batch, pupil, Provision.NONE)
    row = _by_pupil(census_check(session, world.school.id, TODAY))[pupil.id]
    assert [flag.words for flag in row.flags] == [
        "Provision: SEN Track has SEN support (K), the last imported CTF No SEN (N)"
    ]


# --- The page and the CSV ------------------------------------------------------------------------


def test_the_page_lists_the_pupils_with_a_problem_first_with_counts(world, session, batch, login):
    p = world.pupils
    _mis(session, batch, p["taught"], Provision.SEN_SUPPORT, (1, "SPLD"))
    _mis(session, batch, p["untaught_k"], Provision.SEN_SUPPORT, (1, "SLCN"), (1, "MLD"))
    session.commit()

    page = login(world.users["senco"]).page("/census")

    assert page.title.startswith("School census check")
    assert page.text("#count-pupils") == "4"
    assert page.text("#count-problems") == "2"  # Dale (E without a plan) and Ellis (two needs of rank 1)
    assert page.text("#count-without-ctf") == "2"
    problems = page.table("Pupils with a problem")
    assert [row[0] for row in problems] == ["Cara Dale", "Dev Ellis"]
    assert problems[1][4] == "The last imported CTF: 2 needs have rank 1"
    fine = page.table("Pupils with no problem")
    assert [row[0] for row in fine] == ["Ada Brook", "Ben Cole"]
    assert fine[0] == ["Ada Brook", "Year 4", "SEN support 1 SPLD", "SEN support 1 SPLD", "None"]
    assert fine[1][2:] == ["None recorded", "No CTF imported", "None"]
    assert not page.all("#fine-page") and not page.all(".govuk-pagination")  # one page holds them
    counts = dict((problem, count) for problem, count in page.table("Pupils with each problem"))
    assert counts == {words: "0" for words in FLAG_KINDS.values()} | {
        FLAG_KINDS["rank_repeated"]: "1",
        FLAG_KINDS["ehc_without_plan"]: "1",
    }
    assert page.pupil_links() == [p[key].public_id for key in ("untaught", "untaught_k", "taught", "taught_plain")]
    for key in ("sibling_ehc", "sibling_k", "foreign"):
        assert p[key].full_name not in page.text()


@pytest.fixture
def one_per_page(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUPILS_PER_PAGE", 1)


def test_the_pupils_with_no_problem_are_paged_below_every_pupil_with_one(world, session, login, one_per_page):
    """Cara Dale (E without a plan) has the only problem; the three others are a page each, in
    name order, and a page past the last is the last."""
    client = login(world.users["senco"])
    listed = {}
    for number in (1, 2, 3, 9):
        page = client.page(f"/census?page={number}")
        assert [row[0] for row in page.table("Pupils with a problem")] == ["Cara Dale"]
        listed[number] = [row[0] for row in page.table("Pupils with no problem")]
        assert page.text("#count-pupils") == "4" and page.text("#count-problems") == "1"
    assert listed == {1: ["Ada Brook"], 2: ["Ben Cole"], 3: ["Dev Ellis"], 9: ["Dev Ellis"]}
    page = client.page("/census?page=2")
    assert page.text("#fine-page") == "3 pupils with no problem, page 2 of 3"
    assert {"/census?page=1", "/census?page=3"} <= set(page.links(".govuk-pagination"))


def test_a_page_of_the_check_names_in_the_audit_trail_the_pupils_it_shows(world, session, login, one_per_page):
    login(world.users["senco"]).page("/census?page=2")
    (viewed,) = _events("census_check_viewed")
    assert viewed.details == {"rows": 2, "only_problems": False, "page": 2}
    named = sorted(e.pupil_id for e in _events("named_in_census_check"))
    assert named == sorted(world.pupils[key].id for key in ("untaught", "taught_plain"))


def test_every_pupil_with_a_problem_says_so_when_all_have_one(world, session, login):
    pupil = make_pupil(session, world.school, first="Fay", last="Gray")
    session.add(
        SenStatus(
            pupil_id=pupil.id, provision=Provision.EHC_PLAN, primary_need=NeedType.ASD, start_date=TODAY, reason="Plan"
        )
    )
    session.flush()
    for key in ("taught", "taught_plain", "untaught_k"):
        world.pupils[key].left_on, world.pupils[key].leaving_reason = TODAY, "Moved away"
    session.commit()
    page = login(world.users["senco"]).page("/census")
    assert [row[0] for row in page.table("Pupils with a problem")] == ["Cara Dale", "Fay Gray"]
    assert page.table("Pupils with no problem") == [["Every pupil on the roll has a problem."]]


def test_the_filter_shows_only_pupils_with_a_problem(world, session, batch, login):
    _mis(session, batch, world.pupils["untaught_k"], Provision.SEN_SUPPORT, (1, "SLCN"), (1, "MLD"))
    session.commit()

    page = login(world.users["head"]).page("/census?problems=1")

    assert [row[0] for row in page.table("Pupils with a problem")] == ["Cara Dale", "Dev Ellis"]
    assert "Pupils with no problem" not in page.texts("caption")
    assert page.one("#problems").has_attr("checked")
    assert page.text("#count-pupils") == "4"
    assert "/census.csv?problems=1" in page.links()


def test_the_filter_with_no_problem_says_so(world, session, login):
    _plan(session, world, world.pupils["untaught"])
    session.commit()
    page = login(world.users["senco"]).page("/census?problems=1")
    assert page.table("Pupils with a problem") == [["No pupil on the roll has a problem the census would reject."]]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_csv_has_the_pages_rows(world, session, batch, login):
    p = world.pupils
    _mis(session, batch, p["untaught_k"], Provision.SEN_SUPPORT, (1, "SLCN"), (1, "MLD"))
    session.commit()

    response = login(world.users["senco"]).get("/census.csv")

    table = _csv(response)
    assert table[0] == [
        "Surname",
        "Forename",
        "UPN",
        "Year group",
        "SEN Track provision",
        "SEN Track needs",
        "CTF provision",
        "CTF needs",
        "Problems",
    ]
    assert [row[0] for row in table[1:]] == ["Brook", "Cole", "Dale", "Ellis"]
    assert table[4] == [
        "Ellis",
        "Dev",
        p["untaught_k"].upn,
        "Year 4",
        "K",
        "1 SLCN",
        "K",
        "1 SLCN; 1 MLD",
        "The last imported CTF: 2 needs have rank 1",
    ]
    assert table[2][4:8] == ["", "", "", ""]
    assert 'filename="census-check-900001-2026-11-27.csv"' in response.headers["Content-Disposition"]
    filtered = _csv(login(world.users["senco"]).get("/census.csv?problems=1"))
    assert [row[0] for row in filtered[1:]] == ["Dale", "Ellis"]


def test_the_csv_never_writes_a_formula(world, session, login):
    make_pupil(session, world.school, first="@SUM(A1)", last='=HYPERLINK("http://example.org")')
    session.commit()
    table = _csv(login(world.users["senco"]).get("/census.csv"))
    (row,) = [row for row in table if "HYPERLINK" in row[0]]
    assert row[:2] == ['\'=HYPERLINK("http://example.org")', "'@SUM(A1)"]


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_page_and_the_csv_are_audited_with_each_pupil_named(world, session, login):
    client = login(world.users["senco"])
    client.page("/census?problems=1")
    (viewed,) = _events("census_check_viewed")
    assert (viewed.school_id, viewed.object_type, viewed.object_id) == (world.school.id, "school", str(world.school.id))
    assert viewed.details == {"rows": 1, "only_problems": True}
    assert [e.pupil_id for e in _events("named_in_census_check")] == [world.pupils["untaught"].id]

    client.get("/census.csv")
    (exported,) = _events("census_check_exported")
    assert exported.details == {"rows": 4, "only_problems": False, "format": "csv"}
    named = sorted(e.pupil_id for e in _events("named_in_census_export"))
    assert named == sorted(world.pupils[k].id for k in ("taught", "taught_plain", "untaught", "untaught_k"))


@pytest.mark.parametrize("role", ["teacher", "ta", "admin", "governor", "la"])
@pytest.mark.parametrize("path", ["/census", "/census.csv"])
def test_only_the_senco_and_head_see_the_check(world, login, role, path):
    assert login(world.users[role]).get(path).status_code == 403


def test_another_schools_senco_sees_their_own_roll(world, login):
    page = login(world.users["foreign_senco"]).page("/census")
    shown = page.table("Pupils with a problem") + page.table("Pupils with no problem")
    assert [row[0] for row in shown if len(row) > 1] == ["Gita Hale"]


def test_the_pupils_list_links_to_the_check_for_those_who_may_see_it(world, login, client, app):
    assert "/census" in login(world.users["senco"]).page("/pupils/").links()
    assert "/census" not in login(world.users["teacher"], app.test_client()).page("/pupils/").links()


# --- Queries ---------------------------------------------------------------------------------------


def _fill_roll(session, school_id: int, la_id: int, batch_id: int, first: int, count: int) -> None:
    """`count` more pupils on the roll, each with an SEN status, the MIS's SEN, and every third an
    EHC plan (ids only: counting the statements empties the session)."""
    pupils = [
        Pupil(
            school_id=school_id,
            upn=f"Q{n:012d}",
            first_name=f"Pupil{n}",
            last_name="Roll",
            date_of_birth=date(2016, 1, 1),
            year_group=5,
        )
        for n in range(first, first + count)
    ]
    session.add_all(pupils)
    session.flush()
    for n, pupil in enumerate(pupils):
        provision = Provision.EHC_PLAN if n % 3 == 0 else Provision.SEN_SUPPORT
        session.add(
            SenStatus(
                pupil_id=pupil.id,
                provision=provision,
                primary_need=NeedType.SLCN,
                start_date=date(2025, 9, 1),
                reason="Roll",
            )
        )
        session.add(
            MisSen(pupil_id=pupil.id, batch_id=batch_id, provision=provision, needs=[{"rank": 1, "type": "MLD"}])
        )
        if n % 3 == 0:
            session.add(
                EhcPlan(
                    pupil_id=pupil.id,
                    local_authority_id=la_id,
                    issued_on=date(2025, 12, 1),
                    named_setting="Oak Primary",
                    primary_need=NeedType.ASD,
                )
            )
    session.commit()


# The request's own (the signed-in session and the user's roles, the school), the check, the
# pupils shown (or written), and the audit's two inserts (the pupils named, the school's event);
# the page asks the account bar's count of unread notifications besides.
CENSUS_STATEMENTS = {"/census": 8, "/census?page=2": 8, "/census.csv": 7}


def test_the_page_and_csv_take_the_same_number_of_queries_whatever_the_roll(
    app, monkeypatch, world, session, batch, login
):
    monkeypatch.setitem(app.config, "KEEP_PAGES", False)  # what writing the page takes, every time
    client = login(world.users["senco"])
    ids = (world.school.id, world.la.id, batch.id)
    counts: dict[str, list[int]] = {"/census": [], "/census?page=2": [], "/census.csv": []}
    for first, more in ((0, 5), (5, 60)):
        _fill_roll(session, *ids, first, more)
        for path in counts:
            client.get(path)
            counts[path].append(statements(client, path))
    for path, (small, large) in counts.items():
        assert small == large, f"{path}: {small} statements, then {large}"
        assert large == CENSUS_STATEMENTS[path] <= MOST_STATEMENTS, f"{path}: {large} statements"
