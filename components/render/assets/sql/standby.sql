SELECT
  CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS in_recovery,
  CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))
  END AS replay_lag_seconds,
  CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    ELSE COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)
  END AS replay_lag_bytes,
  (SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming') AS wal_receiver_streaming,
  (SELECT CASE WHEN effective = configured THEN 1 ELSE 0 END FROM {{STATUS_SCHEMA}}.quorum()) AS quorum_commit_as_configured
