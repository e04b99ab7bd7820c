import { randomBytes } from "crypto";
import { Client } from "pg";
import { STATUS_SCHEMA } from "../../../components/render";
import { httpsGet, HttpsResponse, metricSamples } from "../https";
import { closeClient, connect, ConnectOptions, ConnectionParts, DEFAULT_CONNECT_TIMEOUT_MS, retryingTransient, TRANSIENT_ATTEMPTS, TRANSIENT_DELAY_MS } from "../pg";
import { logTail } from "../local/processes";
import { LAG_LIMITS, VerifyTarget } from "./types";
import { sleep } from "../wait";

/** The outcome of one check before it is numbered and timed. */
export interface Verdict {
    readonly passed: boolean;
    readonly figure: string;
}

export const VERIFY_TABLE = "ha_verify_probe";

/** Sessions opened at once; well under pgpool's num_init_children, so none waits for a child. */
export const SESSION_CONCURRENCY = 8;

/** Runs `count` independent sessions, SESSION_CONCURRENCY at a time: a worker takes the next as it finishes one. */
async function inParallel<T>(count: number, session: () => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    let started = 0;
    const worker = async (): Promise<void> => {
        while (started < count) {
            started++;
            results.push(await session());
        }
    };
    await Promise.all(Array.from({ length: Math.min(SESSION_CONCURRENCY, count) }, worker));
    return results;
}

/**
 * Longest one query of verify may take: a degraded cluster must still get its report quickly.
 * A write waits for a synchronous standby; with none streaming it would wait for good.
 */
export const VERIFY_QUERY_TIMEOUT_MS = 15_000;

/** A write that timed out, explained: the likely cause is quorum commit with no standby to acknowledge it. */
function explainWriteTimeout(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    if (!/Query read timeout/i.test(message)) return error instanceof Error ? error : new Error(message);
    return new Error(`a write through pgpool was not acknowledged within ${VERIFY_QUERY_TIMEOUT_MS / 1000} s: the primary waits for a synchronous standby (quorum commit) and none acknowledged it; see check 2 for the standbys`);
}

function endpointKey(host: string, port: number): string {
    return `${host}:${port}`;
}

function errorCode(error: unknown): string {
    return String((error as { code?: unknown } | undefined)?.code);
}

/**
 * Runs `attempt` against the endpoint `key`, unless that endpoint already failed to answer in this
 * run. When `unanswered` says why a failure means the endpoint does not answer ("did not answer
 * within 5 s"), that is remembered, so that the checks after it fail at once rather than wait again.
 */
async function unlessUnanswered<T>(target: VerifyTarget, key: string, attempt: () => Promise<T>, unanswered: (error: unknown) => string | undefined): Promise<T> {
    const known = target.unanswered.get(key);
    if (known !== undefined) throw new Error(known);
    try {
        return await attempt();
    } catch (error) {
        const why = unanswered(error);
        if (why !== undefined) target.unanswered.set(key, `${key} ${why} earlier in this run, so it was not tried again`);
        throw error;
    }
}

/** Connects, unless the endpoint already failed to answer in this run; a connect that times out is remembered. */
async function open(target: VerifyTarget, parts: ConnectionParts, options: ConnectOptions): Promise<Client> {
    return unlessUnanswered(target, endpointKey(parts.host, parts.port), () => connect(parts, { queryTimeoutMs: VERIFY_QUERY_TIMEOUT_MS, ...options }),
        (error) => errorCode(error) === "ETIMEDOUT" ? `did not answer within ${(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) / 1000} s` : undefined);
}

/** Runs `work` on a session opened with {@link open} and always closes it. */
export async function session<T>(target: VerifyTarget, parts: ConnectionParts, options: ConnectOptions, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await open(target, parts, options);
    try {
        return await work(client);
    } finally {
        await closeClient(client);
    }
}

/** An HTTPS request's failure in words: who does not listen or answer at `url`, and what to look at. */
export function explainHttpsFailure(error: unknown, url: string, server: string): Error {
    const { hostname, port } = new URL(url);
    const key = endpointKey(hostname, Number(port || 443));
    const code = (error as { code?: unknown }).code;
    if (code === "ECONNREFUSED") return new Error(`nothing listens on ${key} (connection refused): is ${server} up, and is the port right?`);
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new Error(`the host of ${url} is not known (name lookup failed)`);
    if (code === "ECONNRESET") return new Error(`${key} closed the connection before it answered: is it ${server}, over TLS?`);
    return error instanceof Error ? error : new Error(String(error));
}

