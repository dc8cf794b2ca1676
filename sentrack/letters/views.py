"""Letter template pages: the list of the school's letters and the page to change one's wording,
with a preview and the saved versions. Each view loads through `access` and the page queries,
calls one workflow operation through `operations`, and renders or redirects."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from sentrack import access, drafts, operations
from sentrack.access import Ability
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.letters import bp, queries
from sentrack.letters.forms import LetterTemplateForm
from sentrack.submissions import once
from sentrack.workflows import letter_templates as flow


@bp.route("/letter-templates")
@access.requires(Ability.EDIT_LETTER_TEMPLATES)
def templates():
    user = operations.signed_in_user()
    rows = queries.school_templates(db.session, user.school)
    return render_template("letters/templates.html", rows=rows)


@bp.route("/letter-templates/<kind>", methods=["GET", "POST"])
@drafts.keeps
@access.requires(Ability.EDIT_LETTER_TEMPLATES)
@once
def template(kind: str):
    user = operations.signed_in_user()
    page = operations.found_or_404(queries.template_page(db.session, user.school, kind))
    form = LetterTemplateForm.from_record(page.template)
    drafts.keep(form)
    preview = None
    if form.previewing:
        if form.validate_on_submit():
            shown = operations.run(
                form,
                flow.preview_template,
                details=form.to_details(),
                school=user.school,
                senco_name=user.full_name,
                today=today(),
            )
            preview = shown.value
    elif done := operations.submit(form, flow.save_template, template=page.template):
        flash(f"{page.kind.name}: the letter's wording is saved." if done.value else "Nothing was changed.", "success")
        return redirect(url_for("letters.templates"))
    return render_template(
        "letters/template.html",
        form=form,
        page=page,
        preview=preview,
        placeholders=flow.PLACEHOLDERS,
    )
