"""Forms of the import pages: the upload (what kind of file, and the file), and the buttons that
confirm or set aside a preview and decide on an SEN difference (their CSRF token only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, SubmitField
from wtforms.validators import StopValidation

from sentrack.forms import Offered, Required
from sentrack.models import ImportKind
from sentrack.workflows.csv_rows import MAX_BYTES as MAX_CSV_BYTES
from sentrack.workflows.ctf_format import MAX_FILE_BYTES
from sentrack.workflows.ehc_documents import safe_filename
from sentrack.workflows.imports import Upload


class ChosenFile:
    """The file field holds an uploaded file with a name, no larger than the largest file taken:
    a larger one is refused beside the field before it is read."""

    def __call__(self, form, field) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise StopValidation("Choose the file to import")
        if upload.content_length and upload.content_length > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            raise StopValidation(f"{safe_filename(upload.filename)} is larger than {limit} MB")


class UploadForm(FlaskForm):
    """The file's name is kept and shown only as a safe one: no folder, no control characters."""

    kind = RadioField(
        "What is in the file?",
        choices=[(kind.value, kind.label) for kind in ImportKind],
        validate_choice=False,
        validators=[Required("Choose what is in the file"), Offered("Choose what is in the file")],
        widget=GovRadioInput(),
    )
    file = FileField("File", widget=GovFileInput(), validators=[ChosenFile()])
    # Said before the upload: a request far over the limit is refused before its file is read, by
    # the page for what is too large, which cannot name the file.
    file_hint = (
        f"At most {MAX_FILE_BYTES // (1024 * 1024)} MB for a Common Transfer File, "
        f"{MAX_CSV_BYTES // (1024 * 1024)} MB for a CSV"
    )
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())

    def to_details(self) -> Upload:
        upload: FileStorage = self.file.data
        return Upload(
            kind=ImportKind(self.kind.data),
            file_name=safe_filename(upload.filename or ""),
            data=upload.stream.read(MAX_FILE_BYTES + 1),
        )


class ButtonForm(FlaskForm):
    """A button's form: its CSRF token, nothing else."""
