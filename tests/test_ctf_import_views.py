"""The import pages: uploading a Common Transfer File, its preview as the administrator and the
SENCO see it, confirming once, setting aside, the SENCO's reconciling of SEN differences, and the
command line."""

from __future__ import annotations

import io
import json
import os
from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from sentrack import create_app, submissions
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import (
    AuditEvent,
    DifferenceStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    NeedType,
    Provision,
    Pupil,
    SenDifference,
    SenStatus,
)
from sentrack.workflows import imports
from sentrack.workflows.ctf_format import MAX_FILE_BYTES
from tests import factories
from tests.conftest import TODAY
from tests.ctf_samples import NOT_XML, ctf_xml, pupil_xml, sample_upn
from tests.helpers import own_postgresql_database
from tests.pages import Page
from tests.test_concurrent_edits import _at_once
from tests.test_ctf_import import OAK, _pupil_of

FILE_NAME = "8201234_CTF_9992001_001.xml"


@pytest.fixture
def schools(world, session):
    world.school.estab_number = "2001"
    world.sibling.estab_number = "2002"
    session.commit()
    return world


def upload(client, data: bytes, *, kind="ctf", name=FILE_NAME, **kwargs):
    return client.post(
        "/imports", data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kwargs
    )


def large_upload(client, token: str, data: bytes, kind: str, name: str):
    """An upload whose body is encoded in memory: the test client would spool one over 500 KB to a
    temporary file it never closes."""
    boundary = "sentrack-boundary"
    body = encode_multipart(
        {"kind": kind, submissions.FIELD: token, "file": FileStorage(io.BytesIO(data), filename=name)},
        boundary=boundary,
    )[1]
    return client.post("/imports", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def sen_file(world) -> bytes:
    """A file in which the SEN of Ada (K, SPLD) is an EHC plan for ASD, and one pupil is new."""
    ada = world.pupils["taught"]
    return ctf_xml(
        _pupil_of(ada, sen=(("2026-10-01", "E"),), needs=((1, "ASD"),)),
        pupil_xml(upn=sample_upn(1201), surname="NEWTON", forename="ISLA", dob="2017-02-01", year="4"),
        dest=OAK,
    )


def test_an_upload_is_previewed_and_confirming_applies_it(client, schools, login, session):
    login(schools.users["admin"])
    page = client.page("/imports")
    assert page.table("Recent imports") == [["No file has been imported yet."]]
    assert {"/imports/templates/pupils.csv", "/imports/templates/classes.csv"} <= set(page.links())

    response = upload(client, sen_file(schools))

    assert response.status_code == 302
    batch = session.scalar(sa.select(ImportBatch))
    assert response.headers["Location"] == f"/imports/{batch.id}"
    preview = client.page(f"/imports/{batch.id}")
    assert preview.summary()["New"] == "1" and preview.summary()["Unchanged"] == "1"
    assert preview.table("New (1)")[0][:3] == ["2", "ISLA NEWTON", "Not matched: new to the school"]
    assert session.scalar(sa.select(Pupil).where(Pupil.upn == sample_upn(1201))) is None

    answer = Page(client.post(f"/imports/{batch.id}/confirm", follow_redirects=True))

    assert "Import applied" in " ".join(answer.flashes())
    assert session.scalar(sa.select(Pupil).where(Pupil.upn == sample_upn(1201))) is not None
    assert session.get(ImportBatch, batch.id).status is ImportStatus.APPLIED
    listed = client.page("/imports").table("Recent imports")
    assert listed[0][0] == FILE_NAME and listed[0][4] == "Applied"


def test_an_administrator_sees_how_many_sen_differences_but_never_what(client, schools, login, session):
    login(schools.users["admin"])
    upload(client, sen_file(schools))
    batch = session.scalar(sa.select(ImportBatch))

    page = client.page(f"/imports/{batch.id}")

    assert page.summary()["SEN histories that differ from the school's"] == "1"
    assert "EHC plan" not in page.html and "ASD" not in page.html and "SPLD" not in page.html
    named = session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "named_in_import_preview", AuditEvent.object_id == str(batch.id)
        )
    )
    assert named.pupil_id == schools.pupils["taught"].id and named.user_id == schools.users["admin"].id


