"""The offline desk's server side over HTTP: the day's list a device downloads, the sync of its queued check-ins
(idempotent, at the device's time, conflicts for staff), who may use them, and sign-out wiping the device."""
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meeting_manager.audit.models import AuditEvent
from meeting_manager.checkin import offline, services
from meeting_manager.checkin.models import Attendance, BadgeCollection, OfflineCheckIn
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import RegistrationStatus


def url(meeting, path):
    return f"/meetings/{meeting.id}/checkin/app/{path}"


def item(registration, *, at=None, method="search", badge_hash=None, client_id=None):
    data = {"id": client_id or str(uuid.uuid4()), "registration": registration.id,
            "at": (at or utcnow() - timedelta(minutes=5)).isoformat(), "method": method}
    if badge_hash:
        data["hash"] = badge_hash
    return data


def sync(client, meeting, items, device=None):
    return client.post(url(meeting, "sync"), json={"device": device or str(uuid.uuid4()), "items": items})


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def badge_hash(registration):
    """The hash of the badge as printed now."""
    return hashlib.sha256(services.badge_payload(registration).encode()).hexdigest()


def accepted(registration, token=None) -> list[str]:
    """The hashes of every payload that admits as this badge (one per badge key accepted)."""
    return [hashlib.sha256(payload.encode()).hexdigest()
            for payload in services.accepted_payloads(registration.meeting_id, token or registration.badge_token)]


@pytest.fixture
def desk(make_user, meeting_today):
    return make_user("Desk Staff", roles=[(meeting_today, "staff")])


@pytest.fixture
def signed_in(client, auth, desk):
    auth.sign_in(desk)
    return client


# --- the day's list -------------------------------------------------------------------------------------------------

def test_the_list_holds_approved_people_and_only_hashes_of_their_badges(signed_in, db, app, meeting_today,
                                                                        make_attendee, make_registration, desk):
    here = make_attendee(meeting_today, given_name="Łukasz", family_name="Wąsowski", organisation="<b>Bold</b> NGO")
    lost = make_attendee(meeting_today, given_name="Amina")
    old = accepted(lost)
    services.replace_badge(meeting_today, lost, actor=desk)
    declined = make_registration(meeting_today, given_name="Sipho", status=RegistrationStatus.declined)
    db.session.commit()

    response = signed_in.get(url(meeting_today, "list.json"))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.json
    assert sorted(p["id"] for p in data["people"]) == sorted([here.id, lost.id])
    assert data["badges"] == {**dict.fromkeys(accepted(here), here.id), **dict.fromkeys(accepted(lost), lost.id)}
    assert badge_hash(here) in data["badges"]
    assert data["refused"] == {**dict.fromkeys(old, "replaced"), **dict.fromkeys(accepted(declined), "declined")}
    person = next(p for p in data["people"] if p["id"] == here.id)
    assert person["organisation"] == "<b>Bold</b> NGO"  # data: the page sets it as text
    assert {"lukasz", "wasowski"} <= set(person["words"]) and data["folds"]["ł"] == "l"
    assert data["wipe_after"] == f"{meeting_today.ends_on + timedelta(days=1)}T00:00:00+00:00"
    body = response.text
    assert app.config["BADGE_KEY"] not in body and here.badge_token not in body and "Sipho" not in body
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "checkin.offline_list_downloaded"))
    assert [(e.actor_id, e.details["people"]) for e in events] == [(desk.id, 2)]


def test_a_badge_printed_before_a_rotation_of_the_badge_key_still_admits_offline(signed_in, app, db, meeting_today,
                                                                                 make_attendee):
    person = make_attendee(meeting_today)
    printed = badge_hash(person)
    app.config["BADGE_KEY_FALLBACKS"] = [app.config["BADGE_KEY"]]
    app.config["BADGE_KEY"] = "the-new-badge-key"
    badges = signed_in.get(url(meeting_today, "list.json")).json["badges"]
    assert badges[printed] == badges[badge_hash(person)] == person.id and printed != badge_hash(person)
    answer = sync(signed_in, meeting_today, [item(person, method="scan", badge_hash=printed)]).json["results"][0]
    assert answer["outcome"] == "recorded"


def test_no_list_is_handed_out_after_the_meetings_last_day(signed_in, meeting_today, monkeypatch):
    monkeypatch.setattr(offline, "utcnow", lambda: offline.wipe_after(meeting_today) + timedelta(seconds=1))
    response = signed_in.get(url(meeting_today, "list.json"))
    assert response.status_code == 410 and "over" in response.json["message"]


def test_the_offline_search_folds_every_script_as_the_desk_does():
    assert offline.search_words("Łukasz Wąsowski-Nowak") == ["lukasz", "wasowski", "nowak"]
    assert offline.search_words("مُحَمَّد العلي") == ["محمد", "العلي", "علي"]
    marks, folds = offline.folding(["Zoë Łódź مُحَمَّد"])
    assert "\u0308" in marks and "\u064f" in marks and folds["ł"] == "l"


