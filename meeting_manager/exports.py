"""Helpers shared by every table export (agenda, reports): spreadsheet-safe cells and CSV/XLSX bytes.

A cell that starts with = + - @ (or a tab or carriage return) is run as a formula by Excel and LibreOffice
("CSV injection"); names and titles typed by participants could carry one. Such cells get a leading apostrophe,
which spreadsheets show as text and do not evaluate.
"""
import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are safe_cell()-ed; numbers, dates and booleans keep their type."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    safe.columns = [safe_cell(c) for c in safe.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so that Excel opens accented and non-Latin names correctly."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Sheet1") -> bytes:
    """An XLSX workbook of one sheet, typed cells kept (numbers, dates, booleans)."""
    return xlsx_workbook({sheet_name: frame})


def xlsx_workbook(frames: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with a sheet per table, typed cells, frozen header rows and readable column widths."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            sheet_name = name[:31]
            neutralise_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns):
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
                sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width = min(60, width + 2)
    return buffer.getvalue()
