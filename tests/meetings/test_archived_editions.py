"""Archived editions are read-only on the server, the pages say so, and the current edition is listed first
(issue 18, item 4)."""
import re
from datetime import date, timedelta

import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.delegations.models import Delegation
from meeting_manager.invitations.models import Invitation
from meeting_manager.jobs.models import Job
from meeting_manager.mail.models import OutboxMessage
from meeting_manager.meetings.models import Meeting, MeetingStatus
from meeting_manager.meetings.readonly import READ_ONLY_WRITES
from meeting_manager.registration.models import Registration, RegistrationStatus

#: route arguments that say which meeting a request is about
MEETING_ARGS = {"meeting_id", "delegation_id", "registration_id", "job_id"}
LINK_ENDPOINTS = {"invitations.accept", "invitations.decline", "registration.register_invited"}


@pytest.fixture
def archived(make_meeting, db):
    start = date.today() - timedelta(days=640)
    return make_meeting(title="Global Meeting 2024", edition=4, starts_on=start, ends_on=start + timedelta(days=2),
                        status=MeetingStatus.archived)


@pytest.fixture
def archived_rows(archived, db, make_delegation, make_registration, make_invitation, admin):
    archived.status = MeetingStatus.closed  # the edition's records were made before it was archived
    delegation = make_delegation(archived)
    registration = make_registration(archived, status=RegistrationStatus.pending)
    invitation, token = make_invitation(archived)
    job = Job(kind="badges", meeting_id=archived.id)
    db.session.add(job)
    archived.status = MeetingStatus.archived
    db.session.commit()
    return {"meeting_id": archived.id, "delegation_id": delegation.id, "registration_id": registration.id,
            "invitation_id": invitation.id, "job_id": job.id, "token": token}


def _counts(db) -> tuple:
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                 for model in (Delegation, Registration, Invitation, OutboxMessage, AuditEvent))


def _writes(app):
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"} or rule.endpoint in READ_ONLY_WRITES:
            continue
        if rule.arguments & MEETING_ARGS or rule.endpoint in LINK_ENDPOINTS:
            yield rule


def test_every_write_to_an_archived_edition_is_refused(app, client, db, auth, admin, archived_rows):
    """Walks the URL map: any route that writes to a meeting (or through its invitation link) is refused with 409
    and changes nothing, whoever asks (here an admin, who may do everything else)."""
    auth.sign_in(admin)
    before = _counts(db)
    walked = []
    for rule in _writes(app):
        values = {name: archived_rows.get(name, 1) for name in rule.arguments}
        for name, converter in rule._converters.items():  # an any(...) part takes one of its own words
            if getattr(converter, "items", None):
                values[name] = sorted(converter.items)[0]
        values.setdefault("key", "registrations")
        values.setdefault("role", "organiser")
        path = rule.build(values, append_unknown=False)[1]
        method = sorted(rule.methods - {"GET", "HEAD", "OPTIONS"})[0]  # POST, or the API's DELETE
        data = {"name": "Changed", "status": "archived", "outcome": "approved",
                "registration_ids": [archived_rows["registration_id"]]}
        response = client.open(path, method=method, data=data)
        assert response.status_code == 409, (rule.endpoint, response.status_code)
        assert "archived" in response.text
        walked.append(rule.endpoint)
    assert {"delegations.new", "invitations.new", "balance.decide", "agenda.import_agenda", "agenda.new_session",
            "delegations.nominate", "registration.cancel", "invitations.accept", "meetings.edit"} <= set(walked)
    db.session.expire_all()
    assert _counts(db) == before
    assert db.session.get(Registration, archived_rows["registration_id"]).status == RegistrationStatus.pending


def test_an_archived_editions_invitation_link_opens_nothing(client, archived_rows):
    page = client.get(f"/i/{archived_rows['token']}")
    assert page.status_code == 409 and "invitation links can no longer be used" in page.text
    assert client.get(f"/i/{archived_rows['token']}/register").status_code == 409


def test_the_pages_of_an_archived_edition_say_it_is_read_only(client, auth, admin, archived_rows):
    auth.sign_in(admin)
    meeting_id = archived_rows["meeting_id"]
    for path in (f"/meetings/{meeting_id}/manage", f"/meetings/{meeting_id}/delegations",
                 f"/meetings/{meeting_id}/registrations"):
        page = client.get(path)
        assert page.status_code == 200 and "This edition is archived and read-only." in page.text, path


