"""A meeting's own questions: organiser CRUD, required and conditional answers, and answers that outlive edits."""
import re

import pytest

from conftest import use_emailed_link
from meeting_manager.errors import ValidationFailed
from meeting_manager.registration import questions as q_services
from meeting_manager.registration.models import Answer, Question, QuestionKind
from meeting_manager.registration.services import answers_for, update_registration


@pytest.fixture
def organiser_client(app, organiser):
    client = app.test_client()
    client.post("/account/sign-in", data={"email": organiser.email, "password": "correct horse battery"})
    return client


@pytest.fixture
def add_question(organiser_client, meeting, db):
    def add(label, kind, options=(), required=False, shown_if=None, value="", position=0):
        response = organiser_client.post(f"/meetings/{meeting.id}/questions", data={
            "label": label, "kind": kind, "options": "\n".join(options), "required": "y" if required else "",
            "position": str(position), "shown_if_question_id": str(shown_if.id) if shown_if else "",
            "shown_if_value": value})
        assert response.status_code == 303, response.text
        return db.session.scalar(db.select(Question).where(Question.label == label))

    return add


@pytest.fixture
def form_questions(add_question):
    """A small questionnaire: a yes/no that opens a required follow-up, a choice, several choices, a date."""
    workshop = add_question("Will you lead a workshop?", "yes_no", required=True, position=1)
    topic = add_question("Workshop topic", "short_text", required=True, shown_if=workshop, value="yes", position=2)
    region = add_question("Your region of work", "single_choice", ["Africa", "Asia-Pacific", "Americas"], position=3)
    tracks = add_question("Tracks of interest", "multiple_choice", ["Early warning", "Justice", "Memory"], position=4)
    arrival = add_question("Planned arrival", "date", position=5)
    return workshop, topic, region, tracks, arrival


def error_at(page, question):
    match = re.search(rf'<p class="error" id="q_{question.id}-error">(.*?)</p>', page, re.S)
    return match.group(1) if match else None


def test_organiser_adds_and_lists_questions(organiser_client, meeting, form_questions):
    page = organiser_client.get(f"/meetings/{meeting.id}/questions").text
    for question in form_questions:
        assert question.label in page
    assert "if “Will you lead a workshop?” is “yes”" in page
    assert [q.kind for q in form_questions] == [QuestionKind.yes_no, QuestionKind.short_text,
                                                 QuestionKind.single_choice, QuestionKind.multiple_choice,
                                                 QuestionKind.date]


def test_questions_page_is_for_organisers_only(client, auth, staff, participant, meeting):
    for user in (staff, participant):
        auth.sign_in(user)
        assert client.get(f"/meetings/{meeting.id}/questions").status_code == 403
        auth.sign_out()


def test_question_of_another_meeting_is_not_found(organiser_client, make_meeting, db, meeting):
    other = make_meeting(title="Other")
    question = q_services.create_question(other, {"label": "Q", "kind": "short_text"}, actor=None)
    db.session.commit()
    assert organiser_client.get(f"/meetings/{meeting.id}/questions/{question.id}").status_code == 404
    assert organiser_client.post(f"/meetings/{meeting.id}/questions/{question.id}/archive").status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"label": "", "kind": "short_text"}, "English (the default language) is required."),
    ({"label": "x" * 301, "kind": "short_text"}, "English: at most 300 characters."),
    ({"label": "Pick", "kind": "single_choice", "options": "only one"}, "at least two options"),
    ({"label": "Pick", "kind": "multiple_choice", "options": "a\na"}, "only once"),
    ({"label": "Q", "kind": "essay"}, "Not a valid choice"),
])
def test_bad_questions_are_refused(organiser_client, meeting, db, data, message):
    response = organiser_client.post(f"/meetings/{meeting.id}/questions", data=data)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_condition_must_name_an_answer_the_question_can_have(organiser_client, meeting, add_question, db):
    region = add_question("Region", "single_choice", ["Africa", "Asia"])
    for value, message in (("Europe", "must be one of that question&#39;s options"), ("", "Give the answer")):
        response = organiser_client.post(f"/meetings/{meeting.id}/questions", data={
            "label": "Which country?", "kind": "short_text", "shown_if_question_id": str(region.id),
            "shown_if_value": value})
        assert response.status_code == 422 and message in response.text
    yes_no = add_question("Speaker?", "yes_no")
    response = organiser_client.post(f"/meetings/{meeting.id}/questions", data={
        "label": "Topic", "kind": "short_text", "shown_if_question_id": str(yes_no.id), "shown_if_value": "maybe"})
    assert response.status_code == 422 and "“yes” or “no”" in response.text


