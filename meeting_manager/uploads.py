"""The one safe reader of uploaded spreadsheets (CSV and XLSX), used by every upload that holds a table.

A small file can ask for a lot of work: a 4.7 KB .xlsx with one cell at A1048576 made pandas build a million rows
(15 s), a 5.4 MB zip of 84 MB of XML took 80 s and 500 MB. So, before anything is parsed, the zip's members are
summed by their declared uncompressed size (zipfile itself never returns more than a member declares) and the
sheet's declared dimension is checked, and a scan of the sheet's bytes counts rows and cells; only then are rows
streamed with openpyxl's read-only reader, and reading stops at the row limit. CSV text is read line by line with
the same row and column limits and a line-length limit. docs/security.md ("Uploads") has the table of limits.
"""
import csv
import io
import re
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from .errors import ValidationFailed

#: the sum of the uncompressed sizes of an .xlsx's zip members; a 5,000-row, 10-column sheet is about 4 MB
MAX_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
#: Excel's own limit (column XFD); openpyxl builds every cell of a row before it can drop the ones past MAX_COLUMNS
MAX_CELLS_PER_ROW = 16_384
#: cells of the sheet, and distinct texts of the workbook, counted in the bytes before parsing: openpyxl costs
#: 5-10 µs for each (5,000 invitations of 8 columns are 40,000 cells; 5,000 rows of 20 columns pass)
MAX_CELLS = 100_000
MAX_SHARED_STRINGS = 100_000
MAX_ZIP_MEMBERS = 500
MAX_COLUMNS = 100
#: one line of a CSV file; a line longer than this is no row of a table we import
MAX_LINE_CHARS = 64 * 1024
MAX_CSV_BYTES = 10 * 1024 * 1024


class SpreadsheetRefused(ValidationFailed):
    """The upload is not a table we read, or is larger than the limits; nothing was imported."""


@dataclass(frozen=True)
class Table:
    """The header row (stripped text) and the rows after it, each padded or cut to the header's width.

    Rows keep their place: `rows[i]` is the spreadsheet's row i + 2 (the header is row 1), blank rows included,
    trailing blank rows dropped. XLSX cells keep their type (text, number, date, time; empty is ""); CSV cells are
    text. Formulas are read as their text, never evaluated.
    """

    headers: list[str]
    rows: list[list]


