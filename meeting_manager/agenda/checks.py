"""What is wrong with an agenda: conflicts between sessions, and the gender and region mix of the panels.

Works on loaded sessions (rooms and people loaded) and returns findings, each a sentence an organiser can act on.
Conflicts are warnings: an organiser may knowingly keep one (a speaker who moves between rooms). Hard errors
(end before start, unknown room or speaker) never get this far: services refuse to save them.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..languages.moments import day_text
from ..reference.services import UNASSIGNED, region_map, region_of
from ..registration.models import Gender, RegistrationStatus
from .models import PersonRole, Session, SessionPerson

#: the people counted for panel balance: the ones on the stage
ON_STAGE = (PersonRole.speaker, PersonRole.moderator)

KIND_TITLES = {
    "duplicate_session": _l("Sessions on the agenda twice"),
    "room_double_booked": _l("Rooms booked twice"),
    "speaker_double_booked": _l("People in two places at once"),
    "outside_dates": _l("Sessions outside the meeting's dates"),
    "over_room_capacity": _l("More places than the room holds"),
    "no_booths": _l("Interpretation in a room without booths"),
    "speaker_not_approved": _l("People on the agenda who are not approved"),
    "single_gender_panel": _l("Single-gender panels"),
    "region_without_speaker": _l("Regions with no speaker"),
    "name_not_public": _l("Names kept off the public agenda"),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    session_id: int | None = None  #: the session to open to fix it
    other_session_id: int | None = None
    severity: str = "warning"  #: "warning", or "notice" for what needs no fixing

    def involves(self, session_id: int) -> bool:
        return session_id in (self.session_id, self.other_session_id)


def _when(session: Session, tz) -> str:
    start, end = session.local_start(tz), session.local_end(tz)
    return f"{day_text(start.date(), 'MMMEd', get_locale())} {start:%H:%M}–{end:%H:%M}"


def _room(session: Session) -> str:
    return session.room.name if session.room else _("no room")


def _pairs(sessions: list[Session]):
    """Overlapping pairs among sessions, each once, by a sweep over start times."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.id))
    for i, first in enumerate(ordered):
        for second in ordered[i + 1:]:
            if second.starts_at >= first.ends_at:
                break
            yield first, second


def room_conflicts(sessions: list[Session], tz) -> list[Finding]:
    by_room = defaultdict(list)
    for session in sessions:
        if session.room_id:
            by_room[session.room_id].append(session)
    return [
        Finding("room_double_booked", _(
            "“%(a)s” (%(a_when)s) and “%(b)s” (%(b_when)s) are both booked in %(room)s.",
            a=a.title, a_when=_when(a, tz), b=b.title, b_when=_when(b, tz), room=a.room.name), a.id, b.id)
        for group in by_room.values() for a, b in _pairs(group)
    ]


def speaker_conflicts(sessions: list[Session], tz) -> list[Finding]:
    appearances: dict[str, dict[int, tuple[Session, SessionPerson]]] = defaultdict(dict)
    for session in sessions:
        for person in session.people:
            appearances[person.person_key].setdefault(session.id, (session, person))
    findings = []
    for seats in appearances.values():
        if len(seats) < 2:
            continue
        person_of = {s.id: p for s, p in seats.values()}
        for a, b in _pairs([s for s, _p in seats.values()]):
            findings.append(Finding("speaker_double_booked", _(
                "%(name)s is in “%(a)s” (%(a_room)s, %(a_when)s) and in “%(b)s” (%(b_room)s, %(b_when)s) "
                "at the same time.", name=person_of[a.id].display_name, a=a.title, a_room=_room(a),
                a_when=_when(a, tz), b=b.title, b_room=_room(b), b_when=_when(b, tz)), a.id, b.id))
    return findings


def date_conflicts(sessions: list[Session], meeting) -> list[Finding]:
    tz, first, last = meeting.tz, meeting.starts_on, meeting.ends_on
    return [
        Finding("outside_dates", _(
            "“%(title)s” is on %(day)s, outside the meeting's dates (%(first)s to %(last)s).", title=s.title,
            day=day_text(s.local_day(tz), "yMMMEd", get_locale()), first=day_text(first, "yMMMd", get_locale()),
            last=day_text(last, "yMMMd", get_locale())), s.id)
        for s in sessions if not first <= s.local_day(tz) <= last
    ]


def room_fit_conflicts(sessions: list[Session]) -> list[Finding]:
    findings = []
    for s in sessions:
        room = s.room
        if room and room.capacity and s.capacity and s.capacity > room.capacity:
            findings.append(Finding("over_room_capacity", ngettext(
                "“%(title)s” offers %(num)d place but %(room)s holds %(seats)d.",
                "“%(title)s” offers %(num)d places but %(room)s holds %(seats)d.", s.capacity, title=s.title,
                room=room.name, seats=room.capacity), s.id))
        if room and s.interpretation and not room.interpretation_booths:
            findings.append(Finding("no_booths", _(
                "“%(title)s” offers interpretation but %(room)s has no interpretation booths.", title=s.title,
                room=room.name), s.id))
    return findings


ROLE_WORDS = {PersonRole.speaker: _l("speaker"), PersonRole.moderator: _l("moderator"),
              PersonRole.rapporteur: _l("rapporteur")}
