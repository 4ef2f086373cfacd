"""Demo agenda: three days in six rooms (plenaries, parallel workshops, side events, breaks), speakers drawn from
the meeting's approved participants with mixed panels from every region, sign-ups with one full workshop, and
exactly one deliberate conflict (a speaker booked in two parallel workshops) for the agenda-health page to show.
"""
import random
from datetime import time, timedelta

from sqlalchemy import select

from ..agenda.models import PersonRole, Room, Session, SessionKind, SessionPerson, SessionSignup, SignupStatus
from ..agenda.services import local_instant
from ..extensions import db
from ..meetings.models import Meeting, MeetingStatus
from ..models_base import utcnow
from ..reference.services import region_map, region_of
from ..registration.models import Gender, Registration, RegistrationStatus

ROOMS = [  # name, seats, interpretation booths, step-free, equipment
    ("Plenary Hall", 400, 6, True, "stage, projector, livestream, hearing loop"),
    ("Room A", 60, 2, True, "projector"),
    ("Room B", 60, 0, True, "projector"),
    ("Room C", 40, 0, True, "screen"),
    ("Room D", 30, 0, False, "flip charts"),
    ("Side Room", 25, 0, True, "screen"),
]
TRACKS = ["Early warning", "Accountability", "Prevention in practice", "Regional cooperation"]
WORKSHOPS = [
    "Early warning indicators that work", "Documenting atrocity crimes safely", "Hate speech online and offline",
    "National mechanisms for prevention", "Memory, memorials and non-recurrence", "Protecting human rights defenders",
    "Regional organisations and prevention", "Elections without violence", "Transitional justice after conflict",
    "Survivors at the centre", "Climate stress and risk of violence", "Youth in prevention networks",
    "Media literacy against incitement", "Financing prevention", "Gender-based violence as an early sign",
    "Prevention in federal states", "Universal jurisdiction in practice", "From warning to action",
    "Data protection for field monitors", "Working with religious leaders", "Lessons from truth commissions",
    "Cities and local prevention", "Sanctions, incentives and diplomacy",
]
SIDE_EVENTS = [
    ("Launch: Atlas of Early Warning Systems", "Centre for Atrocity Prevention"),
    ("Film screening: After the Silence", "Coalition for Justice & Memory"),
    ("Book talk: Neighbours and Witnesses", "University Network on Prevention"),
    ("Roundtable of national focal points", "Permanent Mission of Ghana"),
]
PLENARIES = ["Opening plenary: ten years of the network", "Plenary: prevention in a fragmented world",
             "Plenary: commitments and the road to the next meeting", "Closing plenary"]
#: French and Spanish titles of a few sessions (the others show in English, marked as such)
TRANSLATED_TITLES = {
    "Opening plenary: ten years of the network": {
        "fr": "Séance plénière d'ouverture : dix ans du réseau",
        "es": "Sesión plenaria de apertura: diez años de la red"},
    "Plenary: prevention in a fragmented world": {
        "fr": "Plénière : la prévention dans un monde fragmenté",
        "es": "Plenaria: la prevención en un mundo fragmentado"},
    "Closing plenary": {"fr": "Séance plénière de clôture", "es": "Sesión plenaria de clausura"},
    "Early warning indicators that work": {
        "fr": "Des indicateurs d'alerte précoce qui fonctionnent",
        "es": "Indicadores de alerta temprana que funcionan"},
    "Documenting atrocity crimes safely": {
        "fr": "Documenter les crimes d'atrocité en sécurité",
        "es": "Documentar los crímenes atroces de forma segura"},
}
OUTSIDE_KEYNOTE = ("Nomvula Khumalo", Gender.woman, "ZA", "Independent expert on prevention")


def add_demo_agenda(meeting: Meeting, rng: random.Random) -> dict[str, int]:
    """Create the demo agenda of `meeting` (idempotent: nothing is added if it has rooms already)."""
    if db.session.scalar(select(Room.id).where(Room.meeting_id == meeting.id).limit(1)):
        return {"rooms": 0, "sessions": 0}
    rooms = [Room(meeting_id=meeting.id, name=n, capacity=c, interpretation_booths=b, accessible=a, equipment=e,
                  position=i) for i, (n, c, b, a, e) in enumerate(ROOMS)]
    db.session.add_all(rooms)
    db.session.flush()
    planner = _Planner(meeting, rng, {r.name: r for r in rooms}, _speaker_pool(meeting, rng))
    planner.build()
    db.session.flush()
    _add_signups(meeting, rng, planner.sessions)
    db.session.flush()
    return {"rooms": len(rooms), "sessions": len(planner.sessions)}


