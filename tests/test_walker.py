"""The walker: every route, as every kind of user, with real and foreign ids, and every form it reaches submitted
with hostile values and then twice in a row. It asserts no 5xx, no traceback in the log, and nothing written on a
refused request; it fails on a route whose form it cannot fill (a POST route no page offers a form for, or a field
type it has no values for).

Values per field type come from a fixed palette (empty, too long, wrong type, unicode in many scripts, HTML,
formula strings, huge numbers, dates out of range, unknown choices), drawn with a random generator seeded per
form, so that a failure replays exactly. A hypothesis search per form would be stronger but costs minutes.
"""
import logging
import random
import re
from collections import defaultdict
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urljoin, urlsplit

from sqlalchemy import event

from meeting_manager.accounts.services import start_session
from meeting_manager.extensions import db as _db
from tests import test_access
from tests.test_access import KINDS, url_values, walked_rules

world = test_access.world  # the access walk's fixture, asked for by name below

REDIRECTS = (301, 302, 303, 307, 308)

#: POST routes that no page offers as a <form> (the page's script posts to them), with the fields they read
SCRIPT_POSTS = {
    "checkin.scan": ("token", "day"),
    "checkin.search": ("q",),
    "checkin.app_sync": ("device", "items"),  # the desk app posts its queue as JSON
    # The JSON API: called by partner systems with a token, never from a page (tests/api walks it, and schemathesis)
    "api.v1.check_in_by_badge": (), "api.v1.create_invitations": (), "api.v1.create_registration": (),
    "api.v1.create_webhook": (), "api.v1.decide_registration": (), "api.v1.replay_delivery": (),
}

#: POST routes whose form the demo world does not show (the object it acts on is not in that state, or the page
#: is behind a mailed token); the walker posts to them directly, with hostile values for the fields they read
UNSHOWN_FORMS = {
    "accounts.reset_password": ("password", "confirm"),  # behind a mailed token
    "accounts.revoke_role": (),  # the walked user page is the participant's, who holds no role
    "agenda.cancel_signup": (),  # shown once signed up
    "agenda.delete_room": (),  # shown for rooms without sessions
    "balance.copy_policy": (),  # shown when the meeting has a previous edition
    "checkin.check_out": ("day",), "checkin.correct": ("reason",),  # on the desk's script-driven page
    "delegations.invite_focal_point": (), "delegations.verify_note_verbale": (), "delegations.withdraw": (),
    "invitations.accept": (), "invitations.decline": (), "registration.register_invited": (),  # mailed token
    "invitations.import_upload": ("upload_id",), "invitations.map_columns": ("upload_id",),  # after an upload
    "mail.retry": (), "mail.retry_failed": (),  # shown for failed messages only
    "privacy.erase": (),  # shown while a participant's request for erasure waits
    "agenda.revoke_feed": (),  # shown once a calendar feed address was made
    "checkin.check_in": ("day",), "checkin.record_day": ("day", "reason"),  # on the desk's and card's scripts
    "jobs.cancel": (), "jobs.restart": (),  # shown for a running or a failed job
    "mail.release_held": (), "mail.release_waiting": (),  # shown while messages are held or wait
    "registration.visa_address": ("visa_letter_address",),  # shown for a registration with a visa request
    "registration.archive_question": (), "registration.edit_question": ("label", "kind"),  # no question in the demo
    "delegations.confirm": (),  # shown once members are nominated
    "delegations.reject_note_verbale": ("reason",),  # shown while an uploaded note verbale waits
    "meeting_mail.reset_text": (),  # shown for a message with the organisers' own text
    "waitlist.offer": ("answer",),  # behind a mailed token
    "api.revoke_token": (),  # shown once the user made an API token
    "api.delete_webhook": (), "api.replay_delivery": (),  # shown once the meeting has a webhook and a delivery
}

#: tables a refused request may still write to, and why
WRITES_ON_REFUSAL = {
    "audit_events": "a refused attempt that matters (a failed sign-in) is audited",
    "throttle_hits": "failed sign-ins and sent forms are counted, to slow guessing and flooding down",
    "captcha_challenges": "a refused form offers a new CAPTCHA, and a wrong answer uses the old one up",
    "sign_in_sessions": "a refused request by a remembered browser may still replace its remember cookie",
}


# --- values -------------------------------------------------------------------------------------------------------

TEXT = ["", " ", "x" * 5000, "Ünïcödé 王芳 مرحبا Привет ⵜⴰⵎⴰⵣⵉⵖⵜ 🙂", "<script>alert(1)</script><b>bold</b>",
        "=HYPERLINK(\"http://evil.example\")", "+1+1", "-1", "99999999999999999999999999", "' OR 1=1 --", "%s%n{0}"]
