"""Chinese order for names: by pinyin, as PostgreSQL's ICU collation gives it.

Name columns declare ``db_collation=PINYIN``, so every ``order_by("name")`` — and the
database's own comparisons — sort 阿 before 李 before 张, not by code point. On PostgreSQL
(built with ICU, as Debian's is) a core migration creates ``pinyin`` as ICU's ``zh`` collation
(a plain name, because SQLite's schema editor does not quote collation names); on SQLite a
collation of the same name is registered on every connection, ordering Han characters by
their pinyin (pypinyin) and everything else after them, as ICU's ``zh`` does.
"""

from functools import lru_cache

from pypinyin import Style, pinyin

PINYIN = "pinyin"


@lru_cache(maxsize=8192)
def _character_key(character: str) -> tuple:
    if "\u3400" <= character <= "\u9fff" or "\uf900" <= character <= "\ufaff":
        reading = pinyin(character, style=Style.TONE3, heteronym=False)[0][0]
        tone = reading[-1] if reading[-1].isdigit() else "5"
        return (0, reading.rstrip("12345"), tone, character)
    return (1, character.casefold(), "", character)


@lru_cache(maxsize=65536)
def sort_key(text: str) -> tuple:
    """Pinyin syllables character by character; the text itself breaks any tie."""
    return (tuple(_character_key(character) for character in text), text)


def compare(left: str, right: str) -> int:
    left_key, right_key = sort_key(left), sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def register_on_sqlite(sender, connection, **kwargs):
    """``connection_created`` receiver: give SQLite the collation the name columns declare."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(PINYIN, compare)