function exporterKey(target: VerifyTarget): string {
    const url = new URL(target.outputs.exporterMetricsUrl);
    return endpointKey(url.hostname, Number(url.port || 443));
}

/** One scrape of the exporter, remembering it when it does not answer (see {@link unlessUnanswered}). */
async function scrapeExporter(target: VerifyTarget): Promise<HttpsResponse> {
    const noAnswer = `no answer from ${target.outputs.exporterMetricsUrl} within ${EXPORTER_TIMEOUT_MS} ms`;
    const scrape = async (): Promise<HttpsResponse> => {
        let timer: NodeJS.Timeout | undefined;
        const scraping = httpsGet(target.outputs.exporterMetricsUrl, target.caPem, EXPORTER_TIMEOUT_MS);
        scraping.catch(() => undefined); // Its failure is handled below, even when the timer wins the race.
        try {
            // httpsGet's own timeout is the socket's idle time, which a silent server can run to twice over.
            return await Promise.race([scraping, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(noAnswer)), EXPORTER_TIMEOUT_MS); })]);
        } finally {
            clearTimeout(timer);
        }
    };
    try {
        return await unlessUnanswered(target, exporterKey(target), scrape,
            (error) => error instanceof Error && error.message === noAnswer ? `did not answer within ${EXPORTER_TIMEOUT_MS / 1000} s` : undefined);
    } catch (error) {
        throw explainHttpsFailure(error, target.outputs.exporterMetricsUrl, "the exporter");
    }
}

/** The exporter's deadline for one scrape. */
export const EXPORTER_TIMEOUT_MS = 5000;

/** A first scrape, only to learn whether the exporter answers at all. */
export async function probeExporter(target: VerifyTarget): Promise<void> {
    await scrapeExporter(target).catch(() => undefined);
}

function label(target: VerifyTarget, parts: ConnectionParts): string {
    if (parts === target.pgpool) return `pgpool ${parts.host}:${parts.port}`;
    if (parts === target.primary) return `primary ${parts.host}:${parts.port}`;
    return `replica ${parts.host}:${parts.port}`;
}

/** Adds the cause pgpool hides from clients ("backend authentication failed") from its log. */
function explainPgpoolError(target: VerifyTarget, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (!/backend authentication failed|unable to read|authentication/i.test(message)) return message;
    const hint = "pgpool could not log in to a backend for this user: check that the user is in pool_passwd, that pgpool has the AES key (-k) and that the backends trust pgpool";
    if (target.pgpoolLogFile === undefined) return `${message} (${hint}; the cause is in pgpool's log)`;
    const causes = logTail(target.pgpoolLogFile, 200).split("\n").filter((line) => /ERROR|FATAL|WARNING/.test(line)).slice(-3);
    return `${message} (${hint}; pgpool's log ${target.pgpoolLogFile} says: ${causes.join(" | ") || "nothing"})`;
}

/** How long {@link retryingTransient} tries a refused connection again, in seconds. */
const REFUSED_RETRY_SECONDS = (TRANSIENT_ATTEMPTS * TRANSIENT_DELAY_MS) / 1000;

async function connectThroughPgpool(target: VerifyTarget, applicationName: string): Promise<Client> {
    try {
        // Refused through a whole retry window: the checks after this one fail at once instead of
        // waiting that window again (three checks waited 5 s each against a pgpool that was down).
        return await unlessUnanswered(target, endpointKey(target.pgpool.host, target.pgpool.port),
            () => retryingTransient(() => open(target, target.pgpool, { caPem: target.caPem, applicationName })),
            (error) => errorCode(error) === "ECONNREFUSED" ? `refused every connection for ${REFUSED_RETRY_SECONDS} s` : undefined);
    } catch (error) {
        throw new Error(explainPgpoolError(target, error));
    }
}

