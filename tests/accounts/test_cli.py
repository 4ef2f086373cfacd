"""`flask create-admin`."""
from conftest import PASSWORD
from meeting_manager.accounts.models import User
from meeting_manager.accounts.services import authenticate


def admins(db) -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.is_admin)))


def test_create_admin(runner, db):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Example.org", "--name", "Ngozi Okonjo",
                                 "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    assert "Administrator boss@example.org is ready." in result.output
    [admin] = admins(db)
    assert admin.email == "boss@example.org" and admin.name == "Ngozi Okonjo" and admin.active
    assert authenticate("boss@example.org", "a long enough password") == admin
    assert "a long enough password" not in admin.password_hash


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.org", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert admins(db) == []


def test_running_twice_on_the_same_email_works(runner, db):
    args = ["create-admin", "--email", "boss@example.org", "--name", "Boss"]
    assert runner.invoke(args=[*args, "--password", "first password 1"]).exit_code == 0
    second = runner.invoke(args=[*args, "--password", "second password 2"])
    assert second.exit_code == 0, second.output
    [admin] = admins(db)
    assert authenticate("boss@example.org", "second password 2") == admin
    assert authenticate("boss@example.org", "first password 1") is None


def test_create_admin_promotes_an_existing_account(runner, db, participant):
    result = runner.invoke(args=["create-admin", "--email", participant.email, "--password", "promoted password"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [u.id for u in admins(db)] == [participant.id]
    assert authenticate(participant.email, PASSWORD) is None


def test_create_admin_prompts_for_the_password(runner, db):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.org"],
                           input="prompted password\nprompted password\n")
    assert result.exit_code == 0, result.output
    assert authenticate("boss@example.org", "prompted password") is not None


def test_create_admin_refuses_an_invalid_email(runner, db):
    result = runner.invoke(args=["create-admin", "--email", "not an email", "--password", "a long enough password"])
    assert result.exit_code != 0
    assert admins(db) == []


def test_admin_can_sign_in_after_create_admin(runner, client, db):
    runner.invoke(args=["create-admin", "--email", "boss@example.org", "--password", "a long enough password"])
    response = client.post("/account/sign-in", data={"email": "boss@example.org", "password": "a long enough password"})
    assert response.status_code == 302
    assert client.get("/account/users").status_code == 200
