"""Registration pages: applying (open or by invitation), the participant's own registrations, the organiser's view
of one registration, and the meeting's custom questions."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ORGANISER, PUBLIC, SIGNED_IN, allow
from ..accounts.services import send_sign_in_link
from ..accounts.web import sign_in_as
from ..captcha import services as captcha
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..i18n_text import offered_languages
from ..invitations import services as invitations
from ..meetings.loaders import meeting_or_404, of_meeting_or_404
from ..meetings.services import to_local
from ..reference.services import country_name
from ..widgets import choices_of
from . import documents, questions, services
from .forms import (
    KIND_CHOICES,
    CancelForm,
    QuestionForm,
    TravelForm,
    VisaAddressForm,
    gender_label,
    language_label,
    registration_form,
    relation_label,
)
from .models import Question, Registration, RegistrationStatus

bp = Blueprint("registration", __name__)


@bp.app_context_processor
def inject_helpers():
    """Label helpers for the registration templates."""
    return {"status_label": services.status_label, "gender_label": gender_label, "relation_label": relation_label,
            "language_label": language_label}


def _signed_in():
    """The signed-in user itself (not the proxy, which services and hooks might keep), or None."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _pdf_response(pdf: bytes, filename: str) -> Response:
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


# --- applying -----------------------------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/apply", methods=["GET", "POST"])
@allow(PUBLIC)
def apply(meeting_id: int):
    """Apply to a meeting with open registration, without an invitation: limited per network address and per
    email address, with a CAPTCHA when the address's rate or the meeting asks for one."""
    meeting = meeting_or_404(meeting_id, published=True)
    if problem := services.registration_window_problem(meeting):
        return render_template("registration/unavailable.html", meeting=meeting, message=problem), 403
    if mine := _registered_already(meeting):
        return mine
    form = registration_form(meeting, services.list_questions(meeting),
                             data={"email": current_user.email} if _signed_in() else None)
    address = request.remote_addr or ""
    needs_check = services.needs_captcha(meeting, address)  # counted before this form: the n-th form is free
    if request.method == "POST":
        if wait := services.apply_wait(address, form.email.data if "email" in form else None):
            return render_template("registration/too_many.html", meeting=meeting, wait=wait), 429, {
                "Retry-After": str(wait)}
        services.count_application(address)
        db.session.commit()
    if form.validate_on_submit():
        if not needs_check or captcha.check(request.form.get("captcha_token", ""),
                                            request.form.get("captcha_answer", "")):
            services.count_application(None, form.email.data)
            return _submit(meeting, form)
        db.session.commit()  # the challenge is used up
        return _form_page(meeting, form, captcha_problem=_("The digits do not match. Please try these new ones."))
    return _form_page(meeting, form, captcha_token=captcha.new_challenge() if needs_check else None)


@bp.route("/i/<token>/register", methods=["GET", "POST"])
@allow(PUBLIC)
def register_invited(token: str):
    """Register from a personal invitation link; the form starts from what the invitation knows."""
    try:
        invitation = invitations.get_valid_invitation(token)
    except invitations.InvitationInvalid as error:
        return render_template(["invitations/invalid.html", "registration/invitation_invalid.html"],
                               message=error.message, error=error), 404
    meeting = invitation.meeting
    if invitation.is_focal_point:  # a focal point accepts on the landing page and nominates the members
        return redirect(url_for("invitations.landing", token=token))
    if problem := services.registration_window_problem(meeting, invited=True):
        return render_template("registration/unavailable.html", meeting=meeting, message=problem), 403
    invitations.mark_opened(invitation)
    db.session.commit()
    if mine := _registered_already(meeting):
        return mine
    remove = [*(["email"] if invitation.lock_email else []), *(["category_id"] if invitation.category_id else [])]
    form = registration_form(meeting, services.list_questions(meeting), remove=remove,
                             data=_invitation_prefill(invitation))
    if form.validate_on_submit():
        return _submit(meeting, form, invitation=invitation)
    return _form_page(meeting, form, invitation=invitation)


