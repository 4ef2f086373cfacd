"""Benchmark of refusing hostile spreadsheet uploads (issue 20, finding 8): time and memory of each refusal.

Each file (built like the tests build them, by tests/conftest.py's HostileFiles) is refused by the real upload
code of the invitations (`bulk.save_upload`, what the upload view calls) in a child process of its own, so that
its peak resident memory (getrusage ru_maxrss) can be compared with the same process just before the call:
  far cell      a few KB: a header and one cell at A1048576 (the declared dimension says so)
  far, hidden   the same with the dimension removed: rows are streamed and reading stops at the limit
  100,000 rows  an .xlsx with a declared dimension, and one without; a CSV
  zip bomb      84 MB of sheet XML compressed to a few hundred KB
  wide row      one <row> of 200,000 cells (openpyxl would build every one before dropping them)
  strings       a shared-strings table of 9 MB (openpyxl reads it whole), and one at the limit of 100,000 texts
  good file     5,000 rows, the limit: read, then kept for the preview
  worst         the largest table accepted (5,000 rows of 19 distinct texts) and one past the 100,000-cell budget
Target (the issue's): refused within 2 s and 100 MB whatever the file. With --before, the same files also go
through what the code did before (pandas.read_excel / read_csv of the whole file), for comparison; the zip bomb
is left out there (the issue measured 80 s and 500 MB).

Run: .venv/bin/python bench/uploads.py [--before]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import io, json, os, resource, sys, time
sys.path.insert(0, {root!r})
content = open({path!r}, "rb").read()
from meeting_manager import create_app
from meeting_manager.extensions import db
from config import TestingConfig

class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    STORAGE_DIR = __import__("pathlib").Path({storage!r})

app = create_app(Config)
with app.app_context():
    db.create_all()
    from meeting_manager.invitations import bulk
    import pandas as pd, openpyxl  # loaded before the baseline, as in a running server
    meeting = type("M", (), {{"id": 1}})
    def before():
        if {name!r}.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(content), dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
        if len(frame) > bulk.MAX_ROWS:
            raise ValueError("too many rows")
    def now():
        bulk.save_upload(meeting, actor=None, filename={name!r}, content=content)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        (before if {old!r} else now)()
        outcome = "accepted"
    except Exception as error:
        outcome = str(getattr(error, "message", error))[:90]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "added_mb": (peak - base) / 1024, "peak_mb": peak / 1024,
                  "outcome": outcome}}))
"""


def files(folder: Path) -> dict[str, Path]:
    from conftest import HostileFiles

    hostile = HostileFiles()
    built = {
        "far cell (xlsx)": ("far.xlsx", hostile.far_cell()),
        "far cell, no dimension (xlsx)": ("far-hidden.xlsx", hostile.far_cell(dimension=None)),
        "100,000 rows (xlsx)": ("rows.xlsx", hostile.many_rows(100_000)),
        "100,000 rows, no dimension (xlsx)": ("rows-hidden.xlsx", hostile.many_rows(100_000, dimension=None)),
        "100,000 rows (csv)": ("rows.csv", hostile.csv_rows(100_000)),
        "zip bomb, 84 MB of XML (xlsx)": ("bomb.xlsx", hostile.bomb(84)),
        "one row of 200,000 cells (xlsx)": ("wide.xlsx", hostile.wide_row(200_000)),
        "420,000 shared strings, 9 MB (xlsx)": ("strings.xlsx", hostile.many_strings(420_000)),
        "100,000 shared strings, the limit (xlsx)": ("strings-limit.xlsx", hostile.many_strings(100_000)),
        "a good file: 5,000 rows (xlsx)": ("good.xlsx", hostile.many_rows(5000)),
        "worst accepted: 5,000 rows x 19 distinct texts (xlsx)": ("widest.xlsx", hostile.many_rows(
            5000, header=[f"c{n}" for n in range(19)], cell=lambda i: [f"r{i}c{n}" for n in range(19)])),
        "past the cell budget: 5,000 x 21 cells (xlsx)": ("over.xlsx", hostile.many_rows(
            5000, header=[f"c{n}" for n in range(21)], cell=lambda i: ["1"] * 21)),
    }
    paths = {}
    for label, (name, content) in built.items():
        (folder / name).write_bytes(content)
        paths[label] = folder / name
    return paths


def measure(path: Path, storage: Path, old: bool) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), storage=str(storage), name=path.name, old=old)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600,
                          env={**os.environ, "MEETING_MANAGER_VAR": str(storage.parent)})
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", action="store_true", help="also time the code as it was (pandas)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mm_bench_uploads_") as scratch:
        folder = Path(scratch)
        (folder / "storage").mkdir()
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, nproc {os.cpu_count()}, "
              f"load {os.getloadavg()[0]:.1f}")
        print("| file | size | refused in | memory added (peak) | message |")
        print("|---|---:|---:|---:|---|")
        for label, path in files(folder).items():
            for old in [False] + ([True] if args.before and "bomb" not in label else []):
                result = measure(path, folder / "storage", old)
                size = path.stat().st_size
                print(f"| {label}{' — before' if old else ''} | {size / 1024:,.1f} KB | {result['seconds']:.2f} s | "
                      f"{result['added_mb']:.1f} MB ({result['peak_mb']:.0f} MB) | {result['outcome']} |", flush=True)


if __name__ == "__main__":
    main()
