"""The one fixture set: app, database, client, CLI runner, signed-in users of each role, and factories.

SQLite (default): a new in-memory database per test. PostgreSQL (TEST_DATABASE_URL): the schema is created once
and every table is emptied after each test.
"""
import io
import itertools
import os
import secrets
import shutil
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import create_engine, text


def _database_per_xdist_worker() -> None:
    """Under pytest-xdist on PostgreSQL, each worker gets its own database (<name>_<worker>), so that the
    per-test truncation of one worker never empties the tables of another."""
    url, worker = os.environ.get("TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    if name.endswith(f"_{worker}"):  # already done (this module imported under a second name)
        return
    own = f"{name}_{worker}"
    with psycopg.connect(f"{base.replace('+psycopg', '')}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
            connection.execute(f'CREATE DATABASE "{own}"')
    os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


_database_per_xdist_worker()

from config import TestingConfig  # imported here: it reads TEST_DATABASE_URL, set just above for xdist workers
from meeting_manager import create_app
from meeting_manager.accounts.models import MeetingRole, MeetingRoleName, User
from meeting_manager.accounts.services import set_password
from meeting_manager.extensions import db as _db
from meeting_manager.languages.catalogs import compile_all
from meeting_manager.meetings.models import MeetingStatus, RegistrationMode
from meeting_manager.meetings.services import create_meeting
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Registration

PASSWORD = "correct horse battery"


def pytest_configure(config):
    # A catalog edited since the last build is compiled once, by the controller, before the workers start.
    if not hasattr(config, "workerinput"):
        compile_all()
ON_POSTGRES = TestingConfig.SQLALCHEMY_DATABASE_URI.startswith("postgresql")


def _forget_cached_user() -> None:
    g.pop("_login_user", None)


@pytest.fixture(scope="session")
def _fresh_postgres_schema():
    """On PostgreSQL, start each run from an empty schema: create_all() does not alter the tables of an older run."""
    if ON_POSTGRES:
        engine = create_engine(TestingConfig.SQLALCHEMY_DATABASE_URI)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def _empty_postgres_tables() -> None:
    """Truncate the tables a test wrote to: TRUNCATE costs per table, about 1 s for all of them at every test."""
    tables = [t.name for t in _db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"(SELECT '{name}' FROM \"{name}\" LIMIT 1)" for name in tables)
    used = _db.session.scalars(text(probe)).all()
    if used:
        names = ", ".join(f'"{name}"' for name in used)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    _db.session.commit()


@pytest.fixture
def app(tmp_path, _fresh_postgres_schema):
    class Config(TestingConfig):
        STORAGE_DIR = tmp_path / "storage"

    app = create_app(Config)
    # Requests in a test reuse the test's app context, hence its `g`, where Flask-Login caches the user: forget it
    # before each request, so that every client is who its own cookie says (not whoever signed in last).
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
    with app_database(app):
        yield app


@contextmanager
def app_database(app):
    """Inside `app`'s context with its tables created; afterwards they are emptied (PostgreSQL) or dropped."""
    with app.app_context():
        _db.create_all()
        yield
        _db.session.remove()
        if ON_POSTGRES:
            _empty_postgres_tables()
        else:
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def reference(app):
    """The shipped countries and the built-in region schemes."""
    load_reference_data()
    _db.session.commit()


_counter = itertools.count(1)


@pytest.fixture
def make_user(db):
    def make(name=None, *, email=None, is_admin=False, password=PASSWORD, roles=()):
        n = next(_counter)
        user = User(email=email or f"user{n}@example.org", name=name or f"User {n}", is_admin=is_admin)
        set_password(user, password)
        for meeting, role in roles:
            user.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName(role)))
        db.session.add(user)
        db.session.commit()
        return user

    return make


