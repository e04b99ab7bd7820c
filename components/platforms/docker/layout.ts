import { debianProgramPaths, hostProgramPaths } from "../debianPaths";
import { HostLayout, PostgresPaths, ServicePaths } from "../../render";

/** Rendered files are uploaded here in every container. */
export const CONTAINER_CONFIG_DIR = "/etc/pg-ha";

/** The pgBackRest posix repository: one named volume mounted here in every PostgreSQL container. */
export const DOCKER_BACKUP_REPOSITORY = "/var/lib/pgbackrest";

/**
 * Paths inside the containers. Data lives one level below the volume's mount point, so that
 * initdb and pg_basebackup can stage a new data directory beside it and rename it into place.
 */
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
    };
}
