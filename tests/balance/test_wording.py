"""Rule findings in words (balance/wording.py): the English sentences of before, from engine findings and from the
stored history alike, every sentence through the catalog in another locale, and the history stores codes."""
import io
import json
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.support import Translations
from flask_babel import force_locale, get_domain, refresh

from meeting_manager.balance import services, wording
from meeting_manager.balance.engine import DELEGATION, Candidate, Counts, Rule, check_approval, tally
from meeting_manager.balance.policy import Bound, Policy, Severity
from meeting_manager.registration.models import Gender, RegistrationStatus, StatusChange

WEOG = Candidate("Western European and Others States", "man", "gov")
RESERVED = Policy(10, (Bound("region", "AF", min_seats=3), Bound("region", "AS", min_seats=2)))
DELEGATION_LABEL = {(DELEGATION, "D"): "Republic of Examples"}
MIX = Policy(100, mix_min_size=3)


def members(seats, *genders):
    return tally([Candidate("AF", g, "gov", delegation="D") for g in genders], {"D": seats})


def one(policy, counts, candidate, rule, dimension=None):
    (found,) = [f for f in check_approval(policy, counts, candidate).findings
                if f.rule is rule and (dimension is None or f.dimension == dimension)]
    return found


MEMBER = Candidate("AF", "man", "gov", delegation="D")
#: (finding, labels, the sentence the engine wrote before findings became codes)
AS_BEFORE = [
    (one(Policy(30), Counts(total=28), WEOG, Rule.CAPACITY), {}, "The meeting would have 29 of 30 seats taken."),
    (one(Policy(30), Counts(total=29), WEOG, Rule.CAPACITY), {},
     "Approving would take the last free seat of the meeting (30 of 30)."),
    (one(Policy(0), Counts(), WEOG, Rule.CAPACITY), {}, "Approving would put the meeting at 1 of 0 seats."),
    (one(Policy(100, (Bound("region", WEOG.region, max_seats=30),)),
         Counts(total=10, groups={("region", WEOG.region): 10}), WEOG, Rule.CAP), {},
     "Western European and Others States would have 11 of 30 seats."),
    (one(Policy(100, (Bound("region", WEOG.region, max_seats=30),)),
         Counts(total=29, groups={("region", WEOG.region): 29}), WEOG, Rule.CAP), {},
     "Approving would take the last seat of Western European and Others States (30 of 30)."),
    (one(Policy(100, (Bound("region", WEOG.region, max_seats=30),)),
         Counts(total=30, groups={("region", WEOG.region): 30}), WEOG, Rule.CAP), {},
     "Approving would put Western European and Others States at 31 of 30 seats."),
    (one(Policy(100, (Bound("gender", "man", max_seats=0),)), Counts(), WEOG, Rule.CAP), {},
     "Approving would put men at 1 of 0 seats."),
    (one(Policy(100, (Bound("category", "gov", max_seats=0),)), Counts(), WEOG, Rule.CAP),
     {("category", "gov"): "Government"}, "Approving would put Government at 1 of 0 seats."),
    (one(RESERVED, Counts(total=5), WEOG, Rule.RESERVATION),
     {("region", "AF"): "African States", ("region", "AS"): "Asia-Pacific States"},
     "Approving would leave 4 seats free while other regions still need 5 seats reserved "
     "(African States 3, Asia-Pacific States 2)."),
    (one(RESERVED, Counts(total=8), WEOG, Rule.RESERVATION), {},
     "Approving would leave 1 seat free while other regions still need 5 seats reserved (AF 3, AS 2)."),
    (one(RESERVED, Counts(total=4), Candidate("AF", "man", "press", counts_toward_balance=False), Rule.RESERVATION),
     {}, "Approving would leave 5 seats free; regions still need 5 seats reserved."),
    (one(Policy(10, (Bound("gender", "woman", min_seats=4),)), Counts(total=6), WEOG, Rule.RESERVATION), {},
     "Approving would leave 3 seats free while other genders still need 4 seats reserved (women 4)."),
    (one(Policy(10, (Bound("category", "gov", min_seats=1),)), Counts(total=1), WEOG, Rule.RESERVATION), {},
     "Approving would leave 8 seats free; other categories still need 0 seats reserved."),
    (one(Policy(100), members(3, "woman", "woman", "woman"), MEMBER, Rule.DELEGATION_SEATS), DELEGATION_LABEL,
     "Approving would put delegation Republic of Examples at 4 of 3 seats."),
    (one(Policy(100), members(3, "woman"), MEMBER, Rule.DELEGATION_SEATS), DELEGATION_LABEL,
     "Delegation Republic of Examples would have 2 of 3 seats."),
    (one(MIX, members(8), MEMBER, Rule.DELEGATION_MIX), DELEGATION_LABEL,
     "Delegation Republic of Examples would have 1 member, fewer than the 3 from which it must be mixed."),
    (one(MIX, members(8, "man", "man"), MEMBER, Rule.DELEGATION_MIX), DELEGATION_LABEL,
     "Approving would make delegation Republic of Examples single-gender: 3 members, every declared gender is man "
     "(mixed from 3 members)."),
    (one(MIX, members(8, "undisclosed", "undisclosed"), Candidate("AF", "undisclosed", "gov", delegation="D"),
         Rule.DELEGATION_MIX), DELEGATION_LABEL,
     "Delegation Republic of Examples would have 3 members who declare no gender; not single-gender."),
    (one(MIX, members(8, "woman", "man"), MEMBER, Rule.DELEGATION_MIX), DELEGATION_LABEL,
     "Delegation Republic of Examples would have 3 members who declare 2 genders; not single-gender."),
]