def new_meeting(**overrides):
    """An open meeting in 60 days (committed), in whatever app context is current."""
    start = date.today() + timedelta(days=60)
    data = {
        "title": "Global Meeting 2026", "edition": 5, "starts_on": start, "ends_on": start + timedelta(days=2),
        "timezone": "Europe/Berlin", "venue": "Conference Centre", "city": "Berlin", "country_code": "DE",
        "capacity": 300, "status": MeetingStatus.open, "registration_mode": RegistrationMode.open,
    }
    data.update(overrides)
    meeting = create_meeting(data, actor=None)
    meeting.registration_opens_at = meeting.registration_opens_at or utcnow() - timedelta(days=1)
    _db.session.commit()
    return meeting


@pytest.fixture
def make_meeting(db, reference):
    return new_meeting


@pytest.fixture
def meeting(make_meeting):
    return make_meeting()


@pytest.fixture
def admin(make_user):
    return make_user("Ada Admin", is_admin=True)


@pytest.fixture
def organiser(make_user, meeting):
    return make_user("Olu Organiser", roles=[(meeting, "organiser")])


@pytest.fixture
def staff(make_user, meeting):
    return make_user("Sam Staff", roles=[(meeting, "staff")])


@pytest.fixture
def participant(make_user):
    return make_user("Pat Participant")