NUMBER = ["", "abc", "-1", "0", "3.5", "1e309", "99999999999999999999", "-99999999999999999999", "١٢"]
DATE = ["", "0000-00-00", "0001-01-01", "9999-12-31", "2026-02-30", "tomorrow", "99999-01-01"]
DATETIME = ["", "0001-01-01T00:00", "9999-12-31T23:59", "2026-13-01T25:61", "now"]
EMAIL = ["", "not-an-email", "a@" + "b" * 300 + ".org", "王@例子.中国", "<x@example.org>"]
UNKNOWN_CHOICE = ["unknown-choice-☃", "99999999999999999999", "-1", ""]
FILES = [(b"", "empty.csv"), (b"not,a\nreal,file\n\xff\xfe", "x.csv"), (b"%PDF-1.4 broken", "note.pdf"),
         (b"PK\x03\x04 not a zip", "sheet.xlsx")]

TEXT_TYPES = {"text", "search", "tel", "url", "password", "color"}
KNOWN_TYPES = TEXT_TYPES | {"hidden", "email", "number", "range", "date", "datetime-local", "time", "month", "week",
                            "checkbox", "radio", "file", "submit", "button", "reset", "image"}


class Form:
    def __init__(self, action: str, method: str, enctype: str):
        self.action, self.method, self.enctype = action, method.upper(), enctype
        self.fields: list[dict] = []  # name, kind (input type / select / textarea), value, options, multiple


