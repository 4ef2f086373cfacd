"""Webhooks: signed deliveries to a real local receiver, stored before sending, retried across an outage, replayed."""
import hashlib
import hmac
import json
from datetime import timedelta

from meeting_manager.api import webhooks
from meeting_manager.api.models import DeliveryStatus, WebhookDelivery
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import RegistrationStatus as S


def _subscribe(api, meeting, token, url, events):
    response = api.post(f"/api/v1/meetings/{meeting.id}/webhooks", token=token, json={"url": url, "events": events})
    assert response.status_code == 201, response.json
    return response.json


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["Webhook-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def _due_now(db):
    db.session.execute(db.update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_each_event_arrives_signed_exactly_once_across_an_outage(api, meeting, organiser, make_api_token, db,
                                                                webhook_receiver, make_registration, desk_clock):
    token = make_api_token(organiser, ["read", "decide", "checkin", "admin"])
    hook = _subscribe(api, meeting, token, webhook_receiver.url,
                      ["registration.decided", "registration.cancelled", "attendance.checked_in"])
    assert len(hook["secret"]) == 64
    registration = make_registration(meeting)
    webhook_receiver.down = True
    decided = api.post(f"/api/v1/meetings/{meeting.id}/registrations/{registration.id}/decision", token=token,
                       json={"outcome": "approved"})
    assert decided.status_code == 200
    delivery = db.session.scalar(db.select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.queued and delivery.attempts == 1  # stored, tried, waiting
    assert delivery.response_status == 503 and delivery.response_body == "busy"
    assert delivery.next_attempt_at > utcnow()
    assert webhooks.deliver_due() == {"delivered": 0, "retry": 0, "failed": 0}  # not due yet: not sent again
    webhook_receiver.down = False
    _due_now(db)
    assert webhooks.deliver_due()["delivered"] == 1
    assert webhooks.deliver_due()["delivered"] == 0
    desk_clock(meeting)
    payload = api.get(f"/api/v1/meetings/{meeting.id}/registrations/{registration.id}", token=token).json[
        "badge_payload"]
    api.post(f"/api/v1/meetings/{meeting.id}/checkins", token=token, json={"payload": payload})
    api.post(f"/api/v1/meetings/{meeting.id}/checkins", token=token, json={"payload": payload})  # nothing new
    received = webhook_receiver.received()
    assert [json.loads(body)["type"] for _h, body in received] == ["registration.decided", "attendance.checked_in"]
    assert all(_verify(hook["secret"], headers, body) for headers, body in received)
    event = json.loads(received[0][1])
    assert event["data"] == {"registration_id": registration.id, "status": "approved", "previous_status": "pending"}
    assert received[0][0]["Webhook-Id"] == event["id"]
    assert "Amina" not in received[0][1].decode()  # ids and statuses, never names
    assert not _verify("another secret", *received[0])


def test_only_subscribed_events_of_the_meeting_are_delivered(api, meeting, organiser, make_api_token, db,
                                                            webhook_receiver, make_registration, make_meeting):
    token = make_api_token(organiser, ["decide", "admin"])
    _subscribe(api, meeting, token, webhook_receiver.url, ["registration.cancelled"])
    registration = make_registration(meeting)
    api.post(f"/api/v1/meetings/{meeting.id}/registrations/{registration.id}/decision", token=token,
             json={"outcome": "declined"})
    assert webhook_receiver.requests == []
    from meeting_manager.registration.services import cancel_registration

    other = make_registration(meeting, status=S.approved)
    cancel_registration(other, actor=None)
    db.session.commit()
    assert webhooks.deliver_due()["delivered"] == 1
    assert [json.loads(b)["type"] for _h, b in webhook_receiver.received()] == ["registration.cancelled"]


def test_a_receiver_that_never_answers_ends_failed_after_the_mails_retries(api, meeting, organiser, db,
                                                                          make_api_token, make_registration):
    token = make_api_token(organiser, ["decide", "admin"])
    _subscribe(api, meeting, token, "http://127.0.0.1:5169/nobody-listens", ["registration.decided"])
    registration = make_registration(meeting)
    api.post(f"/api/v1/meetings/{meeting.id}/registrations/{registration.id}/decision", token=token,
             json={"outcome": "waitlisted"})
    delivery = db.session.scalar(db.select(WebhookDelivery))
    attempts = [delivery.attempts]
    for _ in range(len(webhooks.RETRY_DELAYS) + 2):
        _due_now(db)
        webhooks.deliver_due()
        db.session.refresh(delivery)
        attempts.append(delivery.attempts)
    assert delivery.status == DeliveryStatus.failed and "Error" in delivery.last_error
    assert attempts[-1] == len(webhooks.RETRY_DELAYS) + 1  # no attempt after it failed


def test_deliveries_are_visible_and_replayable_by_api_and_page(api, client, auth, meeting, organiser, db,
                                                             make_api_token, webhook_receiver, make_registration):
    token = make_api_token(organiser, ["decide", "admin"])
    hook = _subscribe(api, meeting, token, webhook_receiver.url, ["registration.decided"])
    registration = make_registration(meeting)
    api.post(f"/api/v1/meetings/{meeting.id}/registrations/{registration.id}/decision", token=token,
             json={"outcome": "declined"})
    base = f"/api/v1/meetings/{meeting.id}/webhooks/{hook['id']}/deliveries"
    listed = api.get(base, token=token).json["items"]
    assert [(d["status"], d["response_status"], d["response_body"]) for d in listed] == [("delivered", 200, "thanks")]
    replayed = api.post(f"{base}/{listed[0]['id']}/replay", token=token, key="again")
    assert replayed.status_code == 201 and replayed.json["event_id"] == listed[0]["event_id"]
    assert api.post(f"{base}/{listed[0]['id']}/replay", token=token, key="again").json == replayed.json
    received = webhook_receiver.received()
    assert len(received) == 2 and received[0][1] == received[1][1]  # the same event, once more, not twice more
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/webhooks/{hook['id']}").get_data(as_text=True)
    assert "thanks" in page and listed[0]["event_id"] in page
    assert client.post(f"/meetings/{meeting.id}/webhooks/{hook['id']}/deliveries/{listed[0]['id']}/replay"
                       ).status_code == 303
    assert len(webhook_receiver.received()) == 3
    assert client.post(f"/meetings/{meeting.id}/webhooks/{hook['id']}/deliveries/987654/replay").status_code == 404


def test_the_meeting_settings_page_subscribes_and_removes(client, auth, meeting, organiser, staff, db,
                                                         webhook_receiver):
    auth.sign_in(organiser)
    page = f"/meetings/{meeting.id}/webhooks"
    assert client.post(page, data={"url": "ftp://x", "events": []}).status_code == 422
    response = client.post(page, data={"url": webhook_receiver.url, "events": ["registration.submitted"]})
    assert response.status_code == 200 and '<code class="secret">' in response.get_data(as_text=True)
    subscription = webhooks.subscriptions_of(meeting)[0]
    assert subscription.events == ["registration.submitted"]
    assert client.post(f"{page}/{subscription.id}/delete").status_code == 303
    assert webhooks.subscriptions_of(meeting) == []
    auth.sign_out()
    auth.sign_in(staff)
    assert client.get(page).status_code == 403


def test_api_subscriptions_are_checked(api, meeting, organiser, make_api_token):
    token = make_api_token(organiser, ["admin"])
    bad = api.post(f"/api/v1/meetings/{meeting.id}/webhooks", token=token,
                   json={"url": "gopher://x", "events": ["registration.eaten"]})
    assert bad.status_code == 422 and {e["field"].split(".")[0] for e in bad.json["errors"]} == {"url", "events"}
    hook = _subscribe(api, meeting, token, "http://127.0.0.1:5169/x", ["registration.submitted"])
    assert "secret" not in [k for k, v in api.get(f"/api/v1/meetings/{meeting.id}/webhooks", token=token
                                                  ).json["items"][0].items() if v]
    assert api.delete(f"/api/v1/meetings/{meeting.id}/webhooks/{hook['id']}", token=token).status_code == 200
    assert api.delete(f"/api/v1/meetings/{meeting.id}/webhooks/{hook['id']}", token=token).status_code == 404