# --- who may ---------------------------------------------------------------------------------------------------------

ROUTES = [("get", ""), ("get", "manifest.webmanifest"), ("get", "sw.js"), ("get", "status.json"),
          ("get", "list.json"), ("post", "sync"), ("get", "conflicts")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_staff_and_organisers_of_the_meeting_use_the_desk_app(client, auth, make_user, make_meeting,
                                                                   meeting_today, method, path):
    other = make_meeting(title="Regional Meeting")
    for user, allowed in [(make_user("Pat Participant"), False), (make_user(roles=[(other, "staff")]), False),
                          (make_user(roles=[(meeting_today, "organiser")]), True)]:
        auth.sign_in(user)
        response = getattr(client, method)(url(meeting_today, path), json={"device": str(uuid.uuid4()), "items": []})
        assert (response.status_code != 403) is allowed, (user.name, response.status_code)
        auth.sign_out()
    response = getattr(client, method)(url(meeting_today, path))
    assert response.status_code == 302 and "sign-in" in response.headers["Location"]


def test_a_meeting_that_does_not_exist_is_not_found(signed_in, admin, auth):
    auth.sign_in(admin)
    assert signed_in.get("/meetings/99999/checkin/app/list.json").status_code == 404


def test_the_app_page_manifest_and_worker_make_an_installable_app(signed_in, meeting_today):
    page = signed_in.get(url(meeting_today, ""))
    assert page.status_code == 200 and 'rel="manifest"' in page.text and "checkin-app.js" in page.text
    manifest = signed_in.get(url(meeting_today, "manifest.webmanifest"))
    assert manifest.content_type == "application/manifest+json"
    assert manifest.json["start_url"] == manifest.json["scope"] == url(meeting_today, "")
    assert {icon["sizes"] for icon in manifest.json["icons"]} == {"192x192", "512x512"}
    for icon in manifest.json["icons"]:
        assert signed_in.get(icon["src"]).status_code == 200
    worker = signed_in.get(url(meeting_today, "sw.js"))
    assert worker.content_type.startswith("text/javascript") and worker.headers["Cache-Control"] == "no-cache"
    assert worker.text.startswith("const APP_FILES = [") and "/static/js/checkin-app.js" in worker.text
    status = signed_in.get(url(meeting_today, "status.json")).json
    assert status["signed_in"] and status["csrf_token"]


def test_sign_out_tells_the_browser_to_clear_the_sites_storage(signed_in, auth, meeting_today):
    assert "Clear-Site-Data" not in signed_in.get(url(meeting_today, "")).headers
    response = auth.sign_out()
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


# --- sync ------------------------------------------------------------------------------------------------------------

def test_each_check_in_is_recorded_once_at_the_device_time(signed_in, db, meeting_today, make_attendee, desk):
    first, second = make_attendee(meeting_today), make_attendee(meeting_today)
    at = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    items = [item(first, at=at), item(second, at=at + timedelta(minutes=1), method="scan",
                                      badge_hash=badge_hash(second))]
    device = str(uuid.uuid4())
    answer = sync(signed_in, meeting_today, items, device)
    assert answer.status_code == 200
    assert [r["outcome"] for r in answer.json["results"]] == ["recorded", "recorded"]
    again = sync(signed_in, meeting_today, items, device)  # the answer was lost: the device sends it all again
    assert again.json["results"] == answer.json["results"]
    rows = db.session.scalars(select(Attendance).order_by(Attendance.at)).all()
    assert [(r.registration_id, r.at, r.method.value, r.by_id) for r in rows] == [
        (first.id, at, "search", desk.id), (second.id, at + timedelta(minutes=1), "scan", desk.id)]
    assert count(db, OfflineCheckIn) == 2
    assert services.live_counts(meeting_today, meeting_today.starts_on).total == 2  # the live count sees them


def test_two_desks_checking_in_one_person_give_one_attendance_and_both_times(signed_in, db, meeting_today,
                                                                             make_attendee):
    person = make_attendee(meeting_today)
    later, earlier = utcnow() - timedelta(minutes=2), utcnow() - timedelta(minutes=9)
    assert sync(signed_in, meeting_today, [item(person, at=later)]).json["results"][0]["outcome"] == "recorded"
    second = sync(signed_in, meeting_today, [item(person, at=earlier)]).json["results"][0]
    assert second["outcome"] == "already_in" and second["since"] == services.local_time(meeting_today, later)
    assert count(db, Attendance) == 1
    times = db.session.scalars(select(OfflineCheckIn.happened_at).order_by(OfflineCheckIn.id)).all()
    assert [t.replace(microsecond=0) for t in times] == [later.replace(microsecond=0), earlier.replace(microsecond=0)]


def test_what_changed_while_the_desk_was_offline_comes_back_as_conflicts(signed_in, db, meeting_today,
                                                                         make_attendee, make_meeting, desk):
    declined, cancelled, lost, early, late = (make_attendee(meeting_today) for _ in range(5))
    elsewhere = make_attendee(make_meeting(title="Another"))
    old_hash = badge_hash(lost)
    declined.status, cancelled.status = RegistrationStatus.declined, RegistrationStatus.cancelled
    services.replace_badge(meeting_today, lost, actor=desk)
    db.session.commit()
    items = [item(declined), item(cancelled), item(lost, method="scan", badge_hash=old_hash),
             item(early, at=datetime.combine(meeting_today.starts_on - timedelta(days=1), datetime.min.time(),
                                            tzinfo=UTC)),
             item(late, at=utcnow() + timedelta(hours=1)), item(elsewhere)]
    results = sync(signed_in, meeting_today, items).json["results"]
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("conflict", "declined"), ("conflict", "cancelled"), ("conflict", "badge_replaced"),
        ("conflict", "not_a_meeting_day"), ("conflict", "in_the_future"), ("conflict", "unknown_person")]
    assert all(r["message"] for r in results)
    assert count(db, Attendance) == 0
    page = signed_in.get(url(meeting_today, "conflicts"))
    assert page.status_code == 200 and "declined while the desk was offline" in page.text
    assert page.text.count("<tr>") == 1 + 6 and "(no longer registered)" in page.text


