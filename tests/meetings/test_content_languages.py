"""The meeting's own content in several languages (meeting_manager/i18n_text.py), through HTTP: the organiser enters
texts per language; participants read them in their language, or in the meeting's default language marked with its
`lang`; saving twice keeps everything, removing a translation falls back, bad input saves nothing."""
import flask_babel
import pytest
from sqlalchemy import select

from meeting_manager.agenda.models import Session
from meeting_manager.meeting_mail import services as mail_texts
from meeting_manager.meetings.models import Meeting
from meeting_manager.meetings.services import form_data, update_meeting
from meeting_manager.registration import questions as q_services
from meeting_manager.registration.models import Question
from tests.agenda.test_sessions import session_form

from .test_forms import meeting_data
from .test_views import form_fields

EN, FR, AR = "Global Meeting 2028", "Réunion mondiale 2028", "الاجتماع العالمي 2028"
FALLBACK = f'<span lang="en" dir="ltr">{EN}</span>'


@pytest.fixture(autouse=True)
def six_languages(app):
    """The interface speaks English only until its catalogs arrive; the reader's language is what it chooses."""
    app.config["LANGUAGES"] = ("en", "fr", "es", "ar", "zh", "ru")
    # requests in a test share the test's app context, where Flask-Babel keeps the locale it chose: choose anew
    app.before_request_funcs.setdefault(None, []).insert(0, flask_babel.refresh)


@pytest.fixture
def reader(app):
    """A visitor, not signed in: their Accept-Language decides (a signed-in person's own choice would)."""
    return app.test_client()


@pytest.fixture
def as_organiser(client, auth, organiser):
    auth.sign_in(organiser)
    return client


def edit(client, meeting, **fields):
    return client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(title=None, **fields))


def public_page(reader, meeting, language):
    return reader.get(f"/meetings/{meeting.id}", headers={"Accept-Language": language}).get_data(as_text=True)


def test_the_form_has_an_input_per_language_named_in_itself(as_organiser, meeting):
    html = as_organiser.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    for code, tag, name in (("en", "en", "English"), ("fr", "fr", "Français"), ("es", "es", "Español"),
                            ("ar", "ar", "العربية"), ("zh", "zh-Hans", "中文"), ("ru", "ru", "Русский")):
        assert f'<span lang="{tag}">{name}</span>' in html
        assert f'name="title-{code}"' in html and f'name="description-{code}"' in html
    assert 'name="title-fr" value="" lang="fr" dir="auto"' in html


def test_the_reader_gets_their_language_or_the_default_marked(as_organiser, reader, meeting, db):
    response = edit(as_organiser, meeting, **{"title-en": EN, "title-fr": FR, "title-ar": AR,
                                              "description-en": "Three days.", "description-fr": "Trois jours."})
    assert response.status_code == 302, response.text
    french = public_page(reader, meeting, "fr")
    assert f"<h1>{FR}</h1>" in french and "<p>Trois jours.</p>" in french and EN not in french
    assert f"<h1>{AR}</h1>" in public_page(reader, meeting, "ar")
    russian = public_page(reader, meeting, "ru")
    assert f"<h1>{FALLBACK} <span class=\"i18n-fallback\">(на английском)</span></h1>" in russian
    assert '<div class="prose" lang="en" dir="ltr">' in russian
    assert f"<title>{EN}" in russian  # no markup in <title>
    english = public_page(reader, meeting, "en")
    assert f"<h1>{EN}</h1>" in english and "i18n-fallback" not in english


