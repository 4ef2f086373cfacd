"""Every kind of mail (each templates/emails/*.subject.txt), in each of the six languages, made the way the app
sends it: a service or an HTTP action queues it into the outbox, while whoever caused it (an organiser, another
participant, a browser) reads another language. Each message must speak its recipient's language: no sentence of
the sender's language or of English that the catalogs translate, the HTML part's lang and dir, dates written by
Babel in that language, and the person's own values intact."""
import html
import re
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from flask_babel import force_locale

from conftest import new_meeting
from meeting_manager.balance import services as balance
from meeting_manager.balance.models import DecisionMode
from meeting_manager.delegations import notices
from meeting_manager.invitations.services import issue_invitation, send_reminders
from meeting_manager.languages.catalog import LANGUAGES, direction, html_tag
from meeting_manager.languages.catalogs import extract, po_path, translated
from meeting_manager.mail.models import OutboxMessage
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import RegistrationStatus
from meeting_manager.registration.services import cancel_registration, change_status, register_participant
from meeting_manager.waitlist import services as waitlist
from meeting_manager.waitlist.models import NoticeMode

S = RegistrationStatus
EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
#: every kind of message there is: a new template without a producer below fails its test
KINDS = sorted(path.name.removesuffix(".subject.txt") for path in EMAILS.glob("*.subject.txt"))
#: a person of each language, as they type their name (given, family)
NAMES = {"ar": ("ليلى", "الحسيني"), "zh": ("秀英", "王"), "en": ("Mary", "O'Brien"), "fr": ("Hélène", "Côté-Ndiaye"),
         "ru": ("Ольга", "Петрова"), "es": ("José", "Núñez")}
ENGLISH_MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                            r"December)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]")


def ambient_of(language: str) -> str:
    """The language whoever causes the message reads (the sender, the request): never the recipient's."""
    return "fr" if language != "fr" else "es"


# --- what each language writes --------------------------------------------------------------------------------

@cache
def _in_the_code() -> dict[str, list[str]]:
    """The messages the code asks for now, singular -> English forms: a catalog's entry the code no longer uses
    (its new wording waits for the translators) says nothing about what a message should read."""
    with tempfile.TemporaryDirectory() as folder, extract(Path(folder) / "messages.pot").open("rb") as file:
        return {_forms_of(message.id)[0]: _forms_of(message.id) for message in read_po(file) if message.id}


def _forms_of(text) -> list[str]:
    return list(text) if isinstance(text, tuple | list) else [text]


@cache
def _catalog_forms() -> list[dict[str, list[str]]]:
    """Each translated message the code uses as {language: [its forms]} (English: the msgid and its plural)."""
    by_id: dict = {}
    for code in translated():
        with po_path(code).open("rb") as file:
            for message in read_po(file, locale=code):
                if not message.id or not message.string or _forms_of(message.id)[0] not in _in_the_code():
                    continue
                ids = _forms_of(message.id)
                entry = by_id.setdefault((message.context, tuple(ids)), {"en": ids})
                entry[code] = [s for s in _forms_of(message.string) if s]
    return list(by_id.values())


@cache
def awaiting_translation(language: str) -> tuple[str, ...]:
    """The English of the messages new in the code that `language`'s catalog has no translation of yet (the
    catalog test names them): until the translators have been, a message may still show them in English."""
    if language == "en":
        return ()
    done = {entry["en"][0] for entry in _catalog_forms() if entry.get(language)}
    return tuple(form for singular, forms in _in_the_code().items() if singular not in done for form in forms)


def _sentences(text: str) -> list[str]:
    """The literal stretches of a message between its placeholders, of three words or more."""
    return [part.strip() for part in PLACEHOLDER.split(text) if len(part.split()) >= 3]


@cache
def foreign_sentences(language: str) -> tuple[str, ...]:
    """Sentences that English or the ambient language writes and `language` writes differently: in a message to
    a reader of `language`, each one is a string left untranslated (or rendered in the sender's language)."""
    found = set()
    for entry in _catalog_forms():
        own = " ".join(entry.get(language, []))
        if language != "en" and language not in entry:
            continue  # not translated yet: the catalog test says so
        for other in {"en", ambient_of(language)} - {language}:
            for form in entry.get(other, []):
                found.update(s for s in _sentences(form) if s not in own)
    return tuple(sorted(found, key=len, reverse=True))


