import { debianProgramPaths, hostProgramPaths } from "../debianPaths";
import { HostLayout, PostgresPaths, ServicePaths } from "../../render";

/** Rendered files are uploaded here in every container. */
export const CONTAINER_CONFIG_DIR = "/etc/pg-ha";

/** The pgBackRest posix repository: one named volume mounted here in every PostgreSQL container. */
export const DOCKER_BACKUP_REPOSITORY = "/var/lib/pgbackrest";

/** Prometheus's time series database in its container (kept across restarts, not across a replacement). */
const PROMETHEUS_DATA_DIR = "/var/lib/pg-ha/prometheus";

/**
 * Paths inside the containers. Data lives one level below the volume's mount point, so that
 * initdb and pg_basebackup can stage a new data directory beside it and rename it into place.
 */
/** Prefix of the dev stack's container, network and volume names: "pg-ha-<stack>". */
export function dockerNamePrefix(stack: string): string {
    return `pg-ha-${stack}`;
}

/** The container of one service of a dev stack: "pg-ha-<stack>-<service>". */
export function dockerContainerName(stack: string, service: string): string {
    return `${dockerNamePrefix(stack)}-${service}`;
}

export function dockerLayout(postgresVersion: number, networkCidr: string): HostLayout {
    const service = (runDir: string): ServicePaths => ({ configDir: CONTAINER_CONFIG_DIR, runDir });
    const programs = debianProgramPaths(postgresVersion);
    return {
        listenAddress: "*",
        clusterCidrs: [networkCidr],
        serviceUser: "postgres",
        ...hostProgramPaths(postgresVersion),
        postgres: (): PostgresPaths => ({
            ...service("/var/run/postgresql/pg-ha"),
            dataDir: "/var/lib/postgresql/data/pgdata",
            binDir: programs.postgresBinDir,
        }),
        pgpool: () => service("/run/pg-ha"),
        exporter: () => service("/run/pg-ha"),
        poolExporter: () => service("/run/pg-ha"),
        nodeExporter: () => service("/run/pg-ha"),
        prometheus: () => ({ ...service("/run/pg-ha"), dataDir: PROMETHEUS_DATA_DIR }),
        alertmanager: () => service("/run/pg-ha"),
    };
}