def test_the_senco_sees_what_differs_in_the_preview(client, schools, login, session):
    login(schools.users["senco"])
    upload(client, sen_file(schools))
    batch = session.scalar(sa.select(ImportBatch))

    page = client.page(f"/imports/{batch.id}")

    assert "SEN in the file differs from the school's record: EHC plan (ASD) from 1 October 2026" in page.text()


def test_the_senco_accepts_or_keeps_each_difference(client, schools, login, session):
    login(schools.users["senco"])
    upload(client, sen_file(schools))
    batch = session.scalar(sa.select(ImportBatch))
    client.post(f"/imports/{batch.id}/confirm")
    difference = session.scalar(sa.select(SenDifference))

    page = client.page("/imports/sen-differences")
    assert page.table("Waiting for a decision")[0][:4] == [
        "Ada Brook",
        "SEN support (SPLD) from 10 September 2025",
        "EHC plan (ASD) from 1 October 2026",
        "27 November 2026",
    ]

    answer = Page(client.post(f"/imports/sen-differences/{difference.id}/accept", follow_redirects=True))

    assert "SEN status was taken from the file" in " ".join(answer.flashes())
    session.expire_all()
    status = session.scalar(
        sa.select(SenStatus).where(SenStatus.pupil_id == difference.pupil_id, SenStatus.end_date.is_(None))
    )
    assert (status.provision, status.primary_need) == (Provision.EHC_PLAN, NeedType.ASD)
    assert answer.table("Waiting for a decision") == [["No imported SEN history differs from the school's records."]]
    again = Page(client.post(f"/imports/sen-differences/{difference.id}/keep", follow_redirects=True))
    assert "already accepted" in " ".join(again.flashes())
    assert session.get(SenDifference, difference.id).status is DifferenceStatus.ACCEPTED


def test_a_bad_file_is_refused_beside_the_file_field_and_nothing_is_stored(client, schools, login, session):
    login(schools.users["admin"])
    for data, name, words in (
        (NOT_XML, "pupils.xml", "pupils.xml"),
        (ctf_xml(pupil_xml(), dest=("999", "2002", None)), "ash.xml", "another school"),
        (ctf_xml(pupil_xml(), dest=("555", "1111", "111111")), "nowhere.xml", "not for a school in SEN Track"),
        (b"", "empty.xml", "empty.xml is empty"),
    ):
        response = upload(client, data, name=name)
        page = Page(response)
        assert response.status_code == 200
        assert words in (page.field_error("file") or ""), (name, page.field_error("file"))
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_a_file_over_the_size_limit_is_refused_naming_it_and_the_limit_is_said_before(client, schools, login, session):
    """Issue 16, bad input: a file over the size limit gets a message naming the file, and nothing
    is stored; one so large that its request is refused unread gets the page for what is too
    large, with the limit the upload page said beside the field."""
    login(schools.users["admin"])
    page = client.page("/imports")
    assert page.text("#file-hint") == "At most 20 MB for a Common Transfer File, 2 MB for a CSV"

    token = page.submission_token()
    just_over = large_upload(client, token, b"<" * (MAX_FILE_BYTES + 1), "ctf", "huge.xml")
    assert just_over.status_code == 200
    assert Page(just_over).field_error("file") == "huge.xml is larger than 20 MB"
    csv_over = large_upload(client, token, b"a" * (2 * 1024 * 1024 + 1), "pupils_csv", "roll.csv")
    assert "roll.csv is larger than 2 MB" in Page(csv_over).field_error("file")
    far_over = large_upload(client, token, b"<" * (MAX_FILE_BYTES + 1024 * 1024), "ctf", "huge.xml")
    assert far_over.status_code == 413
    assert Page(far_over, status=413).text("h1") == "What you sent is too large"
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_another_schools_import_is_not_found(client, schools, login, session):
    batch = imports.preview(
        session,
        actor=schools.users["foreign_senco"],
        school=schools.foreign,
        kind=ImportKind.CTF,
        file_name="far.xml",
        data=ctf_xml(pupil_xml(), dest=("998", None, "900003")),
        today=TODAY,
    )
    session.commit()
    login(schools.users["senco"])

    assert client.get(f"/imports/{batch.id}").status_code == 404
    assert client.post(f"/imports/{batch.id}/confirm").status_code == 404
    assert session.get(ImportBatch, batch.id).status is ImportStatus.PREVIEW