def test_conditions_cannot_go_round_in_a_circle(meeting, db):
    first = q_services.create_question(meeting, {"label": "A", "kind": "short_text"}, actor=None)
    second = q_services.create_question(meeting, {"label": "B", "kind": "short_text", "shown_if_question_id": first.id,
                                                  "shown_if_value": "x"}, actor=None)
    with pytest.raises(ValidationFailed) as error:
        q_services.update_question(first, {"label": "A", "kind": "short_text", "shown_if_question_id": second.id,
                                           "shown_if_value": "y"}, actor=None)
    assert "circle" in " ".join(error.value.problems)
    with pytest.raises(ValidationFailed):
        q_services.update_question(first, {"label": "A", "kind": "short_text", "shown_if_question_id": first.id,
                                           "shown_if_value": "y"}, actor=None)


def test_required_question_needs_an_answer(client, meeting, form_data, form_questions, registrations):
    workshop = form_questions[0]
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    assert response.status_code == 422 and "This question needs an answer." in error_at(response.text, workshop)
    assert registrations() == []


def test_conditional_question_is_required_and_kept_only_when_its_condition_holds(app, meeting, form_data,
                                                                                 form_questions, registrations):
    workshop, topic, *_rest = form_questions
    # "no": the follow-up is not required, and an answer typed anyway is not kept
    response = app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(
        **{f"q_{workshop.id}": "no", f"q_{topic.id}": "typed before changing my mind"}))
    assert response.status_code == 303
    assert answers_for(registrations())[registrations()[0].id] == [("Will you lead a workshop?", "No")]
    # "yes": now it is required ...
    response = app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(
        email="b@example.org", **{f"q_{workshop.id}": "yes"}))
    assert response.status_code == 422 and "This question needs an answer." in error_at(response.text, topic)
    # ... and kept
    response = app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(
        email="b@example.org", **{f"q_{workshop.id}": "yes", f"q_{topic.id}": "Early warning in the Sahel"}))
    assert response.status_code == 303
    assert answers_for(registrations())[registrations()[1].id] == [
        ("Will you lead a workshop?", "Yes"), ("Workshop topic", "Early warning in the Sahel")]


def test_every_kind_of_answer_is_stored_and_readable(client, meeting, form_data, form_questions, registrations, db):
    workshop, topic, region, tracks, arrival = form_questions
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(**{
        f"q_{workshop.id}": "yes", f"q_{topic.id}": "Mémoire et justice — 记忆", f"q_{region.id}": "Africa",
        f"q_{tracks.id}": ["Memory", "Early warning"], f"q_{arrival.id}": "2026-05-03"}))
    [registration] = registrations()
    stored = {a.question_id: a.value["value"] for a in db.session.scalars(db.select(Answer))}
    assert stored == {workshop.id: True, topic.id: "Mémoire et justice — 记忆", region.id: "Africa",
                      tracks.id: ["Early warning", "Memory"], arrival.id: "2026-05-03"}
    assert answers_for([registration])[registration.id] == [
        ("Will you lead a workshop?", "Yes"), ("Workshop topic", "Mémoire et justice — 记忆"),
        ("Your region of work", "Africa"), ("Tracks of interest", "Early warning and Memory"),
        ("Planned arrival", "May 3, 2026")]
    use_emailed_link(client, registration.email)
    page = client.get(f"/my/registrations/{registration.id}").text
    assert "Early warning and Memory" in page


def test_the_participant_reads_their_answers_in_their_language(client, meeting, form_data, form_questions,
                                                                 registrations, db):
    """The stored values are the default language's wording; the French reader gets the French question and choice
    (and a French date and list), in the page of their registration."""
    _workshop, _topic, region, tracks, arrival = form_questions
    region.label_i18n = {"fr": "Votre région de travail"}
    region.options_i18n = {"fr": ["Afrique", "Asie-Pacifique", "Amériques"]}
    tracks.options_i18n = {"fr": ["Alerte précoce", "Justice", "Mémoire"]}
    db.session.commit()
    client.set_cookie("lang", "fr")
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(**{
        f"q_{_workshop.id}": "no", f"q_{region.id}": "Africa", f"q_{tracks.id}": ["Memory", "Early warning"],
        f"q_{arrival.id}": "2026-05-03"}))
    [registration] = registrations()
    use_emailed_link(client, registration.email)
    page = client.get(f"/my/registrations/{registration.id}").text
    assert "<dt>Votre région de travail</dt><dd class=\"answer\">Afrique</dd>" in page
    assert "Alerte précoce et Mémoire" in page and "3 mai 2026" in page and "Non" in page