@pytest.mark.parametrize(("finding", "labels", "sentence"), AS_BEFORE, ids=[f.code for f, _l, _s in AS_BEFORE])
def test_english_sentences_are_those_of_before(app, finding, labels, sentence):
    with app.test_request_context():
        assert wording.finding_text(finding, labels) == sentence
        stored = json.loads(json.dumps(finding.as_data()))  # what the history gives back
        assert wording.finding_text(stored, labels) == sentence


def test_every_code_has_a_sentence_and_old_or_unknown_rows_show_their_words(app):
    with app.test_request_context():
        assert {f.code for f, _l, _s in AS_BEFORE} | {"note_verbale.unverified"} == wording.CODES
        for code in wording.CODES:
            assert wording.finding_text({"code": code, "after": 2, "limit": 3, "value": "7"}).endswith(".")
        assert wording.finding_text({"code": "note_verbale.unverified", "value": "7"},
                                    {(DELEGATION, "7"): "Ruritania"}) == \
            "The note verbale of Ruritania is not verified yet."
        assert wording.finding_text({"rule": "cap", "text": "An old sentence."}) == "An old sentence."
        assert wording.finding_text({"severity": "violation", "message": "Older still."}) == "Older still."
        assert wording.finding_text({"code": "from.a.later.release", "text": "Kept."}) == "Kept."