def test_a_double_click_on_confirm_applies_once(client, schools, login, session):
    login(schools.users["admin"])
    upload(client, ctf_xml(pupil_xml(upn=sample_upn(1301)), dest=OAK))
    batch = session.scalar(sa.select(ImportBatch))

    first = client.post(f"/imports/{batch.id}/confirm")
    second = Page(client.post(f"/imports/{batch.id}/confirm", follow_redirects=True))

    assert first.status_code == 302
    assert "already been applied" in " ".join(second.flashes())
    assert session.scalar(sa.select(sa.func.count()).select_from(Pupil).where(Pupil.upn == sample_upn(1301))) == 1
    applied = session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "import_applied")
    )
    assert applied == 1


def test_an_upload_sent_twice_is_previewed_once(client, schools, login, session):
    login(schools.users["admin"])
    token = client.page("/imports").submission_token()
    data = ctf_xml(pupil_xml(upn=sample_upn(1303)), dest=OAK)

    first = _upload_with(client, data, token)
    second = _upload_with(client, data, token)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 1


def _upload_with(client, data: bytes, token: str):
    posted = {"kind": "ctf", "file": (io.BytesIO(data), FILE_NAME), submissions.FIELD: token}
    return client.post("/imports", data=posted, content_type="multipart/form-data")


def test_setting_a_preview_aside_applies_nothing(client, schools, login, session):
    login(schools.users["admin"])
    upload(client, ctf_xml(pupil_xml(upn=sample_upn(1302)), dest=OAK))
    batch = session.scalar(sa.select(ImportBatch))

    client.post(f"/imports/{batch.id}/discard")

    assert session.get(ImportBatch, batch.id).status is ImportStatus.DISCARDED
    assert session.scalar(sa.select(Pupil).where(Pupil.upn == sample_upn(1302))) is None
    refused = Page(client.post(f"/imports/{batch.id}/confirm", follow_redirects=True))
    assert "set aside" in " ".join(refused.flashes())


# --- The command line ---------------------------------------------------------------------------------


