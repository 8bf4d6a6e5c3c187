"""The database, not only Python, keeps the ledger double-entry (PostgreSQL only).

1. **Balanced at commit.** ``post()`` checks in Python that a posting's entries sum to zero,
   but the PostgreSQL statement paths (``services/sql.py``, ``sql_shop.py``: one statement
   writes the posting and its entries) and any raw SQL bypass it. Two deferred constraint
   triggers (``DEFERRABLE INITIALLY DEFERRED``, row-level — PostgreSQL has no other kind of
   constraint trigger) re-check at COMMIT, on every write path:

   - ``AFTER INSERT ON points_posting``: the new posting has at least two entries and they
     sum to zero (so a posting with no entries is refused);
   - ``AFTER INSERT ON points_entry``: the posting the new entry belongs to still has at least
     two entries summing to zero (so entries added later to an old posting are refused too).

   A refused commit raises IntegrityError (SQLSTATE 23514, constraint
   ``points_posting_balanced``) and the whole transaction is rolled back. Each check is one
   index lookup of a posting's (two) entries; a posting of two entries is checked three
   times: about 24 µs per row in a batch (docs/points.md, "What the balance check costs").
   A statement-level trigger with a transition table would check an INSERT's postings in one
   query, but cannot be deferred: it saved 40% of a batch's cost and none of a single
   award's, and would refuse at the end of the first statement a posting whose entries come
   in two. Hence row-level, deferred.
   ``SET CONSTRAINTS ALL IMMEDIATE`` fires the pending checks early (Django's TestCase does so
   at teardown, so the non-transactional tests check every posting they write); code that
   uses it mid-transaction must say ``ALL DEFERRED`` again after (``sql_shop.take_stock``).

2. **No TRUNCATE.** 0002's row triggers do not see TRUNCATE. A statement-level ``BEFORE
   TRUNCATE`` trigger on points_entry and points_posting refuses it unless the session set
   ``linli.allow_truncate = on``. Only the test settings set it (on every connection, via
   the libpq ``options``), because Django's flush between transactional tests is one TRUNCATE
   of every table. Production never sets it; besides, the application's role (linli_app,
   docs/operations.md) has no TRUNCATE privilege at all, and the owner's ``linli flush`` is
   refused by this trigger. A superuser can still drop or disable triggers: production must
   not run the application as a superuser (docs/operations.md).

SQLite — the laptop demo — gets none of this; the Python checks in ``post()`` remain.
"""

from django.db import migrations

BALANCED = """
CREATE OR REPLACE FUNCTION linli_ledger_posting_balanced() RETURNS trigger AS $$
DECLARE
    pid bigint;
    n bigint;
    total numeric;
BEGIN
    IF TG_TABLE_NAME = 'points_posting' THEN
        pid := NEW.id;
    ELSE
        pid := NEW.posting_id;
    END IF;
    SELECT count(*), COALESCE(sum(amount), 0) INTO n, total
      FROM points_entry WHERE posting_id = pid;
    IF n < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'linli ledger: posting % has % entries summing to %; a posting needs '
                        'at least two entries that sum to zero', pid, n, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'points_posting_balanced';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION linli_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('linli.allow_truncate', true) = 'on' THEN
        RETURN NULL;  -- the test settings only: Django's flush between transactional tests
    END IF;
    RAISE EXCEPTION 'linli ledger is append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

TABLES = ("points_posting", "points_entry")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BALANCED, params=None)
    schema_editor.execute(NO_TRUNCATE, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION linli_ledger_posting_balanced();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION linli_ledger_no_truncate();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_balanced ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS linli_ledger_posting_balanced();")
    schema_editor.execute("DROP FUNCTION IF EXISTS linli_ledger_no_truncate();")


class Migration(migrations.Migration):
    dependencies = [("points", "0006_input_bounds")]

    operations = [migrations.RunPython(forwards, backwards)]