class AuthActions:
    """Sign in and out through the real form (flaskr's helper)."""

    def __init__(self, client):
        self._client = client

    def sign_in(self, user, password=PASSWORD):
        response = self._client.post("/account/sign-in", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.text
        return response

    def sign_out(self):
        return self._client.post("/account/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def outbox(db):
    """Messages kept in the outbox, newest last."""
    from meeting_manager.mail.models import OutboxMessage

    return lambda: list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


if os.environ.get("TEST_DATABASE_URL"):
    print(f"Testing on {TestingConfig.SQLALCHEMY_DATABASE_URI.split('@')[-1]}")


@pytest.fixture
def make_registration(db):
    """A registration row built directly (services are tested on their own); returns the Registration."""
    from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

    def make(meeting, *, given_name="Amina", family_name=None, gender=Gender.woman, country="KE",
             category_code="civil_society", status=RegistrationStatus.pending, **fields):
        import secrets

        n = next(_counter)
        category = next(c for c in meeting.categories if c.code == category_code)
        registration = Registration(
            meeting=meeting, given_name=given_name, family_name=family_name or f"Person{n}",
            badge_name=f"{given_name} {family_name or f'Person{n}'}", email=f"p{n}@example.org", gender=gender,
            nationality=country, residence_country=country, represented_country=country, category=category,
            status=status, data_consent_at=utcnow(), badge_token=secrets.token_urlsafe(24), **fields,
        )
        db.session.add(registration)
        db.session.commit()
        return registration

    return make


# --- checkin ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def make_attendee(make_registration):
    """An approved registration, ready to be checked in."""
    from meeting_manager.registration.models import RegistrationStatus

    def make(meeting, **fields):
        fields.setdefault("status", RegistrationStatus.approved)
        return make_registration(meeting, **fields)

    return make


@pytest.fixture
def desk_clock(monkeypatch):
    """desk_clock(meeting, day=None, hour=10): the check-in desk's clock set to that day of the meeting (its first
    day by default), at the venue; the desk records only today."""
    from datetime import datetime, time

    from meeting_manager.checkin import services

    def set_clock(meeting, day=None, hour=10):
        moment = datetime.combine(day or meeting.starts_on, time(hour), tzinfo=meeting.tz)
        monkeypatch.setattr(services.days, "utcnow", lambda: moment)
        return moment

    return set_clock


@pytest.fixture
def desk_on_first_day(desk_clock, meeting):
    """The desk's clock on the first day of `meeting`."""
    return desk_clock(meeting)


@pytest.fixture
def make_checkin_session(db):
    """An agenda session of a meeting on one of its days (10:00-11:30 at the venue), built directly."""
    from datetime import datetime, time

    def make(meeting, day=None, *, title="Workshop", kind="workshop", start=time(10), minutes=90):
        from meeting_manager.agenda.models import Session, SessionKind

        starts_at = datetime.combine(day or meeting.starts_on, start, tzinfo=meeting.tz)
        session = Session(meeting_id=meeting.id, title=title, kind=SessionKind(kind), starts_at=starts_at,
                          ends_at=starts_at + timedelta(minutes=minutes))
        db.session.add(session)
        db.session.commit()
        return session

    return make


# --- invitations and delegations -------------------------------------------------------------------------------------

@pytest.fixture
def make_invitation(db):
    """Issue an invitation through the service (its mail is queued); returns (invitation, token)."""
    from meeting_manager.invitations.services import issue_invitation

    def make(meeting, email=None, *, actor=None, **fields):
        invitation, token = issue_invitation(
            meeting, email=email or f"invitee{next(_counter)}@example.org", actor=actor, **fields
        )
        db.session.commit()
        return invitation, token

    return make


@pytest.fixture
def make_delegation(db):
    """A delegation row; `focal_point` (a User) makes that user its accepted focal point."""
    from meeting_manager.delegations.models import Delegation, DelegationKind

    def make(meeting, *, kind="state", country="KE", seats=3, focal_point=None, name=None, **fields):
        n = next(_counter)
        delegation = Delegation(
            meeting=meeting, name=name or f"Delegation {n}", kind=DelegationKind(kind), country_code=country,
            seats=seats, focal_point_name=focal_point.name if focal_point else f"Focal Point {n}",
            focal_point_email=focal_point.email if focal_point else f"focal{n}@example.org",
            focal_point_user_id=focal_point.id if focal_point else None, **fields,
        )
        db.session.add(delegation)
        db.session.commit()
        return delegation

    return make


# --- agenda ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def make_room(db):
    """A room of a meeting (50 seats unless told)."""
    from meeting_manager.agenda.models import Room

    def make(meeting, name=None, *, capacity=50, **fields):
        room = Room(meeting_id=meeting.id, name=name or f"Room {next(_counter)}", capacity=capacity, **fields)
        db.session.add(room)
        db.session.commit()
        return room

    return make


@pytest.fixture
def make_agenda_session(db):
    """A published agenda session built directly; times are wall-clock "HH:MM" in the meeting's zone."""
    from datetime import datetime, time

    def make(meeting, title=None, *, day=None, start="10:00", end="11:00", kind="workshop", room=None,
             speakers=(), published=True, **fields):
        from meeting_manager.agenda.models import PersonRole, Session, SessionKind, SessionPerson

        day = day or meeting.starts_on

        def at(hm):
            return datetime.combine(day, time.fromisoformat(hm), tzinfo=meeting.tz)

        session = Session(meeting_id=meeting.id, title=title or f"Session {next(_counter)}", kind=SessionKind(kind),
                          starts_at=at(start), ends_at=at(end), room=room, published=published, **fields)
        session.people = [SessionPerson(role=PersonRole.speaker, registration=r, position=i)
                          for i, r in enumerate(speakers)]
        db.session.add(session)
        db.session.commit()
        return session

    return make


# --- documents -------------------------------------------------------------------------------------------------------

@pytest.fixture
def hard_meeting(meeting, db, make_registration, make_delegation, make_checkin_session):
    """The meeting with the hardest names of the demo (tests/documents/pdfcheck.HARD_PEOPLE), approved, each with
    a visa request, the longest organisation and country, a long delegation name, and check-ins on day 1 and in a
    session; returns (meeting, people)."""
    from datetime import datetime, time

    from meeting_manager.checkin.models import Attendance, AttendanceKind, CheckInMethod
    from meeting_manager.registration.models import RegistrationStatus, VisaRequest
    from tests.documents.pdfcheck import HARD_COUNTRY, HARD_ORGANISATION, HARD_PEOPLE

    delegation = make_delegation(meeting, kind="ngo", country=HARD_COUNTRY, seats=len(HARD_PEOPLE),
                                 name="Permanent Mission of Saint Vincent and the Grenadines to the United Nations")
    session = make_checkin_session(meeting, meeting.starts_on, title="Early warning and the responsibility to "
                                   "protect: regional perspectives")
    people = []
    for i, person in enumerate(HARD_PEOPLE):
        fields = dict(person)
        nationality = fields.pop("nationality")
        registration = make_registration(
            meeting, status=RegistrationStatus.approved, country=nationality, organisation=HARD_ORGANISATION,
            position="Senior Programme Officer for Prevention and Accountability", delegation=delegation,
            dietary="vegetarian, no nuts" if i % 2 else "", public_listing_consent=True,
            **{k: v for k, v in fields.items() if k not in ("given_name", "family_name")},
            given_name=fields["given_name"], family_name=fields["family_name"] or None)
        if not fields["family_name"]:
            registration.family_name = ""
        registration.badge_name = registration.name_for("salutation")
        registration.passport_name = registration.name_for("salutation")
        registration.residence_country = HARD_COUNTRY if i % 3 == 0 else nationality
        registration.email = f"participant.number.{i}.with-a-long-address@ministry-of-foreign-affairs.example.org"
        db.session.add(VisaRequest(registration=registration, passport_number=f"P{i:07d}X",
                                   passport_expiry=meeting.ends_on + timedelta(days=900),
                                   date_of_birth=date(1980, 1, 1) + timedelta(days=400 * i),
                                   place_of_birth="Kingstown"))
        if i % 2 == 0:
            for session_id in (None, session.id):
                db.session.add(Attendance(meeting_id=meeting.id, registration_id=registration.id,
                                          kind=AttendanceKind.check_in, day=meeting.starts_on, session_id=session_id,
                                          at=datetime.combine(meeting.starts_on, time(9, i), tzinfo=meeting.tz),
                                          method=CheckInMethod.manual))
        people.append(registration)
    db.session.commit()
    return meeting, people


# --- mail and jobs ---------------------------------------------------------------------------------------------------

class SMTPServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, started and stopped by the test.

    `messages` holds what it accepted, parsed (email.message.EmailMessage); `recipients` the envelope recipients
    of each. Set `rcpt_reply` (e.g. "550 5.1.1 No such user") to refuse recipients, `delay` (seconds) to make each
    message take a while. `configure(app)` points the app's MAIL_SERVER at it.
    """

    def __init__(self):
        import socket

        with socket.socket() as probe:  # a port nobody listens on until start()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.messages, self.recipients = [], []
        self.rcpt_reply = None
        self.delay = 0.0
        self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email
        import email.policy

        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> "SMTPServer":
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def configure(self, app) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_USE_TLS=False, MAIL_TIMEOUT=5)


@pytest.fixture
def smtp_server():
    """A running SMTP server; `smtp_server.stop()` / `.start()` take it down and up again on the same port."""
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def shared_db_app(tmp_path, _fresh_postgres_schema):
    """An app whose database other threads and processes can open too (the in-memory one cannot be shared):
    TEST_DATABASE_URL on PostgreSQL, else a SQLite file. Its STORAGE_DIR is tmp_path/"storage"."""
    from sqlalchemy import event

    url = TestingConfig.SQLALCHEMY_DATABASE_URI if ON_POSTGRES else f"sqlite:///{tmp_path / 'shared.sqlite'}"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        STORAGE_DIR = tmp_path / "storage"

    app = create_app(Config)
    app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
    with app.app_context():
        if not ON_POSTGRES:  # a throwaway file: no need to wait for the disk at every commit
            event.listen(_db.engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=OFF"))
        _db.create_all()
        yield app
        _db.session.remove()
        if ON_POSTGRES:
            _empty_postgres_tables()
        _db.engine.dispose()


#: a real, headless Chromium for the browser tests (Debian's package), and the flags every launch takes
CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def sign_in_browser(page, base_url: str, email: str) -> list[str]:
    """Sign in through the real form in a browser page; returns the list that collects the page's console errors
    from then on (a Content-Security-Policy violation shows there)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base_url}/account/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    return errors


@pytest.fixture
def served(shared_db_app):
    """The shared-database app served over HTTP on a free port (the browser's requests run in the server's
    threads); yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, shared_db_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# --- registration ---------------------------------------------------------------------------------------------


def registration_form_data(meeting, **overrides) -> dict:
    """A complete, valid registration form for `meeting` (override any field by keyword; None drops it)."""
    category = next(c for c in meeting.categories if c.code == "civil_society")
    data = {
        "submission_key": secrets.token_hex(12),
        "given_name": "Amina", "family_name": "Diallo", "badge_name": "", "email": "amina@example.org",
        "gender": "woman", "nationality": "SN", "residence_country": "SN", "organisation": "Centre for Peace",
        "organisation_country": "", "position": "Researcher", "category_id": str(category.id),
        "relation": "member", "dietary": "", "accessibility": "", "interpretation_language": "fr",
        "data_consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def form_data(meeting):
    """A complete, valid registration form for `meeting` (override any field by keyword)."""

    def make(meeting=meeting, **overrides):
        return registration_form_data(meeting, **overrides)

    return make


@pytest.fixture
def visa_data(meeting):
    """The passport fields of a visa request that passes every check."""
    return {"visa_letter": "y", "passport_number": "P1234567X",
            "passport_expiry": (meeting.ends_on + timedelta(days=400)).isoformat(),
            "date_of_birth": "1985-04-12", "place_of_birth": "Dakar"}


@pytest.fixture
def registrations(db):
    """All registrations, oldest first."""
    return lambda: list(db.session.scalars(db.select(Registration).order_by(Registration.id)))


@pytest.fixture
def seat_freed_calls():
    """Record the seat_freed signals sent, to check that registration tells whoever listens (balance)."""
    from meeting_manager.signals import seat_freed

    calls = []

    def heard(meeting, *, actor=None):
        calls.append((meeting.id, actor))

    with seat_freed.connected_to(heard):
        yield calls


@pytest.fixture
def register(app, meeting, form_data, db):
    """Register through the form with a fresh browser; returns (client signed in as the participant, registration)."""

    def do(meeting=meeting, client=None, **overrides):
        client = client or app.test_client()
        response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(meeting, **overrides))
        assert response.status_code == 303, response.text[:2000]
        registration = db.session.scalar(db.select(Registration).order_by(Registration.id.desc()))
        if registration.user_id is None:  # typing the address proved nothing: the emailed link proves it
            assert use_emailed_link(client, registration.email).status_code == 302
            db.session.refresh(registration)
        return client, registration

    return do


def emailed_link(email: str, kind: str = "sign_in") -> str:
    """The path of the newest link of that kind mailed to `email` (read from the outbox, as its owner would)."""
    import re

    from meeting_manager.mail.models import OutboxMessage

    message = _db.session.scalar(_db.select(OutboxMessage).where(
        OutboxMessage.recipient == email, OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc()))
    assert message is not None, f"no {kind} mail to {email}"
    return re.search(r"https?://[^/\s]+(/\S+)", message.text_body).group(1)


def use_emailed_link(client, email: str):
    """Open the sign-in link mailed to `email` and use it (the page's button is a POST)."""
    return client.post(emailed_link(email))


@pytest.fixture
def approve(db, organiser):
    """Approve a registration as the organiser would (no rule checks: that is balance's part)."""
    from meeting_manager.registration.models import RegistrationStatus
    from meeting_manager.registration.services import change_status

    def do(registration):
        change_status(registration, RegistrationStatus.approved, actor=organiser)
        db.session.commit()
        return registration

    return do


# --- uploads -------------------------------------------------------------------------------------------------------


class HostileFiles:
    """Spreadsheets that cost a reader a lot, built in the test (no big binaries in the repository).

    `xlsx(rows, dimension=...)` writes a minimal workbook by hand: `rows` maps a spreadsheet row number to its cells
    (inline strings), so that one far-away cell costs a few bytes; `dimension` is the declared <dimension ref>
    (None: none declared; "auto": the true one). `bomb(mb)` is a workbook whose sheet is `mb` MB of repetitive XML
    compressed to a small fraction of it.
    """

    _CONTENT_TYPES = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>')
    _ROOT_RELS = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    _WORKBOOK = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    _WORKBOOK_RELS = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    _SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main">')

    @staticmethod
    def _row(number: int, cells) -> str:
        from xml.sax.saxutils import escape

        from openpyxl.utils import get_column_letter

        xml = "".join(f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                      for i, v in enumerate(cells, start=1) if v != "")
        return f'<row r="{number}">{xml}</row>'

    def _workbook(self, write_sheet, shared_strings: int = 0) -> bytes:
        """`shared_strings`: that many distinct strings in xl/sharedStrings.xml (which openpyxl reads whole)."""
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            types, rels = self._CONTENT_TYPES, self._WORKBOOK_RELS
            if shared_strings:
                types = types.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                      'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
                rels = rels.replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.'
                                    'org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    "</Relationships>")
            archive.writestr("[Content_Types].xml", types)
            archive.writestr("_rels/.rels", self._ROOT_RELS)
            archive.writestr("xl/workbook.xml", self._WORKBOOK)
            archive.writestr("xl/_rels/workbook.xml.rels", rels)
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
                write_sheet(lambda text: sheet.write(text.encode()))
            if shared_strings:
                with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                    strings.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.'
                                  b'org/spreadsheetml/2006/main">')
                    for start in range(0, shared_strings, 10_000):
                        strings.write("".join(f"<si><t>s{n}</t></si>" for n in
                                              range(start, min(start + 10_000, shared_strings))).encode())
                    strings.write(b"</sst>")
        return out.getvalue()

    def xlsx(self, rows: dict, *, dimension: str | None = "auto") -> bytes:
        from openpyxl.utils import get_column_letter

        if dimension == "auto":
            width = max(len(cells) for cells in rows.values())
            dimension = f"A1:{get_column_letter(width)}{max(rows)}"

        def write(put):
            put(self._SHEET_HEAD + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>")
            for number in sorted(rows):
                put(self._row(number, rows[number]))
            put("</sheetData></worksheet>")

        return self._workbook(write)

    def far_cell(self, header="email", *, dimension="auto") -> bytes:
        """A header and one cell at A1048576 (the last row Excel has): a few KB."""
        return self.xlsx({1: [header], 1048576: ["far@example.org"]}, dimension=dimension)

    def many_rows(self, n: int, header=("email",), cell=lambda i: [f"p{i}@example.org"], *, dimension="auto"):
        rows = {1: list(header)} | {i: cell(i) for i in range(2, n + 2)}
        return self.xlsx(rows, dimension=dimension)

    def bomb(self, mb: int = 84) -> bytes:
        """A sheet of `mb` MB of XML (the same row over and over), declaring a small dimension."""
        row = self._row(2, ["x@example.org"]).replace('r="2"', "").replace('r="A2"', "")

        def write(put):
            put(self._SHEET_HEAD + '<dimension ref="A1:A2"/><sheetData>' + self._row(1, ["email"]))
            chunk = row * 10_000
            for _ in range(mb * 1024 * 1024 // len(chunk) + 1):
                put(chunk)
            put("</sheetData></worksheet>")

        return self._workbook(write)

    def wide_row(self, cells: int) -> bytes:
        """A header and one row of `cells` cells (no r= attributes, no dimension): one <row> of a few MB."""

        def write(put):
            put(self._SHEET_HEAD + "<sheetData>" + self._row(1, ["email"]) + "<row>")
            for _ in range(0, cells, 10_000):
                put('<c t="inlineStr"><is><t>x</t></is></c>' * 10_000)
            put("</row></sheetData></worksheet>")

        return self._workbook(write)

    def many_strings(self, n: int) -> bytes:
        """A workbook of two rows whose shared-strings table holds `n` distinct strings."""

        def write(put):
            put(self._SHEET_HEAD + '<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                '</row><row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>')

        return self._workbook(write, shared_strings=n)

    @staticmethod
    def csv_rows(n: int, header="email", cell=lambda i: f"p{i}@example.org") -> bytes:
        return (header + "\n" + "".join(f"{cell(i)}\n" for i in range(n))).encode()


@pytest.fixture
def hostile_files():
    return HostileFiles()


@pytest.fixture
def zip_members_opened(monkeypatch):
    """The names of the zip members read while the test runs (a refused zip bomb has none read)."""
    import zipfile

    opened, real_open = [], zipfile.ZipFile.open

    def spy(self, name, mode="r", *args, **kwargs):
        if mode == "r":  # building a file in the test writes members; only reading them counts
            opened.append(getattr(name, "filename", name))
        return real_open(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


@pytest.fixture
def sheet_rows_read(monkeypatch):
    """How many rows openpyxl has handed out of a sheet (gap-filling empty rows included) while the test runs.

    Past 50,000 it stops the reader with an error: a reader that would go on to a million rows is caught
    without waiting for it.
    """
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    count, real = [0], ReadOnlyWorksheet._cells_by_row

    def counted(self, *args, **kwargs):
        for row in real(self, *args, **kwargs):
            count[0] += 1
            if count[0] > 50_000:
                raise RuntimeError("read past 50,000 rows")
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counted)
    return count


# --- database outages ----------------------------------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary folder on a free port of 5200-5209, run as the
    `postgres` user (initdb refuses root): it can be stopped and started without touching the machine's server."""

    PORTS = range(5200, 5210)

    def __init__(self, bin_dir: str):
        import tempfile

        self.bin = bin_dir
        self.root = tempfile.mkdtemp(prefix="mm_wt20b_pg_")
        os.chmod(self.root, 0o755)
        shutil.chown(self.root, "postgres")
        self.data, self.log = f"{self.root}/data", f"{self.root}/log"
        self.port = self._free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _free_port(self) -> int:
        import socket

        for port in self.PORTS:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        pytest.skip("no free port in 5200-5209 for a private PostgreSQL")

    def _run(self, tool: str, *args: str) -> None:
        import subprocess

        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args], check=True,
                       capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        import subprocess

        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate",
                        "stop"], capture_output=True, timeout=60, check=False)  # already stopped is fine
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres():
    """A running private PostgreSQL (PrivatePostgres); skipped where the server binaries or runuser are absent."""
    import glob
    import pwd

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        found = []
    if not found or not shutil.which("runuser") or os.geteuid() != 0:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl), the postgres user or root for runuser are absent")
    server = PrivatePostgres(os.path.dirname(found[-1]))
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def outage_app(tmp_path):
    """Build an app on a given database URL (its tables created, reference data and a meeting loaded), inside its
    context; returns (app, meeting). Engines are disposed at the end."""
    built = []

    def build(url: str):
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            STORAGE_DIR = tmp_path / "storage"

        app = create_app(Config)
        context = app.app_context()
        context.push()
        built.append(context)
        _db.create_all()
        load_reference_data()
        _db.session.commit()
        return app, new_meeting()

    yield build
    for context in built:
        _db.session.remove()
        _db.engine.dispose()
        context.pop()


