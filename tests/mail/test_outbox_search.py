"""The outbox is searched by recipient, kind of message and status (issue 18, item 9)."""
import pytest

from meeting_manager.mail.models import MessageStatus, OutboxMessage


@pytest.fixture
def messages(db):
    rows = [("amina.k@example.org", "Amina Kamau", "invitation", MessageStatus.held),
            ("amina.k@example.org", "Amina Kamau", "password_reset", MessageStatus.failed),
            ("li.wei@example.cn", "李伟", "invitation", MessageStatus.sent),
            ("o_brien@example.ie", "Seán O'Brien", "registration_approved", MessageStatus.held)]
    for recipient, name, kind, status in rows:
        db.session.add(OutboxMessage(recipient=recipient, recipient_name=name, kind=kind, status=status,
                                     subject=f"Subject for {kind} to {recipient}", text_body="body"))
    db.session.commit()


def _subjects(page) -> set[str]:
    return {line.split("Subject for ", 1)[1].split("<", 1)[0] for line in page.text.splitlines()
            if "Subject for " in line}


@pytest.mark.parametrize("query, found", [
    ("recipient=AMINA", {"invitation to amina.k@example.org", "password_reset to amina.k@example.org"}),
    ("recipient=李", {"invitation to li.wei@example.cn"}),
    ("recipient=kamau", {"invitation to amina.k@example.org", "password_reset to amina.k@example.org"}),
    ("kind=invitation", {"invitation to amina.k@example.org", "invitation to li.wei@example.cn"}),
    ("status=held", {"invitation to amina.k@example.org", "registration_approved to o_brien@example.ie"}),
    ("recipient=amina&kind=invitation&status=held", {"invitation to amina.k@example.org"}),
    ("recipient=_", {"registration_approved to o_brien@example.ie"}),  # a LIKE wildcard is matched literally
    ("recipient=%25", set()),
    ("kind=nonsense", set()),
])
def test_the_outbox_finds_messages(client, auth, admin, messages, query, found):
    auth.sign_in(admin)
    page = client.get(f"/outbox/?{query}")
    assert page.status_code == 200
    assert _subjects(page) == found


def test_the_search_form_keeps_what_was_asked_and_names_kinds(client, auth, admin, messages):
    auth.sign_in(admin)
    page = client.get("/outbox/?recipient=%3Cb%3Eamina&kind=invitation&status=bogus").text
    assert 'value="&lt;b&gt;amina"' in page  # shown as text
    assert '<option value="invitation" selected>Invitation</option>' in page
    assert "Password reset" in page and "No message matches this search." in page
    assert client.get("/outbox/?status=bogus").status_code == 200  # an unknown status means every status


def test_only_admins_search_the_outbox(client, auth, organiser, messages):
    auth.sign_in(organiser)
    assert client.get("/outbox/?recipient=amina").status_code == 403
