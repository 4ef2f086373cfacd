"""One archive holds what a fresh machine needs to carry on: the database, STORAGE_DIR and the key files.

SQLite is copied with its online backup API (consistent while the app runs); PostgreSQL with pg_dump's custom
format, restored with pg_restore. The archive is created with mode 0600 from its first byte: it holds every
passport and the keys. Keys given in environment variables are not in it: the operator keeps them separately.
"""
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, inspect, select, table
from sqlalchemy.engine import make_url

from ..extensions import db

FORMAT = 1
#: key file in VAR_DIR -> the environment variable that takes its place when set
KEY_FILES = {"secret_key": "SECRET_KEY", "badge_key": "BADGE_KEY", "passport_keys": "PASSPORT_KEYS"}
SQLITE_MEMBER, PG_MEMBER, MANIFEST = "database.sqlite", "database.pgdump", "manifest.json"
#: tables whose rows do not make a database "in use" (Alembic's version stamp)
BOOKKEEPING = {"alembic_version"}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass
class Report:
    """What was done, for the command to print."""

    archive: Path
    database: str
    files: int = 0
    keys: list[str] = field(default_factory=list)
    keys_in_environment: list[str] = field(default_factory=list)


def var_dir() -> Path:
    return Path(current_app.config["VAR_DIR"])


def storage_dir() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def _backend() -> str:
    return db.engine.url.get_backend_name()


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is nothing on disk to back up.")
    return Path(database)


def _libpq(url) -> tuple[str, dict]:
    """A libpq URL for pg_dump/pg_restore without the password (it goes in PGPASSWORD, not on the command line)."""
    url = make_url(url)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, env=env, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()[-2000:]}") from error


def _private_file(path: Path):
    """A new file, readable by its owner only from the first byte; an existing file is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists already; choose another name.") from None
    return os.fdopen(fd, "wb")


# --- backup ----------------------------------------------------------------------------------------------------------

def default_archive_name() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return var_dir() / "backups" / f"meeting-manager-{stamp}.tar.gz"


def create_backup(archive: Path) -> Report:
    """Write the database, STORAGE_DIR and the key files into `archive` (a new .tar.gz, mode 0600)."""
    report = Report(archive=archive, database=_backend())
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "database"
        member = _dump_database(dump)
        with _private_file(archive) as out, tarfile.open(fileobj=out, mode="w:gz") as tar:
            tar.add(dump, arcname=member)
            report.files = _add_storage(tar)
            for name, variable in KEY_FILES.items():
                if (var_dir() / name).exists():  # a file, or a folder of key files
                    tar.add(var_dir() / name, arcname=f"keys/{name}")
                    report.keys.append(name)
                if os.environ.get(variable):
                    report.keys_in_environment.append(variable)
            _add_json(tar, MANIFEST, {
                "format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "database": member,
                "keys": report.keys, "keys_in_environment": report.keys_in_environment, "files": report.files,
            })
    return report


def _dump_database(target: Path) -> str:
    if _backend() == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # online: a consistent copy while the app goes on writing
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER
    if _backend() == "postgresql":
        url, env = _libpq(db.engine.url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", url], env)
        return PG_MEMBER
    raise BackupError(f"Backing up a {_backend()} database is not supported.")


def _add_storage(tar: tarfile.TarFile) -> int:
    count = 0
    root = storage_dir()
    if not root.is_dir():
        return 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            tar.add(path, arcname=f"storage/{path.relative_to(root).as_posix()}", recursive=False)
            count += 1
    return count


def _add_json(tar: tarfile.TarFile, name: str, data: dict) -> None:
    body = json.dumps(data, indent=2).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(body), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(body))


# --- restore ---------------------------------------------------------------------------------------------------------

def tables_in_use() -> list[str]:
    """The tables of the app's database that hold rows (an empty list: nothing would be lost by a restore)."""
    names = [n for n in inspect(db.engine).get_table_names() if n not in BOOKKEEPING]
    with db.engine.connect() as connection:
        return [n for n in names if connection.scalar(select(exists().select_from(table(n))))]


def _storage_in_use() -> bool:
    root = storage_dir()
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))


def restore_backup(archive: Path, *, force: bool = False) -> Report:
    """Put an archive's database, files and keys in place; refuses to replace data in use unless `force`."""
    with tarfile.open(archive, mode="r:gz") as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{archive} is not a backup of this version (format {manifest.get('format')}).")
        wanted = {SQLITE_MEMBER: "sqlite", PG_MEMBER: "postgresql"}[manifest["database"]]
        if wanted != _backend():
            raise BackupError(f"The archive holds a {wanted} database; this app uses {_backend()} (DATABASE_URL).")
        used = tables_in_use()
        if (used or _storage_in_use()) and not force:
            what = ", ".join(used[:5]) + (" ..." if len(used) > 5 else "") if used else "STORAGE_DIR"
            raise BackupError(f"The database or STORAGE_DIR is not empty ({what}). Restoring would replace it: "
                              "run again with --force if that is what you want.")
        report = Report(archive=archive, database=wanted)
        with tempfile.TemporaryDirectory() as scratch:
            tar.extract(manifest["database"], scratch, filter="data")
            _load_database(Path(scratch) / manifest["database"])
        report.files = _restore_storage(tar)
        report.keys = _restore_keys(tar, manifest.get("keys", []))
        report.keys_in_environment = manifest.get("keys_in_environment", [])
    return report


def _load_database(dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old file or schema
    if _backend() == "sqlite":
        source, target = sqlite3.connect(dump), sqlite3.connect(_sqlite_path())
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        _sqlite_path().chmod(0o600)
        return
    url, env = _libpq(db.engine.url)
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", f"--dbname={url}", str(dump)], env)


def _restore_storage(tar: tarfile.TarFile) -> int:
    root = storage_dir()
    members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("storage/")]
    with tempfile.TemporaryDirectory(dir=root.parent if root.parent.is_dir() else None) as scratch:
        tar.extractall(scratch, members=members, filter="data")  # "data": no absolute paths, no "..", no links
        extracted = Path(scratch) / "storage"
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o700)
        for source in sorted(extracted.rglob("*")) if extracted.is_dir() else []:
            target = root / source.relative_to(extracted)
            if source.is_dir():
                target.mkdir(mode=0o700, exist_ok=True)
            else:
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                shutil.move(source, target)
                target.chmod(0o600)
    return len(members)


def _restore_keys(tar: tarfile.TarFile, names: list[str]) -> list[str]:
    """Put the archived key files (or folders of them) into VAR_DIR, replacing what is there, owner-only."""
    restored = []
    var_dir().mkdir(parents=True, exist_ok=True)
    for name in names:
        if name not in KEY_FILES:
            continue
        members = [m for m in tar.getmembers() if m.name == f"keys/{name}" or m.name.startswith(f"keys/{name}/")]
        with tempfile.TemporaryDirectory(dir=var_dir()) as scratch:
            tar.extractall(scratch, members=members, filter="data")
            source, target = Path(scratch) / "keys" / name, var_dir() / name
            for path in [source, *source.rglob("*")] if source.is_dir() else [source]:
                path.chmod(0o700 if path.is_dir() else 0o600)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
            os.replace(source, target)
        restored.append(name)
    return restored
