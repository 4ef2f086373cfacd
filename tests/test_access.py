"""Every route names who may use it, and the app keeps to it: a walk over `app.url_map` for every kind of user.

The walk is generic: routes that features add later are walked too. Ids in URLs are replaced by ids of real
objects of meeting A (found by the argument's name: `registration_id` -> a row of `registrations` in meeting A),
or by an id that does not exist when no such object is there.
"""
import random
import re
import warnings
from datetime import timedelta
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.routing import AnyConverter

from conftest import AuthActions
from meeting_manager.access import ADMIN, ORGANISER, PUBLIC, SIGNED_IN, STAFF, Rule, allow
from meeting_manager.extensions import db as _db
from meeting_manager.mail.models import OutboxMessage
from meeting_manager.models_base import utcnow
from meeting_manager.reference.services import default_scheme

KINDS = ("anonymous", "participant", "staff_a", "organiser_a", "organiser_b", "admin")
MISSING_ID = 987654
REDIRECTS = (301, 302, 303, 307, 308)


def walked_rules(app: Flask):
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint != "static" and not r.endpoint.endswith(".static")),
                  key=lambda r: (r.rule, r.endpoint))


def expected_kinds(rule: Rule, names_meeting: bool, users: dict, view_args: dict) -> set[str]:
    """Who the rule lets in, written out independently for the built-in rules."""
    organisers = {"organiser_a", "admin"} if names_meeting else {"organiser_a", "organiser_b", "admin"}
    table = {
        "public": set(KINDS),
        "signed in": set(KINDS) - {"anonymous"},
        "admin": {"admin"},
        "organiser": organisers,
        "staff": organisers | {"staff_a"},
    }
    if rule.name in table:
        return table[rule.name]
    # A rule a feature added: hold the route to what the rule itself says (the decorator must enforce it).
    return {kind for kind in KINDS if rule.allows(users[kind], view_args)}


# --- the world the walk runs in ------------------------------------------------------------------------------------


def _demo_objects(meeting, organiser, staff, participant):
    """Registrations, and whatever the features' demo hooks add (sessions, rooms, attendance ...), for meeting A."""
    from meeting_manager.demo.services import add_registrations
    from meeting_manager.registration.models import RegistrationStatus

    rng = random.Random(5)
    statuses = dict.fromkeys(RegistrationStatus, 1)
    registrations = add_registrations(meeting, rng, 14, statuses, organiser, utcnow() - timedelta(days=10))
    _db.session.flush()
    hooks = [("demo.balance", "add_demo_policy", meeting, organiser, rng),
             ("demo.invitations", "add_demo_invitations", meeting, organiser, rng),
             ("demo.agenda", "add_demo_agenda", meeting, rng),
             ("demo.badges", "add_demo_print_log", meeting, staff, rng),
             ("demo.checkin", "add_demo_attendance", meeting, rng, staff)]
    for module, function, *args in hooks:
        hook = getattr(import_module(f"meeting_manager.{module}"), function)  # a missing hook fails loudly
        savepoint = _db.session.begin_nested()
        try:
            hook(*args)
            savepoint.commit()
        except Exception as error:  # a broken hook only makes the walk poorer; its own tests catch it
            savepoint.rollback()
            warnings.warn(f"demo hook {module}.{function} failed: {error!r}", stacklevel=2)
    return registrations