def readable(markup: str) -> str:
    """What a person reads: tags dropped, entities decoded, bidi isolates removed, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(text).replace("\u2068", "").replace("\u2069", "").split())


def problems_of(message: OutboxMessage, language: str, values: list[str], meeting) -> list[str]:
    where = f"[{language}] {message.subject!r}:"
    problems = []
    parts = {"subject": readable(message.subject), "text": readable(message.text_body),
             "html": readable(message.html_body)}
    for part, text in parts.items():
        left = [s for s in foreign_sentences(language) if s in text
                and not any(s in new for new in awaiting_translation(language))]
        if left:
            problems.append(f"{where} {part} not in the reader's language: {left[:3]}")
        without_links = re.sub(r"https?://\S+", "", text)
        if language != "en" and (month := ENGLISH_MONTHS.search(without_links)):
            problems.append(f"{where} {part} has an English month name: {month.group()}")
        if date := ISO_DATE.search(without_links):
            problems.append(f"{where} {part} has a date as strftime writes it: {date.group()}")
    root = re.search(r"<html\b[^>]*>", message.html_body)
    expected = f'lang="{html_tag(language)}" dir="{direction(language)}"'
    if root is None or expected not in root.group():
        problems.append(f"{where} the HTML part is not marked {expected}: {root and root.group()}")
    if meeting is not None:
        month = (r"\d{4}年\d{1,2}月\d{1,2}日" if language == "zh" else "|".join(
            re.escape(format_date(meeting.starts_on, width, locale=language)) for width in ("MMMM", "MMM")))
        if not re.search(month, parts["html"]):
            problems.append(f"{where} the meeting's dates are not written in the reader's language")
    for value in values:
        for part in ("text", "html"):
            if value not in parts[part]:
                problems.append(f"{where} {value!r} is not intact in the {part} part")
    return problems


# --- the people and how each message comes about ----------------------------------------------------------------

class World:
    """Makes the people of one test: names in their language, an address for each, the accounts' locales."""

    def __init__(self, app, db, make_user, make_registration, make_delegation, make_agenda_session):
        self.app, self.db = app, db
        self.make_user, self.make_registration = make_user, make_registration
        self.make_delegation, self.make_agenda_session = make_delegation, make_agenda_session

    def user(self, language: str, *, roles=(), email=None):
        given, family = NAMES[language]
        user = self.make_user(f"{given} {family}", email=email, roles=roles)
        user.locale = language
        self.db.session.commit()
        return user

    def person(self, meeting, language: str, **fields):
        given, family = NAMES[language]
        return self.make_registration(meeting, given_name=given, family_name=family, locale=language, **fields)

    def organiser(self, meeting, language: str):
        return self.user(language, roles=[(meeting, "organiser")])

    def last_to(self, address: str) -> OutboxMessage:
        return self.db.session.scalars(self.db.select(OutboxMessage).where(OutboxMessage.recipient == address)
                                       .order_by(OutboxMessage.id.desc())).first()


def _status_mail(status):
    def produce(world, language):
        meeting = new_meeting()
        person = world.person(meeting, language)
        with force_locale(ambient_of(language)):  # the organiser deciding reads their own language
            if status == S.cancelled:
                cancel_registration(person, actor=world.organiser(meeting, ambient_of(language)))
            else:
                change_status(person, status, actor=world.organiser(meeting, ambient_of(language)))
        world.db.session.commit()
        return world.last_to(person.email), [person.given_name, person.family_name], meeting
    return produce


def _received(world, language):
    meeting = new_meeting()
    given, family = NAMES[language]
    data = dict(given_name=given, family_name=family, email=f"new-{language}@example.org", gender="woman",
                nationality="DE", residence_country="DE", category_id=meeting.categories[0].id, relation="expert",
                data_consent=True, locale=language)
    with force_locale(ambient_of(language)):
        register_participant(meeting, data)
    world.db.session.commit()
    return world.last_to(data["email"]), [given, family], meeting


