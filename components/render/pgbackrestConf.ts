import { PostgresEndpoint } from "../../config";
import { CA_CERT_FILE, PGBACKREST_CONF_FILE } from "./fileNames";
import { BackupRepository, RenderContext } from "./types";

/** One stanza per cluster: every node archives into and restores from the same one. */
export const STANZA = "pg-ha";

/** The start script's private copy in the run folder, readable by the service user (the config folder may not be). */
export function pgbackrestConfPath(context: RenderContext, node: PostgresEndpoint): string {
    return `${context.layout.postgres(node.name).runDir}/${PGBACKREST_CONF_FILE}`;
}

/**
 * pgbackrest.conf for one node. Full backups are kept for the retention in days (retention by
 * time), and differentials and archived WAL with them. Logs and locks stay in the run folder.
 */
export function renderPgbackrestConf(context: RenderContext, node: PostgresEndpoint, repository: BackupRepository, retentionDays: number): string {
    const paths = context.layout.postgres(node.name);
    const repo: string[] = repository.type === "posix"
        ? ["repo1-type=posix", `repo1-path=${repository.path}`]
        : [
            "repo1-type=s3",
            `repo1-path=/${repository.path}`,
            `repo1-s3-bucket=${repository.bucket}`,
            `repo1-s3-endpoint=${repository.endpoint}`,
            `repo1-s3-region=${repository.region}`,
            `repo1-s3-key-type=${repository.keyType}`,
            ...(repository.keyType === "shared" ? [`repo1-s3-key=${repository.key ?? ""}`, `repo1-s3-key-secret=${repository.secretKey ?? ""}`] : []),
            `repo1-s3-uri-style=${repository.uriStyle}`,
            ...(repository.port !== undefined ? [`repo1-storage-port=${repository.port}`] : []),
            ...(repository.verifyWithClusterCa ? [`repo1-storage-ca-file=${paths.runDir}/${CA_CERT_FILE}`] : []),
        ];
    return [
        `# pgbackrest.conf for ${node.name}, rendered by pg-ha-stack.`,
        "[global]",
        ...repo,
        "repo1-retention-full-type=time",
        `repo1-retention-full=${retentionDays}`,
        "start-fast=y",
        "process-max=2",
        "compress-type=lz4",
        `log-path=${paths.runDir}/pgbackrest`,
        `lock-path=${paths.runDir}/pgbackrest`,
        `spool-path=${paths.runDir}/pgbackrest`,
        "log-level-console=warn",
        "log-level-file=info",
        "",
        `[${STANZA}]`,
        `pg1-path=${paths.dataDir}`,
        `pg1-port=${node.port}`,
        `pg1-socket-path=${paths.runDir}`,
        "pg1-user=postgres",
        "",
    ].join("\n");
}
