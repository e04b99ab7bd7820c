import { ROLE_NAMES } from "../../config";
import { ConfValue, renderSettings } from "./confSyntax";
import { CA_CERT_FILE, FAILOVER_SCRIPT, FOLLOW_PRIMARY_SCRIPT, PGPOOL_PID_FILE, POOL_PASSWD_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./fileNames";
import { RenderContext } from "./types";


/**
 * Health checks: one probe a second; a backend that fails it twice (1 s apart, each given 2 s) is
 * detached: a node that stops answering (frozen, cut off) is failed over within 6 s, so that writes
 * resume within 10 s. With failover_on_backend_error a broken connection detaches it at once.
 * Faster detection means a brief network stall can also detach a healthy node.
 */
export const HEALTH_CHECK = {
    periodSeconds: 1,
    timeoutSeconds: 2,
    maxRetries: 1,
    retryDelaySeconds: 1,
    connectTimeoutMs: 2000,
} as const;

/**
 * Seconds pgpool may take to fail a dead primary over: its health checks give up, then the
 * failover script promotes a standby. A primary that stopped uncleanly waits this long before it
 * decides how to start, so that it never starts as primary while another is being promoted.
 */
export function failoverWindowSeconds(): number {
    return healthCheckGiveUpSeconds() + 3;
}

/** The longest a node that stops answering keeps passing pgpool's health checks: every attempt times out. */
export function healthCheckGiveUpSeconds(): number {
    const attempts = HEALTH_CHECK.maxRetries + 1;
    return HEALTH_CHECK.periodSeconds + attempts * HEALTH_CHECK.timeoutSeconds + HEALTH_CHECK.maxRetries * HEALTH_CHECK.retryDelaySeconds;
}

/**
 * Seconds pgpool looks for a primary (at start, after a failover or a failback) before it carries
 * on without one: a former primary's wait before it starts (failoverWindowSeconds) and 6 s to
 * start, so that a cluster started all at once is found on the first search. pgpool searches
 * again only on a failover or a failback, and its main process handles nothing else meanwhile:
 * with no primary to find (pgpool up long before the nodes) each request costs this long.
 * attach-backends.sh corrects a search that ended without the primary (pcp_promote_node).
 */
export const SEARCH_PRIMARY_SECONDS = failoverWindowSeconds() + 6;

/** Seconds pgpool gives a client from its connect to the end of its login. */
export const AUTHENTICATION_TIMEOUT_SECONDS = 5;

/** Where pgpool listens, and so where every client it sees comes from: the client gate on its host. */
export const CLIENT_GATE_ADDRESS = "127.0.0.1";

/** Replicas lagging more than this many bytes get no load-balanced reads (100 MB): attach-backends.sh detaches them. */
export const LAG_DETACH_BYTES = 100 * 1024 * 1024;

function backendSettings(context: RenderContext): Record<string, ConfValue> {
    const settings: Record<string, ConfValue> = {};
    for (const node of context.topology.nodes) {
        settings[`backend_hostname${node.index}`] = node.host;
        settings[`backend_port${node.index}`] = node.port;
        settings[`backend_weight${node.index}`] = 1;
        settings[`backend_data_directory${node.index}`] = context.layout.postgres(node.name).dataDir;
        settings[`backend_flag${node.index}`] = "ALLOW_TO_FAILOVER";
        // Must equal the standby's application_name, or SHOW POOL_NODES has no replication state.
        settings[`backend_application_name${node.index}`] = node.name;
    }
    return settings;
}

/** pgpool.conf for Pgpool-II 4.3 in streaming-replication mode. */
export function renderPgpoolConf(context: RenderContext): string {
    const { config, topology } = context;
    const paths = context.layout.pgpool();
    return renderSettings("pgpool.conf", [
        ["Clustering mode and connections", {
            backend_clustering_mode: "streaming_replication",
            // Behind the client gate (clientGateConf.ts), which holds the client port.
            listen_addresses: CLIENT_GATE_ADDRESS,
            port: topology.pgpool.internalPort,
            // Pgpool-II 4.3 name; 4.4 renamed it unix_socket_directories.
            socket_dir: paths.runDir,
            pcp_listen_addresses: "localhost",
            pcp_port: topology.pgpool.pcpPort,
            pcp_socket_dir: paths.runDir,
            pid_file_name: `${paths.runDir}/${PGPOOL_PID_FILE}`,
            logdir: paths.runDir,
            memqcache_oiddir: `${paths.runDir}/oiddir`,
        }],
        ["Backends", backendSettings(context)],
        ["Authentication and TLS", {
            enable_pool_hba: true,
            pool_passwd: `${paths.runDir}/${POOL_PASSWD_FILE}`,
            // A client that connects and sends nothing holds a child this long: 5 s (30 was the
            // stock value) bounds how long idle sockets lock real clients out (bench:idle-clients).
            authentication_timeout: AUTHENTICATION_TIMEOUT_SECONDS,
            allow_clear_text_frontend_auth: false,
            ssl: true,
            ssl_key: `${paths.runDir}/${SERVER_KEY_FILE}`,
            ssl_cert: `${paths.runDir}/${SERVER_CERT_FILE}`,
            ssl_ca_cert: `${paths.runDir}/${CA_CERT_FILE}`,
            ssl_prefer_server_ciphers: true,
            ssl_ecdh_curve: "prime256v1",
        }],
        ["Pool", {
            num_init_children: config.pool.numInitChildren,
            max_pool: config.pool.maxPool,
            child_life_time: config.pool.childLifeTimeSeconds,
            child_max_connections: 0,
            connection_life_time: 0,
            client_idle_limit: 0,
            connection_cache: true,
            reserved_connections: 0,
        }],
        ["Load balancing", {
            load_balance_mode: true,
            // After a write, the rest of the session reads from the primary: read-your-writes.
            disable_load_balance_on_write: "always",
            statement_level_load_balance: false,
        }],
        ["Streaming replication check", {
            // Off. Pgpool-II 4.3's check worker queries every node with no timeout while it holds
            // the lock that pgpool's search for a new primary waits on: one frozen node held every
            // client until it thawed. attach-backends.sh does its work instead, with bounded
            // queries: it detaches a standby more than LAG_DETACH_BYTES behind (no reads go to
            // it) and attaches it again once it follows, and it shuts down false primaries.
            sr_check_period: 0,
            // Also the role and database of pgpool's search for the primary.
            sr_check_user: ROLE_NAMES.pgpoolCheck,
            // Empty: pgpool takes the password from pool_passwd, so none is written here.
            sr_check_password: "",
            sr_check_database: "postgres",
        }],
        ["Health check and failover", {
            health_check_period: HEALTH_CHECK.periodSeconds,
            health_check_timeout: HEALTH_CHECK.timeoutSeconds,
            health_check_user: ROLE_NAMES.pgpoolCheck,
            health_check_password: "",
            health_check_database: "postgres",
            health_check_max_retries: HEALTH_CHECK.maxRetries,
            health_check_retry_delay: HEALTH_CHECK.retryDelaySeconds,
            connect_timeout: HEALTH_CHECK.connectTimeoutMs,
            failover_on_backend_error: true,
            failover_command: `${paths.configDir}/${FAILOVER_SCRIPT} %d %h %p %D %m %H %M %P %r %R %N %S`,
            follow_primary_command: `${paths.configDir}/${FOLLOW_PRIMARY_SCRIPT} %d %h %p %D %m %H %M %P %r %R`,
            search_primary_node_timeout: SEARCH_PRIMARY_SECONDS,
            // At pgpool's start, a node claiming to be primary beside the real one is detached.
            detach_false_primary: true,
            // Off: pgpool would attach a standby on one sample of "streaming", even one that then
            // stops on a timeline it cannot follow. attach-backends.sh attaches a standby once it
            // streams and replays the primary's WAL; a node detached on purpose with
            // pcp_detach_node is attached again only then.
            auto_failback: false,
        }],
        ["Logging", {
            log_destination: "stderr",
            log_line_prefix: "%m: %a pid %p: ",
            log_min_messages: "warning",
            log_connections: false,
        }],
    ]);
}

/** pool_hba.conf: like pg_hba.conf, TLS with SCRAM only. */
export function renderPoolHbaConf(networks: readonly string[]): string {
    const lines = [
        "# pool_hba.conf rendered by pg-ha-stack: TLS and scram-sha-256 only.",
        "# Clients come through the client gate, which refuses addresses outside the allowed networks.",
        "local    all  all                      scram-sha-256",
        ...networks.map((cidr) => `hostssl  all  all  ${cidr.padEnd(18)}  scram-sha-256`),
    ];
    return `${lines.join("\n")}\n`;
}