# --- backup and restore ----------------------------------------------------------------------------------------------


@pytest.fixture
def installation(monkeypatch):
    """Start the app as a machine whose MEETING_MANAGER_VAR is `var` would: config.py is read afresh there (keys
    generated or read from var/, as at a real start), with the test settings on top. `database_url` None: the
    SQLite file var/meeting_manager.sqlite; other keywords are environment variables (kept until the test ends).
    Each call is a new start (e.g. after a restore)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for name in ("SECRET_KEY", "BADGE_KEY", "BADGE_KEY_FALLBACKS", "PASSPORT_KEYS", "DATABASE_URL", "STORAGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    started = itertools.count()

    def start(var, database_url=None, **environment):
        monkeypatch.setenv("MEETING_MANAGER_VAR", str(var))
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        if database_url:
            monkeypatch.setenv("DATABASE_URL", database_url)
        spec = importlib.util.spec_from_file_location(f"config_as_started_{next(started)}", root / "config.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

        class Config(module.Config):
            TESTING, WTF_CSRF_ENABLED, RATELIMIT_ENABLED = True, False, False
            MAIL_SERVER = CELERY_BROKER_URL = JOBS_RUNNER = None
            PASSWORD_HASHER = TestingConfig.PASSWORD_HASHER

        app = create_app(Config)
        app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)
        return app

    return start


# --- waiting-list offers and meeting mail (issue 18) ----------------------------------------------------------------

@pytest.fixture
def mail_to(smtp_server):
    """Deliver the outbox to the test's SMTP server; returns the messages it received for one address."""
    from meeting_manager.mail.services import deliver_due

    def received(address: str) -> list:
        deliver_due()
        return [m for m, rcpt in zip(smtp_server.messages, smtp_server.recipients, strict=True) if address in rcpt]

    return received


