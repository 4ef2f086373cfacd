"""A meeting's mail: the look and sender every message about it takes, its organisers' own texts, and the files
an approval carries (the e-ticket and a calendar entry).

The mail package stays ignorant of meetings: it asks `mail_composing` how a message about meeting N looks, and
`mail_attachment_wanted` for the files a message names; this module answers both.
"""
import logging
import re
from datetime import timedelta

from flask import render_template
from flask_babel import force_locale, format_date, get_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import select

from ..audit.services import record
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n_text import tr_text
from ..languages.catalog import LANGUAGES as UN_LANGUAGES
from ..languages.moments import dates_text
from ..mail.services import PLACEHOLDERS, custom_parts, html_document
from ..meetings.models import Meeting
from ..models_base import utcnow
from ..registration.documents import render_e_ticket
from ..registration.models import Registration, RegistrationStatus
from ..registration.services import external_url
from ..signals import mail_attachment_wanted, mail_composing
from .models import MailText, MeetingMailSettings

log = logging.getLogger(__name__)

#: the messages organisers may word themselves, with what each is for
EDITABLE = {
    "registration_received": _l("Registration received"),
    "registration_approved": _l("Registration approved"),
    "registration_waitlisted": _l("Put on the waiting list"),
    "registration_declined": _l("Registration declined"),
    "registration_cancelled": _l("Registration cancelled"),
    "waitlist_offer": _l("A place is offered from the waiting list"),
}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def settings_for(meeting: Meeting | int) -> MeetingMailSettings:
    """The meeting's mail settings (a default, unsaved row when the organisers kept the defaults)."""
    meeting_id = meeting if isinstance(meeting, int) else meeting.id
    return db.session.get(MeetingMailSettings, meeting_id) or MeetingMailSettings(
        meeting_id=meeting_id, sender_name="", reply_to="", contact="", colour="#1f5f8b")


def save_settings(meeting: Meeting, data: dict, *, actor) -> MeetingMailSettings:
    """Save the sender name, reply-to, footer contact and colour; a bad value changes nothing."""
    problems = []
    colour = (data.get("colour") or "#1f5f8b").strip()
    reply_to = (data.get("reply_to") or "").strip()
    if not _COLOUR.match(colour):
        problems.append(_l("The colour must be written like #1f5f8b."))
    if reply_to and not _ADDRESS.match(reply_to):
        problems.append(_l("The reply-to address is not an email address."))
    if problems:
        raise ValidationFailed(problems=problems)
    row = settings_for(meeting)
    row.sender_name = " ".join((data.get("sender_name") or "").split())[:120]
    row.reply_to, row.colour = reply_to, colour.lower()
    row.contact = (data.get("contact") or "").strip()[:500]
    db.session.add(row)
    record("meeting_mail.settings", actor=actor, meeting=meeting)
    return row


def layout_for(meeting: Meeting, row: MeetingMailSettings | None = None) -> dict:
    """What the mail layout shows: meeting name, dates in the reader's language, logo, colour, contact."""
    row = row or settings_for(meeting)
    return {
        "meeting_title": tr_text(meeting, "title"),
        "dates": dates_text(meeting.starts_on, meeting.ends_on, get_locale()),
        "logo_url": external_url("meeting_mail.logo", meeting_id=meeting.id) if meeting.logo_path else "",
        "colour": row.colour, "contact": row.contact, "sender_name": row.sender_name, "reply_to": row.reply_to,
    }


@mail_composing.connect
def _look(meeting_id: int, *, template: str, locale: str) -> dict:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return {}
    row = settings_for(meeting)
    text = text_for(meeting, template, locale)
    return {"sender_name": row.sender_name or tr_text(meeting, "title"), "reply_to": row.reply_to,
            "layout": layout_for(meeting, row), "text": (text.subject, text.body) if text else None,
            "text_language": _fallen_back(text, locale)}


def _fallen_back(text: MailText | None, locale: str) -> str | None:
    """The language of an own text used for a reader of another language (None when it is theirs)."""
    return text.locale if text is not None and text.locale != locale[:5] else None


# --- organisers' own texts ----------------------------------------------------------------------------------------

def get_text(meeting: Meeting, template: str, locale: str) -> MailText | None:
    return db.session.scalar(select(MailText).where(
        MailText.meeting_id == meeting.id, MailText.template == template, MailText.locale == locale[:5]))


def text_for(meeting: Meeting, template: str, locale: str) -> MailText | None:
    """The organisers' own text for a reader: in the reader's language, else in the meeting's default language
    (marked with its `lang` in the message); None: the built-in wording, in the reader's language."""
    return get_text(meeting, template, locale) or get_text(meeting, template, meeting.default_language)


def list_texts(meeting: Meeting) -> dict[tuple[str, str], MailText]:
    rows = db.session.scalars(select(MailText).where(MailText.meeting_id == meeting.id))
    return {(row.template, row.locale): row for row in rows}