def _agenda_promoted(world, language):
    meeting = new_meeting()
    session = world.make_agenda_session(meeting, "Atelier «Eau»", capacity=1)
    holder = world.person(meeting, ambient_of(language), status=S.approved)
    waiting = world.person(meeting, language, status=S.approved)
    from meeting_manager.agenda import services as agenda

    for person in (holder, waiting):
        agenda.sign_up(session, person, actor=None)
    with force_locale(ambient_of(language)):  # the one who gives the place back reads their own language
        agenda.cancel_signup(session, holder, actor=None)
    world.db.session.commit()
    return world.last_to(waiting.email), [waiting.given_name, waiting.family_name, "Atelier «Eau»"], meeting


def _focal_point_news(digest: bool):
    def produce(world, language):
        meeting = new_meeting()
        focal = world.user(language)
        delegation = world.make_delegation(meeting, focal_point=focal, name="Mission of Côte d'Ivoire")
        if digest:
            notices.set_notice_mode(delegation, notices.DIGEST)
            delegation.focal_digest_at = utcnow() - timedelta(days=1)
        member = world.person(meeting, ambient_of(language), delegation_id=delegation.id, category_code="state")
        with force_locale(ambient_of(language)):
            change_status(member, S.approved, actor=world.organiser(meeting, ambient_of(language)))
            if digest:
                assert notices.send_digests() == 1
        world.db.session.commit()
        return world.last_to(focal.email), [focal.name, member.given_name, "Mission of Côte d'Ivoire"], meeting
    return produce


def _invitation(world, language):
    """A focal point's invitation: nobody has an account yet, so the meeting's default language is theirs."""
    meeting = new_meeting(default_language=language)
    delegation = world.make_delegation(meeting, name="Mission of Côte d'Ivoire")
    given, family = NAMES[language]
    with force_locale(ambient_of(language)):
        invitation, _token = issue_invitation(
            meeting, email=f"focal-{language}@example.org", actor=world.organiser(meeting, ambient_of(language)),
            given_name=given, family_name=family, delegation_id=delegation.id, is_focal_point=True, seats=3)
    world.db.session.commit()
    return world.last_to(invitation.email), [given, family, "Mission of Côte d'Ivoire"], meeting


def _invitation_reminder(world, language):
    """The invitee has an account in their own language: that, not the meeting's default, is theirs."""
    meeting = new_meeting(default_language=ambient_of(language))
    invitee = world.user(language, email=f"invitee-{language}@example.org")
    given, family = NAMES[language]
    with force_locale(ambient_of(language)):
        organiser = world.organiser(meeting, ambient_of(language))
        issue_invitation(meeting, email=invitee.email, actor=organiser, given_name=given, family_name=family)
        send_reminders(meeting, None, actor=organiser)
    world.db.session.commit()
    return world.last_to(invitee.email), [given, family], meeting


def _invitation_declined(world, language):
    """The invitee declines on the invitation's page, which they read in their language."""
    meeting = new_meeting(default_language=ambient_of(language))
    given, family = NAMES[language]
    invitation, token = issue_invitation(meeting, email=f"decline-{language}@example.org", actor=None,
                                         given_name=given, family_name=family)
    world.db.session.commit()
    response = world.app.test_client().post(f"/i/{token}/decline", headers={"Accept-Language": language})
    assert response.status_code == 200
    return world.last_to(invitation.email), [given, family], meeting


def _account_link(path: str):
    def produce(world, language):
        user = world.user(language)
        response = world.app.test_client().post(path, data={"email": user.email},
                                                headers={"Accept-Language": ambient_of(language)})
        assert response.status_code in (200, 302, 303)
        return world.last_to(user.email), [user.name], None
    return produce


