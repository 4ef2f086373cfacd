"""A locked or stopped database: 503 with Retry-After, what the person typed kept for a second try, nothing
written, and the app recovers by itself when the database is back (issue 20, finding 9)."""
import sqlite3
from html.parser import HTMLParser

from sqlalchemy import func, select, text

from conftest import registration_form_data
from meeting_manager.access import PUBLIC, allow
from meeting_manager.extensions import db
from meeting_manager.registration.models import Registration


class _Form(HTMLParser):
    """The first form of a page: its action, its hidden fields (in order) and the names of its other inputs."""

    def __init__(self):
        super().__init__()
        self.action, self.hidden, self.inputs, self._done = None, [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and self.action is not None:
            if attrs.get("type") == "hidden":
                self.hidden.append((attrs["name"], attrs.get("value", "")))
            else:
                self.inputs.append((attrs.get("type"), attrs["name"]))

    def handle_endtag(self, tag):
        self._done = self._done or tag == "form"


def form_of(page: str) -> _Form:
    parser = _Form()
    parser.feed(page)
    return parser


def typed(meeting):
    return registration_form_data(meeting, given_name="Ngozi", family_name="Okafor-Ibe", email="ngozi@example.org",
                                  organisation="Centre for Peace & Justice <Lagos>", dietary="no pork; nut allergy")


def assert_kept_for_a_second_try(response, url, data):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Try again" in page and "Nothing was saved" in page
    form = form_of(page)
    assert form.action == url
    assert sorted(form.hidden) == sorted(data.items())  # every field, as typed (escaped in the HTML, not lost)
    return form


def registrations_in(db_url_path: str) -> int:
    with sqlite3.connect(db_url_path) as connection:
        return connection.execute("SELECT count(*) FROM registrations").fetchone()[0]


def test_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(outage_app, tmp_path):
    app, _meeting = outage_app(f"sqlite:///{tmp_path / 'mm.sqlite'}")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_apply_while_another_connection_holds_the_write_lock(outage_app, tmp_path):
    path = tmp_path / "mm.sqlite"
    app, meeting = outage_app(f"sqlite:///{path}")
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 200  # the writer gives up after 0.2 s (5 s by default)
    url, data = f"/meetings/{meeting.id}/apply", typed(meeting)
    db.session.remove()
    db.engine.dispose()
    client = app.test_client()

    locker = sqlite3.connect(path, isolation_level=None, timeout=0)
    locker.execute("BEGIN EXCLUSIVE")  # another process writing: a long import, a backup, a stuck job
    try:
        response = client.post(url, data=data)
        form = assert_kept_for_a_second_try(response, url, data)
        assert locker.execute("SELECT count(*) FROM registrations").fetchone()[0] == 0
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert registrations_in(path) == 0

    again = client.post(form.action, data=dict(form.hidden))  # "Try again": the same fields, no restart
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:500]
    db.session.remove()
    [registration] = db.session.scalars(select(Registration)).all()
    assert (registration.given_name, registration.email) == ("Ngozi", "ngozi@example.org")
    assert registration.organisation == "Centre for Peace & Justice <Lagos>"


def test_a_password_is_asked_again_and_a_file_named_as_lost(outage_app, tmp_path):
    path = tmp_path / "mm.sqlite"
    app, _meeting = outage_app(f"sqlite:///{path}")
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100

    @app.route("/test-only/upload", methods=["POST"])
    @allow(PUBLIC)
    def upload():
        db.session.execute(text("UPDATE meetings SET capacity = capacity + 1"))
        db.session.commit()
        return "saved"

    db.engine.dispose()
    import io

    locker = sqlite3.connect(path, isolation_level=None, timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        response = app.test_client().post("/test-only/upload", content_type="multipart/form-data", data={
            "title": "Note", "password": "s3cret-typed", "file": (io.BytesIO(b"%PDF-1.4"), "note.pdf")})
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "s3cret-typed" not in page  # a password is never written into a page
    form = form_of(page)
    assert form.hidden == [("title", "Note")]
    assert ("password", "password") in form.inputs and ("file", "file") in form.inputs
    assert "choose the file again" in page and 'enctype="multipart/form-data"' in page


def test_api_gets_json_503(outage_app, tmp_path):
    path = tmp_path / "mm.sqlite"
    app, _meeting = outage_app(f"sqlite:///{path}")
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100

    @app.route("/api/test-only/capacity", methods=["POST"])
    @allow(PUBLIC)
    def bump():
        db.session.execute(text("UPDATE meetings SET capacity = capacity + 1"))
        db.session.commit()
        return {"ok": True}

    db.engine.dispose()
    locker = sqlite3.connect(path, isolation_level=None, timeout=0)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        response = app.test_client().post("/api/test-only/capacity")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 503 and response.is_json
    assert response.json["error"] == "database_unavailable" and response.headers["Retry-After"]


def test_a_statement_bug_is_still_a_500_not_an_outage(outage_app, tmp_path):
    app, _meeting = outage_app(f"sqlite:///{tmp_path / 'mm.sqlite'}")

    @app.route("/test-only/bug")
    @allow(PUBLIC)
    def bug():
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "never"

    assert app.test_client().get("/test-only/bug").status_code == 500


def test_postgres_stopped_and_started_again(private_postgres, outage_app):
    app, meeting = outage_app(private_postgres.url)
    url, data = f"/meetings/{meeting.id}/apply", typed(meeting)
    client = app.test_client()
    assert client.get(url).status_code == 200  # the pool now holds a connection to the server

    private_postgres.stop()
    response = client.post(url, data=data)
    form = assert_kept_for_a_second_try(response, url, data)
    json_answer = client.get("/", headers={"Accept": "application/json"})
    assert json_answer.status_code == 503 and json_answer.json["error"] == "database_unavailable"

    private_postgres.start()  # the same app, no restart
    again = client.post(form.action, data=dict(form.hidden))
    assert again.status_code in (302, 303), again.get_data(as_text=True)[:500]
    db.session.remove()
    assert db.session.scalar(select(func.count(Registration.id))) == 1