def test_saving_twice_keeps_every_language_and_removing_one_falls_back(as_organiser, reader, meeting, db):
    edit(as_organiser, meeting, **{"title-en": EN, "title-fr": FR, "title-ar": AR})
    before = form_data(db.session.get(Meeting, meeting.id))
    fields = form_fields(as_organiser.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True))
    assert fields["title-ar"] == AR
    assert as_organiser.post(f"/meetings/{meeting.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    assert form_data(db.session.get(Meeting, meeting.id)) == before
    fields["title-fr"] = ""
    assert as_organiser.post(f"/meetings/{meeting.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title_i18n == {"ar": AR}
    assert f"<h1>{FALLBACK}" in public_page(reader, meeting, "fr")


@pytest.mark.parametrize("fields, message", [
    ({"title-en": EN, "title-fr": "x" * 201}, "French: at most 200 characters."),
    ({"title-en": "", "title-fr": FR}, "English (the default language) is required."),
    ({"title-en": EN, "title-ar": "a\x00b"}, "Arabic: the text holds control characters."),
    ({"title-en": EN, "title-fr": FR, "default_language": "ar"}, "Arabic (the default language) is required."),
])
def test_bad_input_saves_nothing(as_organiser, meeting, db, fields, message):
    response = edit(as_organiser, meeting, **fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title_i18n == {}


def test_html_in_a_translation_is_shown_as_text(as_organiser, reader, meeting):
    edit(as_organiser, meeting, **{"title-en": EN, "title-fr": "<b>Réunion</b> & <script>x</script>"})
    html = public_page(reader, meeting, "fr")
    assert "&lt;b&gt;Réunion&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in html and "<b>Réunion" not in html


def test_another_default_language_moves_the_texts(as_organiser, reader, meeting, db, make_agenda_session):
    session = make_agenda_session(meeting, "Opening", title_i18n={"fr": "Ouverture"})
    edit(as_organiser, meeting, **{"title-en": EN, "title-fr": FR, "default_language": "fr"})
    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert (moved.default_language, moved.title, moved.title_i18n) == ("fr", FR, {"en": EN})
    assert db.session.get(Session, session.id).title == "Ouverture"
    spanish = public_page(reader, meeting, "es")
    assert f'<span lang="fr" dir="ltr">{FR}</span> <span class="i18n-fallback">(en francés)</span>' in spanish


def test_only_the_offered_languages_are_asked(as_organiser, meeting, db):
    edit(as_organiser, meeting, **{"title-en": EN, "title-fr": FR, "content_languages": ["en", "fr"]})
    html = as_organiser.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'name="title-fr"' in html and 'name="title-ar"' not in html
    assert db.session.get(Meeting, meeting.id).content_languages == ["en", "fr"]


def test_the_wrong_person_cannot_edit(client, auth, meeting, staff, participant, make_meeting, make_user, db):
    other = make_user("Other Organiser", roles=[(make_meeting(title="Other"), "organiser")])
    for user in (staff, participant, other):
        auth.sign_in(user)
        response = client.post(f"/meetings/{meeting.id}/edit", data=meeting_data(**{"title-fr": "Volé"}))
        assert response.status_code in (403, 404)
        auth.sign_out()
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title_i18n == {}


# --- questions and their choices ----------------------------------------------------------------------------------

def add_question(client, meeting, **fields):
    data = {"kind": "single_choice", "label-en": "Which workshop?", "options-en": "Early warning\nAccountability",
            "position": "0", "shown_if_question_id": ""} | fields
    return client.post(f"/meetings/{meeting.id}/questions", data=data)


def test_question_and_choices_in_the_readers_language(as_organiser, reader, meeting, db):
    response = add_question(as_organiser, meeting, **{"label-fr": "Quel atelier ?",
                                                       "options-fr": "Alerte précoce\nResponsabilité"})
    assert response.status_code == 303, response.text
    french = reader.get(f"/meetings/{meeting.id}/apply", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Quel atelier ?" in french
    assert '<option value="Early warning">Alerte précoce</option>' in french  # the value stays the stored wording
    assert '<option value="Accountability">Responsabilité</option>' in french
    spanish = reader.get(f"/meetings/{meeting.id}/apply", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<span lang="en" dir="ltr">Which workshop?</span>' in spanish
    assert '<option dir="ltr" lang="en" value="Early warning">Early warning</option>' in spanish


def test_question_saved_twice_keeps_its_translations(as_organiser, meeting, db):
    add_question(as_organiser, meeting, **{"label-fr": "Quel atelier ?",
                                           "options-fr": "Alerte précoce\nResponsabilité"})
    question = db.session.scalar(select(Question))
    page = f"/meetings/{meeting.id}/questions/{question.id}"
    fields = form_fields(as_organiser.get(page).get_data(as_text=True))
    assert fields["options-fr"] == "Alerte précoce\nResponsabilité"
    assert as_organiser.post(page, data=fields).status_code == 303
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.label_i18n == {"fr": "Quel atelier ?"}
    assert question.options_i18n == {"fr": ["Alerte précoce", "Responsabilité"]}
    assert question_labels(meeting) == {"en": "Which workshop?", "fr": "Quel atelier ?"}


def question_labels(meeting):
    return q_services.label_texts(q_services.list_questions(meeting)[0], meeting)


def test_translated_choices_must_match_the_default_ones(as_organiser, meeting, db):
    response = add_question(as_organiser, meeting, **{"options-fr": "Alerte précoce"})
    assert response.status_code == 422 and "same order and number" in response.get_data(as_text=True)
    assert db.session.scalar(select(Question)) is None


# --- sessions -----------------------------------------------------------------------------------------------------

def test_session_title_in_the_programme(as_organiser, reader, meeting, db):
    response = as_organiser.post(f"/meetings/{meeting.id}/agenda/sessions/new", data=session_form(
        meeting, published="y", **{"title-en": "Early warning in practice", "title-fr": "L'alerte précoce en pratique",
                                   "description-en": "Indicators.", "description-fr": "Des indicateurs."}))
    assert response.status_code in (302, 303), response.text
    session = db.session.scalar(select(Session))
    programme = f"/meetings/{meeting.id}/programme"
    french = reader.get(programme, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "L&#39;alerte précoce en pratique" in french
    page = reader.get(f"{programme}/{session.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "<p>Des indicateurs.</p>" in page
    russian = reader.get(programme, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<span lang="en" dir="ltr">Early warning in practice</span>' in russian
    edit_page = f"/meetings/{meeting.id}/agenda/sessions/{session.id}"
    assert 'value="L&#39;alerte précoce en pratique"' in as_organiser.get(edit_page).get_data(as_text=True)


# --- mail texts ---------------------------------------------------------------------------------------------------

def test_own_mail_text_falls_back_to_the_default_language(as_organiser, meeting, db):
    update_meeting(meeting, {"default_language": "fr"}, actor=None)
    mail_texts.save_text(meeting, "registration_received", "fr", "Bien reçu", "Nous avons reçu votre demande.",
                         actor=None)
    db.session.commit()
    shown = mail_texts.preview(meeting, "registration_received", "es")
    assert shown["subject"] == "Bien reçu"
    assert '<div lang="fr" dir="ltr">' in shown["html"] and "Nous avons reçu votre demande." in shown["html"]
    assert '<div lang="fr"' not in mail_texts.preview(meeting, "registration_received", "fr")["html"]
    page = as_organiser.get(f"/meetings/{meeting.id}/mail/texts/registration_received/es").get_data(as_text=True)
    assert "readers of it get your text in French, the meeting's default language" in page


def test_badge_carries_the_title_in_the_wearers_language(meeting, db, make_registration):
    from meeting_manager.badges.services import badge_data

    update_meeting(meeting, {"title": {"en": EN, "fr": FR}}, actor=None)
    db.session.commit()
    assert badge_data(make_registration(meeting, locale="fr"), meeting, None).meeting_title == FR
    assert badge_data(make_registration(meeting, locale="ru"), meeting, None).meeting_title == EN