/** Connect errors that mean nothing answered at that address, so no refusal can be seen there. */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** 1. TLS verify-full works against the CA everywhere, and a plain connection is refused. */
export async function checkTls(target: VerifyTarget): Promise<Verdict> {
    const endpoints = [target.pgpool, target.primary, ...target.replicas];
    const failures: string[] = [];
    let secure = 0;
    let refused = 0;
    for (const endpoint of endpoints) {
        let unreachable = target.unanswered.has(endpointKey(endpoint.host, endpoint.port));
        try {
            const ssl = await session(target, endpoint, { caPem: target.caPem }, async (client) => (await client.query<{ ssl: boolean | null }>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).rows[0]?.ssl);
            // Through pgpool, pg_stat_ssl describes pgpool's own connection to the backend: both hops count.
            if (ssl === true) secure++;
            else failures.push(`${label(target, endpoint)}: ${endpoint === target.pgpool ? "pgpool's backend connection" : "session"} not encrypted`);
        } catch (error) {
            unreachable ||= UNREACHABLE_CODES.has(errorCode(error)) || target.unanswered.has(endpointKey(endpoint.host, endpoint.port));
            failures.push(`${label(target, endpoint)}: ${endpoint === target.pgpool ? explainPgpoolError(target, error) : (error as Error).message}`);
        }
        // One that cannot be reached has said so above; that a plain session fails too proves nothing.
        if (unreachable) continue;
        try {
            await session(target, endpoint, {}, async () => undefined);
            failures.push(`${label(target, endpoint)}: accepted a connection without TLS`);
        } catch {
            refused++;
        }
    }
    return {
        passed: failures.length === 0,
        figure: `${secure}/${endpoints.length} verify-full, ${refused}/${endpoints.length} refuse plain${failures.length ? `; ${failures.join("; ")}` : ""}`,
    };
}

interface ReplicationRow {
    application_name: string;
    state: string;
    sync_state: string;
    slot_name: string | null;
    slot_active: boolean | null;
    lag_bytes: string | null;
    lag_seconds: number;
}

async function replicationRows(target: VerifyTarget): Promise<ReplicationRow[]> {
    return session(target, target.primary, { caPem: target.caPem }, async (client) => (await client.query<ReplicationRow>(`SELECT * FROM ${STATUS_SCHEMA}.replication() ORDER BY application_name`)).rows);
}

/** 2. The primary streams to every replica, each through its own active slot, with quorum commit as configured. */
export async function checkReplication(target: VerifyTarget): Promise<Verdict> {
    const rows = await replicationRows(target);
    const quorum = await session(target, target.primary, { caPem: target.caPem }, async (client) =>
        (await client.query<{ configured: string; effective: string }>(`SELECT * FROM ${STATUS_SCHEMA}.quorum()`)).rows[0]!);
    const streaming = rows.filter((row) => row.state === "streaming" && row.slot_name !== null && row.slot_active === true);
    const slots = new Set(streaming.map((row) => row.slot_name));
    // Each streaming standby is a quorum candidate exactly when quorum commit is on.
    const expectedSyncState = quorum.configured === "" ? "async" : "quorum";
    const modeAsConfigured = quorum.effective === quorum.configured && streaming.every((row) => row.sync_state === expectedSyncState);
    const passed = streaming.length === target.replicas.length && slots.size === streaming.length && modeAsConfigured;
    const figure = rows.map((row) => `${row.application_name} ${row.state} slot ${row.slot_name ?? "none"}${row.slot_active ? "" : " (inactive)"} ${row.sync_state}`).join(", ");
    const mode = quorum.effective === quorum.configured
        ? `quorum commit ${quorum.configured || "off"} as configured`
        : `quorum commit ${quorum.effective || "OFF"}, configured ${quorum.configured || "off"}`;
    return { passed, figure: `${streaming.length}/${target.replicas.length} streaming on own slots, ${mode}: ${figure || "no standby connected"}` };
}

interface PoolNode {
    node_id: string;
    hostname: string;
    port: string;
    status: string;
    role: string;
    replication_state: string;
}

