"""The invitee's side of an invitation: every state of a link, opening, declining, resending, revoking."""
from datetime import timedelta

import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.invitations.models import Invitation, InvitationStatus
from meeting_manager.invitations.services import (
    InvitationInvalid,
    get_valid_invitation,
    mark_registered,
    resend_invitation,
    revoke_invitation,
)
from meeting_manager.models_base import utcnow
from meeting_manager.tokens import hash_token

from .helpers import link_path, token_of

INVALID_TEXT = "This invitation link cannot be used"


def test_only_the_hash_of_the_token_is_stored(db, meeting, make_invitation):
    invitation, token = make_invitation(meeting)
    assert invitation.token_hash == hash_token(token)
    assert token not in str([getattr(invitation, c.key) for c in Invitation.__table__.columns])


def test_every_unusable_link_gets_one_identical_plain_page(client, db, meeting, organiser, make_invitation):
    expired, expired_token = make_invitation(meeting)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    used, used_token = make_invitation(meeting)
    mark_registered(used)
    revoked, revoked_token = make_invitation(meeting)
    revoke_invitation(revoked, actor=organiser)
    db.session.commit()

    bodies = []
    for token in (expired_token, used_token, revoked_token, "made-up-" + "x" * 35):
        response = client.get(f"/i/{token}")
        assert response.status_code == 404
        bodies.append(response.data)
    assert len(set(bodies)) == 1
    page = bodies[0].decode()
    assert INVALID_TEXT in page
    assert meeting.title not in page and "@example.org" not in page


def test_opening_a_link_shows_the_offer_and_marks_it_opened(client, db, meeting, make_invitation):
    invitation, token = make_invitation(meeting, given_name="Zoë", family_name="O'Brien-Nakamura", seats=2)
    response = client.get(f"/i/{token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert meeting.title in page and "Zoë O&#39;Brien-Nakamura" in page
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.opened and invitation.opened_at is not None
    # Opening again keeps the first time.
    first = invitation.opened_at
    client.get(f"/i/{token}")
    db.session.refresh(invitation)
    assert invitation.opened_at == first


def test_the_invitation_mail_carries_a_link_that_works(client, db, meeting, outbox, make_invitation):
    make_invitation(meeting, email="Mixed.Case@Example.org ")
    message = outbox()[-1]
    assert message.recipient == "mixed.case@example.org" and message.kind == "invitation"
    assert meeting.title in message.subject
    assert message.html_body and link_path(message) in message.html_body
    response = client.get(link_path(message))
    assert response.status_code == 200 and meeting.title in response.get_data(as_text=True)


def test_decline_uses_up_the_link_and_mails_a_confirmation(client, db, meeting, outbox, make_invitation):
    invitation, token = make_invitation(meeting)
    response = client.post(f"/i/{token}/decline")
    assert response.status_code == 200 and "declined" in response.get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.declined and invitation.responded_at is not None
    confirmation = outbox()[-1]
    assert confirmation.kind == "invitation_declined" and confirmation.recipient == invitation.email
    assert client.get(f"/i/{token}").status_code == 404
    assert client.post(f"/i/{token}/decline").status_code == 404


def test_resend_replaces_the_token_and_the_old_link_dies(client, db, meeting, organiser, auth, outbox,
                                                         make_invitation):
    invitation, old_token = make_invitation(meeting)
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/invitations/{invitation.id}/resend")
    assert response.status_code == 303
    new_message = outbox()[-1]
    new_token = token_of(new_message)
    assert new_token != old_token
    auth.sign_out()
    assert client.get(f"/i/{old_token}").status_code == 404
    assert client.get(link_path(new_message)).status_code == 200


def test_resend_revives_an_expired_invitation(db, meeting, organiser, make_invitation):
    invitation, token = make_invitation(meeting)
    invitation.expires_at = utcnow() - timedelta(days=1)
    with pytest.raises(InvitationInvalid):
        get_valid_invitation(token)
    new_token = resend_invitation(invitation, actor=organiser)
    assert get_valid_invitation(new_token) is invitation
    assert invitation.expires_at > utcnow() + timedelta(days=29)


def test_revoke_kills_the_link_and_is_audited(client, db, meeting, organiser, auth, make_invitation):
    invitation, token = make_invitation(meeting)
    auth.sign_in(organiser)
    assert client.post(f"/meetings/{meeting.id}/invitations/{invitation.id}/revoke").status_code == 303
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.revoked
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "invitation.revoke",
                                                         AuditEvent.subject_id == invitation.id))
    assert client.get(f"/i/{token}").status_code == 404


def test_a_registered_invitation_cannot_be_revoked_or_resent(client, db, meeting, organiser, auth, make_invitation):
    invitation, _token = make_invitation(meeting)
    mark_registered(invitation)
    db.session.commit()
    auth.sign_in(organiser)
    for action in ("revoke", "resend", "bounced"):
        response = client.post(f"/meetings/{meeting.id}/invitations/{invitation.id}/{action}",
                               headers={"Referer": f"/meetings/{meeting.id}/invitations"})
        assert response.status_code == 303
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.registered


def test_landing_links_to_the_registration_form_when_it_exists(client, app, meeting, make_invitation):
    _invitation, token = make_invitation(meeting)
    page = client.get(f"/i/{token}").get_data(as_text=True)
    if "registration.register_invited" in app.view_functions:
        assert f"/{token}" in page.split("Decline")[0]
    else:
        assert "Registration is not open yet" in page
    assert f"/i/{token}/decline" in page


def test_invitation_invalid_raised_elsewhere_gets_the_same_page(app, client, meeting):
    def main(html: str) -> str:
        return html[html.index("<main"):html.index("</main>")]

    made_up = client.get("/i/nothing-here").get_data(as_text=True)
    with app.test_request_context("/anywhere"):
        from meeting_manager.invitations.views import invalid_link
        body, code = invalid_link(InvitationInvalid())
    assert code == 404 and main(body) == main(made_up)