def _checked(template: str, locale: str, subject: str, body: str) -> tuple[str, str]:
    problems = []
    if template not in EDITABLE or locale not in UN_LANGUAGES:
        problems.append(_l("There is no such message to edit."))
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject:
        problems.append(_l("Write a subject."))
    if not body:
        problems.append(_l("Write the text of the message."))
    unknown = sorted(set(re.findall(r"\{(\w+)\}", f"{subject} {body}")) - set(PLACEHOLDERS))
    if unknown:
        problems.append(_l("Unknown placeholders: %(names)s.", names=", ".join(f"{{{n}}}" for n in unknown)))
    if len(subject) > 300:
        problems.append(_l("The subject is too long (300 characters at most)."))
    if problems:
        raise ValidationFailed(problems=problems)
    return subject, body


def save_text(meeting: Meeting, template: str, locale: str, subject: str, body: str, *, actor) -> MailText:
    """The organisers' own wording of one message in one language; used for every such message from now on."""
    subject, body = _checked(template, locale, subject, body)
    row = get_text(meeting, template, locale) or MailText(meeting_id=meeting.id, template=template, locale=locale)
    row.subject, row.body = subject, body
    db.session.add(row)
    record("meeting_mail.text_saved", actor=actor, meeting=meeting, template=template, locale=locale)
    return row


def reset_text(meeting: Meeting, template: str, locale: str, *, actor) -> bool:
    """Back to the default wording; returns whether there was an own text."""
    row = get_text(meeting, template, locale)
    if row is None:
        return False
    db.session.delete(row)
    record("meeting_mail.text_reset", actor=actor, meeting=meeting, template=template, locale=locale)
    return True


def sample_registration(meeting: Meeting) -> Registration:
    """A made-up participant for previews (never added to the session)."""
    return Registration(meeting=meeting, title="Dr", given_name="Amina", family_name="Diallo", id=0,
                        badge_name="Amina Diallo", email="amina.diallo@example.org", locale="en")


def preview(meeting: Meeting, template: str, locale: str, subject: str | None = None,
            body: str | None = None) -> dict:
    """The message as a participant would get it (subject, text, HTML), with the given own text or, without
    one, the meeting's current text (own or default). Nothing is stored."""
    if template not in EDITABLE:
        raise ValidationFailed(problems=[_l("There is no such message to edit.")])
    with force_locale(locale):
        registration = sample_registration(meeting)
        context = {"meeting": meeting, "registration": registration, "layout": layout_for(meeting),
                   "link": external_url("accounts.request_sign_in_link"),
                   "sign_in_link": external_url("accounts.request_sign_in_link"),
                   "offer_link": external_url("accounts.request_sign_in_link") if template == "waitlist_offer" else "",
                   "deadline_text": format_date(meeting.starts_on - timedelta(days=7), "long")}
        if subject is None and (own := text_for(meeting, template, locale)):
            subject, body = own.subject, own.body
            context["text_language"] = _fallen_back(own, locale)
        if subject is not None:
            subject, body = _checked(template, locale, subject, body or "")
            subject, text, html = custom_parts((subject, body), context)
        else:
            subject = render_template(f"emails/{template}.subject.txt", **context)
            text = render_template(f"emails/{template}.txt", **context)
            html = render_template(f"emails/{template}.html", **context)
        subject = " ".join(subject.split())
        return {"subject": subject, "text": text, "html": html_document(html, subject, context["layout"], locale)}


# --- what an approval carries -------------------------------------------------------------------------------------

def calendar_entry(meeting: Meeting) -> bytes:
    """The meeting as an all-day calendar event (.ics) in the meeting's dates, with its venue."""
    calendar = Calendar()
    calendar.add("prodid", "-//Global Meeting manager//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@global-meeting-manager")
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_on)
    event.add("dtend", meeting.ends_on + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("location", ", ".join(part for part in (meeting.venue, meeting.city) if part))
    event.add("dtstamp", meeting.updated_at or utcnow())
    calendar.add_component(event)
    return calendar.to_ical()


@mail_attachment_wanted.connect_via("e_ticket")
def _e_ticket(kind: str, *, ref) -> tuple[str, str, bytes] | None:
    registration = db.session.get(Registration, ref)
    if registration is None or registration.status != RegistrationStatus.approved:
        return None  # cancelled or declined since: no ticket goes out
    try:
        with force_locale(registration.locale or "en"):
            return "e-ticket.pdf", "application/pdf", render_e_ticket(registration)
    except Exception:  # the mail still goes; the ticket stays on the registration page
        log.exception("The e-ticket for a registration could not be made for its mail")
        return None


@mail_attachment_wanted.connect_via("ics")
def _ics(kind: str, *, ref) -> tuple[str, str, bytes] | None:
    registration = db.session.get(Registration, ref)
    if registration is None:
        return None
    return "meeting.ics", "text/calendar", calendar_entry(registration.meeting)