class FormParser(HTMLParser):
    """The forms of a page with their fields, as a browser would see them."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form, self._select, self._textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", a.get("method") or "get", a.get("enctype") or "")
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self._form.fields.append({"name": a["name"], "kind": kind, "value": a.get("value", ""),
                                      "checked": "checked" in a})
        elif tag == "button" and a.get("name"):
            self._form.fields.append({"name": a["name"], "kind": "submit", "value": a.get("value", "")})
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "kind": "select", "options": [], "selected": [],
                            "multiple": "multiple" in a}
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "kind": "textarea", "value": ""}
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def as_sent(form: Form) -> dict:
    """What the browser sends for the form untouched (the page's own values)."""
    data = defaultdict(list)
    for f in form.fields:
        kind = f["kind"]
        if kind in ("checkbox", "radio"):
            if f["checked"]:
                data[f["name"]].append(f["value"] or "y")
        elif kind == "select":
            chosen = f["selected"] or f["options"][:1]
            data[f["name"]] += chosen if f["multiple"] else chosen[:1]
        elif kind == "file":
            data[f["name"]].append((BytesIO(b""), ""))
        elif kind not in ("submit", "button", "reset", "image"):
            data[f["name"]].append(f["value"])
    return dict(data)


def hostile(form: Form, rng: random.Random) -> dict:
    """The form with every field given a value from its type's palette (hidden fields now and then too)."""
    data = defaultdict(list)
    for f in form.fields:
        kind, name = f["kind"], f["name"]
        if kind not in KNOWN_TYPES | {"select", "textarea"}:
            raise AssertionError(f"the walker has no values for <input type={kind}> ({name} in {form.action})")
        if kind in ("text", "search", "tel", "url", "password", "color", "textarea"):
            data[name].append(rng.choice(TEXT))
        elif kind == "hidden":
            data[name].append(rng.choice([f["value"]] * 3 + TEXT + NUMBER))
        elif kind == "email":
            data[name].append(rng.choice(EMAIL + TEXT))
        elif kind in ("number", "range"):
            data[name].append(rng.choice(NUMBER))
        elif kind in ("date", "month", "week"):
            data[name].append(rng.choice(DATE))
        elif kind in ("datetime-local", "time"):
            data[name].append(rng.choice(DATETIME))
        elif kind in ("checkbox", "radio"):
            if rng.random() < 0.5:
                data[name].append(rng.choice([f["value"] or "y", "y", "unknown-choice-☃"]))
        elif kind == "select":
            options = f["options"] or [""]
            picks = rng.sample(options, k=min(len(options), rng.randint(0, 3))) if f["multiple"] else [
                rng.choice(options)]
            data[name] += picks if rng.random() < 0.7 else [rng.choice(UNKNOWN_CHOICE)]
        elif kind == "file":
            content, filename = rng.choice(FILES)
            data[name].append((BytesIO(content), filename))
    return dict(data)


def fresh(data: dict) -> dict:
    """A copy with new file objects (a file is read by the first request that sends it)."""
    out = {}
    for name, values in data.items():
        out[name] = [(BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v for v in values]
    return out


# --- the world's requests -------------------------------------------------------------------------------------------


class Writes:
    """Tables written by committed statements since the last `take()`, read from the engine's own events."""

    def __init__(self, engine):
        self.pending, self.committed = [], []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda conn: self._end(True))
        event.listen(engine, "rollback", lambda conn: self._end(False))

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        found = re.match(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', statement, re.IGNORECASE)
        if found:
            self.pending.append(found[1])

    def _end(self, committed: bool):
        if committed:
            self.committed += self.pending
        self.pending = []

    def take(self) -> set[str]:
        tables, self.committed = set(self.committed), []
        return tables


class Walk:
    """Requests as the kinds of user of the access walk, keeping what went wrong."""

    def __init__(self, app, world):
        self.app, self.world = app, world
        self.failures: list[str] = []
        self.writes = Writes(_db.engine)
        self.posted: set[str] = set()
        self.requests = self.refused = self.wrote = 0

    def client(self, kind: str):
        client = self.app.test_client()
        user = self.world["users"][kind]
        if kind != "anonymous":
            _db.session.refresh(user)  # a form may have ended its sessions: each client gets a new one
            key = start_session(user)
            _db.session.commit()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = key, True
        return client

    def request(self, client, method: str, url: str, where: str, data=None):
        self.writes.take()
        try:
            response = client.open(url, method=method, data=data, follow_redirects=False)
        except Exception as error:  # a crash the error handler did not catch
            self.failures.append(f"{where}: {method} {url} raised {error!r}")
            return None
        written = self.writes.take()
        refused = response.status_code >= 400 or (response.status_code in REDIRECTS and self._error_flashed(client))
        self.requests, self.refused, self.wrote = (self.requests + 1, self.refused + refused,
                                                   self.wrote + bool(written and not refused))
        if response.status_code >= 500 and not (response.status_code == 503 and url == "/healthz"):
            # /healthz answers 503 by design here: the test database is built without migrations
            self.failures.append(f"{where}: {method} {url} gave {response.status_code}")
        elif refused and (wrong := written - set(WRITES_ON_REFUSAL)):
            self.failures.append(f"{where}: {method} {url} was refused ({response.status_code}) "
                                 f"but wrote to {sorted(wrong)}")
        return response

    @staticmethod
    def _error_flashed(client) -> bool:
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        return any(category in ("error", "warning") for category, _message in flashes)


def _endpoint(app, url: str, method: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method=method)[0]
    except Exception:  # not a route of ours (an external link)
        return None


def test_the_walker_finds_no_server_error(app, world, caplog):
    caplog.set_level(logging.ERROR)
    walk = Walk(app, world)
    adapter = app.url_map.bind("localhost")
    pages: dict[str, list[tuple[str, str]]] = defaultdict(list)  # kind -> (url, html) of every page reached
    post_routes = {r.endpoint for r in walked_rules(app) if "POST" in r.methods}
    # (a) every GET route, with the ids of meeting A's objects, then with meeting B's id in front of them
    for rule in walked_rules(app):
        if "GET" not in rule.methods:
            continue
        values, _objects = url_values(rule, world)
        urls = [adapter.build(rule.endpoint, values)]
        if "meeting_id" in values:
            urls.append(adapter.build(rule.endpoint, values | {"meeting_id": world["meeting_b"].id}))
        for kind in KINDS:
            client = walk.client(kind)
            for url in urls:
                response = walk.request(client, "GET", url, f"{rule.endpoint} as {kind}")
                if response is not None and response.status_code == 200 and response.mimetype == "text/html":
                    pages[kind].append((url, response.get_data(as_text=True)))
    # (b) every form reached, with hostile values, and (c) as the page offers it, twice in a row
    seen = set()
    for kind in KINDS:
        for url, html in pages[kind]:
            for form in page_forms(html):
                action = urljoin(url, form.action) if form.action else url
                if form.method != "POST":
                    continue
                endpoint = _endpoint(app, action, "POST")
                if endpoint is None or (kind, endpoint) in seen:
                    continue
                seen.add((kind, endpoint))
                walk.posted.add(endpoint)
                client, where = walk.client(kind), f"form of {endpoint} on {url} as {kind}"
                rng = random.Random(f"{endpoint}|{kind}")
                for _ in range(3):
                    walk.request(client, "POST", action, where, data=hostile(form, rng))
                untouched = as_sent(form)
                for _ in range(2):  # double submit / save after save
                    walk.request(client, "POST", action, where, data=fresh(untouched))
    for endpoint, fields in (SCRIPT_POSTS | UNSHOWN_FORMS).items():
        if endpoint in walk.posted:
            continue
        rule = next(r for r in walked_rules(app) if r.endpoint == endpoint)
        url = adapter.build(endpoint, url_values(rule, world)[0])
        rng = random.Random(endpoint)
        for kind in ("staff_a", "organiser_a", "admin"):
            client = walk.client(kind)
            for _ in range(3):
                walk.request(client, "POST", url, f"{endpoint} as {kind}", data={f: rng.choice(TEXT) for f in fields})
        walk.posted.add(endpoint)
    unfilled = sorted(post_routes - walk.posted)
    tracebacks = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    problems = [f"{len(walk.failures)} failures:", *walk.failures,
                "POST routes no page offers a form for (add a form, or to SCRIPT_POSTS): " + ", ".join(unfilled),
                "errors in the log:", *tracebacks]
    assert not (walk.failures or unfilled or tracebacks), "\n".join(problems)
    # Not a vacuous walk: many requests, forms of most POST routes, refusals seen and writes seen.
    assert walk.requests > 1000 and walk.refused > 100 and walk.wrote > 20, (walk.requests, walk.refused, walk.wrote)
