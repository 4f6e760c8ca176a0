"""Imports for career staff: upload a CSV, see what it would change, then import it; and
the header-only template of each kind. Routes on the outcomes blueprint (``views.bp``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import FileField, HiddenField, SelectField
from wtforms.validators import DataRequired

from marketplace.blueprints.outcomes import exports, import_preview, imports
from marketplace.blueprints.outcomes.views import bp
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.policies import Role, role_required


class ImportForm(Form):
    kind = SelectField("What the file holds", choices=list(imports.KINDS.items()))
    file = FileField("CSV file", description="UTF-8, at most 2 MB, with a header line.")


def _import_page(form: ImportForm, status: int = 200, **context):
    return render_template("outcomes/import.html", form=form, columns=imports.COLUMNS,
                           kinds=imports.KINDS, aliases=imports.ALIASES,
                           staff_outcomes=imports.STAFF_OUTCOMES,
                           confirm_form=ConfirmImportForm(), **context), status


@bp.route("/staff/outcomes/import", methods=["GET", "POST"])
@role_required(Role.STAFF)
def import_outcomes_csv():
    """Upload and preview: the whole import runs in a savepoint that is rolled back, and
    the file waits in the store for "Import" (``confirm_outcomes_import``)."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422 if request.method == "POST" else 200)
    upload = request.files.get("file")
    data = upload.read(imports.MAX_BYTES + 1) if upload else b""
    try:
        result = import_preview.preview_csv(form.kind.data, data, current_user)
        token = import_preview.keep_upload(form.kind.data, data, current_user)
    except imports.ImportRefused as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return _import_page(form, 422, result=refused.result)
    except DomainError as error:
        show_domain_error(form, error)
        return _import_page(form, 422)
    return _import_page(form, preview=result, token=token,
                        filename=(upload.filename or "")[:120] if upload else "")


class ConfirmImportForm(Form):
    token = HiddenField(validators=[DataRequired()])


@bp.route("/staff/outcomes/import/confirm", methods=["POST"])
@role_required(Role.STAFF)
def confirm_outcomes_import():
    """Import a previewed file: only its uploader may, within the hour. The file is
    deleted once the rows are committed."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400, description="This preview could not be found. Upload the file again.")
    try:
        upload = import_preview.upload_for(form.token.data, current_user)
        result = imports.import_csv(upload.kind, import_preview.read_upload(upload),
                                    current_user)
        db.session.commit()
    except imports.ImportRefused as refused:
        # The records changed since the preview: say which rows, write nothing.
        db.session.rollback()
        flash(refused.message, "error")
        return _import_page(ImportForm(kind=upload.kind), 422, result=refused.result)
    except import_preview.NotYourUpload as error:
        db.session.rollback()
        flash(error.message, "error")
        return _import_page(ImportForm(), 403)
    except DomainError as error:
        show_domain_error(None, error)
        return redirect(url_for("outcomes.import_outcomes_csv"))
    import_preview.discard_upload(upload)
    flash(f"Imported {result.rows} rows: {result.created} new, {result.updated} "
          f"updated, {result.unchanged} unchanged.", "success")
    return redirect(url_for("outcomes.import_outcomes_csv"))


IMPORT_TEMPLATE_NAMES = {"roster": "student-roster", "evidence": "outcome-evidence",
                         "destinations": "first-destinations"}


@bp.route("/staff/outcomes/import/template/<kind>.csv")
@role_required(Role.STAFF)
def download_import_template(kind: str):
    """The first line an import of ``kind`` reads, as a CSV to fill in (UTF-8 with BOM,
    like the other downloads, so Excel opens it as UTF-8)."""
    if kind not in imports.KINDS:
        abort(404)
    return exports.rows_csv([imports.COLUMNS[kind]]), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition":
            f'attachment; filename="{IMPORT_TEMPLATE_NAMES[kind]}-template.csv"'}
