"""Defect 2: names in reports, lists and the visa letter come from names.render_name, in the person's order."""
import subprocess

from meeting_manager.registration.models import RegistrationStatus as S
from meeting_manager.reports.frames import Filters, attendance_frames, internal_list_frames


def _approved(make_registration, meeting, **fields):
    return make_registration(meeting, status=S.approved, **fields)


def test_lists_write_each_name_in_its_own_order_and_never_glue_an_empty_part(app, meeting, make_registration):
    _approved(make_registration, meeting, given_name="", family_name="Sukarnoputri", country="ID")
    _approved(make_registration, meeting, given_name="فاطمة الزهراء", family_name="العلوي", country="MA")
    _approved(make_registration, meeting, given_name="Γιώργος", family_name="Παπαδόπουλος", country="GR")
    _approved(make_registration, meeting, given_name="Thị Minh Khai", family_name="Nguyễn", country="VN")
    _approved(make_registration, meeting, given_name="美咲", family_name="田中", country="JP")
    _approved(make_registration, meeting, given_name="Åsa", family_name="Åberg", country="SE")
    _approved(make_registration, meeting, given_name="Zoë", family_name="Abara", country="NG")
    names = list(internal_list_frames(meeting, Filters())["Participants"].iloc[:, 0])
    assert "Sukarnoputri" in names and not any(n.startswith(",") or n.endswith(",") for n in names)
    assert "فاطمة الزهراء العلوي" in names and not any("," in n for n in names)  # no ASCII comma, natural order
    assert "Γιώργος ΠΑΠΑΔΟΠΟΥΛΟΣ" in names  # Greek capitals drop their accents
    assert "NGUYỄN Thị Minh Khai" in names and "田中美咲" in names
    # collated, not byte order: Å is a letter of its own after Z in Swedish, but an A in English
    latin = [n for n in names if n in ("Åsa ÅBERG", "Zoë ABARA")]
    assert latin == ["Zoë ABARA", "Åsa ÅBERG"]
    no_shows = attendance_frames(meeting, Filters())["No-shows"]
    assert "Sukarnoputri" in set(no_shows["name"])


def test_visa_letter_names_the_person_as_in_the_passport(register, approve, visa_data, tmp_path):
    client, registration = register(given_name="秀英", family_name="王", nationality="CN", **visa_data)
    approve(registration)
    response = client.get(f"/my/registrations/{registration.id}/visa-letter.pdf")
    (tmp_path / "letter.pdf").write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "letter.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "王秀英" in text and "秀英 王" not in text
