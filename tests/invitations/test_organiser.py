"""The organiser's invitation pages: list and counts, one invitation, bounce, reminders, and who may use them."""
from datetime import timedelta

import pytest

from meeting_manager.invitations.models import Invitation, InvitationStatus
from meeting_manager.invitations.services import mark_registered, status_counts
from meeting_manager.models_base import utcnow

from .helpers import link_path, token_of


def _invitations(db, meeting):
    return list(db.session.scalars(db.select(Invitation).where(Invitation.meeting_id == meeting.id)
                                   .order_by(Invitation.id)))


def test_organiser_invites_one_person(client, db, meeting, organiser, auth, outbox):
    auth.sign_in(organiser)
    category = next(c for c in meeting.categories if c.code == "academia")
    response = client.post(f"/meetings/{meeting.id}/invitations/new", data={
        "email": " Wanjiru.Kamau@Example.org", "given_name": "Wanjiru", "family_name": "Kamau-Ōtsuka",
        "country_code": "KE", "organisation": "<b>Nairobi</b> University", "category_id": category.id,
        "seats": 2, "lock_email": "y", "delegation_id": 0,
    })
    assert response.status_code == 303
    [invitation] = _invitations(db, meeting)
    assert (invitation.email, invitation.family_name, invitation.seats) == ("wanjiru.kamau@example.org",
                                                                           "Kamau-Ōtsuka", 2)
    assert invitation.category is category and invitation.lock_email and invitation.created_by_id == organiser.id
    message = outbox()[-1]
    assert message.recipient == invitation.email and token_of(message)
    listing = client.get(f"/meetings/{meeting.id}/invitations").get_data(as_text=True)
    assert invitation.organisation == "<b>Nairobi</b> University"  # kept as typed; shown as text
    assert "Kamau-Ōtsuka" in listing


def test_inviting_the_same_email_twice_is_refused_with_a_message(client, db, meeting, organiser, auth,
                                                                 make_invitation):
    make_invitation(meeting, email="twice@example.org")
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/invitations/new", data={
        "email": "TWICE@example.org", "seats": 1, "category_id": 0, "delegation_id": 0,
    }, headers={"Referer": f"http://localhost/meetings/{meeting.id}/invitations/new"}, follow_redirects=True)
    assert "already been invited" in response.get_data(as_text=True)
    assert len(_invitations(db, meeting)) == 1


def test_bad_form_input_changes_nothing(client, db, meeting, organiser, auth):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/invitations/new", data={
        "email": "not an email", "seats": 0, "category_id": 0, "delegation_id": 0,
    })
    assert response.status_code == 200 and "error" in response.get_data(as_text=True)
    assert _invitations(db, meeting) == []


def test_list_counts_every_status_and_filters(client, db, meeting, organiser, auth, make_invitation):
    sent, _ = make_invitation(meeting)
    opened, _ = make_invitation(meeting)
    opened.status = InvitationStatus.opened
    registered, _ = make_invitation(meeting)
    mark_registered(registered)
    overdue, _ = make_invitation(meeting)
    overdue.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/invitations").get_data(as_text=True)
    # The overdue one is counted as expired as soon as the list is looked at.
    counts = status_counts(meeting)
    assert counts[InvitationStatus.expired] == 1 and counts[InvitationStatus.sent] == 1
    for status in InvitationStatus:
        assert f'data-status="{status.value}">{counts[status]}<' in page
    filtered = client.get(f"/meetings/{meeting.id}/invitations?status=registered").get_data(as_text=True)
    assert registered.email in filtered and sent.email not in filtered and opened.email not in filtered


def test_mark_bounced(client, db, meeting, organiser, auth, make_invitation):
    invitation, _token = make_invitation(meeting)
    auth.sign_in(organiser)
    assert client.post(f"/meetings/{meeting.id}/invitations/{invitation.id}/bounced").status_code == 303
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.bounced
    assert status_counts(meeting)[InvitationStatus.bounced] == 1


def test_reminders_go_to_the_chosen_unanswered_invitees_only(client, db, meeting, organiser, auth, outbox,
                                                             make_invitation):
    first, first_token = make_invitation(meeting)
    second, _ = make_invitation(meeting)
    declined, _ = make_invitation(meeting)
    declined.status = InvitationStatus.declined
    db.session.commit()
    auth.sign_in(organiser)
    before = len(outbox())
    # A declined one slipped into the choice is not reminded.
    client.post(f"/meetings/{meeting.id}/invitations/remind",
                data={"invitation_ids": [str(first.id), str(declined.id)]})
    for invitation in (first, second, declined):
        db.session.refresh(invitation)
    assert (first.reminders_sent, second.reminders_sent, declined.reminders_sent) == (1, 0, 0)
    reminder = outbox()[-1]
    assert len(outbox()) == before + 1 and reminder.kind == "invitation_reminder"
    assert reminder.recipient == first.email and first.last_reminded_at is not None

    client.post(f"/meetings/{meeting.id}/invitations/remind", data={"all": "1"})
    for invitation in (first, second, declined):
        db.session.refresh(invitation)
    assert (first.reminders_sent, second.reminders_sent, declined.reminders_sent) == (2, 1, 0)
    auth.sign_out()
    # Each reminder carries a fresh link; the earlier one stops working.
    assert client.get(f"/i/{first_token}").status_code == 404
    assert client.get(link_path(outbox()[-2])).status_code == 200


def test_reminding_nobody_chosen_says_so(client, db, meeting, organiser, auth, make_invitation):
    invitation, _ = make_invitation(meeting)
    auth.sign_in(organiser)
    page = client.post(f"/meetings/{meeting.id}/invitations/remind", data={}, follow_redirects=True)
    assert "Choose the people to remind" in page.get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.reminders_sent == 0


def test_an_invitation_of_another_meeting_is_not_found(client, db, make_meeting, meeting, organiser, auth,
                                                       make_invitation):
    other = make_meeting(title="Regional meeting")
    foreign, _ = make_invitation(other)
    auth.sign_in(organiser)
    assert client.post(f"/meetings/{meeting.id}/invitations/{foreign.id}/revoke").status_code == 404
    db.session.refresh(foreign)
    assert foreign.status == InvitationStatus.sent


ORGANISER_PAGES = [
    ("get", "/meetings/{m}/invitations"), ("get", "/meetings/{m}/invitations/new"),
    ("get", "/meetings/{m}/invitations/upload"), ("post", "/meetings/{m}/invitations/remind"),
    ("post", "/meetings/{m}/invitations/{i}/resend"), ("post", "/meetings/{m}/invitations/{i}/revoke"),
    ("post", "/meetings/{m}/invitations/upload/import"),
    ("get", "/meetings/{m}/delegations"), ("get", "/meetings/{m}/delegations/new"),
]


@pytest.mark.parametrize("who", ["staff", "participant", "other_organiser"])
def test_staff_participants_and_other_meetings_organisers_are_refused(request, client, db, meeting, auth,
                                                                      make_meeting, make_user, make_invitation,
                                                                      who):
    invitation, _ = make_invitation(meeting)
    if who == "other_organiser":
        user = make_user(roles=[(make_meeting(title="Another"), "organiser")])
    else:
        user = request.getfixturevalue(who)
    auth.sign_in(user)
    for method, url in ORGANISER_PAGES:
        response = getattr(client, method)(url.format(m=meeting.id, i=invitation.id))
        assert response.status_code == 403, url
    db.session.refresh(invitation)
    assert invitation.status == InvitationStatus.sent and invitation.reminders_sent == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, meeting):
    response = client.get(f"/meetings/{meeting.id}/invitations")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