def test_an_organiser_reopens_an_archived_edition(client, db, auth, organiser_of_archived, archived):
    auth.sign_in(organiser_of_archived)
    form = client.get(f"/meetings/{archived.id}/edit").text
    data = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    data.update({"title": archived.title, "status": "closed", "timezone": archived.timezone,
                 "starts_on": archived.starts_on.isoformat(), "ends_on": archived.ends_on.isoformat(),
                 "capacity": str(archived.capacity), "registration_mode": archived.registration_mode.value,
                 "country_code": archived.country_code or "", "region_scheme_id": str(archived.region_scheme_id),
                 "previous_id": "0"})
    response = client.post(f"/meetings/{archived.id}/edit", data=data)
    assert response.status_code == 302, response.text
    db.session.refresh(archived)
    assert archived.status == MeetingStatus.closed
    assert client.post(f"/meetings/{archived.id}/delegations/new", data={}).status_code != 409


@pytest.fixture
def organiser_of_archived(make_user, archived):
    return make_user("Olu Organiser", roles=[(archived, "organiser")])


def test_a_live_edition_is_not_read_only(client, auth, organiser, meeting):
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/manage")
    assert "archived and read-only" not in page.text
    assert client.post(f"/meetings/{meeting.id}/delegations/new", data={}).status_code == 200  # the form again


def test_the_current_edition_is_listed_first(client, auth, make_user, make_meeting, archived):
    soon = date.today() + timedelta(days=60)
    current = make_meeting(title="Global Meeting 2026", starts_on=soon, ends_on=soon + timedelta(days=2))
    later = soon + timedelta(days=730)
    draft = make_meeting(title="Global Meeting 2028", starts_on=later, ends_on=later + timedelta(days=2),
                         status=MeetingStatus.draft)
    archived.starts_on = date.today() + timedelta(days=900)  # a mistyped date does not put it first either
    archived.ends_on = archived.starts_on + timedelta(days=1)
    organiser = make_user(roles=[(archived, "organiser"), (current, "organiser"), (draft, "organiser")])
    auth.sign_in(organiser)
    page = client.get("/").text
    worked_on = page.split("Meetings you work on", 1)[1].split("Global Meetings</h1>", 1)[0]
    titles = re.findall(r">(Global Meeting 20\d\d)<", worked_on)
    assert titles == ["Global Meeting 2026", "Global Meeting 2028", "Global Meeting 2024"]


def test_the_database_refuses_changes_to_an_archived_edition_whoever_makes_them(archived_rows, db, make_registration):
    """The page guard covered HTTP only: a CLI command, a job or a service call could still change an archived
    edition (a registration added, a delegation renamed, a registration deleted)."""
    from meeting_manager.meetings.readonly import ArchivedEdition
    archived = db.session.get(Meeting, archived_rows["meeting_id"])
    before = _counts(db)
    with pytest.raises(ArchivedEdition):
        make_registration(archived)
    db.session.rollback()
    delegation = db.session.get(Delegation, archived_rows["delegation_id"])
    delegation.name = "Renamed"
    with pytest.raises(ArchivedEdition):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Registration, archived_rows["registration_id"]))
    with pytest.raises(ArchivedEdition):
        db.session.commit()
    db.session.rollback()
    assert _counts(db) == before and db.session.get(Delegation, archived_rows["delegation_id"]).name != "Renamed"


def test_erasure_still_reaches_an_archived_edition(archived_rows, db, admin):
    """A person's right to erasure has no archive exception."""
    from meeting_manager.privacy.services import erase_person
    registration = db.session.get(Registration, archived_rows["registration_id"])
    email = registration.email
    erase_person(email, actor=admin)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)
                             .where(Registration.email == email)) == 0


def test_the_periodic_passes_leave_an_archived_edition_alone(archived_rows, db):
    """The daily digests and the expiry of offers write bookkeeping on the meeting's rows: on an archived edition
    they would now be refused and stop the pass for every meeting."""
    from meeting_manager.delegations.models import Delegation as _Delegation
    from meeting_manager.delegations.notices import send_digests as focal_digests
    from meeting_manager.waitlist.services import tick
    archived = db.session.get(Meeting, archived_rows["meeting_id"])
    archived.status = MeetingStatus.closed
    db.session.get(_Delegation, archived_rows["delegation_id"]).focal_notice = "digest"
    db.session.flush()  # chosen while the edition was live
    archived.status = MeetingStatus.archived
    db.session.commit()
    assert focal_digests() == 0 and tick() == {"expired": 0, "digests": 0}
    db.session.commit()