_STATUS_SENTENCES = {
    RegistrationStatus.pending: _l("%(name)s (%(role)s in “%(title)s”) "
        "is not approved yet: the registration is pending."),
    RegistrationStatus.waitlisted: _l("%(name)s (%(role)s in “%(title)s”) "
        "is not approved: the registration is on the waitlist."),
    RegistrationStatus.declined: _l("%(name)s (%(role)s in “%(title)s”) "
        "is not approved: the registration was declined."),
    RegistrationStatus.cancelled: _l("%(name)s (%(role)s in “%(title)s”) "
        "is no longer coming: the registration was cancelled."),
}


def people_findings(sessions: list[Session]) -> list[Finding]:
    findings = []
    for s in sessions:
        for p in s.people:
            registration = p.registration
            if registration is None:
                continue
            if registration.status != RegistrationStatus.approved:
                findings.append(Finding("speaker_not_approved", str(_STATUS_SENTENCES[registration.status]) % dict(
                    name=p.display_name, role=ROLE_WORDS[p.role], title=s.title), s.id))
            elif s.published and not registration.public_listing_consent:
                findings.append(Finding("name_not_public", _(
                    "%(name)s (“%(title)s”) has not agreed to be listed publicly, so the public agenda shows "
                    "“a speaker” instead of the name.", name=p.display_name, title=s.title), s.id,
                    severity="notice"))
    return findings


# --- panel balance -----------------------------------------------------------------------------------------

@dataclass
class PanelMix:
    session: Session
    genders: Counter = field(default_factory=Counter)  #: Gender value -> people on stage
    regions: Counter = field(default_factory=Counter)  #: region -> people on stage
    single_gender: str | None = None  #: the one declared gender of a panel of two or more, if so

    @property
    def size(self) -> int:
        return sum(self.genders.values())


@dataclass
class AgendaBalance:
    panels: list[PanelMix]
    genders: Counter  #: distinct people on stage over the whole agenda
    regions: Counter
    all_regions: list[str]  #: the regions of the meeting's scheme
    missing_regions: list[str]

    @property
    def people(self) -> int:
        return sum(self.genders.values())


def _gender(person: SessionPerson) -> str:
    # An outside person whose gender was not given is shown apart, never guessed.
    gender = person.person_gender
    return gender.value if gender else Gender.undisclosed.value


def panel_balance(sessions: list[Session], mapping: dict[str, str]) -> AgendaBalance:
    """Gender and region mix of every panel and, counting each person once, of the whole agenda."""
    panels, everyone = [], {}
    for s in sessions:
        on_stage = {p.person_key: p for p in s.people if p.role in ON_STAGE}
        if not on_stage or not s.kind.has_panel:
            continue
        mix = PanelMix(s)
        for key, person in on_stage.items():
            mix.genders[_gender(person)] += 1
            mix.regions[region_of(mapping, person.person_country)] += 1
            everyone[key] = person
        declared = set(mix.genders) - {Gender.undisclosed.value}
        if mix.size >= 2 and len(declared) == 1 and Gender.undisclosed.value not in mix.genders:
            mix.single_gender = declared.pop()
        panels.append(mix)
    genders = Counter(_gender(p) for p in everyone.values())
    regions = Counter(region_of(mapping, p.person_country) for p in everyone.values())
    all_regions = sorted(set(mapping.values()) - {UNASSIGNED})
    missing = [r for r in all_regions if not regions[r]] if panels else []
    return AgendaBalance(panels, genders, regions, all_regions, missing)


GENDER_WORDS = {"woman": _l("women"), "man": _l("men"), "another": _l("people of another gender identity")}


def balance_findings(balance: AgendaBalance) -> list[Finding]:
    findings = [
        Finding("single_gender_panel", ngettext("Everyone on the panel of “%(title)s” is %(gender)s (%(num)d person).",
                                                "Everyone on the panel of “%(title)s” is %(gender)s (%(num)d people).",
                                                m.size, title=m.session.title, gender=GENDER_WORDS[m.single_gender]),
                m.session.id)
        for m in balance.panels if m.single_gender
    ]
    findings += [
        Finding("region_without_speaker", _("No one from %(region)s speaks or moderates anywhere on the agenda.",
                                            region=region))
        for region in balance.missing_regions
    ]
    return findings


def duplicate_sessions(sessions: list[Session], tz) -> list[Finding]:
    """Copies: the same title at the same start in the same room (an agenda imported twice, a double submit)."""
    groups = defaultdict(list)
    for session in sessions:
        groups[(" ".join(session.title.split()).casefold(), session.starts_at, session.room_id)].append(session)
    return [Finding("duplicate_session", ngettext(
        "“%(title)s” is on the agenda %(num)d time (%(when)s, %(room)s): keep one and delete the copies.",
        "“%(title)s” is on the agenda %(num)d times (%(when)s, %(room)s): keep one and delete the copies.",
        len(copies), title=copies[0].title, when=_when(copies[0], tz), room=_room(copies[0])),
                    session_id=copies[0].id, other_session_id=copies[1].id)
            for copies in groups.values() if len(copies) > 1]


def agenda_findings(meeting, sessions: list[Session], mapping: dict[str, str] | None = None) -> list[Finding]:
    """Every conflict, balance warning and notice of an agenda, in the order the health page lists them."""
    tz = meeting.tz
    mapping = region_map(meeting.region_scheme_id) if mapping is None else mapping
    return (duplicate_sessions(sessions, tz) + room_conflicts(sessions, tz) + speaker_conflicts(sessions, tz)
            + date_conflicts(sessions, meeting)
            + room_fit_conflicts(sessions) + people_findings(sessions)
            + balance_findings(panel_balance(sessions, mapping)))
