/** Role names the cluster creates. The application user's name comes from config. */
export const ROLE_NAMES = {
    superuser: "postgres",
    replication: "replicator",
    pgpoolCheck: "pgpool_check",
    monitoring: "pgha_monitor",
    pcpAdmin: "pcpadmin",
} as const;