def read_table(filename: str, content: bytes, *, max_rows: int, legacy_encoding: str | None = None,
               allow_xlsx: bool = True) -> Table:
    """Read a CSV or XLSX upload within the limits, or raise SpreadsheetRefused with a message for the user.

    `max_rows` counts the rows after the header; `legacy_encoding` (e.g. "cp1252", Excel's "CSV" on Windows) is
    tried when the text is not UTF-8, else such a file is refused.
    """
    name = (filename or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        if not allow_xlsx:
            raise SpreadsheetRefused(_("Upload a .csv file."))
        rows, more = _read_xlsx(content, max_rows)
    elif name.endswith((".csv", ".txt")):
        rows, more = _read_csv(content, max_rows, legacy_encoding)
    else:
        raise SpreadsheetRefused(_("Please upload a .csv or .xlsx file."))
    table = _shaped(rows)
    if more or len(table.rows) > max_rows:
        raise _too_many_rows(max_rows)
    return table


def _too_many_rows(max_rows: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(_("The file has more than %(max)d rows; at most %(max)d can be imported at once. "
                                "Split it into smaller files.", max=max_rows))


def _unreadable_xlsx() -> SpreadsheetRefused:
    return SpreadsheetRefused(_("The file could not be read as an Excel workbook (.xlsx). Save it as .xlsx or "
                                "CSV and try again."))


# --- XLSX ------------------------------------------------------------------------------------------------------------

def check_zip(content: bytes) -> None:
    """Refuse a zip whose members would unpack to more than MAX_UNCOMPRESSED_BYTES, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable_xlsx() from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise _unreadable_xlsx()
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise SpreadsheetRefused(_("The workbook unpacks to %(mb)s MB, more than the %(max)d MB a spreadsheet "
                                   "upload may hold. Remove other sheets, images or formatting, or save it as CSV.",
                                   mb=f"{total / (1024 * 1024):.1f}", max=MAX_UNCOMPRESSED_BYTES // (1024 * 1024)))


def _open_workbook(content: bytes):
    """openpyxl's read-only workbook, except that a sheet's size is read from its first bytes only.

    openpyxl finds a sheet's declared dimension by parsing the sheet until the element turns up, so a sheet that
    declares none is parsed to its end before the first row is read (100,000 rows: 3 s). The dimension comes
    before <sheetData> (the schema's order), in the first few hundred bytes. And its shared-strings reader costs
    about 25 µs a string (420,000 strings, 9 MB: 10 s): the strings are read here in a plain loop instead.
    """
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class BoundedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            if bounds := _declared_dimension(self.parent._archive, self._worksheet_path):
                self._min_column, self._min_row, self._max_column, self._max_row = bounds

    class Reader(ExcelReader):
        def read_strings(self):
            if (part := self.package.find(SHARED_STRINGS)) is not None:
                body = self.archive.read(part.PartName[1:])  # within MAX_UNCOMPRESSED_BYTES (check_zip)
                if len(_STRING_ITEM.findall(body)) > MAX_SHARED_STRINGS:
                    raise SpreadsheetRefused(_too_big())
                self.shared_strings = _string_table(io.BytesIO(body))

        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:  # charts hold no rows
                    worksheet = BoundedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    worksheet.sheet_state = sheet.state
                    self.wb._sheets.append(worksheet)

    # read_only streams the sheet; data_only=False reads =HYPERLINK(...) as that text, not a cached result.
    reader = Reader(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    reader.read()
    return reader.wb


def _string_table(source) -> list[str]:
    """The shared strings of a workbook, as openpyxl's read_string_table gives them (plain text, then the text of
    the rich-text runs; phonetic hints left out), without building an object per string."""
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    item, text, run = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("si", "t", "r"))
    strings = []
    for _event, node in iterparse(source):
        if node.tag == item:
            parts = [child.text or "" for child in node if child.tag == text]
            parts += [child.findtext(text) or "" for child in node if child.tag == run]
            strings.append("".join(parts).replace("x005F_", ""))
            node.clear()
    return strings


_STRING_ITEM = re.compile(rb"<(?:\w{1,8}:)?si[\s>/]")


def _too_big() -> str:
    return _("The workbook holds more cells or texts than a table of %(max)d cells; save the sheet alone as .xlsx "
             "or as CSV, or split it.", max=MAX_CELLS)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="([A-Za-z]{1,3}\d{1,7}(?::[A-Za-z]{1,3}\d{1,7})?)"')
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s>/]")
DIMENSION_SEARCH_BYTES = 64 * 1024


def _declared_dimension(archive: zipfile.ZipFile, member: str) -> tuple[int, int, int, int] | None:
    """(min column, min row, max column, max row) of a sheet's <dimension ref>, None when it declares none."""
    from openpyxl.utils.cell import range_boundaries

    with archive.open(member) as sheet:
        head = sheet.read(DIMENSION_SEARCH_BYTES)
    data = _SHEET_DATA.search(head)
    found = _DIMENSION.search(head, 0, data.start() if data else len(head))
    if not found:
        return None
    reference = found[1].decode()
    return range_boundaries(reference if ":" in reference else f"{reference}:{reference}")


_ROW_OR_CELL = re.compile(rb"<(?:\w{1,8}:)?(row|c)[\s>/]")  # at most 14 bytes


def _check_cells(archive: zipfile.ZipFile, member: str, max_rows: int) -> None:
    """Refuse, from a scan of the sheet's bytes (within the size limit already), rows with cells past the row
    limit, a row of more cells than Excel allows, or more cells than MAX_CELLS.

    openpyxl parses one whole <row> into objects before handing it out: a single row of a million cells would
    take hundreds of MB although only MAX_COLUMNS of them are kept.
    """
    cells, total, rows, tail = 0, 0, 0, b""
    with archive.open(member) as sheet:
        while chunk := sheet.read(1024 * 1024):
            buffer = tail + chunk
            keep = len(buffer) - 16 if len(chunk) == 1024 * 1024 else len(buffer)  # a tag cut at the end: next time
            for match in _ROW_OR_CELL.finditer(buffer):
                if match.start() >= keep:
                    break
                if match[1] == b"row":
                    cells = 0
                    continue
                rows += cells == 0  # a row counts from its first cell
                if rows > max_rows + 1:
                    raise _too_many_rows(max_rows)
                cells, total = cells + 1, total + 1
                if total > MAX_CELLS:
                    raise SpreadsheetRefused(_too_big())
                if cells > MAX_CELLS_PER_ROW:
                    raise SpreadsheetRefused(_("A row of the sheet has more than %(n)d cells; this is not a table "
                                               "we can import.", n=MAX_CELLS_PER_ROW))
            tail = buffer[keep:]


def _read_xlsx(content: bytes, max_rows: int) -> tuple[list[list], bool]:
    """The rows (the header first) up to one past the limit, and whether the sheet goes on after them."""
    check_zip(content)
    try:
        workbook = _open_workbook(content)
    except SpreadsheetRefused:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or disguised file
        raise _unreadable_xlsx() from None
    try:
        sheet = workbook.worksheets[0]
        _check_dimension(sheet, max_rows)
        _check_cells(workbook._archive, sheet._worksheet_path, max_rows)
        sheet.reset_dimensions()  # a declared size smaller than the sheet would hide rows: read what is there
        rows, more = [], False
        # openpyxl hands out the empty rows of a gap one by one: reading stops one row past the limit, so a
        # lone cell at A1048576 costs 5,000 empty rows, not a million.
        for row in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            rows.append(list(row))
            if len(rows) > max_rows + 1:
                more = True
                break
    except SpreadsheetRefused:
        raise
    except Exception:  # the same, met while streaming the rows
        raise _unreadable_xlsx() from None
    finally:
        workbook.close()
    return rows, more


def _check_dimension(sheet, max_rows: int) -> None:
    """The sheet's declared size (its <dimension ref="A1:H5001"/>), when it declares one."""
    if sheet.max_row is not None and sheet.max_row > max_rows + 1:
        raise SpreadsheetRefused(_("The sheet declares %(n)d rows; at most %(max)d can be imported at once. Delete "
                                   "the empty rows below your data or split the file.", n=sheet.max_row, max=max_rows))
    if sheet.max_column is not None and sheet.max_column > MAX_COLUMNS:
        raise SpreadsheetRefused(_("The sheet declares %(n)d columns; at most %(max)d are read. Delete the empty "
                                   "columns to the right of your data.", n=sheet.max_column, max=MAX_COLUMNS))


# --- CSV -------------------------------------------------------------------------------------------------------------

def _decode(content: bytes, legacy_encoding: str | None) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        if legacy_encoding:
            return content.decode(legacy_encoding, errors="replace")
        raise SpreadsheetRefused(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from None


def _lines(text: str):
    for line in io.StringIO(text, newline=""):
        if len(line) > MAX_LINE_CHARS:
            raise SpreadsheetRefused(_("A line of the file is longer than %(n)d characters; this is not a table we "
                                       "can import.", n=MAX_LINE_CHARS))
        yield line


def _read_csv(content: bytes, max_rows: int, legacy_encoding: str | None) -> tuple[list[list], bool]:
    """The rows (the header first) up to one past the limit, and whether non-blank lines follow them."""
    if len(content) > MAX_CSV_BYTES:
        raise SpreadsheetRefused(_("The file is larger than %(mb)d MB.", mb=MAX_CSV_BYTES // (1024 * 1024)))
    text = _decode(content, legacy_encoding)
    first_line = text.split("\n", 1)[0][:MAX_LINE_CHARS]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    lines = _lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    rows, more = [], False
    try:
        for row in reader:
            rows.append(row[:MAX_COLUMNS + 1])
            if len(rows) > max_rows + 1:  # the header, the limit and one more: enough to refuse
                # blank lines past the limit are harmless; anything else is a row we would drop
                more = any(line.strip(delimiter + " \r\n") for line in [*row, *lines])
                break
    except csv.Error:
        raise SpreadsheetRefused(_("The file could not be read as CSV (line %(n)d). Save it as “CSV UTF-8” and try "
                                   "again.", n=reader.line_num)) from None
    return rows, more


# --- both ------------------------------------------------------------------------------------------------------------

def _cell(value):
    return "" if value is None else value


def _shaped(rows: list[list]) -> Table:
    """Stripped, unique headers; rows as wide as the header; trailing blank rows dropped."""
    header, rows = (rows[0], rows[1:]) if rows else ([], [])
    while header and _cell(header[-1]) == "":
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise SpreadsheetRefused(_("The file has more than %(max)d columns.", max=MAX_COLUMNS))
    headers, seen = [], {}
    for index, raw in enumerate(header):
        text = " ".join(str(_cell(raw)).split()) or f"Unnamed: {index}"
        seen[text] = seen.get(text, -1) + 1
        headers.append(f"{text}.{seen[text]}" if seen[text] else text)  # as pandas names a repeated column
    width = len(headers)
    shaped = [[_cell(v) for v in row[:width]] + [""] * (width - len(row)) for row in rows]
    while shaped and not any(_filled(v) for v in shaped[-1]):
        shaped.pop()
    return Table(headers, shaped)


def _filled(value) -> bool:
    return not (isinstance(value, str) and not value.strip())
