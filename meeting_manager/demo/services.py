"""Build the demo: the previous and the current edition, with people from every region in every status."""
import random
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import MeetingRole, MeetingRoleName, User
from ..accounts.services import create_user, get_user_by_email, set_password
from ..delegations.models import Delegation, DelegationKind
from ..extensions import db
from ..meetings.models import Meeting, MeetingStatus, RegistrationMode
from ..meetings.services import create_meeting
from ..models_base import utcnow
from ..names import NameOrder, Purpose, render_name
from ..reference.models import Country
from ..registration.models import Gender, Registration, RegistrationStatus, Relation, StatusChange
from .agenda import add_demo_agenda
from .badges import add_demo_print_log
from .balance import add_demo_policy
from .checkin import add_demo_attendance
from .invitations import add_demo_invitations
from .names import LATIN_BY_GROUP, ORGANISATIONS, POOLS, SCRIPT_BY_COUNTRY

DEMO_TITLE = "Global Meeting of the Network, 5th edition"
GENDER_WEIGHTS = {Gender.woman: 47, Gender.man: 44, Gender.another: 3, Gender.undisclosed: 6}
CATEGORY_WEIGHTS = {"state": 30, "civil_society": 30, "academia": 15, "international_org": 10, "expert": 8,
                    "press": 4, "staff": 3}
#: places outside the 195 States that people come from; they count as "unassigned" in UN Regional Groups
TERRITORIES = ["PR", "HK", "GL", "NC"]


def demo_exists() -> bool:
    return db.session.scalar(select(Meeting.id).where(Meeting.title == DEMO_TITLE)) is not None


def ensure_staff_accounts(admin_email: str, password: str) -> dict[str, User]:
    """The admin, an organiser and a desk staff account, all with the printed demo password."""
    people = {"admin": (admin_email, "Demo Administrator", True),
              "organiser": ("organiser@example.org", "Olúwaseun Organiser", False),
              "staff": ("staff@example.org", "Desk Staff", False),
              "participant": ("participant@example.org", "Amina Diallo", False)}
    users = {}
    for key, (email, name, is_admin) in people.items():
        user = get_user_by_email(email) or create_user(email, name, is_admin=is_admin)
        set_password(user, password)
        users[key] = user
    return users


def _countries_by_group() -> dict[str, list[Country]]:
    groups: dict[str, list[Country]] = {}
    for country in db.session.scalars(select(Country).order_by(Country.iso2)):
        groups.setdefault(country.un_regional_group, []).append(country)
    return groups


def _person(rng: random.Random, country_code: str, group: str, gender: Gender) -> tuple[str, str, NameOrder, str]:
    """(given, family, name order, badge name) in the script of the person's country."""
    script = SCRIPT_BY_COUNTRY.get(country_code) or LATIN_BY_GROUP.get(group, "latin_weog")
    women, men, families = POOLS[script]
    given = rng.choice(women if gender == Gender.woman else men if gender == Gender.man else women + men)
    family = rng.choice(families)
    order = NameOrder.family_first if script in ("chinese", "japanese", "korean") else NameOrder.given_first
    person = {"given_name": given, "family_name": family, "name_order": order}
    return given, family, order, render_name(person, Purpose.salutation)


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_country(rng: random.Random, groups: dict[str, list[Country]], n: int) -> tuple[str, str]:
    """Spread people over many countries of every region, with a few from territories or stateless."""
    if n % 97 == 0:
        return "stateless", "none"
    if n % 41 == 0:
        return rng.choice(TERRITORIES), "none"
    group = rng.choice([g for g in groups if g != "none"])
    country = groups[group][(n * 7 + rng.randrange(3)) % len(groups[group])]
    return country.iso2, group


