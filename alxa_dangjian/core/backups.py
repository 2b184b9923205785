"""Backups of the two things the portal cannot rebuild: the database and the uploaded files
(MEDIA_ROOT). A backup is one directory: the database (pg_dump's custom format on
PostgreSQL, an online copy of the file on SQLite), the media as a tar archive, and a
manifest with each file's SHA-256, checked before a restore touches anything."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite3": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator."""


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    if engine not in DATABASE_FILES:
        raise BackupError(f"不支持备份此数据库类型：{engine}")
    return engine


def _pg_environment() -> dict[str, str]:
    # libpq reads the connection from the environment: the password never shows in `ps`.
    db = settings.DATABASES["default"]
    values = {
        "PGDATABASE": db["NAME"],
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGHOST": db.get("HOST"),
        "PGPORT": str(db.get("PORT") or ""),
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）。"
        ) from None
    if result.returncode:
        raise BackupError(f"{command[0]} 失败：{result.stderr.strip()}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create_backup(target_root: Path, *, now=None) -> Path:
    """Write a new backup directory under `target_root` and return it."""
    engine = _engine()
    now = now or timezone.localtime()
    target = Path(target_root) / now.strftime("%Y%m%d-%H%M%S")
    target.mkdir(parents=True, exist_ok=False)
    database = target / DATABASE_FILES[engine]
    if engine == "postgresql":
        _run(["pg_dump", "--format=custom", "--file", str(database)])
    else:
        # The backup API copies a consistent snapshot even while the site is writing.
        _sqlite_copy(settings.DATABASES["default"]["NAME"], database)
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA_ARCHIVE, "w:gz") as archive:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                archive.add(child, arcname=child.name)
    files = [database.name, MEDIA_ARCHIVE]
    manifest = {
        "created_at": now.isoformat(),
        "engine": engine,
        "database": database.name,
        "media": MEDIA_ARCHIVE,
        "sha256": {name: _sha256(target / name) for name in files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return target


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking that every file is there and intact."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} 不是完整的备份目录（缺少或无法读取 {MANIFEST}）。") from None
    for name, expected in manifest["sha256"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"备份文件 {name} 缺失或已损坏（校验和不符），未做任何恢复。")
    if manifest["engine"] != _engine():
        raise BackupError(
            "备份来自 {backup} 数据库，当前配置的是 {current}，不能恢复。".format(
                backup=manifest["engine"], current=_engine()
            )
        )
    return manifest


def restore_backup(source: Path) -> dict:
    """Replace the database and MEDIA_ROOT's contents with the backup's. The site should be
    stopped (web, worker and beat) while this runs."""
    source = Path(source)
    manifest = read_manifest(source)
    database = source / manifest["database"]
    if manifest["engine"] == "postgresql":
        connections.close_all()
        # One transaction: a failed restore leaves the database as it was.
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                settings.DATABASES["default"]["NAME"],
                str(database),
            ]
        )
    else:
        _sqlite_copy(database, settings.DATABASES["default"]["NAME"])
    _restore_media(source / manifest["media"])
    # Cached figures describe the data that was just replaced.
    cache.clear()
    return manifest


def _sqlite_copy(source, target) -> None:
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


def _restore_media(archive_path: Path) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the live files first (same file system, so the moves are renames);
    # MEDIA_ROOT itself may be a mounted volume and is never replaced, only emptied.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(staging, filter="data")
        for child in media_root.iterdir():
            if child == staging:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        for child in staging.iterdir():
            child.rename(media_root / child.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