def _registered_already(meeting):
    """A signed-in participant who has a registration for this meeting goes to it rather than to a new form."""
    if _signed_in() and (mine := services.find_registration_of(meeting, current_user)):
        flash(_("You are registered for this meeting already."), "info")
        return redirect(url_for("registration.show", registration_id=mine.id))
    return None


def _invitation_prefill(invitation) -> dict:
    return {"email": invitation.email, "given_name": invitation.given_name, "family_name": invitation.family_name,
            "organisation": invitation.organisation, "residence_country": invitation.country_code or "",
            "category_id": invitation.category_id}


def _form_page(meeting, form, *, invitation=None, problems=(), status=200, captcha_token=None,
               captcha_problem=None):
    if request.method == "POST" and status == 200:
        status = 422
    if captcha_problem and captcha_token is None:
        captcha_token = captcha.new_challenge()
    if captcha_token:
        db.session.commit()  # the challenge must exist when the browser asks for its picture
    return render_template("registration/apply.html", meeting=meeting, form=form, invitation=invitation,
                           problems=problems, fixed=_fixed_from_invitation(invitation, form),
                           captcha_token=captcha_token, captcha_problem=captcha_problem), status


def _fixed_from_invitation(invitation, form) -> list[tuple[str, str]]:
    """What the invitation settles, shown as text rather than as fields."""
    if invitation is None:
        return []
    fixed = [] if "email" in form else [(_("Email"), invitation.email)]
    if "category_id" not in form and invitation.category:
        fixed.append((_("Category"), invitation.category.label))
    if invitation.delegation:
        fixed.append((_("Delegation"), invitation.delegation.name))
    return fixed


def _submit(meeting, form, *, invitation=None):
    """Register, link the account where the address is proven, sign in where that is safe, send the person on.

    The page answers alike whether or not the address was registered already: only its owner learns more, from
    the sign-in link mailed to it.
    """
    data = form.registration_data() | {"locale": str(get_locale() or "en")}
    if invitation is not None:
        data.update({k: v for k, v in (("email", invitation.email), ("category_id", invitation.category_id))
                     if k not in form})
    try:
        done = services.register(meeting, data, invitation=invitation, signed_in=_signed_in())
    except services.AlreadySubmitted as done:
        return _already_submitted(done.registration)
    except services.DuplicateRegistration as error:
        db.session.rollback()
        # its owner (perhaps not the person typing) gets a way in
        send_sign_in_link(data["email"], language=data["locale"])
        db.session.commit()
        if invitation is None:
            return _received(meeting)
        # The invitation was sent to that address: its holder may learn that it is registered.
        message = _("%(problem)s A sign-in link is on its way to that address, so that its owner can see or "
                    "change the registration.", problem=error.message)
        return _form_page(meeting, form, invitation=invitation, problems=[message], status=409)
    except ValidationFailed as error:
        return _form_page(meeting, form, invitation=invitation, problems=error.problems or [error.message])
    db.session.commit()
    if done.sign_in_now:
        sign_in_as(done.user)
    if done.user is not None and done.user == _signed_in():
        flash(_("Thank you: your registration is received. The organisers will review it and write to you."),
              "success")
        return _after_submit(done.registration)
    return _received(meeting)


def _received(meeting):
    flash(_("Thank you: your registration is received. We sent a link to the address you gave: open it to "
            "confirm the address and see your registration. The organisers will review it and write to you."),
          "success")
    return redirect(url_for("registration.received", meeting_id=meeting.id), 303)


def _already_submitted(registration):
    flash(_("This form was sent already; your registration is received."), "info")
    return _after_submit(registration)


def _after_submit(registration):
    if _signed_in() and registration.user_id == current_user.id:
        return redirect(url_for("registration.show", registration_id=registration.id), 303)
    return redirect(url_for("registration.received", meeting_id=registration.meeting_id), 303)


@bp.route("/meetings/<int:meeting_id>/registered")
@allow(PUBLIC)
def received(meeting_id: int):
    """Thanks, for someone who is not signed in: the rest comes by email."""
    meeting = meeting_or_404(meeting_id, published=True)
    return render_template("registration/received.html", meeting=meeting)