def _speaker_pool(meeting: Meeting, rng: random.Random) -> dict[str, dict[Gender, list[Registration]]]:
    """Approved participants who agreed to be listed publicly, by region and gender (speakers are public)."""
    mapping = region_map(meeting.region_scheme_id)
    people = db.session.scalars(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.approved,
        Registration.public_listing_consent.is_(True)).order_by(Registration.id)).all()
    pool: dict[str, dict[Gender, list[Registration]]] = {}
    for person in people:
        if person.category and person.category.code in ("press", "staff"):
            continue
        region = region_of(mapping, person.represented_country)
        pool.setdefault(region, {}).setdefault(person.gender, []).append(person)
    for by_gender in pool.values():
        for group in by_gender.values():
            rng.shuffle(group)
    return pool


class _Planner:
    """Lays out the three days slot by slot, never putting one person in two places (except once, on purpose)."""

    def __init__(self, meeting, rng, rooms, pool):
        self.meeting, self.rng, self.rooms, self.pool = meeting, rng, rooms, pool
        self.sessions: list[Session] = []
        self.busy: dict[int, list[tuple]] = {}  # registration id -> [(start, end)]
        self.regions = sorted(r for r in pool if r != "unassigned")
        self.turn = 0
        self.workshops = iter(WORKSHOPS)
        self.published = meeting.status != MeetingStatus.draft

    def add(self, day, start, end, title, kind, room=None, *, track="", capacity=None, panel=0, **extra):
        starts_at = local_instant(self.meeting, day, start)[0]
        ends_at = local_instant(self.meeting, day, end)[0]
        session = Session(meeting_id=self.meeting.id, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at,
                          room=self.rooms.get(room), track=track, capacity=capacity,
                          published=extra.pop("published", self.published), languages=extra.pop("languages", ["en"]),
                          title_i18n=dict(TRANSLATED_TITLES.get(title, {})), **extra)
        if panel:
            session.people = self.panel(panel, starts_at, ends_at)
        db.session.add(session)
        self.sessions.append(session)
        return session

    def free(self, person, start, end) -> bool:
        return all(end <= s or e <= start for s, e in self.busy.get(person.id, []))

    def pick(self, gender: Gender, start, end) -> Registration | None:
        # Regions take turns, so that every region has speakers and no region dominates the stage.
        for offset in range(len(self.regions)):
            region = self.regions[(self.turn + offset) % len(self.regions)]
            for person in self.pool.get(region, {}).get(gender, []):
                if self.free(person, start, end):
                    self.turn += offset + 1
                    self.busy.setdefault(person.id, []).append((start, end))
                    return person
        return None

    def panel(self, size: int, start, end) -> list[SessionPerson]:
        genders = [Gender.woman, Gender.man, self.rng.choice([Gender.woman, Gender.man])][:size]
        chosen = [p for p in (self.pick(g, start, end) for g in genders) if p]
        people = [SessionPerson(role=PersonRole.speaker, registration=p, position=i) for i, p in enumerate(chosen)]
        moderator = self.pick(self.rng.choice([Gender.woman, Gender.man]), start, end)
        if moderator:
            people.append(SessionPerson(role=PersonRole.moderator, registration=moderator, position=len(people)))
        return people

    def workshop_block(self, day, start, end, rooms):
        for room in rooms:
            seats = self.rooms[room].capacity
            self.add(day, start, end, next(self.workshops), SessionKind.workshop, room,
                     track=self.rng.choice(TRACKS), capacity=seats - self.rng.choice([0, 5, 10]), panel=3,
                     interpretation=room == "Room A", languages=["en", "fr"] if room == "Room A" else ["en"],
                     description="Practitioners compare what worked, what did not, and why.")

    def build(self):
        first = self.meeting.starts_on
        days = [first + timedelta(days=i) for i in range(3)]
        un = ["en", "fr", "es", "ar", "ru", "zh"]
        all_rooms = ["Room A", "Room B", "Room C", "Room D"]
        for n, day in enumerate(days):
            plenary = self.add(day, time(9), time(10, 30), PLENARIES[n], SessionKind.plenary, "Plenary Hall",
                               panel=3, languages=un, interpretation=True,
                               description="The whole meeting together, with interpretation in the six UN languages.")
            if n == 0:
                name, gender, country, organisation = OUTSIDE_KEYNOTE
                plenary.people.insert(0, SessionPerson(role=PersonRole.speaker, name=name, gender=gender,
                                                       country=country, organisation=organisation, position=0))
            self.add(day, time(10, 30), time(11), "Coffee break", SessionKind.break_)
            self.workshop_block(day, time(11), time(12, 30), all_rooms)
            self.add(day, time(12, 30), time(14), "Lunch", SessionKind.break_)
            if n < 2:
                for k, room in enumerate(("Side Room", "Room C")):
                    title, organiser = SIDE_EVENTS[2 * n + k]
                    self.add(day, time(13), time(13, 50), title, SessionKind.side_event, room, capacity=25,
                             organiser_name=organiser, panel=2, track="Side events",
                             published=self.published and not (n == 1 and k == 1))
                self.workshop_block(day, time(14), time(15, 30), all_rooms)
                self.add(day, time(15, 30), time(16), "Coffee break", SessionKind.break_)
            if n == 0:
                self.workshop_block(day, time(16), time(17, 30), all_rooms[:3])
                self.add(day, time(18, 30), time(20, 30), "Welcome reception", SessionKind.reception,
                         description="Hosted by the city. All participants are welcome.")
            elif n == 1:
                self.add(day, time(16), time(17, 30), PLENARIES[2], SessionKind.plenary, "Plenary Hall", panel=3,
                         languages=un, interpretation=True)
            else:
                self.add(day, time(14), time(15, 30), PLENARIES[3], SessionKind.plenary, "Plenary Hall", panel=2,
                         languages=un, interpretation=True)
        self.deliberate_conflict()

    def deliberate_conflict(self):
        """Book the first speaker of one workshop into the parallel one too: the health page should catch it."""
        day2 = [s for s in self.sessions if s.kind == SessionKind.workshop
                and s.starts_at.astimezone(self.meeting.tz).date() == self.meeting.starts_on + timedelta(days=1)]
        first, parallel = day2[0], next(s for s in day2[1:] if s.starts_at == day2[0].starts_at)
        speaker = next((p for p in first.people if p.role == PersonRole.speaker and p.registration), None)
        if speaker is None:
            return  # a meeting without approved participants has no speakers to double-book
        parallel.people.append(SessionPerson(role=PersonRole.speaker, registration=speaker.registration,
                                             position=len(parallel.people)))


def _add_signups(meeting: Meeting, rng: random.Random, sessions: list[Session]) -> None:
    """Sign-ups from approved participants, one session per person at a time; the smallest workshop is full
    with a short waitlist."""
    people = db.session.scalars(select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.approved)).all()
    workshops = [s for s in sessions if s.kind in (SessionKind.workshop, SessionKind.side_event) and s.capacity]
    if not people or not workshops:
        return
    full = min(workshops, key=lambda s: (s.capacity, s.id))
    taken: dict[int, list[Session]] = {}
    now = utcnow()
    for session in [full] + [s for s in workshops if s is not full]:  # the full one first, while all are free
        free = [p for p in people if not any(session.overlaps(other) for other in taken.get(p.id, []))]
        wanted = session.capacity + 3 if session is full else rng.randrange(session.capacity // 3, session.capacity)
        chosen = rng.sample(free, min(wanted, len(free)))
        for i, registration in enumerate(chosen):
            taken.setdefault(registration.id, []).append(session)
            status = SignupStatus.signed_up if i < session.capacity else SignupStatus.waitlisted
            db.session.add(SessionSignup(session=session, registration=registration, status=status,
                                         requested_at=now - timedelta(hours=len(chosen) - i)))