@pytest.fixture
def world(app, db, meeting, make_meeting, make_user, admin, organiser, staff, participant, make_registration):
    from meeting_manager.delegations.models import Delegation, DelegationKind
    from meeting_manager.invitations.services import issue_invitation

    meeting_b = make_meeting(title="Regional Meeting B", edition=None)
    organiser_b = make_user("Organiser of B", roles=[(meeting_b, "organiser")])
    other_participant = make_user("Another Participant")
    _demo_objects(meeting, organiser, staff, participant)
    from meeting_manager.registration.models import RegistrationStatus

    own = make_registration(meeting, given_name="Pat", user=participant, status=RegistrationStatus.approved)
    delegation = Delegation(meeting=meeting, name="Permanent Mission of Ghana", kind=DelegationKind.state,
                            country_code="GH", seats=3, focal_point_name=participant.name,
                            focal_point_email=participant.email, focal_point_user_id=participant.id)
    db.session.add(delegation)
    db.session.flush()
    issue_invitation(meeting, email="invitee@example.org", actor=organiser, send=False)
    db.session.add(OutboxMessage(recipient="someone@example.org", subject="Hello", text_body="Hello"))
    db.session.commit()
    users = {"anonymous": None, "participant": participant, "staff_a": staff, "organiser_a": organiser,
             "organiser_b": organiser_b, "admin": admin}
    clients = {}
    for kind, user in users.items():
        clients[kind] = app.test_client()
        if user is not None:  # through the real form: the session is one the server knows and can end
            AuthActions(clients[kind]).sign_in(user)
    from flask_login import AnonymousUserMixin

    users["anonymous"] = AnonymousUserMixin()
    return {"meeting_a": meeting, "meeting_b": meeting_b, "users": users, "clients": clients,
            "own_registration": own, "other_participant": other_participant, "delegation": delegation}


def _model_for(argument: str):
    """The mapped class whose table an `<x>_id` argument names (registration_id -> registrations)."""
    stem = argument.removesuffix("_id")
    names = {stem, f"{stem}s", f"{stem}es", f"{stem[:-1]}ies"}
    for mapper in _db.Model.registry.mappers:
        if mapper.local_table.name in names:
            return mapper.class_
    return None


def object_id(argument: str, meeting) -> tuple[int, object | None]:
    """The id of a real object of meeting A for a URL argument, and the object (or MISSING_ID, None)."""
    model = _model_for(argument)
    if model is None:
        return MISSING_ID, None
    query = _db.select(model)
    if "meeting_id" in model.__table__.c:
        query = query.where(model.__table__.c.meeting_id == meeting.id)
    found = _db.session.scalars(query.order_by(*model.__table__.primary_key.columns).limit(1)).first()
    if found is None:
        return MISSING_ID, None
    return _db.inspect(found).identity[0], found


