"""The note verbale: a real, size-limited PDF kept outside the web root, read and verified only by organisers."""
import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from meeting_manager.audit.models import AuditEvent
from meeting_manager.delegations.services import note_verbale_ok
from meeting_manager.models_base import utcnow

MB = 1024 * 1024


def real_pdf(padding: int = 0) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Note verbale", "/Padding": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def state(meeting, participant, make_delegation):
    """A State delegation whose focal point is the `participant` user."""
    return make_delegation(meeting, kind="state", country="GH", focal_point=participant)


def _upload(client, delegation, content: bytes, name="note.pdf"):
    return client.post(f"/delegations/{delegation.id}/note-verbale",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def _stored(app) -> list[Path]:
    folder = Path(app.config["STORAGE_DIR"]) / "notes_verbales"
    return list(folder.glob("*")) if folder.exists() else []


@pytest.mark.parametrize("content, message", [
    (b"GIF89a this is an image renamed to .pdf", "not a PDF"),
    (b"%PDF-1.7\nnot really a pdf at all\n%%EOF", "could not be opened"),
])
def test_a_file_that_is_no_real_pdf_is_refused(app, client, db, auth, participant, state, content, message):
    auth.sign_in(participant)
    response = _upload(client, state, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(state)
    assert state.note_verbale_path is None and _stored(app) == []


def test_a_pdf_over_the_limit_is_refused(app, client, db, auth, participant, state):
    auth.sign_in(participant)
    big = real_pdf(padding=5 * MB + 10)
    assert big.startswith(b"%PDF-") and len(big) > 5 * MB
    response = _upload(client, state, big)
    assert response.status_code == 422 and "larger than 5 MB" in response.get_data(as_text=True)
    db.session.refresh(state)
    assert state.note_verbale_path is None and _stored(app) == []


def test_a_real_pdf_is_stored_outside_the_web_root(app, client, db, auth, participant, state):
    auth.sign_in(participant)
    content = real_pdf()
    assert _upload(client, state, content).status_code == 303
    db.session.refresh(state)
    [stored] = _stored(app)
    assert stored.read_bytes() == content
    assert state.note_verbale_path.startswith("notes_verbales/") and "note.pdf" not in state.note_verbale_path
    assert not str(stored.resolve()).startswith(str(Path(app.static_folder).resolve()))
    assert client.get(f"/static/{state.note_verbale_path}").status_code == 404
    # A new upload replaces the old file and needs verifying again.
    state.note_verbale_verified_at = utcnow()
    db.session.commit()
    assert _upload(client, state, real_pdf(padding=10)).status_code == 303
    db.session.refresh(state)
    assert len(_stored(app)) == 1 and state.note_verbale_verified_at is None


def test_only_the_meetings_organisers_download_it_and_each_download_is_audited(
        app, client, db, auth, meeting, organiser, staff, participant, make_user, make_meeting, state):
    auth.sign_in(participant)
    content = real_pdf()
    _upload(client, state, content)
    url = f"/meetings/{meeting.id}/delegations/{state.id}/note-verbale"
    other_organiser = make_user(roles=[(make_meeting(title="Other"), "organiser")])
    for user in (participant, staff, other_organiser):
        auth.sign_out()
        auth.sign_in(user)
        assert client.get(url).status_code == 403
    auth.sign_out()
    assert client.get(url).status_code == 302  # anonymous: sign in first
    auth.sign_in(organiser)
    response = client.get(url)
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/pdf"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "delegation.note_verbale_download"))
    assert event.actor_id == organiser.id and event.subject_id == state.id


def test_organiser_verifies_it_and_the_meeting_rule_follows(client, db, auth, meeting, organiser, participant,
                                                           state, make_delegation):
    ngo = make_delegation(meeting, kind="ngo")
    meeting.require_verified_note_verbale = True
    db.session.commit()
    assert note_verbale_ok(ngo) and not note_verbale_ok(state)
    auth.sign_in(participant)
    _upload(client, state, real_pdf())
    assert not note_verbale_ok(state)  # uploaded is not verified
    auth.sign_out()
    auth.sign_in(organiser)
    assert client.post(f"/meetings/{meeting.id}/delegations/{state.id}/note-verbale/verify").status_code == 303
    db.session.refresh(state)
    assert state.note_verbale_verified_by_id == organiser.id and note_verbale_ok(state)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "delegation.note_verbale_verify"))
    meeting.require_verified_note_verbale = False
    state.note_verbale_verified_at = None
    assert note_verbale_ok(state)


def test_only_a_state_delegation_uploads_one(client, db, auth, meeting, make_user, make_delegation):
    focal = make_user("NGO focal")
    ngo = make_delegation(meeting, kind="ngo", focal_point=focal)
    auth.sign_in(focal)
    response = _upload(client, ngo, real_pdf())
    db.session.refresh(ngo)
    assert ngo.note_verbale_path is None and response.status_code in (303, 422)


# --- active content (issue 20, finding 11) -------------------------------------------------------------------------

def _pdf_with(change) -> bytes:
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    js = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                           NameObject("/JS"): TextStringObject("app.alert(1)")})
    change(writer, js, NameObject, DictionaryObject, TextStringObject)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action_js(writer, js, Name, *_):
    writer._root_object[Name("/OpenAction")] = writer._add_object(js)


def _document_js(writer, js, Name, Dictionary, Text):
    from pypdf.generic import ArrayObject

    tree = Dictionary({Name("/Names"): ArrayObject([Text("hello"), writer._add_object(js)])})
    writer._root_object[Name("/Names")] = Dictionary({Name("/JavaScript"): writer._add_object(tree)})


def _page_aa(writer, js, Name, Dictionary, *_):
    writer.pages[0][Name("/AA")] = Dictionary({Name("/O"): writer._add_object(js)})


def _launch(writer, js, Name, Dictionary, Text):
    writer._root_object[Name("/OpenAction")] = Dictionary({Name("/S"): Name("/Launch"), Name("/F"): Text("calc.exe")})


def _attachment(writer, *_):
    writer.add_attachment("invoice.exe", b"MZ not really a program")


@pytest.mark.parametrize("change, shown", [
    (_open_action_js, "/JS"), (_document_js, "/JavaScript"), (_page_aa, "/AA"), (_launch, "/Launch"),
    (_attachment, "/EmbeddedFiles"),
])
def test_a_pdf_with_active_content_is_refused(app, client, db, auth, participant, state, change, shown):
    auth.sign_in(participant)
    response = _upload(client, state, _pdf_with(change))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "active content" in page and shown in page
    db.session.refresh(state)
    assert state.note_verbale_path is None and _stored(app) == []


def test_a_name_written_with_hex_escapes_is_still_found(app, client, db, auth, participant, state):
    # /J#61vaScript is /JavaScript once the name is decoded: a scan of the bytes for "/JavaScript" misses it
    content = _pdf_with(_open_action_js).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS", b"/J#53")
    assert b"/JavaScript" not in content and b"/JS" not in content
    auth.sign_in(participant)
    response = _upload(client, state, content)
    assert response.status_code == 422 and "active content" in response.get_data(as_text=True)
    assert _stored(app) == []


def test_an_open_action_that_only_opens_a_page_is_accepted(app, client, db, auth, participant, state):
    def go_to_first_page(writer, js, Name, *_):
        from pypdf.generic import ArrayObject

        writer._root_object[Name("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference, Name("/Fit")])

    auth.sign_in(participant)
    response = _upload(client, state, _pdf_with(go_to_first_page))
    assert response.status_code in (302, 303)
    db.session.refresh(state)
    assert state.note_verbale_path is not None