@pytest.mark.parametrize("kind_index, value, message", [
    (2, "Europe", "Not a valid choice"),
    (3, "Gardening", "is not a valid choice"),
    (4, "3 May", "Not a valid date"),
    (1, "x" * 501, "longer than 500"),
])
def test_wrong_answers_are_refused(client, meeting, form_data, form_questions, registrations, kind_index, value,
                                   message):
    workshop, question = form_questions[0], form_questions[kind_index]
    response = client.post(f"/meetings/{meeting.id}/apply", data=form_data(**{
        f"q_{workshop.id}": "yes", f"q_{form_questions[1].id}": "topic", f"q_{question.id}": value}))
    assert response.status_code == 422 and message in error_at(response.text, question)
    assert registrations() == []


def test_editing_a_question_keeps_old_answers_readable(client, organiser_client, meeting, form_data, form_questions,
                                                       registrations, organiser, auth):
    workshop, _topic, region, *_ = form_questions
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(**{
        f"q_{workshop.id}": "no", f"q_{region.id}": "Asia-Pacific"}))
    [registration] = registrations()
    response = organiser_client.post(f"/meetings/{meeting.id}/questions/{region.id}", data={
        "label": "Main region of your work", "kind": "single_choice", "options": "Africa\nAsia\nAmericas\nEurope",
        "position": "3"})
    assert response.status_code == 303
    assert ("Your region of work", "Asia-Pacific") in answers_for([registration])[registration.id]
    assert "Your region of work" in organiser_client.get(
        f"/meetings/{meeting.id}/registrations/{registration.id}").text
    # the edit page warns the organiser that people answered
    assert "1 person has answered this question" in organiser_client.get(
        f"/meetings/{meeting.id}/questions/{region.id}").text


def test_a_changed_answer_takes_the_current_label(client, organiser_client, meeting, form_data, form_questions,
                                                  registrations):
    workshop, _topic, region, *_ = form_questions
    client.post(f"/meetings/{meeting.id}/apply",
                data=form_data(**{f"q_{workshop.id}": "no", f"q_{region.id}": "Africa"}))
    [registration] = registrations()
    q_services.update_question(region, {"label": "Main region", "kind": "single_choice",
                                        "options": ["Africa", "Asia"], "position": 3}, actor=None)
    edit = form_data(**{f"q_{workshop.id}": "no", f"q_{region.id}": "Asia"})
    for name in ("email", "data_consent", "submission_key"):
        edit.pop(name)
    use_emailed_link(client, registration.email)
    assert re.search(r'<option selected value="no">', client.get(f"/my/registrations/{registration.id}/edit").text)
    assert client.post(f"/my/registrations/{registration.id}/edit", data=edit).status_code == 303
    assert ("Main region", "Asia") in answers_for([registration])[registration.id]


def test_archived_question_leaves_the_form_and_keeps_its_answers(client, organiser_client, meeting, form_data,
                                                                 form_questions, registrations, db):
    workshop, _topic, region, *_ = form_questions
    client.post(f"/meetings/{meeting.id}/apply",
                data=form_data(**{f"q_{workshop.id}": "no", f"q_{region.id}": "Africa"}))
    [registration] = registrations()
    assert organiser_client.post(f"/meetings/{meeting.id}/questions/{region.id}/archive").status_code == 303
    db.session.refresh(region)
    assert region.archived
    client.post("/account/sign-out")
    assert f'name="q_{region.id}"' not in client.get(f"/meetings/{meeting.id}/apply").text
    assert ("Your region of work", "Africa") in answers_for([registration])[registration.id]
    # editing one's registration leaves the archived question's answer alone
    update_registration(registration, {"answers": {workshop.id: "no"}}, actor=None)
    db.session.commit()
    assert ("Your region of work", "Africa") in answers_for([registration])[registration.id]
    # restored, it is back on the form
    organiser_client.post(f"/meetings/{meeting.id}/questions/{region.id}/archive")
    assert f'name="q_{region.id}"' in client.get(f"/meetings/{meeting.id}/apply").text


def test_question_whose_condition_was_archived_leaves_the_form(client, meeting, form_questions, db):
    workshop, topic, *_ = form_questions
    q_services.set_question_archived(workshop, True, actor=None)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/apply").text
    assert f'name="q_{topic.id}"' not in page


def test_answers_for_many_registrations_and_none(db):
    assert answers_for([]) == {}
