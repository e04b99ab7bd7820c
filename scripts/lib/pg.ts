import { Client, ClientConfig } from "pg";

/** The parts of a postgresql:// URI this project writes. */
export interface ConnectionParts {
    readonly user: string;
    readonly password: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
}

/** What a connection string must look like; said instead of echoing one, which holds a password. */
export const POSTGRES_URI_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE";

export function parsePostgresUri(uri: string): ConnectionParts {
    if (typeof uri !== "string") throw new Error(`not a ${POSTGRES_URI_FORM} connection string but ${uri === null ? "null" : typeof uri}`);
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        throw new Error(`not a ${POSTGRES_URI_FORM} connection string`);
    }
    if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
        throw new Error(`not a ${POSTGRES_URI_FORM} connection string (protocol ${url.protocol})`);
    }
    const port = Number(url.port || 5432);
    if (url.hostname === "") throw new Error(`a connection string without a host: ${POSTGRES_URI_FORM} expected`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`a connection string with port ${url.port}, outside 1..65535`);
    return {
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port,
        database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    };
}

export interface ConnectOptions {
    /** PEM of the CA to verify the server against (verify-full); omit to connect without TLS. */
    readonly caPem?: string;
    readonly database?: string;
    readonly user?: string;
    readonly password?: string;
    /** Bound on the whole connect: TCP, TLS, startup and login. Defaults to 5 s. */
    readonly connectTimeoutMs?: number;
    /**
     * Bound on each query, client side: past it the query fails and the session is closed.
     * Defaults to {@link DEFAULT_QUERY_TIMEOUT_MS}.
     */
    readonly queryTimeoutMs?: number;
    /**
     * The server's statement_timeout for the session. Defaults to none: a statement cancelled while
     * it waits for synchronous replication reports a commit that no standby has, so writes are
     * bounded on the client side only (a dropped session never reports such a commit).
     */
    readonly statementTimeoutMs?: number;
    readonly applicationName?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_QUERY_TIMEOUT_MS = 120_000;

function seconds(ms: number): string {
    return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * A connect that failed below PostgreSQL (no server, no answer, no such host), said in words with
 * the system code kept as `code`; server and TLS errors stay node-postgres's own.
 */
function connectError(parts: ConnectionParts, timeoutMs: number, error: unknown): Error {
    const where = `${parts.host}:${parts.port}`;
    const code = (error as { code?: unknown } | undefined)?.code;
    const message = error instanceof Error ? error.message : String(error);
    let text: string | undefined;
    let newCode = code;
    if (code === "ECONNREFUSED") text = `nothing listens on ${where} (connection refused): is the server up, and is the port right?`;
    else if (/^timeout expired$|connection timeout/i.test(message) || code === "ETIMEDOUT") {
        text = `${where} did not answer within ${seconds(timeoutMs)} (connect, TLS and login): is it a PostgreSQL server or pgpool that is up, and is the address right?`;
        newCode = "ETIMEDOUT";
    } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") text = `the host ${parts.host} is not known (name lookup failed): check the host in the connection string`;
    else if (code === "EHOSTUNREACH" || code === "ENETUNREACH") text = `${where} cannot be reached (no route to it): check the address and the network`;
    else if (code === "ECONNRESET" || code === "EPIPE") text = `${where} closed the connection while it was being opened: is it a PostgreSQL server or pgpool?`;
    if (text === undefined) return error instanceof Error ? error : new Error(message);
    return Object.assign(new Error(text), { code: newCode, cause: error });
}

/** Ends a session, destroying it if the server does not see the goodbye within 2 s. */
export async function closeClient(client: Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ended = client.end().catch(() => undefined);
    const late = new Promise<"late">((resolve) => { timer = setTimeout(() => resolve("late"), 2000); });
    if (await Promise.race([ended, late]) === "late") (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    clearTimeout(timer);
}

/**
 * Connects with node-postgres; TLS verifies the chain and the host name or IP (verify-full). The
 * whole connect is bounded (node-postgres's connectionTimeoutMillis covers TLS and login; a timer
 * of our own stands behind it), and every query has a client-side timeout.
 */
export async function connect(parts: ConnectionParts, options: ConnectOptions = {}): Promise<Client> {
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const config: ClientConfig = {
        host: parts.host,
        port: parts.port,
        user: options.user ?? parts.user,
        password: options.password ?? parts.password,
        database: options.database ?? parts.database,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
        ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
        application_name: options.applicationName ?? "pg-ha-scripts",
        ssl: options.caPem === undefined ? false : { ca: options.caPem, rejectUnauthorized: true },
    };
    const client = new Client(config);
    client.on("error", () => undefined);
    let timer: NodeJS.Timeout | undefined;
    const connecting = client.connect();
    connecting.catch(() => undefined); // Its failure is handled below, even when the timer wins the race.
    try {
        await Promise.race([
            connecting,
            new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error("timeout expired")), timeoutMs + 1000); }),
        ]);
    } catch (error) {
        await closeClient(client);
        throw connectError(parts, timeoutMs, error);
    } finally {
        clearTimeout(timer);
    }
    return client;
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withClient<T>(parts: ConnectionParts, options: ConnectOptions, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await connect(parts, options);
    try {
        return await work(client);
    } finally {
        await closeClient(client);
    }
}

/** Errors pgpool gives while it restarts its children (after a failover or an attach) or loses a backend under a session: worth one more try. */
const TRANSIENT = /Connection terminated|ECONNRESET|ECONNREFUSED|server closed the connection|terminating connection|failover or failback|timeout expired|unable to read data from DB node/i;
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE"]);

function isTransient(error: unknown): boolean {
    const code = (error as { code?: unknown } | undefined)?.code;
    return (typeof code === "string" && TRANSIENT_CODES.has(code)) || TRANSIENT.test(error instanceof Error ? error.message : String(error));
}

/** {@link retryingTransient}'s default tries, and its pause between them. */
export const TRANSIENT_ATTEMPTS = 25;
export const TRANSIENT_DELAY_MS = 200;

/**
 * Runs `work` again when pgpool drops the session in a restart of its children, up to `attempts`
 * times `delayMs` apart; any other error, or the last one, is thrown. Clients of pgpool must do the
 * same: a failover or an attach briefly closes every session. The default covers about 5 s: after
 * a failover, follow_primary attaches each standby in turn and pgpool restarts its children each
 * time; on a busy 2-core host one second (the former default) was seen to run out.
 */
export async function retryingTransient<T>(work: () => Promise<T>, attempts = TRANSIENT_ATTEMPTS, delayMs = TRANSIENT_DELAY_MS): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await work();
        } catch (error) {
            if (attempt >= attempts || !isTransient(error)) throw error;
            await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
    }
}
