from django.db import migrations


def create_collation(apps, schema_editor):
    # SQLite gets the collation from core.collation on every connection instead.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE COLLATION IF NOT EXISTS pinyin (provider = icu, locale = 'zh')"
        )


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP COLLATION IF EXISTS pinyin")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_notification")]

    operations = [migrations.RunPython(create_collation, drop_collation)]