def _delegations(meeting: Meeting, rng: random.Random) -> list[Delegation]:
    states = [("KE", "Kenya"), ("BR", "Brazil"), ("DE", "Germany"), ("PL", "Poland"), ("ID", "Indonesia"),
              ("GH", "Ghana"), ("CA", "Canada"), ("PH", "Philippines"), ("AR", "Argentina"), ("UA", "Ukraine")]
    delegations = [
        Delegation(meeting=meeting, name=f"Permanent Mission of {name}", kind=DelegationKind.state, country_code=code,
                   seats=rng.choice([3, 4, 5]), focal_point_name=f"Focal point {name}",
                   focal_point_email=f"focal.{code.lower()}@example.org", confirmed_at=utcnow())
        for code, name in states
    ]
    delegations += [
        Delegation(meeting=meeting, name=org, kind=DelegationKind.ngo, country_code=code, seats=3,
                   focal_point_name=f"Focal point {org}", focal_point_email=f"focal.ngo{i}@example.org")
        for i, (code, org) in enumerate([("ZA", "Centre for Atrocity Prevention"),
                                         ("CO", "Coalition for Justice & Memory")])
    ]
    db.session.add_all(delegations)
    return delegations


def _status_history(registration: Registration, status: RegistrationStatus, organiser: User, submitted: datetime):
    registration.history.append(StatusChange(from_status=None, to_status=RegistrationStatus.pending, at=submitted))
    if status == RegistrationStatus.cancelled:
        registration.history.append(StatusChange(from_status=RegistrationStatus.pending,
                                                 to_status=RegistrationStatus.approved,
                                                 at=submitted + timedelta(days=3),
                                                 actor_id=organiser.id))
        registration.history.append(StatusChange(from_status=RegistrationStatus.approved, to_status=status,
                                                 at=submitted + timedelta(days=9)))
    elif status != RegistrationStatus.pending:
        decided = submitted + timedelta(days=2, hours=5)
        registration.decided_at = decided
        registration.history.append(StatusChange(from_status=RegistrationStatus.pending, to_status=status,
                                                 at=decided, actor_id=organiser.id))


def add_registrations(meeting: Meeting, rng: random.Random, count: int, statuses: dict, organiser: User,
                      opened: datetime, delegations=()) -> list[Registration]:
    """`count` people spread over regions, genders, categories and statuses (weights), some in delegations."""
    groups = _countries_by_group()
    categories = {c.code: c for c in meeting.categories}
    members = {d.id: 0 for d in delegations}
    registrations = []
    for n in range(1, count + 1):
        gender = _weighted(rng, GENDER_WEIGHTS)
        country, group = _pick_country(rng, groups, n)
        category = _weighted(rng, CATEGORY_WEIGHTS)
        delegation = None
        if category == "state" and delegations:
            open_delegations = [d for d in delegations if d.kind == DelegationKind.state and members[d.id] < d.seats]
            if open_delegations and rng.random() < 0.6:
                delegation = rng.choice(open_delegations)
                members[delegation.id] += 1
        # Stateless people count for the country where they live (and where their organisation is based).
        residence = rng.choice(["TH", "LB", "KE", "DE"]) if country == "stateless" else country
        represented = delegation.country_code if delegation else residence
        given, family, order, badge = _person(rng, represented if delegation else country, group, gender)
        submitted = opened + timedelta(hours=rng.randrange(24 * 60))
        status = _weighted(rng, statuses)
        registration = Registration(
            meeting=meeting, given_name=given, family_name=family, name_order=order, badge_name=badge,
            passport_name=badge,
            email=f"demo{meeting.id}.{n}@example.org", gender=gender, nationality=country,
            residence_country=residence, represented_country=represented,
            organisation=delegation.name if delegation else rng.choice(ORGANISATIONS.get(category, ["Independent"])),
            position=rng.choice(["Director", "Researcher", "Programme officer", "Counsellor", "Advocate", ""]),
            category=categories[category], delegation=delegation, status=status,
            relation=rng.choice(list(Relation)), dietary=rng.choice(["", "", "", "vegetarian", "halal", "no nuts"]),
            accessibility=rng.choice([""] * 12 + ["wheelchair access"]),
            interpretation_language=rng.choice([None, "fr", "es", "ar", "ru", "zh"]),
            data_consent_at=submitted, public_listing_consent=rng.random() < 0.7, submitted_at=submitted,
            badge_token=secrets.token_urlsafe(24),
        )
        _status_history(registration, status, organiser, submitted)
        registrations.append(registration)
    db.session.add_all(registrations)
    return registrations


