"""Signing in and out, password reset, sign-in links, and account administration."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from ..access import ADMIN, PUBLIC, SIGNED_IN, allow
from ..extensions import db, limiter
from ..meetings.loaders import meeting_or_404
from ..meetings.models import Meeting
from ..redirects import local_path
from ..widgets import choices_of
from . import services
from .forms import EmailForm, NewPasswordForm, RoleForm, SignInForm, UserForm
from .models import MeetingRoleName, User
from .web import known_device, remember_device, sign_in_as

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _submitted_email() -> str:
    # Limits count per account tried, not per address: behind a proxy every visitor has the proxy's address.
    return "email:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/sign-in", methods=["GET", "POST"])
@allow(PUBLIC)
def sign_in():
    """Sign in with email and password; wrong passwords slow further tries down, from elsewhere only."""
    form = SignInForm()
    if form.validate_on_submit():
        device = known_device(services.get_user_by_email(form.email.data))
        if wait := services.sign_in_wait(form.email.data, request.remote_addr or "", device):
            return render_template("accounts/sign_in.html", form=form, wait=wait), 429, {"Retry-After": str(wait)}
        user = services.authenticate(form.email.data, form.password.data)
        services.record_sign_in(form.email.data, request.remote_addr or "", device, succeeded=user is not None)
        if user:
            sign_in_as(user, remember=form.remember.data)
            return remember_device(redirect(local_path(request.args.get("next"), url_for("meetings.index"))), user)
        db.session.commit()
        flash(_("The email or password is not right."), "error")
    return render_template("accounts/sign_in.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/sign-out", methods=["POST"])
@allow(SIGNED_IN)
def sign_out():
    """Sign out: the session ends on the server too, so a copy of its cookie no longer works."""
    services.end_session(current_user.session_key)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("meetings.index"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@allow(SIGNED_IN)
def sign_out_everywhere():
    """End every session of this account, on every device (after a lost phone, a shared computer)."""
    user = current_user._get_current_object()
    ended = services.end_sessions(user)
    services.record_event("account.sign_out_everywhere", user, sessions=ended)
    db.session.commit()
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("5 per hour", methods=["POST"], key_func=_submitted_email)
def forgot_password():
    """Ask for a password reset link."""
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, language=str(get_locale()))
        db.session.commit()
        flash(_("If an account exists for that email, a reset link is on its way."), "info")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def reset_password(token: str):
    """Set a new password from an emailed link."""
    try:
        services.check_reset_token(token)
    except services.LinkInvalid as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        flash(_("Your password is changed. Please sign in."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/sign-in-link", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit("5 per hour", methods=["POST"], key_func=_submitted_email)
def request_sign_in_link():
    """Ask for a one-time sign-in link by email (for participants without a password)."""
    form = EmailForm()
    if form.validate_on_submit():
        services.send_sign_in_link(form.email.data, language=str(get_locale()))
        db.session.commit()
        flash(_("If an account exists for that email, a sign-in link is on its way."), "info")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/sign_in_link.html", form=form)


@bp.route("/link/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def link_sign_in(token: str):
    """Sign in with a one-time link; a POST uses it, so mail scanners that follow GET links cannot."""
    if request.method != "POST":  # GET or HEAD (mail scanners send both): the landing page, the link unused
        return render_template("accounts/link_sign_in.html", token=token)
    try:
        user = services.use_sign_in_link(token)
    except services.LinkInvalid as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    sign_in_as(user)
    return redirect(url_for("meetings.index"))


@bp.route("/users")
@allow(ADMIN)
def users():
    """List accounts and their roles."""
    return render_template("accounts/users.html", users=services.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_user():
    """Create an account; the person sets a password through a reset link."""
    form = UserForm()
    if form.validate_on_submit():
        user = services.create_user(form.email.data, form.name.data, is_admin=form.is_admin.data, actor=current_user)
        services.request_password_reset(user.email)
        db.session.commit()
        flash(_("Account created; a link to set the password was emailed."), "success")
        return redirect(url_for("accounts.user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def user(user_id: int):
    """An account's roles per meeting: grant one, or revoke one."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_on.desc()))
    form.meeting_id.choices = choices_of([(m.id, m.title) for m in meetings])
    if form.validate_on_submit():
        meeting = meeting_or_404(form.meeting_id.data)
        services.grant_meeting_role(user, meeting, MeetingRoleName(form.role.data), actor=current_user)
        db.session.commit()
        flash(_("Role granted."), "success")
        return redirect(url_for("accounts.user", user_id=user.id))
    return render_template("accounts/user.html", user=user, form=form)


@bp.route("/users/<int:user_id>/roles/<int:meeting_id>/<role>/revoke", methods=["POST"])
@allow(ADMIN)
def revoke_role(user_id: int, meeting_id: int, role: str):
    user = db.get_or_404(User, user_id)
    meeting = meeting_or_404(meeting_id)
    if role not in MeetingRoleName.__members__:
        abort(404)
    services.revoke_meeting_role(user, meeting, MeetingRoleName(role), actor=current_user)
    db.session.commit()
    flash(_("Role revoked."), "success")
    return redirect(url_for("accounts.user", user_id=user.id))
