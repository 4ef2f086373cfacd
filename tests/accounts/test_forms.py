"""Field validation of the account forms, form by form."""
import pytest
from werkzeug.datastructures import MultiDict

from meeting_manager.accounts.forms import EmailForm, NewPasswordForm, RoleForm, SignInForm, UserForm
from meeting_manager.widgets import choices_of


def validate(app, form_class, data, **setup):
    """Build a form from POSTed `data` and validate it; returns the form."""
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = form_class()
        for name, choices in setup.items():
            getattr(form, name).choices = choices_of(choices)
        form.validate()
        return form


@pytest.mark.parametrize("data, errors", [
    ({"email": "a@example.org", "password": "whatever it is"}, set()),
    ({"email": "", "password": "x"}, {"email"}),
    ({"email": "a@example.org"}, {"password"}),
    ({"email": "no-at-sign", "password": "x"}, {"email"}),
    ({"email": "a" * 250 + "@example.org", "password": "x"}, {"email"}),
    ({"email": "a@example.org", "password": "x" * 201}, {"password"}),
    ({"email": "jürgen@bücher.example", "password": "пароль-密码-كلمة"}, set()),
])
def test_sign_in_form(app, data, errors):
    assert set(validate(app, SignInForm, data).errors) == errors


@pytest.mark.parametrize("data, errors", [
    ({"password": "ten chars!", "confirm": "ten chars!"}, set()),
    ({"password": "ninechars", "confirm": "ninechars"}, {"password"}),
    ({"password": "x" * 201, "confirm": "x" * 201}, {"password"}),
    ({"password": "a long password", "confirm": "a long Password"}, {"confirm"}),
    ({"password": "a long password"}, {"confirm"}),
    ({}, {"password", "confirm"}),
    ({"password": "密码很长很长很长很长很长", "confirm": "密码很长很长很长很长很长"}, set()),
])
def test_new_password_form(app, data, errors):
    form = validate(app, NewPasswordForm, data)
    assert set(form.errors) == errors
    if "confirm" in errors and data.get("confirm"):
        assert "The passwords differ." in form.errors["confirm"]


@pytest.mark.parametrize("data, errors", [
    ({"name": "Nguyễn Thị Minh Khai", "email": "minh@example.org"}, set()),
    ({"name": "Ольга Иванова", "email": "olga@example.org", "is_admin": "y"}, set()),
    ({"name": "", "email": "a@example.org"}, {"name"}),
    ({"name": "   ", "email": "a@example.org"}, {"name"}),
    ({"name": "x" * 201, "email": "a@example.org"}, {"name"}),
    ({"name": "Ok", "email": "not an email"}, {"email"}),
    ({"name": "Ok"}, {"email"}),
])
def test_user_form(app, data, errors):
    assert set(validate(app, UserForm, data).errors) == errors


def test_user_form_keeps_unicode_exactly(app):
    form = validate(app, UserForm, {"name": "محمد بن راشد 张伟 Łukasz", "email": "m@example.org"})
    assert form.name.data == "محمد بن راشد 张伟 Łukasz"


@pytest.mark.parametrize("data, errors", [
    ({"meeting_id": "1", "role": "organiser"}, set()),
    ({"meeting_id": "2", "role": "staff"}, set()),
    ({"meeting_id": "3", "role": "organiser"}, {"meeting_id"}),
    ({"meeting_id": "one", "role": "organiser"}, {"meeting_id"}),
    ({"role": "organiser"}, {"meeting_id"}),
    ({"meeting_id": "1", "role": "admin"}, {"role"}),
    ({"meeting_id": "1"}, {"role"}),
])
def test_role_form(app, data, errors):
    form = validate(app, RoleForm, data, meeting_id=[(1, "Global Meeting 2026"), (2, "Global Meeting 2024")])
    assert set(form.errors) == errors


@pytest.mark.parametrize("email, valid", [("a@example.org", True), ("", False), ("@example.org", False)])
def test_email_form(app, email, valid):
    assert bool(validate(app, EmailForm, {"email": email}).errors) is (not valid)
