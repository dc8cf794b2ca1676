"""Documents of EHC work through the test client, uploaded as a browser sends them (multipart):
real small files are kept, checked by their content; a file that is not what its name says, an
executable, an empty or oversize file, or a document for another school's pupil, is refused and
nothing is stored. Downloads are attachments, not sniffed, not cached, within scope, each audited."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import EhcDocument, NeedType, TimelineEvent
from sentrack.workflows import ehc_plans as flow
from sentrack.workflows.ehc_documents import safe_filename
from tests.helpers import audit_events, count
from tests.pages import Page

TODAY = date(2026, 11, 27)

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document><w:body/></w:document>')
    return buffer.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def plan(session, world):
    made = flow.add_plan(
        session,
        actor=world.users["senco"],
        pupil=world.pupils["untaught"],
        details=flow.PlanDetails(issued_on=date(2026, 3, 2), named_setting="Oak Primary", primary_need=NeedType.ASD),
        today=TODAY,
    )
    session.commit()
    return made


def _upload(client, url: str, content: bytes, filename: str, **changes):
    data = {"kind": "plan", "title": "Final EHC plan", "file": (io.BytesIO(content), filename)}
    data.update(changes)
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("content", "filename", "media_type"),
    [
        (PDF, "plan.pdf", "application/pdf"),
        (_docx(), "EP report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (_png(), "scan.PNG", "image/png"),
    ],
)
def test_a_real_file_is_kept_with_its_hash(client, world, login, session, plan, content, filename, media_type):
    login(world.users["senco"])
    assert 'enctype="multipart/form-data"' in client.page(f"/ehc/plans/{plan.id}/documents/new").html

    response = _upload(client, f"/ehc/plans/{plan.id}/documents/new", content, filename)

    assert response.status_code == 302 and response.headers["Location"] == f"/ehc/plans/{plan.id}"
    document = session.scalar(sa.select(EhcDocument))
    assert (document.filename, document.media_type, document.size) == (filename, media_type, len(content))
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.content == content
    assert (document.pupil_id, document.plan_id) == (plan.pupil_id, plan.id)
    assert count(session, TimelineEvent, TimelineEvent.title == "Document added") == 1
    assert len(audit_events(session, "ehc_document_added")) == 1
    page = client.page(f"/ehc/plans/{plan.id}")
    assert f"/ehc/documents/{document.id}" in page.links()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (_png(), "plan.pdf", "not what its name says: it is a PNG image, but its name ends .pdf"),
        (PDF, "plan.docx", "not what its name says"),
        (ELF, "plan.pdf", "this file is none of these"),
        (HTML, "report.docx", "this file is none of these"),
        (b"", "plan.pdf", "The file is empty"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(
    client, world, login, session, plan, content, filename, message
):
    login(world.users["senco"])

    page = Page(_upload(client, f"/ehc/plans/{plan.id}/documents/new", content, filename))

    assert message in (page.field_error("file") or ""), page.error_summary()
    assert count(session, EhcDocument) == 0
    assert audit_events(session, "ehc_document_added") == []


def test_no_file_chosen_is_refused_beside_the_field(client, world, login, session, plan):
    login(world.users["senco"])

    page = client.post_page(f"/ehc/plans/{plan.id}/documents/new", data={"kind": "plan", "title": "Plan"})

    assert "Choose the file to upload" in page.field_error("file")
    assert count(session, EhcDocument) == 0


def test_an_oversize_file_is_refused_beside_the_field(app, client, world, login, session, plan, monkeypatch):
    monkeypatch.setitem(app.config, "EHC_DOCUMENT_MAX_BYTES", 1000)
    login(world.users["senco"])

    page = Page(_upload(client, f"/ehc/plans/{plan.id}/documents/new", PDF + b"%" * 1000, "plan.pdf"))

    assert "The file must be 1 KB or smaller" in page.field_error("file")
    assert count(session, EhcDocument) == 0


def test_a_request_far_over_the_limit_gets_the_413_page(app, client, world, login, session, plan, monkeypatch):
    monkeypatch.setitem(app.config, "EHC_DOCUMENT_MAX_BYTES", 1000)
    login(world.users["senco"])

    response = _upload(client, f"/ehc/plans/{plan.id}/documents/new", PDF + b"%" * 200_000, "plan.pdf")

    assert response.status_code == 413
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert count(session, EhcDocument) == 0


def test_the_upload_page_takes_a_file_larger_than_other_forms_may_be(
    app, client, world, login, session, plan, monkeypatch
):
    """Other forms stop at MAX_CONTENT_LENGTH; the upload page at the document limit."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    login(world.users["senco"])

    response = _upload(client, f"/ehc/plans/{plan.id}/documents/new", PDF + b"%" * 5000, "plan.pdf")

    assert response.status_code == 302
    assert count(session, EhcDocument) == 1


def test_a_document_for_another_schools_pupil_is_404(client, world, login, session, plan):
    login(world.users["foreign_senco"])

    response = _upload(client, f"/ehc/plans/{plan.id}/documents/new", PDF, "plan.pdf")

    assert response.status_code == 404
    assert count(session, EhcDocument) == 0


# --- Downloads ---------------------------------------------------------------------------------------


@pytest.fixture
def document(client, world, login, session, plan):
    login(world.users["senco"])
    _upload(client, f"/ehc/plans/{plan.id}/documents/new", PDF, "Final plan (2026).pdf")
    return session.scalar(sa.select(EhcDocument))


def test_a_download_is_an_attachment_not_sniffed_not_cached_and_audited(client, world, login, session, document):
    login(world.users["head"])

    response = client.get(f"/ehc/documents/{document.id}")

    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Final plan _2026_.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    events = audit_events(session, "ehc_document_downloaded")
    assert [(e.user_id, e.pupil_id, e.object_id) for e in events] == [
        (world.users["head"].id, document.pupil_id, str(document.id))
    ]


def test_a_download_outside_scope_is_404_and_not_audited(client, world, login, session, document):
    for user in (world.users["teacher"], world.users["foreign_senco"], world.users["foreign_la"]):
        login(user)
        assert client.get(f"/ehc/documents/{document.id}").status_code == 404
    assert audit_events(session, "ehc_document_downloaded") == []


def test_the_teacher_of_the_pupils_class_downloads_it(client, world, login, session, plan):
    taught = world.pupils["taught"]  # in the teacher's class
    other = flow.add_plan(
        session,
        actor=world.users["senco"],
        pupil=taught,
        details=flow.PlanDetails(issued_on=date(2026, 3, 2), named_setting="Oak Primary", primary_need=NeedType.SPLD),
        today=TODAY,
    )
    session.commit()
    login(world.users["senco"])
    _upload(client, f"/ehc/plans/{other.id}/documents/new", PDF, "plan.pdf")
    found = session.scalar(sa.select(EhcDocument).where(EhcDocument.pupil_id == taught.id))
    login(world.users["teacher"])

    assert client.get(f"/ehc/documents/{found.id}").status_code == 200


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\plan.pdf", "plan.pdf"),
        ('a"b;c\r\n.pdf', "a_b_c__.pdf"),
        ("Zoë's plan.pdf", "Zoe_s plan.pdf"),
        ("", "document"),
    ],
)
def test_a_filename_is_made_safe(name, safe):
    assert safe_filename(name) == safe
