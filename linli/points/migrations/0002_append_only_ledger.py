"""The ledger is append-only: on PostgreSQL a trigger refuses UPDATE and DELETE on entries
and postings. Row triggers do not see TRUNCATE: 0007 adds a statement-level trigger refusing
it (allowed only where the session sets ``linli.allow_truncate = on``, i.e. the test settings,
whose flush between transactional tests is a TRUNCATE), and a deferred check that every
posting balances at commit. The application's database role (deploy/sql/app_role.sql) has
neither UPDATE, DELETE nor TRUNCATE on these tables and cannot alter them, so it can neither
disable these triggers nor get round them. SQLite — the laptop demo — has no trigger: its
flush uses DELETE."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION linli_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'linli ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in ("points_entry", "points_posting"):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION linli_ledger_append_only();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("points_entry", "points_posting"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS linli_ledger_append_only();")


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
