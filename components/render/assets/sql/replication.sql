SELECT r.application_name::text AS application_name, r.state::text AS state, r.sync_state::text AS sync_state,
       s.slot_name::text AS slot_name, s.active AS slot_active,
       COALESCE(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN r.replay_lsn ELSE pg_current_wal_lsn() END, r.replay_lsn), 0) AS lag_bytes,
       COALESCE(EXTRACT(EPOCH FROM r.replay_lag), 0)::double precision AS lag_seconds
FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
