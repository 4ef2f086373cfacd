"""The decision history stores rule findings as codes with their numbers, not English sentences: the sentences of
existing rows are read back into codes (the shapes the engine wrote), and written again on downgrade.

A stored sentence that no known shape matches keeps its words under "text" (shown as it is).

Revision ID: f1d1c0de5a7a
Revises: 13a0e5e1ec7d
Create Date: 2026-12-02 19:30:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = 'f1d1c0de5a7a'
down_revision = '13a0e5e1ec7d'
branch_labels = None
depends_on = None

# Frozen copies of what the app said when this was written: a migration must not change when the app does.
GENDER_LABELS = {"woman": "women", "man": "men", "another": "another gender identity",
                 "undisclosed": "undisclosed gender"}
OTHERS = {"region": "regions", "gender": "genders", "category": "categories"}
N = r"(\d+)"
SEATS, MEMBERS = r"(\d+) seats?", r"(\d+) members?"
#: code, rule, English sentence pattern, names of its groups: the first that matches (and fits the row's rule) wins;
#: caps come last, as their "(.+)" would also match a delegation's sentence
SHAPES = [
    ("capacity.over", "capacity", rf"Approving would put the meeting at {N} of {N} seats\.", ("after", "limit")),
    ("capacity.last_seat", "capacity", rf"Approving would take the last free seat of the meeting \({N} of {N}\)\.",
     ("after", "limit")),
    ("capacity.holds", "capacity", rf"The meeting would have {N} of {N} seats taken\.", ("after", "limit")),
    ("reservation.short", "reservation", rf"Approving would leave {SEATS} free while (other )?(.+?) still need "
     rf"{SEATS} reserved \((.*)\)\.", ("after", "other", "plural", "limit", "parts")),
    ("reservation.holds", "reservation", rf"Approving would leave {SEATS} free; (other )?(.+?) still need {SEATS} "
     r"reserved\.", ("after", "other", "plural", "limit")),
    ("note_verbale.unverified", "delegation_seats", r"The note verbale of (.+) is not verified yet\.", ("name",)),
    ("delegation_seats.over", "delegation_seats", rf"Approving would put delegation (.+) at {N} of {N} seats\.",
     ("name", "after", "limit")),
    ("delegation_seats.holds", "delegation_seats", rf"Delegation (.+) would have {N} of {N} seats\.",
     ("name", "after", "limit")),
    ("delegation_mix.too_few", "delegation_mix", rf"Delegation (.+) would have {MEMBERS}, fewer than the {N} from "
     r"which it must be mixed\.", ("name", "after", "limit")),
    ("delegation_mix.single_gender", "delegation_mix", rf"Approving would make delegation (.+) single-gender: "
     rf"{MEMBERS}, every declared gender is (\S+) \(mixed from {MEMBERS}\)\.", ("name", "after", "gender", "limit")),
    ("delegation_mix.undeclared", "delegation_mix", rf"Delegation (.+) would have {MEMBERS} who declare no gender; "
     r"not single-gender\.", ("name", "after")),
    ("delegation_mix.mixed", "delegation_mix", rf"Delegation (.+) would have {MEMBERS} who declare {N} genders; "
     r"not single-gender\.", ("name", "after", "genders")),
    ("cap.over", "cap", rf"Approving would put (.+) at {N} of {N} seats\.", ("name", "after", "limit")),
    ("cap.last_seat", "cap", rf"Approving would take the last seat of (.+) \({N} of {N}\)\.", ("name", "after", "limit")),
    ("cap.holds", "cap", rf"(.+) would have {N} of {N} seats\.", ("name", "after", "limit")),
]
NUMBERS = ("after", "limit", "genders")
KEPT = ("rule", "severity", "dimension", "value", "current", "after", "limit")

status_changes = sa.table("status_changes", sa.column("id", sa.Integer), sa.column("findings", sa.JSON),
                          sa.column("registration_id", sa.Integer))


def _parts(text: str, dimension: str | None) -> list | None:
    """"African States 3, women 2" -> [["African States", 3], ["woman", 2]]; None when a part has no number."""
    values = {label: value for value, label in GENDER_LABELS.items()} if dimension == "gender" else {}
    parts = []
    for part in text.split(", "):
        name, _, number = part.rpartition(" ")
        if not name or not number.isdigit():
            return None
        parts.append([values.get(name, name), int(number)])
    return parts


def to_code(finding):
    """An old stored finding ({"message": sentence, ...}) as a code with its numbers; unknown shapes keep "text"."""
    if not isinstance(finding, dict) or "code" in finding or "message" not in finding:
        return finding
    message, rule = str(finding["message"]), finding.get("rule")
    kept = {k: finding[k] for k in KEPT if k in finding}
    for code, shape_rule, pattern, names in SHAPES:
        found = re.fullmatch(pattern, message) if rule in (None, shape_rule) else None
        if found is None:
            continue
        said = dict(zip(names, found.groups(), strict=True))
        data = {"code": code, "rule": shape_rule, "severity": finding.get("severity"), "dimension": None,
                "value": None, "current": 0, **kept}
        for name in NUMBERS:
            if name in said and data.get(name) is None:
                data[name] = int(said[name])
        data.setdefault("after", 0)
        data.setdefault("limit", None)
        if code.startswith("reservation."):
            data["own"] = bool(said["other"])
            if code == "reservation.short":
                parts = _parts(said["parts"], data.get("dimension"))
                if parts is None:
                    break
                data["parts"] = parts
        elif code == "delegation_mix.single_gender":
            data["gender"] = said["gender"]
        elif code == "delegation_mix.mixed":
            data["genders"] = int(said["genders"])
        if data.get("value") is None and code.startswith("cap."):
            data["value"] = said["name"]  # the old rows name regions by their value
        return data
    return {**kept, "text": message}


def _seats(n) -> str:
    return f"{n} seat" if n == 1 else f"{n} seats"


def _members(n) -> str:
    return f"{n} member" if n == 1 else f"{n} members"


def to_sentence(finding, names):
    """A stored code back as the English sentence the engine wrote before (names: (dimension, value) -> name)."""
    if not isinstance(finding, dict) or ("code" not in finding and "text" not in finding):
        return finding
    kept = {k: finding[k] for k in KEPT if k in finding}
    if "code" not in finding:
        return {**kept, "message": finding["text"]}
    code, after, limit = finding["code"], finding.get("after"), finding.get("limit")
    dimension, value = finding.get("dimension"), finding.get("value")
    name = names.get((dimension, value)) or (GENDER_LABELS.get(value) if dimension == "gender" else None) or value
    plural = OTHERS.get(dimension or "", f"{dimension} values")
    others = f"other {plural}" if finding.get("own", True) else plural
    parts = ", ".join(f"{names.get((dimension, v)) or (GENDER_LABELS.get(v) if dimension == 'gender' else v)} {n}"
                      for v, n in finding.get("parts") or ())
    free, needed, k = _seats(max(after or 0, 0)), _seats(limit or 0), limit
    sentences = {
        "capacity.over": f"Approving would put the meeting at {after} of {limit} seats.",
        "capacity.last_seat": f"Approving would take the last free seat of the meeting ({after} of {limit}).",
        "capacity.holds": f"The meeting would have {after} of {limit} seats taken.",
        "cap.over": f"Approving would put {name} at {after} of {limit} seats.",
        "cap.last_seat": f"Approving would take the last seat of {name} ({after} of {limit}).",
        "cap.holds": f"{name} would have {after} of {limit} seats.",
        "reservation.short": f"Approving would leave {free} free while {others} still need {needed} reserved "
                             f"({parts}).",
        "reservation.holds": f"Approving would leave {free} free; {others} still need {needed} reserved.",
        "note_verbale.unverified": f"The note verbale of {name} is not verified yet.",
        "delegation_seats.over": f"Approving would put delegation {name} at {after} of {limit} seats.",
        "delegation_seats.holds": f"Delegation {name} would have {after} of {limit} seats.",
        "delegation_mix.too_few": f"Delegation {name} would have {_members(after)}, fewer than the {k} from which "
                                  f"it must be mixed.",
        "delegation_mix.single_gender": f"Approving would make delegation {name} single-gender: {_members(after)}, "
                                        f"every declared gender is {finding.get('gender')} (mixed from "
                                        f"{_members(k)}).",
        "delegation_mix.undeclared": f"Delegation {name} would have {_members(after)} who declare no gender; not "
                                     f"single-gender.",
        "delegation_mix.mixed": f"Delegation {name} would have {_members(after)} who declare "
                                f"{finding.get('genders')} genders; not single-gender.",
    }
    if code not in sentences:
        return finding
    return {**kept, "message": sentences[code]}


def _rewrite(convert) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(status_changes.c.id, status_changes.c.findings, status_changes.c.registration_id)
                              .where(status_changes.c.findings.is_not(None))).all()
    for row_id, findings, registration_id in rows:
        if not findings:
            continue
        changed = [convert(f, registration_id) for f in findings]
        if changed != findings:
            connection.execute(sa.update(status_changes).where(status_changes.c.id == row_id)
                               .values(findings=changed))


def upgrade():
    _rewrite(lambda finding, _registration_id: to_code(finding))


def downgrade():
    connection = op.get_bind()
    delegations = {str(i): name for i, name in connection.execute(sa.text("SELECT id, name FROM delegations"))}
    meeting_of = dict(connection.execute(sa.text("SELECT id, meeting_id FROM registrations")).all())
    names = {}  # meeting -> (dimension, value) -> name
    for meeting, code, name in connection.execute(sa.text("SELECT meeting_id, code, name FROM categories")):
        names.setdefault(meeting, {})[("category", code)] = name
    delegation_names = {("delegation", key): name for key, name in delegations.items()}

    def convert(finding, registration_id):
        return to_sentence(finding, delegation_names | names.get(meeting_of.get(registration_id), {}))

    _rewrite(convert)
