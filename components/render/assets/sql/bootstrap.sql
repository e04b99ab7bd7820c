-- Roles, database and extensions of a new cluster. Rendered by pg-ha-stack from
-- components/render/assets/sql/bootstrap.sql; run once by the initial primary as the superuser.
-- Roles get SCRAM verifiers, never a password, and no statement of this session is tracked or
-- logged: no view, log or statistics a monitoring role can read ever holds a password.
{{QUIET_SESSION}}
CREATE ROLE {{REPLICATION_ROLE}} WITH LOGIN REPLICATION PASSWORD '{{REPLICATION_VERIFIER}}';
CREATE ROLE {{PGPOOL_CHECK_ROLE}} WITH LOGIN PASSWORD '{{PGPOOL_CHECK_VERIFIER}}';
GRANT pg_monitor TO {{PGPOOL_CHECK_ROLE}};
CREATE ROLE {{MONITORING_ROLE}} WITH LOGIN PASSWORD '{{MONITORING_VERIFIER}}';
GRANT pg_monitor TO {{MONITORING_ROLE}};
CREATE ROLE {{APP_ROLE}} WITH LOGIN PASSWORD '{{APP_VERIFIER}}';
CREATE DATABASE {{DATABASE}} OWNER {{APP_ROLE}};
REVOKE ALL ON DATABASE {{DATABASE}} FROM PUBLIC;
GRANT CONNECT ON DATABASE {{DATABASE}} TO {{MONITORING_ROLE}}, {{PGPOOL_CHECK_ROLE}};
\connect {{DATABASE}}
{{QUIET_SESSION}}
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

-- Replication health for roles without pg_monitor (the application role that connection strings
-- carry): SECURITY DEFINER functions that return only replication state, slots and lag.
CREATE SCHEMA {{STATUS_SCHEMA}};
REVOKE ALL ON SCHEMA {{STATUS_SCHEMA}} FROM PUBLIC;
GRANT USAGE ON SCHEMA {{STATUS_SCHEMA}} TO {{APP_ROLE}}, {{MONITORING_ROLE}};
CREATE FUNCTION {{STATUS_SCHEMA}}.replication()
  RETURNS TABLE (application_name text, state text, sync_state text, slot_name text, slot_active boolean, lag_bytes numeric, lag_seconds double precision)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
{{REPLICATION_SQL}}
$$;
CREATE FUNCTION {{STATUS_SCHEMA}}.wal_receiver()
  RETURNS TABLE (status text, slot_name text, sender_host text, sender_port integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT status::text, slot_name::text, sender_host::text, sender_port FROM pg_stat_wal_receiver
$$;
-- Quorum commit as postgresql.conf configures it, and as it is in effect (ALTER SYSTEM may differ).
CREATE FUNCTION {{STATUS_SCHEMA}}.quorum()
  RETURNS TABLE (configured text, effective text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT COALESCE((SELECT setting FROM pg_file_settings WHERE name = 'synchronous_standby_names' AND sourcefile NOT LIKE '%/postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1), ''),
           current_setting('synchronous_standby_names')
$$;
-- When the last successful backup of each type finished: backup.sh writes it on the primary, the
-- exporter reads it on every node (pg_ha_backup_last_success_timestamp_seconds).
CREATE TABLE {{STATUS_SCHEMA}}.{{BACKUPS_TABLE}} (type text PRIMARY KEY, finished_at timestamptz NOT NULL);
REVOKE ALL ON {{STATUS_SCHEMA}}.{{BACKUPS_TABLE}} FROM PUBLIC;
GRANT SELECT ON {{STATUS_SCHEMA}}.{{BACKUPS_TABLE}} TO {{MONITORING_ROLE}};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {{STATUS_SCHEMA}} FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {{STATUS_SCHEMA}} TO {{APP_ROLE}}, {{MONITORING_ROLE}};
SELECT pg_stat_statements_reset();