def _meeting(title, edition, starts_on, status, capacity, city, country, previous=None) -> Meeting:
    meeting = create_meeting(dict(
        title=title, edition=edition, starts_on=starts_on, ends_on=starts_on + timedelta(days=2),
        timezone="Africa/Nairobi" if country == "KE" else "Europe/Zurich", venue="International Conference Centre",
        city=city, country_code=country, capacity=capacity, status=status,
        registration_mode=RegistrationMode.invitation_only if previous is None else RegistrationMode.open,
        description="The biennial Global Meeting brings together States, civil society and academia working to "
                    "prevent genocide and mass atrocities.\n\nPlenaries, workshops and side events over three days; "
                    "interpretation in the six UN languages in the plenary hall.",
    ), actor=None)
    meeting.previous = previous
    return meeting


def build_demo(users: dict[str, User], seed: int = 2026) -> dict[str, int]:
    """Create the previous (held) and the current (open) edition with about 400 people each."""
    rng = random.Random(seed)
    today = date.today()
    previous = _meeting("Global Meeting of the Network, 4th edition", 4, today - timedelta(days=640),
                        MeetingStatus.closed, 320, "Nairobi", "KE")  # archived once its history is in
    current = _meeting(DEMO_TITLE, 5, today + timedelta(days=75), MeetingStatus.open, 350, "Geneva", "CH",
                       previous=previous)
    # French and Spanish texts, so that the meeting's content in several languages shows (others fall back)
    current.title_i18n = {"fr": "Réunion mondiale du Réseau, 5e édition",
                          "es": "Reunión Mundial de la Red, 5.ª edición"}
    current.description_i18n = {
        "fr": "La Réunion mondiale, tous les deux ans, rassemble des États, la société civile et le monde "
              "universitaire engagés dans la prévention du génocide et des atrocités de masse.\n\nSéances "
              "plénières, ateliers et événements parallèles sur trois jours ; interprétation dans les six langues "
              "officielles de l'ONU dans la salle plénière.",
        "es": "La Reunión Mundial, cada dos años, reúne a Estados, sociedad civil y academia que trabajan para "
              "prevenir el genocidio y las atrocidades masivas.\n\nSesiones plenarias, talleres y eventos "
              "paralelos durante tres días; interpretación en los seis idiomas oficiales de la ONU en la sala "
              "plenaria.",
    }
    current.registration_opens_at = utcnow() - timedelta(days=60)
    current.registration_closes_at = datetime.combine(today + timedelta(days=40), time(18), tzinfo=UTC)
    db.session.flush()
    for meeting in (previous, current):
        db.session.add(MeetingRole(user=users["organiser"], meeting=meeting, role=MeetingRoleName.organiser))
        db.session.add(MeetingRole(user=users["staff"], meeting=meeting, role=MeetingRoleName.staff))
    past_opened = datetime.combine(previous.starts_on - timedelta(days=120), time(9), tzinfo=UTC)
    held = add_registrations(previous, rng, 330, {RegistrationStatus.approved: 80, RegistrationStatus.declined: 8,
                             RegistrationStatus.cancelled: 7, RegistrationStatus.waitlisted: 5}, users["organiser"],
                             past_opened, _delegations(previous, rng))
    db.session.flush()
    delegations = _delegations(current, rng)
    db.session.flush()
    now_opened = current.registration_opens_at
    people = add_registrations(current, rng, 410, {RegistrationStatus.approved: 42, RegistrationStatus.pending: 33,
                               RegistrationStatus.waitlisted: 10, RegistrationStatus.declined: 8,
                               RegistrationStatus.cancelled: 7}, users["organiser"], now_opened, delegations)
    # The demo participant account owns one approved registration of the current edition.
    mine = next(r for r in people if r.status == RegistrationStatus.approved and r.category.code == "civil_society")
    mine.user, mine.email = users["participant"], users["participant"].email
    db.session.flush()
    # Each feature adds its part of the living system.
    add_demo_policy(previous, users["organiser"], rng)
    add_demo_policy(current, users["organiser"], rng)
    add_demo_invitations(current, users["organiser"], rng)
    add_demo_agenda(previous, rng)
    add_demo_agenda(current, rng)
    add_demo_print_log(previous, users["staff"], rng)
    add_demo_attendance(previous, rng, users["staff"])
    db.session.flush()
    previous.status = MeetingStatus.archived  # from now on read-only, as a held edition is
    db.session.flush()
    return {"meetings": 2, "registrations": len(held) + len(people)}