def _msgids() -> list:
    """The msgids of wording.py and of the region names, as pybabel extracts them (keywords as the app uses)."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    package = Path(wording.__file__).resolve().parents[1]
    found = []
    for path in (package / "balance" / "wording.py", package / "reference" / "services.py"):
        found += [message for _line, message, _comments, _context in extract_from_file("python", path, keywords)]
    return found


@pytest.fixture
def marked_spanish(app, monkeypatch):
    """A Spanish catalog in which every msgid of the findings reads "ES:" + itself: a sentence that does not pass
    through gettext/ngettext with an extracted msgid shows up without the mark."""
    catalog = Catalog(locale="es", fuzzy=False)  # a fuzzy header would be left out, and its plural rule with it
    for message in _msgids():
        if isinstance(message, tuple):
            # as many forms as the language has (Spanish: three in today's CLDR)
            catalog.add(message, tuple("ES:" + message[min(i, 1)] for i in range(catalog.num_plurals)))
        else:
            catalog.add(message, "ES:" + message)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    with app.app_context():
        monkeypatch.setitem(get_domain().cache, ("es", "messages"), Translations(buffer))
    monkeypatch.setitem(app.config, "LANGUAGES", ("en", "es"))
    return app


def test_every_sentence_goes_through_the_catalog(marked_spanish):
    with marked_spanish.test_request_context(), force_locale("es"):
        for finding, labels, _sentence in AS_BEFORE:
            assert wording.finding_text(finding, labels).startswith("ES:"), finding.code
        # the group names of the built-in schemes and the genders are said in the reader's language too
        cap = AS_BEFORE[5][0]
        assert wording.finding_text(cap) == \
            "ES:Approving would put ES:Western European and Others States at 31 of 30 seats."
        short = AS_BEFORE[11][0]
        assert "ES:women 4)" in wording.finding_text(short)
        assert wording.group_name({}, "region", "unassigned") == "ES:unassigned"
        assert wording.group_name({}, "region", "Custom group") == "Custom group"


def _woman_cap(meeting, db):
    services.save_policy(meeting, {"mix_min_size": None}, [
        {"dimension": "gender", "value": "woman", "unit": "seats", "minimum": None, "maximum": 1}], actor=None)
    db.session.commit()


def test_a_decision_stores_codes_and_the_page_says_them(meeting, organiser, auth, client, db, make_registration):
    _woman_cap(meeting, db)
    make_registration(meeting, status=RegistrationStatus.approved)
    person = make_registration(meeting)
    auth.sign_in(organiser)
    refused = client.post(f"/meetings/{meeting.id}/registrations/decide",
                          data={"registration_ids": [person.id], "outcome": "approved"}, follow_redirects=True)
    assert "Approving would put women at 2 of 1 seats." in refused.text
    client.post(f"/meetings/{meeting.id}/registrations/decide",
                data={"registration_ids": [person.id], "outcome": "approved", "override_reason": "Keynote"})
    change = db.session.scalar(db.select(StatusChange).where(StatusChange.registration_id == person.id,
                                                             StatusChange.to_status == RegistrationStatus.approved))
    cap = next(f for f in change.findings if f["rule"] == "cap")
    assert cap == {"code": "cap.over", "rule": "cap", "severity": "violation", "dimension": "gender",
                   "value": "woman", "current": 1, "after": 2, "limit": 1}
    assert not any("message" in f or "text" in f for f in change.findings)
    page = client.get(f"/meetings/{meeting.id}/registrations/{person.id}")
    assert "Approving would put women at 2 of 1 seats." in page.text


def test_the_api_gives_code_params_and_a_sentence_in_the_asked_language(marked_spanish, api, meeting, organiser,
                                                                        make_api_token, make_registration, db):
    organiser_token = make_api_token(organiser, ["read", "decide"])
    _woman_cap(meeting, db)
    make_registration(meeting, status=RegistrationStatus.approved)
    candidate = make_registration(meeting, gender=Gender.woman)
    path = f"/api/v1/meetings/{meeting.id}/registrations/{candidate.id}/decision"
    # the tests' app context spans requests, and Flask-Babel keeps the locale it chose in it: choose again
    refresh()
    refused = api.post(path, token=organiser_token, json={"outcome": "approved"}, headers={"Accept-Language": "es"})
    assert refused.status_code == 409
    (error,) = refused.json["errors"]
    assert (error["code"], error["params"]["after"], error["params"]["limit"]) == ("cap.over", 2, 1)
    assert error["detail"] == "ES:Approving would put ES:women at 2 of 1 seats."
    refresh()
    done = api.post(path, token=organiser_token, json={"outcome": "approved", "override_reason": "Keynote"},
                    headers={"Accept-Language": "en"})
    cap = next(f for f in done.json["findings"] if f["rule"] == "cap")
    assert cap["code"] == "cap.over" and cap["params"]["value"] == "woman" and cap["label"] == "women"
    assert cap["sentence"] == "Approving would put women at 2 of 1 seats."


def test_an_auto_waitlisting_stores_codes(meeting, db, make_registration):
    from meeting_manager.balance.models import DecisionMode

    services.save_policy(meeting, {"decision_mode": DecisionMode.auto, "mix_min_size": None}, [
        {"dimension": "gender", "value": "man", "unit": "seats", "minimum": None, "maximum": 0}], actor=None)
    person = make_registration(meeting, gender=Gender.man)
    services.on_registration_submitted(person, actor=None)
    assert person.status == RegistrationStatus.waitlisted
    (change,) = [c for c in person.history if c.to_status == RegistrationStatus.waitlisted]
    assert {f["code"] for f in change.findings} == {"capacity.holds", "cap.over"}
    assert [f["severity"] for f in change.findings if f["code"] == "cap.over"] == [Severity.VIOLATION.value]


def test_a_spanish_organiser_reads_the_policy_s_problems_in_spanish(marked_spanish, meeting, organiser, auth, client,
                                                                    db):
    from tests.balance.test_views import policy_form

    organiser.locale = "es"
    db.session.commit()
    auth.sign_in(organiser)
    refused = client.post(f"/meetings/{meeting.id}/policy",
                          data=policy_form(meeting, client, woman=("200", ""), man=("200", "")))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "ES:The minimums of the genders add up to 400 seats, more than the capacity of 300." in page
    assert "add up to 400 seats" not in page.replace("ES:The minimums of the genders add up to 400 seats", "")