def url_values(rule, world) -> tuple[dict, dict]:
    """Values for every argument of a route (meeting A and its objects), and the objects used."""
    values, objects = {}, {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name == "meeting_id":
            values[name] = world["meeting_a"].id
        elif name == "user_id":
            values[name] = world["users"]["participant"].id
        elif name == "scheme_id":
            values[name] = default_scheme().id
        elif name == "registration_id":
            values[name], objects[name] = world["own_registration"].id, world["own_registration"]
        elif name == "delegation_id":
            values[name], objects[name] = world["delegation"].id, world["delegation"]
        elif name == "role":
            values[name] = "organiser"
        elif isinstance(converter, AnyConverter):
            values[name] = min(converter.items)
        elif name.endswith("_id"):
            values[name], objects[name] = object_id(name, world["meeting_a"])
        elif converter is not None and converter.regex == r"\d+":
            values[name] = MISSING_ID
        else:
            values[name] = "not-a-real-token-" + "x" * 30
    return values, objects


def outcome(response) -> str:
    if response.status_code == 401 or (
        response.status_code in REDIRECTS and urlsplit(response.headers.get("Location", "")).path == "/account/sign-in"
    ):
        return "sign-in"
    if response.status_code == 403:
        return "forbidden"
    return "through"


def walk(app, world):
    """Request every route as every kind of user; return the list of broken expectations."""
    failures, pages = [], []
    adapter = app.url_map.bind("localhost")
    for rule in walked_rules(app):
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        if access is None:
            continue  # reported by test_every_route_declares_who_may_use_it
        values, _objects = url_values(rule, world)
        url = adapter.build(rule.endpoint, values)
        names_meeting = "meeting_id" in rule.arguments
        allowed = expected_kinds(access, names_meeting, world["users"], values)
        # Object checks inside a view (is this my registration?) may refuse with 403 where the rule lets a user in.
        object_checked = access.name in ("public", "signed in") and bool(set(rule.arguments) - {"meeting_id"})
        methods = rule.methods - {"HEAD", "OPTIONS"}
        for kind in KINDS:
            client = world["clients"][kind]
            tried = []
            if "GET" in methods:
                tried.append(("GET", client.get(url)))
            if "POST" in methods and kind not in allowed:
                tried.append(("POST", client.post(url)))  # no data: the refusal must come before validation
            for method, response in tried:
                got = outcome(response)
                where = f"{method} {url} [{rule.endpoint}, rule {access.name!r}] as {kind}: {response.status_code}"
                if kind in allowed:
                    if got == "sign-in" or (got == "forbidden" and not (object_checked and kind != "admin")):
                        failures.append(f"{where}, refused although the rule allows")
                    elif response.status_code >= 500 and not (rule.endpoint in ANSWERS_WITH_503
                                                              and response.status_code == 503):
                        failures.append(f"{where}, server error")
                    elif response.status_code == 200 and response.mimetype == "text/html":
                        pages.append((where, response.get_data(as_text=True)))
                else:
                    wanted = "sign-in" if kind == "anonymous" and access.needs_sign_in else "forbidden"
                    if got != wanted:
                        failures.append(f"{where}, expected {wanted}")
    return failures, pages


#: routes whose 503 is an answer, not an error: /healthz says "unhealthy" so (the test database has no migration
#: recorded, tests/health/test_healthz.py)
ANSWERS_WITH_503 = {"health.healthz"}


def test_every_route_declares_who_may_use_it(app):
    missing = [f"{r.endpoint} ({r.rule})" for r in walked_rules(app)
               if not isinstance(getattr(app.view_functions[r.endpoint], "access_rule", None), Rule)]
    assert not missing, "routes without @allow(RULE): " + ", ".join(missing)


def test_route_walk_allows_exactly_who_the_rule_names(app, world):
    failures, _pages = walk(app, world)
    assert not failures, f"{len(failures)} broken access expectations:\n" + "\n".join(failures)


#: the intended rule of each foundation route: the walk checks that rules are enforced, this that they are right
FOUNDATION_RULES = {
    "meetings.index": "public", "meetings.show": "public", "meetings.new": "organiser", "meetings.edit": "organiser",
    "meetings.manage": "staff", "accounts.sign_in": "public", "accounts.sign_out": "signed in",
    "accounts.forgot_password": "public", "accounts.reset_password": "public",
    "accounts.request_sign_in_link": "public", "accounts.link_sign_in": "public", "accounts.users": "admin",
    "accounts.new_user": "admin", "accounts.user": "admin", "accounts.revoke_role": "admin",
    "reference.schemes": "admin", "reference.scheme": "admin", "mail.outbox": "admin", "mail.message": "admin",
    "audit.log": "admin",
}


def test_foundation_routes_have_the_intended_rules(app):
    declared = {r.endpoint: getattr(app.view_functions[r.endpoint], "access_rule", None) for r in walked_rules(app)}
    assert {e: getattr(declared.get(e), "name", None) for e in FOUNDATION_RULES} == FOUNDATION_RULES


def test_pages_carry_no_inline_script_or_style(app, world):
    """The strict CSP (script-src 'self') would block them: every page seen in the walk is checked (and for
    attributes written as "None", such as aria-invalid="None", which screen readers read as invalid)."""
    _failures, pages = walk(app, world)
    assert len(pages) > 20
    bad = []
    for where, html in pages:
        if "meeting_mail.preview_html" in str(where):
            continue  # a mail's own HTML (inline style, as mail clients need), served sandboxed with its own CSP
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html):
            bad.append(f"{where}: inline <script>")
        if re.search(r"<[a-z][^>]*\sstyle=", html):
            bad.append(f"{where}: style attribute")
        if re.search(r"<[a-z][^>]*\son[a-z]+=", html):
            bad.append(f"{where}: inline event handler")
        if re.search(r'<[a-z][^>]*\s[a-z-]+="None"', html):
            bad.append(f"{where}: an attribute rendered as \"None\"")
    assert not bad, "\n".join(bad)