@pytest.fixture
def full_meeting(make_meeting, make_registration, make_user, db):
    """A meeting deciding by hand with capacity 2, both seats approved, and two waitlisted people (French and
    Spanish speakers, the French one earlier), and an organiser (`boss_of(meeting)`); returns (meeting,
    [approved...], [waitlisted...])."""
    from datetime import timedelta as _timedelta

    from meeting_manager.balance import services as balance
    from meeting_manager.balance.models import DecisionMode
    from meeting_manager.registration.models import RegistrationStatus as _S

    meeting = make_meeting(capacity=2)
    make_user("Olu Organiser", roles=[(meeting, "organiser")])
    balance.save_policy(meeting, {"decision_mode": DecisionMode.manual, "mix_min_size": None,
                                  "mix_is_violation": False}, [], actor=None)
    seated = [make_registration(meeting, status=_S.approved) for _ in range(2)]
    early = utcnow() - _timedelta(days=3)
    waiting = [make_registration(meeting, status=_S.waitlisted, given_name=name, locale=locale,
                                 submitted_at=early + _timedelta(hours=n))
               for n, (name, locale) in enumerate((("Élodie", "fr"), ("Lucía", "es")))]
    db.session.commit()
    return meeting, seated, waiting


def boss_of(meeting):
    """The organiser of a meeting made by `full_meeting`."""
    from meeting_manager.waitlist.services import organisers_of

    return organisers_of(meeting)[0]