def test_a_badge_handed_over_offline_is_recorded_once_at_the_device_time(signed_in, db, meeting_today,
                                                                        make_attendee, make_registration, desk):
    person = make_attendee(meeting_today)
    declined = make_registration(meeting_today, status=RegistrationStatus.declined)
    at = utcnow().replace(microsecond=0) - timedelta(minutes=3)
    hand_over = {**item(person, at=at), "kind": "hand_over", "id_checked": True}
    answers = sync(signed_in, meeting_today, [hand_over, {**item(declined), "kind": "hand_over",
                                                          "id_checked": True}]).json["results"]
    assert [(a["kind"], a["outcome"], a["reason"]) for a in answers] == [
        ("hand_over", "recorded", ""), ("hand_over", "conflict", "declined")]
    assert sync(signed_in, meeting_today, [hand_over]).json["results"] == answers[:1]  # sent again: same answer
    other_desk = sync(signed_in, meeting_today, [{**item(person), "kind": "hand_over", "id_checked": True}])
    assert other_desk.json["results"][0]["outcome"] == "already_in"
    rows = db.session.scalars(select(BadgeCollection)).all()
    assert [(r.registration_id, r.collected_at, r.handed_over_by_id, r.id_checked) for r in rows] == [
        (person.id, at, desk.id, True)]
    assert count(db, Attendance) == 0  # handing a badge over is not a check-in


BAD_BODIES = {
    "not json": None,
    "no items": {"device": str(uuid.uuid4())},
    "items not a list": {"device": str(uuid.uuid4()), "items": {"a": 1}},
    "bad device": {"device": "phone-1", "items": []},
    "bad id": {"items": [{"id": "1"}]},
    "time without zone": {"items": [{"at": "2026-01-01T10:00:00"}]},
    "registration as text": {"items": [{"registration": "7"}]},
    "manual method": {"items": [{"method": "manual"}]},
    "scan without its badge hash": {"items": [{"method": "scan"}]},
    "hand-over without a photo ID check": {"items": [{"kind": "hand_over"}]},
    "unknown kind": {"items": [{"kind": "check_out"}]},
    "same id twice": "twice",
    "too many": "many",
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_bad_sync_request_is_refused_and_records_nothing(signed_in, db, meeting_today, make_attendee, case):
    person = make_attendee(meeting_today)
    good = item(person)
    body = BAD_BODIES[case]
    if body == "twice":
        body = {"items": [good, good]}
    elif body == "many":
        body = {"items": [item(person) for _ in range(offline.SYNC_BATCH + 1)]}
    elif body is not None and "items" in body and isinstance(body["items"], list) and body["items"]:
        body = {"items": [{**good, **body["items"][0]}]}
    if body is not None:
        body = {"device": str(uuid.uuid4()), **body}
        response = signed_in.post(url(meeting_today, "sync"), json=body)
    else:
        response = signed_in.post(url(meeting_today, "sync"), data="not json", content_type="application/json")
    assert response.status_code == 400 and "nothing was recorded" in response.json["message"]
    assert count(db, Attendance) == 0 and count(db, OfflineCheckIn) == 0


def test_a_check_in_id_of_another_meetings_desk_is_refused(signed_in, db, auth, make_user, meeting_today,
                                                           make_attendee, make_meeting):
    other = make_meeting(title="Another", starts_on=meeting_today.starts_on, ends_on=meeting_today.ends_on,
                         timezone="UTC")
    theirs = item(make_attendee(other))
    auth.sign_in(make_user(roles=[(other, "staff")]))
    assert sync(signed_in, other, [theirs]).status_code == 200
    auth.sign_in(make_user(roles=[(meeting_today, "staff")]))
    response = sync(signed_in, meeting_today, [theirs])
    assert response.status_code == 400 and count(db, OfflineCheckIn) == 1