/** 3. pgpool sees every node up and exactly one primary. */
export async function checkPoolNodes(target: VerifyTarget): Promise<Verdict> {
    const client = await connectThroughPgpool(target, "pg-ha-verify");
    try {
        const nodes = (await client.query<PoolNode>("SHOW POOL_NODES")).rows;
        const up = nodes.filter((node) => node.status === "up" || node.status === "waiting");
        const primaries = nodes.filter((node) => node.role === "primary");
        const expected = 1 + target.replicas.length;
        return {
            passed: nodes.length === expected && up.length === expected && primaries.length === 1,
            figure: `${up.length}/${expected} up, ${primaries.length} primary: ${nodes.map((node) => `${node.node_id}:${node.hostname}:${node.port} ${node.status} ${node.role}${node.replication_state ? ` ${node.replication_state}` : ""}`).join(", ")}`,
        };
    } finally {
        await closeClient(client);
    }
}

/** Server port → a name people know, from the connection strings. */
function backendNames(target: VerifyTarget): Map<number, string> {
    return new Map([[target.primary.port, "primary"], ...target.replicas.map((replica, i): [number, string] => [replica.port, `replica${i + 1}`])]);
}

/**
 * 4. A write through pgpool lands on the primary; reads in new sessions through pgpool spread over
 * at least two backends. inet_server_port() is stable, so pgpool may balance it (a volatile
 * function such as pg_is_in_recovery() always goes to the primary).
 */
