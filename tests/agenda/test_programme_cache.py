"""The public programme PDF is rendered once per version of the agenda and served with an ETag (304 when the
reader has it); the public iCalendar file too; the organisers' PDF goes through the same cache."""
import pytest

from meeting_manager.agenda import exports
from meeting_manager.extensions import db


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs were rendered (laid out by WeasyPrint), whatever served them."""
    count = []
    render = exports.html_to_pdf
    monkeypatch.setattr(exports, "html_to_pdf", lambda html: count.append(1) or render(html))
    return count


def test_the_public_pdf_is_rendered_once_per_agenda_version(client, meeting, make_agenda_session, renders):
    session = make_agenda_session(meeting, "Opening plenary", kind="plenary")
    url = f"/meetings/{meeting.id}/programme.pdf"

    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200 and first.data.startswith(b"%PDF")
    assert second.data == first.data and len(renders) == 1
    etag = first.headers["ETag"]
    assert second.headers["ETag"] == etag and "no-cache" in first.headers["Cache-Control"]

    unchanged = client.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b"" and len(renders) == 1

    session.title = "Opening plenary, moved"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and len(renders) == 2
    assert client.get(f"{url}?layout=rooms").headers["ETag"] not in (etag, changed.headers["ETag"])


def test_the_public_ics_has_an_etag_and_answers_304(client, meeting, make_agenda_session):
    session = make_agenda_session(meeting, "Opening plenary", kind="plenary")
    url = f"/meetings/{meeting.id}/programme.ics"
    first, second = client.get(url), client.get(url)
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    session.title = "Opening plenary, moved"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and b"moved" in changed.data


def test_the_organisers_pdf_uses_the_cache_and_stays_private(client, auth, organiser, meeting, make_agenda_session,
                                                             renders):
    make_agenda_session(meeting, "Unpublished side event", published=False)
    auth.sign_in(organiser)
    url = f"/meetings/{meeting.id}/agenda/agenda.pdf"
    first, second = client.get(url), client.get(url)
    assert first.data == second.data and len(renders) == 1
    assert first.headers["Cache-Control"].startswith("private")
    public = client.get(f"/meetings/{meeting.id}/programme.pdf")
    assert public.headers["ETag"] != first.headers["ETag"] and len(renders) == 2  # not the organisers' copy


def test_the_balance_pdf_is_rendered_once_per_state_of_the_balance(client, auth, organiser, meeting,
                                                                  make_registration, approve, monkeypatch):
    from meeting_manager.balance import views

    count = []
    render = views.html_to_pdf
    monkeypatch.setattr(views, "html_to_pdf", lambda html: count.append(1) or render(html))
    auth.sign_in(organiser)
    url = f"/meetings/{meeting.id}/balance.pdf"
    first, second = client.get(url), client.get(url)
    assert first.data.startswith(b"%PDF") and second.data == first.data and len(count) == 1
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    approve(make_registration(meeting))
    changed = client.get(url)
    assert changed.headers["ETag"] != first.headers["ETag"] and len(count) == 2
