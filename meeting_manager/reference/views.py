"""Region schemes: the built-in ones, and custom ones an admin uploads."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ADMIN, allow
from ..errors import ValidationFailed
from ..extensions import db
from . import services
from .forms import SchemeUploadForm
from .models import RegionScheme

bp = Blueprint("reference", __name__, url_prefix="/reference")
# A region as a page names it: the built-in schemes' regions in the reader's language.
bp.add_app_template_global(services.region_label, "region_label")


@bp.route("/schemes", methods=["GET", "POST"])
@allow(ADMIN)
def schemes():
    """List region schemes and upload a custom one (all rows or none)."""
    form, problems, failed = SchemeUploadForm(), [], False
    if form.validate_on_submit():
        try:
            upload = form.file.data
            scheme = services.import_custom_scheme(form.name.data, upload.read(), actor=current_user,
                                                   filename=upload.filename)
        except ValidationFailed as error:
            db.session.rollback()
            flash(str(error.message), "error")
            problems, failed = error.problems, True
        else:
            db.session.commit()
            flash(_("Region scheme “%(name)s” imported.", name=scheme.name), "success")
            return redirect(url_for("reference.scheme", scheme_id=scheme.id))
    status = 422 if form.errors or failed else 200
    return render_template("reference/schemes.html", schemes=services.list_schemes(), form=form,
                           problems=problems), status


@bp.route("/schemes/<int:scheme_id>")
@allow(ADMIN)
def scheme(scheme_id: int):
    """Which region each country belongs to in a scheme."""
    scheme = db.get_or_404(RegionScheme, scheme_id)
    rows = sorted(((services.country_name(a.country_code), a.country_code, a.region) for a in scheme.assignments),
                  key=lambda r: (r[2], r[0]))
    return render_template("reference/scheme.html", scheme=scheme, rows=rows)