export async function checkReadWriteSplit(target: VerifyTarget, sessions: number): Promise<Verdict> {
    const names = backendNames(target);
    const token = randomBytes(8).toString("hex");
    const writer = await connectThroughPgpool(target, "pg-ha-verify");
    let writePort: number;
    try {
        await writer.query(`CREATE TABLE IF NOT EXISTS ${VERIFY_TABLE} (token text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())`);
        writePort = (await writer.query<{ port: number }>(`INSERT INTO ${VERIFY_TABLE} (token) VALUES ($1) RETURNING inet_server_port() AS port`, [token])).rows[0]!.port;
    } catch (error) {
        throw explainWriteTimeout(error);
    } finally {
        await closeClient(writer);
    }
    const onPrimary = await session(target, target.primary, { caPem: target.caPem }, async (client) => (await client.query(`SELECT 1 FROM ${VERIFY_TABLE} WHERE token = $1`, [token])).rowCount === 1);
    const ports = await inParallel(sessions, async () => {
        const reader = await connectThroughPgpool(target, "pg-ha-verify-read");
        try {
            return (await reader.query<{ port: number }>("SELECT inet_server_port() AS port")).rows[0]!.port;
        } finally {
            await closeClient(reader);
        }
    });
    const counts = new Map<string, number>();
    for (const port of ports) {
        const name = names.get(port) ?? `port ${port}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const spread = [...counts.entries()].sort().map(([name, count]) => `${name} ${count}`).join(", ");
    return {
        passed: writePort === target.primary.port && onPrimary && counts.size >= 2,
        figure: `write on ${names.get(writePort) ?? `port ${writePort}`}${onPrimary ? " (found on primary)" : " (NOT found on primary)"}; ${sessions} read sessions: ${spread}`,
    };
}

/** Write-then-read pairs in each read-your-writes session. */
export const WRITES_PER_SESSION = 3;

/** 5. Read-your-writes: in one session, a read right after a write through pgpool sees it. */
export async function checkReadYourWrites(target: VerifyTarget, sessions: number): Promise<Verdict> {
    const outcomes = await inParallel(sessions, async () => {
        const client = await connectThroughPgpool(target, "pg-ha-verify-ryw");
        try {
            let seen = 0;
            for (let write = 0; write < WRITES_PER_SESSION; write++) {
                const token = randomBytes(8).toString("hex");
                await client.query(`INSERT INTO ${VERIFY_TABLE} (token) VALUES ($1)`, [token]).catch((error: unknown) => { throw explainWriteTimeout(error); });
                if ((await client.query(`SELECT 1 FROM ${VERIFY_TABLE} WHERE token = $1`, [token])).rowCount === 1) seen++;
            }
            return seen;
        } finally {
            await closeClient(client);
        }
    });
    const seen = outcomes.reduce((sum, count) => sum + count, 0);
    const writes = sessions * WRITES_PER_SESSION;
    await session(target, target.primary, { caPem: target.caPem }, (client) => client.query(`DELETE FROM ${VERIFY_TABLE} WHERE written_at < now() - interval '1 hour'`));
    return { passed: seen === writes, figure: `${seen}/${writes} writes read back at once (${sessions} sessions)` };
}

/** How long check 6 gives each replica to replay what the primary had written when the check began. */
export const REPLAY_DEADLINE_MS = 5000;

/** Milliseconds from `started` until the replica had replayed up to `lsn`; undefined when it had not within REPLAY_DEADLINE_MS. */
async function replayedBy(client: Client, lsn: string, started: number): Promise<number | undefined> {
    for (;;) {
        if ((await client.query<{ caught_up: boolean }>("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS caught_up", [lsn])).rows[0]!.caught_up) return Date.now() - started;
        if (Date.now() - started >= REPLAY_DEADLINE_MS) return undefined;
        await sleep(100);
    }
}

/**
 * 6. Every replica is within 100 MB and 60 s of the primary, and replays: within
 * REPLAY_DEADLINE_MS it has replayed all the primary had written when the check began (a standby
 * whose replay stopped fails even while the primary is idle and its lag reads 0).
 */
export async function checkLag(target: VerifyTarget): Promise<Verdict> {
    const rows = await replicationRows(target);
    const written = await session(target, target.primary, { caPem: target.caPem }, async (client) => (await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0]!.lsn);
    const started = Date.now();
    const figures: string[] = [];
    let passed = rows.length === target.replicas.length;
    for (const replica of target.replicas) {
        const measured = await session(target, replica, { caPem: target.caPem }, async (client) => ({
            replayedMs: await replayedBy(client, written, started),
            seconds: Number((await client.query<{ lag: string }>(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())) END AS lag",
            )).rows[0]!.lag),
            streaming: (await client.query<{ slot_name: string }>(`SELECT slot_name FROM ${STATUS_SCHEMA}.wal_receiver() WHERE status = 'streaming'`)).rows[0]?.slot_name,
        }));
        const row = rows.find((candidate) => candidate.slot_name === measured.streaming);
        const bytes = row?.lag_bytes === null || row === undefined ? Number.NaN : Number(row.lag_bytes);
        const ok = Number.isFinite(bytes) && bytes <= LAG_LIMITS.bytes && measured.seconds <= LAG_LIMITS.seconds && measured.replayedMs !== undefined;
        passed &&= ok;
        const replay = measured.replayedMs === undefined ? `has NOT replayed ${written} within ${REPLAY_DEADLINE_MS} ms` : `replayed ${written} by ${measured.replayedMs} ms`;
        figures.push(`${row?.application_name ?? `${replica.host}:${replica.port}`} ${Number.isFinite(bytes) ? bytes : "?"} B ${measured.seconds.toFixed(3)} s, ${replay}`);
    }
    return { passed, figure: `${figures.join(", ")} (limits ${LAG_LIMITS.bytes / 1024 / 1024} MB, ${LAG_LIMITS.seconds} s)` };
}

/** Scrapes check 7 may take: the exporter drops a connection to a restarted server on one scrape and reopens it on the next. */
export const EXPORTER_SCRAPES = 3;

/** 7. The exporter serves /metrics over TLS with pg_up 1 and replication lag for every node. */
export async function checkExporter(target: VerifyTarget): Promise<Verdict> {
    let verdict: Verdict = { passed: false, figure: "no scrape" };
    for (let scrape = 1; scrape <= EXPORTER_SCRAPES; scrape++) {
        if (scrape > 1) await sleep(500);
        const response = await scrapeExporter(target);
        if (response.status !== 200) {
            verdict = { passed: false, figure: `HTTP ${response.status}: ${response.body.slice(0, 200)}` };
            continue;
        }
        const up = metricSamples(response.body, "pg_up");
        const lag = metricSamples(response.body, "pg_ha_replication_lag_bytes");
        const standbyLag = metricSamples(response.body, "pg_ha_standby_replay_lag_seconds");
        const streaming = lag.filter((sample) => sample.labels.includes('state="streaming"'));
        verdict = {
            passed: up.length > 0 && up.every((sample) => sample.value === 1) && streaming.length === target.replicas.length && standbyLag.length === 1 + target.replicas.length,
            figure: `pg_up ${up.map((sample) => sample.value).join(",") || "missing"}; lag series: ${streaming.length} from the primary (max ${Math.max(0, ...lag.map((sample) => sample.value))} B), ${standbyLag.length} per-node replay lag; scrape ${scrape}`,
        };
        if (verdict.passed) break;
    }
    return verdict;
}
