"""Backup and restore on the embedded default (SQLite): the database and the uploaded files
come back as they were, and a damaged backup is refused before anything is touched. The
PostgreSQL path (pg_dump / pg_restore) is exercised by the drill in .ci/run."""

import sqlite3
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alxa_dangjian.core import backups


@pytest.fixture
def site(settings, tmp_path, monkeypatch):
    """A throwaway SQLite database and MEDIA_ROOT standing in for the configured site."""
    database = tmp_path / "site.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("create table member (name text)")
        connection.execute("insert into member values ('张三'), ('李四')")
    connection.close()
    media = tmp_path / "media"
    (media / "activities" / "2026").mkdir(parents=True)
    (media / "activities" / "2026" / "photo.jpg").write_bytes(b"\xff\xd8 photo")
    settings.MEDIA_ROOT = media
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.sqlite3")
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", str(database))
    return database, media


def names(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return [row[0] for row in connection.execute("select name from member order by name")]
    finally:
        connection.close()


def test_a_restore_brings_back_the_database_and_the_files(site, tmp_path):
    database, media = site
    target = backups.create_backup(tmp_path / "backups")
    assert {p.name for p in target.iterdir()} == {
        "database.sqlite3",
        "media.tar.gz",
        "manifest.json",
    }

    with sqlite3.connect(database) as connection:
        connection.execute("delete from member")
    connection.close()
    (media / "activities" / "2026" / "photo.jpg").write_bytes(b"overwritten")
    (media / "later.txt").write_text("uploaded after the backup")

    call_command("restore", str(target), "--noinput")
    assert names(database) == ["张三", "李四"]
    assert (media / "activities" / "2026" / "photo.jpg").read_bytes() == b"\xff\xd8 photo"
    assert sorted(p.name for p in media.iterdir()) == ["activities"]


def test_a_damaged_backup_is_refused_and_nothing_changes(site, tmp_path):
    database, media = site
    target = backups.create_backup(tmp_path / "backups")
    with sqlite3.connect(database) as connection:
        connection.execute("insert into member values ('王五')")
    connection.close()
    with (target / "media.tar.gz").open("ab") as archive:
        archive.write(b"garbage")

    with pytest.raises(CommandError, match="media.tar.gz 缺失或已损坏"):
        call_command("restore", str(target), "--noinput")
    assert names(database) == ["张三", "李四", "王五"]


def test_restore_without_a_terminal_needs_noinput(site, tmp_path, monkeypatch):
    target = backups.create_backup(tmp_path / "backups")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError, match="--noinput"):
        call_command("restore", str(target))


def test_the_backup_command_reports_where_it_wrote(site, tmp_path, capsys):
    call_command("backup", "--to", str(tmp_path / "backups"))
    (written,) = (tmp_path / "backups").iterdir()
    assert f"备份完成：{written}" in capsys.readouterr().out
