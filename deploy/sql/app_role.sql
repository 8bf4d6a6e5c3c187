-- Linli's application role: what the app servers connect as (docs/operations.md, "Database
-- roles"). Run as a superuser in Linli's database, after the owner ran `linli migrate`:
--
--     psql -h DBHOST -U postgres -d linli -v ON_ERROR_STOP=1 -f deploy/sql/app_role.sql
--     psql -h DBHOST -U postgres -c '\password linli_app'
--
-- linli_owner owns the schema, the tables and the triggers and runs the migrations;
-- linli_app reads and writes rows and nothing else: no TRUNCATE, no DDL (so it cannot drop or
-- disable the ledger's triggers), not a superuser. Running this file again is harmless.
-- tests/test_app_role.py runs this very file (under other role names) and checks each claim.

-- The role (roles are cluster-wide; created once, its attributes enforced on every run).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'linli_app') THEN
        CREATE ROLE linli_app LOGIN;
    END IF;
END
$$;
ALTER ROLE linli_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    NOINHERIT;

-- The database: connect, nothing else (no CREATE, no TEMPORARY); PUBLIC gets nothing.
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO linli_app', current_database());
END
$$;

-- The schema: only its owner creates objects in it. PostgreSQL 15 no longer grants CREATE on
-- public to PUBLIC, older versions did; revoked explicitly either way.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO linli_app;

-- Every table: rows only. No TRUNCATE, REFERENCES or TRIGGER anywhere.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO linli_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO linli_app;

-- The ledger is append-only: read and insert, never update or delete (the triggers refuse
-- it as well; this refuses it before them).
REVOKE UPDATE, DELETE, TRUNCATE ON points_entry, points_posting FROM linli_app;

-- Tables and sequences that later migrations create (as linli_owner) get the same rows-only
-- rights. A new append-only table needs its own REVOKE line above.
ALTER DEFAULT PRIVILEGES FOR ROLE linli_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO linli_app;
ALTER DEFAULT PRIVILEGES FOR ROLE linli_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO linli_app;