# --- checkin: the offline desk app -------------------------------------------------------------------------------

@pytest.fixture
def meeting_today(make_meeting):
    """An open meeting whose first day is today (UTC at the venue): the offline desk may check people in now."""
    return make_meeting(starts_on=date.today(), ends_on=date.today() + timedelta(days=2), timezone="UTC")


@pytest.fixture
def offline_served(shared_db_app):
    """The shared-database app served for the offline desk's browser tests on a port of 5170-5179 (a free one)."""
    from werkzeug.serving import make_server

    for port in range(5170, 5180):
        try:
            server = make_server("127.0.0.1", port, shared_db_app, threaded=True)
            break
        except OSError:
            continue
    else:
        server = make_server("127.0.0.1", 0, shared_db_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


# --- api --------------------------------------------------------------------------------------------------------------

@pytest.fixture
def make_api_token(db):
    """An API token of `user` through the service; returns the secret to send as Bearer."""
    from meeting_manager.api.tokens import create_token

    def make(user, scopes=("read",), *, days=None, name="Test token"):
        _token, secret = create_token(user, name=name, scopes=list(scopes), days=days)
        db.session.commit()
        return secret

    return make


@pytest.fixture
def api(client):
    """client.<method>(path, token=..., key=..., json=...) with the token and Idempotency-Key headers."""

    class Api:
        def request(self, method, path, *, token=None, key=None, headers=None, **kwargs):
            headers = dict(headers or {})
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if key:
                headers["Idempotency-Key"] = key
            return client.open(path, method=method, headers=headers, **kwargs)

        def get(self, path, **kwargs):
            return self.request("GET", path, **kwargs)

        def post(self, path, **kwargs):
            return self.request("POST", path, **kwargs)

        def delete(self, path, **kwargs):
            return self.request("DELETE", path, **kwargs)

    return Api()


class WebhookReceiver:
    """A real HTTP receiver on 127.0.0.1 (ports 5160-5169): records every request; `down` answers 503."""

    def __init__(self):
        import http.server

        receiver = self
        self.requests, self.down = [], False

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body, receiver.down))
                self.send_response(503 if receiver.down else 200)
                self.end_headers()
                self.wfile.write(b"busy" if receiver.down else b"thanks")

            def log_message(self, *args):
                pass

        for port in range(5160, 5170):
            try:
                self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self):
        """The deliveries it accepted (2xx), as (headers, body)."""
        return [(headers, body) for headers, body, down in self.requests if not down]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