def test_the_command_prints_the_preview_counts_and_changes_nothing(app, schools, session, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(ctf_xml(pupil_xml(upn=sample_upn(1401)), _pupil_of(schools.pupils["taught_plain"]), dest=OAK))

    result = app.test_cli_runner().invoke(args=["import-ctf", str(path), "--json"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert {k: counts[k] for k in ("new", "changed", "unchanged", "errors")} == {
        "new": 1,
        "changed": 0,
        "unchanged": 1,
        "errors": 0,
    }
    assert counts["applied"] is False
    session.expire_all()
    assert session.scalar(sa.select(Pupil).where(Pupil.upn == sample_upn(1401))) is None
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_the_command_applies_with_confirm_as_the_scheduled_import(app, schools, session, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(ctf_xml(pupil_xml(upn=sample_upn(1402)), dest=OAK))

    result = app.test_cli_runner().invoke(args=["import-ctf", str(path), "--json", "--confirm"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["new"] == 1
    session.expire_all()
    pupil = session.scalar(sa.select(Pupil).where(Pupil.upn == sample_upn(1402)))
    assert pupil is not None and pupil.school_id == schools.school.id
    added = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.pupil_id == pupil.id, AuditEvent.action == "pupil_added")
    )
    assert added.user_id is None and added.actor_name == "The scheduled import"
    again = app.test_cli_runner().invoke(args=["import-ctf", str(path), "--json", "--confirm"])
    assert json.loads(again.output)["unchanged"] == 1


def test_the_recent_imports_name_who_uploaded_each_and_count_its_rows(app, client, schools, login, tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(ctf_xml(pupil_xml(upn=sample_upn(1403)), dest=OAK))
    assert app.test_cli_runner().invoke(args=["import-ctf", str(path), "--json", "--confirm"]).exit_code == 0
    admin = schools.users["admin"]
    login(admin)
    upload(client, sen_file(schools), name="8201234_CTF_9992001_002.xml")

    listed = client.page("/imports").table("Recent imports")

    assert [row[:3] for row in listed] == [
        ["8201234_CTF_9992001_002.xml", ImportKind.CTF.label, admin.full_name],
        [FILE_NAME, ImportKind.CTF.label, "The scheduled import"],
    ]
    assert [row[4:] for row in listed] == [
        [ImportStatus.PREVIEW.label, "1 new, 0 changed, 1 unchanged, 0 in error"],
        [ImportStatus.APPLIED.label, "1 new, 0 changed, 0 unchanged, 0 in error"],
    ]


def test_the_command_refuses_a_file_with_the_reason(app, schools, tmp_path):
    path = tmp_path / "elsewhere.xml"
    path.write_bytes(ctf_xml(pupil_xml(), dest=("555", "1111", "111111")))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(NOT_XML)

    for file, words in ((path, "not for a school in SEN Track"), (bad, "bad.xml")):
        result = app.test_cli_runner().invoke(args=["import-ctf", str(file), "--json"])
        assert result.exit_code != 0 and words in result.output


@pytest.fixture
def separate_app(tmp_path):
    """An app with a database of its own, outside the test transaction, which threads reach
    through their own connections: a SQLite file, or PostgreSQL when the suite runs on it."""
    with ExitStack() as stack:
        url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
        if url:
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            url = stack.enter_context(own_postgresql_database(url, f"sentrack_imports_{os.getpid()}"))
        else:
            url = f"sqlite:///{tmp_path / 'imports.sqlite'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TODAY": TODAY})
        with app.app_context():
            upgrade()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@pytest.mark.no_transaction
def test_two_colleagues_confirming_at_the_same_moment_apply_it_once(separate_app):
    own_app = separate_app
    with own_app.app_context():
        world = factories.build_world(db.session)
        world.school.estab_number = "2001"
        batch = imports.preview(
            db.session,
            actor=world.users["admin"],
            school=world.school,
            kind=ImportKind.CTF,
            file_name=FILE_NAME,
            data=ctf_xml(*(pupil_xml(upn=sample_upn(1600 + n)) for n in range(20)), dest=OAK),
            today=TODAY,
        )
        db.session.commit()
        batch_id, clients = batch.id, []
        for user in (world.users["admin"], world.users["senco"]):
            token = start_session(db.session, user, remote_addr="127.0.0.1", user_agent="pytest")
            db.session.commit()
            client = own_app.test_client()
            with client.session_transaction() as cookie:
                cookie["_user_id"], cookie["_fresh"] = token, True
            clients.append(client)
        db.session.remove()

    responses = _at_once(clients, lambda n, c: c.post(f"/imports/{batch_id}/confirm"))

    assert [r.status_code for r in responses] == [302, 302]
    with own_app.app_context():
        added = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Pupil)
            .where(Pupil.upn.in_([sample_upn(1600 + n) for n in range(20)]))
        )
        applied = db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "import_applied")
        )
        assert (added, applied) == (20, 1)
        db.session.remove()
    flashed = []
    for client in clients:
        with client.session_transaction() as cookie:
            flashed += [message for _, message in cookie.get("_flashes", [])]
    assert sorted(message.split(":")[0] for message in flashed) == [
        "Import applied",
        "This import has already been applied",
    ]


def test_an_administrator_is_not_told_what_makes_a_pupils_sen_history_unreadable(client, schools, login, session):
    data = ctf_xml(pupil_xml(upn=sample_upn(1701), sen=(("2024-09-10", "E"),), needs=((1, "XYZ"),)), dest=OAK)
    login(schools.users["admin"])
    upload(client, data)
    batch = session.scalar(sa.select(ImportBatch))

    admin_page = client.page(f"/imports/{batch.id}")
    login(schools.users["senco"])
    senco_page = client.page(f"/imports/{batch.id}")

    assert "XYZ" not in admin_page.html and "the SENCO sees why" in admin_page.text()
    assert "XYZ" in senco_page.text()