# --- the participant's own registrations --------------------------------------------------------------------------


def _own(registration_id: int) -> Registration:
    """The signed-in participant's own registration; anyone else's is 'not found' (it reveals nothing)."""
    registration = db.get_or_404(Registration, registration_id)
    if registration.user_id is None or registration.user_id != current_user.id:
        abort(404)
    return registration


@bp.route("/my/registrations")
@allow(SIGNED_IN)
def mine():
    """The meetings I registered for, with the status of each."""
    return render_template("registration/mine.html", registrations=services.list_registrations_of(current_user))


@bp.route("/my/registrations/<int:registration_id>")
@allow(SIGNED_IN)
def show(registration_id: int):
    """My registration: status and history, and what I can do now."""
    registration = _own(registration_id)
    return render_template("registration/show.html", registration=registration,
                           can_edit=services.can_edit(registration),
                           deadline=services.edit_deadline_for(registration.meeting),
                           answers=services.answers_for([registration])[registration.id])


@bp.route("/my/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@allow(SIGNED_IN)
def edit(registration_id: int):
    """Change my details until the meeting's edit deadline."""
    registration = _own(registration_id)
    if not services.can_edit(registration):
        flash(_("This registration can no longer be changed here. Please write to the organisers."), "error")
        return redirect(url_for("registration.show", registration_id=registration.id))
    meeting = registration.meeting
    form = registration_form(meeting, services.list_questions(meeting), remove=_edit_removes(registration),
                             visa_on_file=registration.visa_request is not None, data=_edit_prefill(registration))
    if form.validate_on_submit():
        try:
            changed = services.update_registration(registration, form.registration_data(), actor=_signed_in())
        except ValidationFailed as error:
            return _edit_page(registration, form, problems=error.problems or [error.message])
        db.session.commit()
        flash(_("Your changes are saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("registration.show", registration_id=registration.id), 303)
    return _edit_page(registration, form)


def _edit_removes(registration) -> list[str]:
    return ["submission_key", "data_consent", *services.locked_fields(registration)]


def _edit_prefill(registration) -> dict:
    """What the edit form starts with. Passport data is never written back into a page."""
    data = {name: getattr(registration, name) for name in (
        "given_name", "family_name", "badge_name", "latin_name", "passport_name", "nationality", "residence_country",
        "organisation",
        "organisation_country", "position", "category_id", "dietary", "accessibility", "interpretation_language",
        "public_listing_consent")}
    data.update(gender=registration.gender.value, relation=registration.relation.value,
                name_order=getattr(registration.name_order, "value", registration.name_order),
                visa_letter=registration.visa_request is not None)
    stored = services.answer_values(registration)
    data.update({f"q_{q.id}": questions.form_value(q, stored[q.id])
                 for q in services.list_questions(registration.meeting) if q.id in stored})
    return data


def _edit_page(registration, form, problems=()):
    status = 422 if request.method == "POST" else 200
    return render_template("registration/edit.html", registration=registration, meeting=registration.meeting,
                           form=form, problems=problems, locked=services.locked_fields(registration),
                           fixed=_fixed_on_edit(registration)), status


def _fixed_on_edit(registration) -> list[tuple[str, str]]:
    """What the participant can no longer change here, shown as text."""
    fixed = [(_("Email"), registration.email)]
    if "gender" in services.locked_fields(registration):
        fixed += [(_("Gender"), gender_label(registration.gender)),
                  (_("Category"), registration.category.label if registration.category else "—"),
                  (_("Country of residence"), country_name(registration.residence_country)),
                  (_("Organisation's country"),
                   country_name(registration.organisation_country or registration.residence_country))]
    if registration.delegation:
        fixed.append((_("Delegation"), registration.delegation.name))
    return fixed


@bp.route("/my/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@allow(SIGNED_IN)
def cancel(registration_id: int):
    """Cancel my registration, after confirming."""
    registration = _own(registration_id)
    if not services.can_change(registration, RegistrationStatus.cancelled):
        flash(_("This registration is %(status)s already.", status=services.status_label(registration.status)), "info")
        return redirect(url_for("registration.show", registration_id=registration.id))
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel_registration(registration, actor=_signed_in())
        db.session.commit()
        flash(_("Your registration is cancelled."), "success")
        return redirect(url_for("registration.show", registration_id=registration.id), 303)
    return render_template("registration/cancel.html", registration=registration, form=form)


@bp.route("/my/registrations/<int:registration_id>/travel", methods=["GET", "POST"])
@allow(SIGNED_IN)
def travel(registration_id: int):
    """My arrival and departure, flight and hotel (once approved), in the meeting's time zone."""
    registration = _own(registration_id)
    if registration.status != RegistrationStatus.approved:
        flash(_("Travel details can be given once the registration is approved."), "info")
        return redirect(url_for("registration.show", registration_id=registration.id))
    form = TravelForm(data=_travel_prefill(registration))
    if form.validate_on_submit():
        try:
            services.save_travel_details(registration, form.data, actor=_signed_in())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Your travel details are saved."), "success")
            return redirect(url_for("registration.show", registration_id=registration.id), 303)
    return render_template("registration/travel.html", registration=registration, form=form)


def _travel_prefill(registration) -> dict | None:
    travel, tz = registration.travel, registration.meeting.timezone
    if travel is None:
        return None
    return {"arrival_at": to_local(travel.arrival_at, tz), "departure_at": to_local(travel.departure_at, tz),
            "flight": travel.flight, "hotel": travel.hotel}


@bp.route("/my/registrations/<int:registration_id>/visa-letter.pdf")
@allow(SIGNED_IN)
def visa_letter(registration_id: int):
    """My visa invitation letter (PDF), once approved, if I asked for one."""
    registration = _own(registration_id)
    if registration.status != RegistrationStatus.approved or registration.visa_request is None:
        abort(404)
    pdf = documents.render_visa_letter(registration)
    services.record_document(registration, "visa_letter", actor=_signed_in())
    db.session.commit()
    return _pdf_response(pdf, f"visa-letter-{registration.id}.pdf")


@bp.route("/my/registrations/<int:registration_id>/e-ticket.pdf")
@allow(SIGNED_IN)
def e_ticket(registration_id: int):
    """My e-ticket with the QR code the desk scans (PDF), once approved."""
    registration = _own(registration_id)
    if registration.status != RegistrationStatus.approved:
        abort(404)
    return _pdf_response(documents.render_e_ticket(registration), f"e-ticket-{registration.id}.pdf")


@bp.route("/visa-letters/<token>")
@allow(PUBLIC)
def verify_visa_letter(token: str):
    """For an embassy, from the letter's QR code: the reference, name and dates of a genuine letter, nothing else."""
    registration = documents.get_verifiable_letter(token)
    if registration is None:
        abort(404)
    arrive, leave = documents.stay_dates(registration)
    return render_template("registration/visa_verify.html", registration=registration, meeting=registration.meeting,
                           reference=documents.visa_reference(registration), arrive=arrive, leave=leave), 200, {
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


# --- organisers -----------------------------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/registrations/<int:registration_id>/visa-address", methods=["POST"])
@allow(ORGANISER)
def visa_address(meeting_id: int, registration_id: int):
    """Edit the address line of a participant's visa letter (empty: the embassy of the meeting's country)."""
    meeting = meeting_or_404(meeting_id)
    registration = db.get_or_404(Registration, registration_id)
    if registration.meeting_id != meeting.id or registration.visa_request is None:
        abort(404)
    form = VisaAddressForm()
    if form.validate_on_submit():
        documents.set_visa_letter_address(registration, form.visa_letter_address.data, actor=_signed_in())
        db.session.commit()
        flash(_("The visa letter's address line is saved."), "success")
    else:
        flash(_("The address line is too long or holds invisible characters."), "error")
    return redirect(url_for("registration.detail", meeting_id=meeting.id, registration_id=registration.id), 303)


@bp.route("/meetings/<int:meeting_id>/registrations/<int:registration_id>")
@allow(ORGANISER)
def detail(meeting_id: int, registration_id: int):
    """Everything about one registration; passport data only on request, and that look is audited."""
    meeting = meeting_or_404(meeting_id)
    registration = of_meeting_or_404(Registration, meeting, registration_id)
    show_visa = request.args.get("visa") == "1" and registration.visa_request is not None
    if show_visa:
        services.record_visa_view(registration, actor=_signed_in())
        db.session.commit()
    return render_template("registration/detail.html", meeting=meeting, registration=registration,
                           show_visa=show_visa, answers=services.answers_for([registration])[registration.id],
                           address_form=VisaAddressForm(formdata=None,
                                                        visa_letter_address=registration.visa_letter_address),
                           default_address=documents.visa_address(registration) if registration.visa_request
                           and not registration.visa_letter_address else "")


@bp.route("/meetings/<int:meeting_id>/questions", methods=["GET", "POST"], endpoint="questions")
@allow(ORGANISER)
def questions_page(meeting_id: int):
    """The meeting's own questions: list them and add one."""
    meeting = meeting_or_404(meeting_id)
    form = _question_form(meeting)
    if form.validate_on_submit():
        try:
            questions.create_question(meeting, form.question_data(), actor=_signed_in())
        except ValidationFailed as error:
            return _questions_page(meeting, form, problems=error.problems)
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(url_for("registration.questions", meeting_id=meeting.id), 303)
    return _questions_page(meeting, form)


def _questions_page(meeting, form, problems=()):
    listed = questions.list_questions(meeting, include_archived=True)
    counts = {q.id: questions.count_answers(q) for q in listed}
    status = 422 if request.method == "POST" else 200
    return render_template("registration/questions.html", meeting=meeting, form=form, questions=listed,
                           counts=counts, problems=problems, kind_labels=dict(KIND_CHOICES)), status


def _question_form(meeting, question=None) -> QuestionForm:
    data = None
    if question is not None:
        data = {name: getattr(question, name) for name in (
            "required", "position", "shown_if_question_id", "shown_if_value")}
        data.update(kind=question.kind.value, label=questions.label_texts(question, meeting),
                    options=questions.option_texts(question, meeting))
    form = QuestionForm(data=data)
    form.label.offer(offered_languages(meeting))
    form.options.offer(offered_languages(meeting))
    others = [q for q in questions.list_questions(meeting) if q is not question]
    form.shown_if_question_id.choices = choices_of([("", _("— always shown —")), *((q.id, q.label) for q in others)])
    return form


@bp.route("/meetings/<int:meeting_id>/questions/<int:question_id>", methods=["GET", "POST"])
@allow(ORGANISER)
def edit_question(meeting_id: int, question_id: int):
    """Change a question; answers already given stay as they were given."""
    meeting = meeting_or_404(meeting_id)
    question = _meeting_question(meeting, question_id)
    form = _question_form(meeting, question)
    problems = []
    if form.validate_on_submit():
        try:
            questions.update_question(question, form.question_data(), actor=_signed_in())
        except ValidationFailed as error:
            problems = error.problems
        else:
            db.session.commit()
            flash(_("Question saved."), "success")
            return redirect(url_for("registration.questions", meeting_id=meeting.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("registration/question_form.html", meeting=meeting, question=question, form=form,
                           problems=problems, answered=questions.count_answers(question)), status


@bp.route("/meetings/<int:meeting_id>/questions/<int:question_id>/archive", methods=["POST"])
@allow(ORGANISER)
def archive_question(meeting_id: int, question_id: int):
    """Take a question off the form (its answers stay), or put it back."""
    meeting = meeting_or_404(meeting_id)
    question = _meeting_question(meeting, question_id)
    questions.set_question_archived(question, not question.archived, actor=_signed_in())
    db.session.commit()
    flash(_("Question archived; its answers are kept.") if question.archived else _("Question restored."), "success")
    return redirect(url_for("registration.questions", meeting_id=meeting.id), 303)


def _meeting_question(meeting, question_id: int) -> Question:
    question = of_meeting_or_404(Question, meeting, question_id)
    return question
