"""The signed badge token: what it holds, and every way a scanned code is refused."""
import base64
import json

import pytest
from itsdangerous import URLSafeSerializer

from meeting_manager.checkin import services
from meeting_manager.checkin.services import (
    BadgeOfAnotherMeeting,
    RegistrationNotAdmitted,
    UnknownBadge,
    badge_payload,
    resolve_badge,
)
from meeting_manager.registration.models import RegistrationStatus

#: the desk records only today: its clock is on the first day of the meeting
pytestmark = pytest.mark.usefixtures("desk_on_first_day")


def test_payload_resolves_to_its_registration(meeting, make_attendee):
    person = make_attendee(meeting, given_name="Łukasz")
    assert resolve_badge(badge_payload(person), meeting) == person


def test_payload_holds_no_personal_data(meeting, make_attendee):
    person = make_attendee(meeting, given_name="Łukasz", family_name="Nowak")
    payload = badge_payload(person)
    body = payload.split(".")[0]
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert decoded == [meeting.id, person.badge_token]
    for personal in ("Łukasz", "Nowak", person.email, person.represented_country):
        assert personal not in payload and personal not in json.dumps(decoded, ensure_ascii=False)


def test_payloads_differ_per_person(meeting, make_attendee):
    assert badge_payload(make_attendee(meeting)) != badge_payload(make_attendee(meeting))


@pytest.mark.parametrize("tamper", [
    # the signature's first character changed (the last one also carries padding bits that may not matter)
    lambda p: p.rsplit(".", 1)[0] + "." + ("A" if p.rsplit(".", 1)[1][0] != "A" else "B") + p.rsplit(".", 1)[1][1:],
    lambda p: "x" + p,  # body changed
    lambda p: p.split(".")[0],  # signature cut off
    lambda p: "",
    lambda p: "https://example.org/not-a-badge",
    lambda p: p * 10,  # far too long
])
def test_forged_or_garbled_payload_is_unknown(meeting, make_attendee, tamper):
    payload = badge_payload(make_attendee(meeting))
    with pytest.raises(UnknownBadge) as refused:
        resolve_badge(tamper(payload), meeting)
    assert "Unknown badge" in str(refused.value.message)


def test_token_signed_with_another_key_is_unknown(app, meeting, make_attendee):
    person = make_attendee(meeting)
    forged = URLSafeSerializer("guessed-key", salt=services.BADGE_SALT).dumps([meeting.id, person.badge_token])
    with pytest.raises(UnknownBadge):
        resolve_badge(forged, meeting)


def test_signed_token_naming_no_registration_is_unknown(app, meeting):
    payload = URLSafeSerializer(app.config["SECRET_KEY"], salt=services.BADGE_SALT).dumps([meeting.id, "no-such"])
    with pytest.raises(UnknownBadge):
        resolve_badge(payload, meeting)


def test_token_of_another_meeting_is_refused(meeting, make_meeting, make_attendee):
    other = make_meeting(title="Regional meeting Asia-Pacific")
    payload = badge_payload(make_attendee(other))
    with pytest.raises(BadgeOfAnotherMeeting) as refused:
        resolve_badge(payload, meeting)
    assert str(refused.value.message) == "This badge is not for this meeting."


@pytest.mark.parametrize("status, words", [
    (RegistrationStatus.cancelled, "cancelled"),
    (RegistrationStatus.declined, "declined"),
    (RegistrationStatus.pending, "pending"),
    (RegistrationStatus.waitlisted, "waitlist"),
])
def test_registration_not_approved_is_refused_with_a_plain_message(meeting, make_registration, status, words):
    person = make_registration(meeting, status=status)
    with pytest.raises(RegistrationNotAdmitted) as refused:
        resolve_badge(badge_payload(person), meeting)
    assert words in str(refused.value.message)


def test_badges_survive_a_rotation_of_the_badge_key(app, meeting, make_attendee):
    person = make_attendee(meeting)
    old = badge_payload(person)
    app.config["BADGE_KEY_FALLBACKS"] = [app.config["BADGE_KEY"]]
    app.config["BADGE_KEY"] = "the-new-badge-key"
    assert resolve_badge(old, meeting) == person
    assert badge_payload(person) != old


def test_a_new_secret_key_leaves_printed_badges_valid(app, meeting, make_attendee):
    """Issue 20, finding 11: badges have their own key; a new SECRET_KEY (sessions) must not void them."""
    person = make_attendee(meeting)
    printed = badge_payload(person)
    app.config["SECRET_KEY"] = "a-new-secret-key"
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert resolve_badge(printed, meeting) == person
    assert badge_payload(person) == printed


@pytest.mark.parametrize("accept, works", [(True, True), (False, False)])
def test_badges_printed_before_the_badge_key_verify_only_while_badge_key_was_never_set(app, meeting, make_attendee,
                                                                                   accept, works):
    person = make_attendee(meeting)
    legacy = URLSafeSerializer(app.config["SECRET_KEY"], salt=services.BADGE_SALT).dumps(
        [meeting.id, person.badge_token])
    app.config["BADGE_ACCEPT_SECRET_KEY"] = accept
    if works:
        assert resolve_badge(legacy, meeting) == person
        assert badge_payload(person) != legacy  # reprints are signed with the badge key
    else:
        with pytest.raises(UnknownBadge):
            resolve_badge(legacy, meeting)


@pytest.mark.skipif(not __import__("shutil").which("zbarimg"), reason="zbarimg (zbar-tools) is not installed")
def test_payload_read_back_from_a_real_qr_checks_in_the_right_person(db, tmp_path, meeting, make_attendee, staff):
    import subprocess

    import segno

    from meeting_manager.checkin.services import scan_badge

    people = [make_attendee(meeting, given_name=name) for name in ("Łukasz", "محمد", "王芳")]
    target = people[1]
    image = tmp_path / "badge.png"
    segno.make_qr(badge_payload(target), error="m").save(image, scale=6, border=4)
    read = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=True)
    result = scan_badge(meeting, read.stdout.strip(), day=meeting.starts_on, actor=staff)
    assert result.created and result.registration == target


def test_a_replaced_badge_scans_as_replaced_and_the_new_one_checks_in(db, client, auth, staff, meeting,
                                                                      make_attendee):
    """Defect 7: replacing a lost badge issues a new token; the old badge then says when it was replaced."""
    from meeting_manager.audit.models import AuditEvent

    person = make_attendee(meeting)
    lost = badge_payload(person)
    auth.sign_in(staff)
    card = client.get(f"/meetings/{meeting.id}/checkin/registrations/{person.id}")
    assert "Replace a lost badge" in card.text
    response = client.post(f"/meetings/{meeting.id}/checkin/registrations/{person.id}/replace-badge")
    assert response.status_code == 303
    db.session.refresh(person)
    new = badge_payload(person)
    assert new != lost
    refused = client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": lost})
    body = refused.get_json()
    assert refused.status_code == 422 and body["reason"] == "replaced"
    assert "replaced on" in body["message"] and "ID" in body["message"]
    assert client.post(f"/meetings/{meeting.id}/checkin/scan", json={"payload": new}).get_json()["result"] == \
        "checked_in"
    assert "badge.replaced" in db.session.scalars(db.select(AuditEvent.action)).all()
    assert "A badge was replaced on" in client.get(f"/meetings/{meeting.id}/checkin/registrations/{person.id}").text