def test_organiser_of_b_cannot_reach_objects_of_a_through_meeting_b(app, world):
    """/meetings/B/x/<object of A> must not show A's object to B's organiser: views check the object's meeting."""
    adapter = app.url_map.bind("localhost")
    client = world["clients"]["organiser_b"]
    leaks, checked = [], 0
    for rule in walked_rules(app):
        if "meeting_id" not in rule.arguments or "GET" not in rule.methods:
            continue
        values, objects = url_values(rule, world)
        objects = {k: o for k, o in objects.items() if getattr(o, "meeting_id", None) == world["meeting_a"].id}
        if not objects:
            continue
        values["meeting_id"] = world["meeting_b"].id
        url = adapter.build(rule.endpoint, values)
        response = client.get(url)
        checked += 1
        if 200 <= response.status_code < 300:
            leaks.append(f"GET {url} [{rule.endpoint}] with {sorted(objects)} of meeting A: {response.status_code}")
    assert checked >= 1
    assert not leaks, "\n".join(leaks)


def _writes() -> tuple[int, int]:
    """Every change is audited and every download is a job: their counts tell whether a request wrote."""
    from meeting_manager.audit.models import AuditEvent
    from meeting_manager.jobs.models import Job

    count = _db.func.count
    return (_db.session.scalar(_db.select(count(AuditEvent.id))), _db.session.scalar(_db.select(count(Job.id))))


def test_organiser_of_a_cannot_reach_objects_of_b_through_meeting_a(app, world, organiser, staff, participant):
    """The other way round: A's organiser may use A's URLs, but never with an object of meeting B in them, for
    every route that names an object, GET and POST (a POST with no data must be refused before validation)."""
    _demo_objects(world["meeting_b"], organiser, staff, participant)
    _db.session.commit()
    adapter = app.url_map.bind("localhost")
    client = world["clients"]["organiser_a"]
    leaks, checked = [], 0
    for rule in walked_rules(app):
        if "meeting_id" not in rule.arguments:
            continue
        values, objects = url_values(rule, world)
        swapped = {}
        for name in objects:
            other_id, other = object_id(name, world["meeting_b"])
            if other is not None and getattr(other, "meeting_id", None) == world["meeting_b"].id:
                swapped[name] = other_id
        if not swapped:
            continue
        url = adapter.build(rule.endpoint, values | swapped)
        for method in sorted(rule.methods & {"GET", "POST"}):
            written = _writes()
            response = client.open(url, method=method)
            checked += 1
            # refused: 403/404, or a redirect with a message; but never a page, an error, or anything written
            if 200 <= response.status_code < 300 or response.status_code >= 500 or _writes() != written:
                leaks.append(f"{method} {url} [{rule.endpoint}] with {sorted(swapped)} of meeting B: "
                             f"{response.status_code}")
    assert checked >= 10
    assert not leaks, "\n".join(leaks)


def test_a_participant_cannot_open_another_participants_objects(app, world):
    """Routes naming an object owned by the participant (a registration) refuse another signed-in person."""
    adapter = app.url_map.bind("localhost")
    client = app.test_client()
    AuthActions(client).sign_in(world["other_participant"])
    owner = world["users"]["participant"].id
    leaks, checked = [], 0
    for rule in walked_rules(app):
        if "GET" not in rule.methods:
            continue
        values, objects = url_values(rule, world)
        if not any(getattr(o, "user_id", None) == owner for o in objects.values()):
            continue
        response = client.get(adapter.build(rule.endpoint, values))
        checked += 1
        if 200 <= response.status_code < 300:
            leaks.append(f"{rule.endpoint}: {response.status_code}")
    assert checked >= 1
    assert not leaks, "\n".join(leaks)


# --- the policy itself -----------------------------------------------------------------------------------------


def test_a_route_without_a_rule_is_refused_to_everyone(app, client, admin, auth):
    @app.route("/test-only/forgotten")
    def forgotten():
        return "open"

    assert client.get("/test-only/forgotten").status_code == 403
    auth.sign_in(admin)
    assert client.get("/test-only/forgotten").status_code == 403


