"""The full-text index of civicdx.flows.search: an FTS5 table on SQLite, a tsvector column on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE flows_searchdoc ADD COLUMN IF NOT EXISTS tsv tsvector")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS flows_searchdoc_tsv ON flows_searchdoc USING gin (tsv)")
    else:
        schema_editor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS flows_search_fts USING fts5(name, flow, manual, "
                              "content='', tokenize='unicode61 remove_diacritics 0')")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE flows_searchdoc DROP COLUMN IF EXISTS tsv")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS flows_search_fts")


class Migration(migrations.Migration):
    dependencies = [("flows", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
