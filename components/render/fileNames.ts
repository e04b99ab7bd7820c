/** Names of the files a service gets in its config folder (and, for data files, its run folder). */
export const START_SCRIPT = "start.sh";
export const SERVER_CERT_FILE = "server.crt";
export const SERVER_KEY_FILE = "server.key";
export const CA_CERT_FILE = "ca.crt";
/** exporter-toolkit's web config (TLS) of postgres_exporter, node_exporter, Prometheus and Alertmanager. */
export const WEB_CONFIG_FILE = "web-config.yml";
export const PGPASS_FILE = "pgpass";

export const BOOTSTRAP_SQL_FILE = "bootstrap.sql";
export const SUPERUSER_PASSWORD_FILE = "superuser.password";
export const PGBACKREST_CONF_FILE = "pgbackrest.conf";
/** pgBackRest's backup command refuses an archive_command whose text does not contain "pgbackrest". */
export const ARCHIVE_SCRIPT = "pgbackrest-archive.sh";
export const BACKUP_SCRIPT = "backup.sh";
export const REJOIN_SCRIPT = "rejoin.sh";
/** Restores the backup repository into a standalone copy on the primary's host (see the asset). */
export const RESTORE_SCRIPT = "restore.sh";

export const POOL_PASSWD_FILE = "pool_passwd";
export const PGPOOL_KEY_FILE = "pgpoolkey";
export const PCPPASS_FILE = "pcppass";
export const FAILOVER_SCRIPT = "failover.sh";
export const FOLLOW_PRIMARY_SCRIPT = "follow_primary.sh";
/** A node id written here (in pgpool's run folder) by a switchover: failover promotes it when it has all the WAL the others have. */
export const PROMOTE_CANDIDATE_FILE = "promote-candidate";
/** pgpool's pid file, in its run folder; its start script removes one a killed pgpool left. */
export const PGPOOL_PID_FILE = "pgpool.pid";