def test_the_decorator_runs_before_the_view(app, client, participant, auth):
    ran = []

    @app.route("/test-only/admin-thing", methods=["POST"])
    @allow(ADMIN)
    def admin_thing():
        ran.append(True)
        return "done"

    assert client.post("/test-only/admin-thing").status_code == 302
    auth.sign_in(participant)
    assert client.post("/test-only/admin-thing").status_code == 403
    assert ran == []


@pytest.mark.parametrize("rule, which, allowed", [
    (PUBLIC, "a", set(KINDS)),
    (SIGNED_IN, "a", set(KINDS) - {"anonymous"}),
    (ADMIN, "a", {"admin"}),
    (ORGANISER, "a", {"organiser_a", "admin"}),
    (ORGANISER, "b", {"organiser_b", "admin"}),
    (ORGANISER, None, {"organiser_a", "organiser_b", "admin"}),
    (STAFF, "a", {"staff_a", "organiser_a", "admin"}),
    (STAFF, "b", {"organiser_b", "admin"}),
    (STAFF, None, {"staff_a", "organiser_a", "organiser_b", "admin"}),
])
def test_built_in_rules(world, rule, which, allowed):
    args = {} if which is None else {"meeting_id": world[f"meeting_{which}"].id}
    assert {kind for kind, user in world["users"].items() if rule.allows(user, args)} == allowed


def test_site_menu_by_role(world):
    clients = world["clients"]
    admin_items = ("/account/users", "/reference/schemes", "/outbox/", "/audit/")
    anonymous = clients["anonymous"].get("/").get_data(as_text=True)
    participant = clients["participant"].get("/").get_data(as_text=True)
    admin = clients["admin"].get("/").get_data(as_text=True)
    for path in admin_items:
        assert f'href="{path}"' in admin
        assert f'href="{path}"' not in anonymous and f'href="{path}"' not in participant


def test_meeting_menu_by_role(world):
    meeting = world["meeting_a"]
    staff = world["clients"]["staff_a"].get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    organiser = world["clients"]["organiser_a"].get(f"/meetings/{meeting.id}/manage").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/edit"' in organiser
    assert f'href="/meetings/{meeting.id}/edit"' not in staff
    assert f'href="/meetings/{meeting.id}/manage"' in staff
    public = world["clients"]["organiser_b"].get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'class="meeting-nav"' not in public


# --- HEAD answers like GET (issue 20, finding 11) -----------------------------------------------------------------


def test_every_page_answers_head_as_it_answers_get(app, world):
    """A HEAD (link checkers, monitors, mail scanners) gets the status a GET gets, with no body, for every kind of
    user: `200 if request.method == "GET" else 422` once answered HEAD /account/sign-in with 422."""
    adapter = app.url_map.bind("localhost")
    differ, checked = [], 0
    for rule in walked_rules(app):
        if "GET" not in rule.methods or getattr(app.view_functions[rule.endpoint], "access_rule", None) is None:
            continue
        values, _objects = url_values(rule, world)
        url = adapter.build(rule.endpoint, values)
        for kind in KINDS:
            client = world["clients"][kind]
            get, head = client.get(url), client.head(url)
            checked += 1
            if head.status_code != get.status_code or head.get_data():
                differ.append(f"HEAD {url} as {kind}: {head.status_code}, GET: {get.status_code}")
    assert checked > 100
    assert not differ, "\n".join(differ)


def test_head_of_a_sign_in_link_does_not_use_it(app, client, db, participant):
    """Mail scanners fetch links with HEAD too: only the POST of the landing page signs in."""
    from meeting_manager.accounts import services

    services.send_sign_in_link(participant.email)
    db.session.commit()
    token = _last_link_token(db)
    assert client.head(f"/account/link/{token}").status_code == 200
    with client.session_transaction() as session:
        assert "_user_id" not in session
    response = client.post(f"/account/link/{token}")
    assert response.status_code == 302  # the link still works once


def _last_link_token(db) -> str:
    message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/account/link/([A-Za-z0-9_-]+)", message.text_body)[1]