def _waitlist(kind: str):
    """A full meeting whose seat is freed: the first on the waiting list is offered it, organisers are told."""
    def produce(world, language):
        organiser_language = language if kind.startswith("organiser") else ambient_of(language)
        person_language = ambient_of(language) if kind.startswith("organiser") else language
        meeting = new_meeting(capacity=2)
        organiser = world.organiser(meeting, organiser_language)
        balance.save_policy(meeting, {"decision_mode": DecisionMode.manual, "mix_min_size": None,
                                      "mix_is_violation": False}, [], actor=None)
        if kind == "organiser_digest":
            waitlist.save_settings(meeting, offer_hours=24, organiser_notice=NoticeMode.digest, actor=organiser)
        seated = [world.make_registration(meeting, status=S.approved) for _ in range(2)]
        waiting = world.person(meeting, person_language, status=S.waitlisted)
        world.db.session.commit()
        with force_locale(ambient_of(language)):
            cancel_registration(seated[0], actor=None)
            if kind == "expired":
                assert waitlist.tick(utcnow() + timedelta(days=4))["expired"] == 1
            if kind == "organiser_digest":
                assert waitlist.send_digests() == 1
        world.db.session.commit()
        if kind.startswith("organiser"):
            return world.last_to(organiser.email), [organiser.name, waiting.given_name], meeting
        return world.last_to(waiting.email), [waiting.given_name, waiting.family_name], meeting
    return produce


PRODUCERS = {
    "registration_received": _received,
    "registration_approved": _status_mail(S.approved),
    "registration_waitlisted": _status_mail(S.waitlisted),
    "registration_declined": _status_mail(S.declined),
    "registration_cancelled": _status_mail(S.cancelled),
    "agenda_promoted": _agenda_promoted,
    "delegation_news": _focal_point_news(digest=False),
    "delegation_digest": _focal_point_news(digest=True),
    "invitation": _invitation,
    "invitation_reminder": _invitation_reminder,
    "invitation_declined": _invitation_declined,
    "password_reset": _account_link("/account/forgot-password"),
    "sign_in_link": _account_link("/account/sign-in-link"),
    "waitlist_offer": _waitlist("offer"),
    "waitlist_offer_expired": _waitlist("expired"),
    "waitlist_organiser_notice": _waitlist("organiser_notice"),
    "waitlist_digest": _waitlist("organiser_digest"),
}


@pytest.fixture
def world(app, db, reference, make_user, make_registration, make_delegation, make_agenda_session):
    return World(app, db, make_user, make_registration, make_delegation, make_agenda_session)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_mail_speaks_its_recipients_language(world, kind):
    problems = []
    for language in LANGUAGES:
        message, values, meeting = PRODUCERS[kind](world, language)
        assert message is not None, f"[{language}] no {kind} message was queued"
        problems += problems_of(message, language, values, meeting)
    assert problems == [], "\n".join(problems)


def test_the_checks_find_an_english_sentence_in_a_french_message(world):
    """The test above would pass on anything if it could not see English: here it must."""
    message, values, meeting = PRODUCERS["registration_approved"](world, "fr")
    message.text_body += "\nUntil then you can see and change your details."
    assert any("text not in the reader's language" in p for p in problems_of(message, "fr", values, meeting))


def test_an_organisers_own_text_goes_in_the_readers_language_else_marked_in_the_meetings(world):
    """Organisers word a message per language; a reader of a language they did not write gets the meeting's
    default language's text, marked with its lang and dir, inside a message that is otherwise theirs."""
    from meeting_manager.meeting_mail.services import save_text

    meeting = new_meeting()
    organiser = world.organiser(meeting, "fr")
    save_text(meeting, "registration_approved", "en", "{meeting}: welcome", "See you on {start}, {name}.",
              actor=organiser)
    save_text(meeting, "registration_approved", "ar", "{meeting}: مرحبًا", "نراكم في {start}، {name}.", actor=organiser)
    arabic, russian = world.person(meeting, "ar"), world.person(meeting, "ru")
    with force_locale("fr"):
        for person in (arabic, russian):
            change_status(person, S.approved, actor=organiser)
    world.db.session.commit()

    to_arabic = world.last_to(arabic.email)
    start = format_date(meeting.starts_on, "long", locale="ar")
    assert to_arabic.subject == "Global Meeting 2026: مرحبًا"
    assert f"نراكم في {start}، " in readable(to_arabic.text_body)
    assert problems_of(to_arabic, "ar", [arabic.given_name], meeting) == []
    assert 'lang="en"' not in to_arabic.html_body

    to_russian = world.last_to(russian.email)
    assert to_russian.subject == "Global Meeting 2026: welcome"
    assert "See you on" in to_russian.text_body and russian.given_name in to_russian.text_body
    assert '<div lang="en" dir="ltr">' in to_russian.html_body
    assert '<html lang="ru" dir="ltr">' in to_russian.html_body
