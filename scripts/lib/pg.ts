import { Client, ClientConfig } from "pg";

/** The parts of a postgresql:// URI this project writes. */
export interface ConnectionParts {
    readonly user: string;
    readonly password: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
}

export function parsePostgresUri(uri: string): ConnectionParts {
    const url = new URL(uri);
    if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
        throw new Error(`not a postgresql:// connection string (protocol ${url.protocol})`);
    }
    return {
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        host: url.hostname,
        port: Number(url.port || 5432),
        database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    };
}

export interface ConnectOptions {
    /** PEM of the CA to verify the server against (verify-full); omit to connect without TLS. */
    readonly caPem?: string;
    readonly database?: string;
    readonly user?: string;
    readonly password?: string;
    readonly connectTimeoutMs?: number;
    readonly applicationName?: string;
}

/** Connects with node-postgres; TLS verifies the chain and the host name or IP (verify-full). */
export async function connect(parts: ConnectionParts, options: ConnectOptions = {}): Promise<Client> {
    const config: ClientConfig = {
        host: parts.host,
        port: parts.port,
        user: options.user ?? parts.user,
        password: options.password ?? parts.password,
        database: options.database ?? parts.database,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
        application_name: options.applicationName ?? "pg-ha-scripts",
        ssl: options.caPem === undefined ? false : { ca: options.caPem, rejectUnauthorized: true },
    };
    const client = new Client(config);
    client.on("error", () => undefined);
    try {
        await client.connect();
    } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
    }
    return client;
}

/** Runs `work` on a fresh connection and always closes it. */
export async function withClient<T>(parts: ConnectionParts, options: ConnectOptions, work: (client: Client) => Promise<T>): Promise<T> {
    const client = await connect(parts, options);
    try {
        return await work(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** Errors pgpool gives while it restarts its children (after a failover or an attach): worth one more try. */
const TRANSIENT = /Connection terminated|ECONNRESET|ECONNREFUSED|server closed the connection|terminating connection|failover or failback|timeout expired/i;

/**
 * Runs `work` again when pgpool drops the session in a restart of its children, up to `attempts`
 * times `delayMs` apart; any other error, or the last one, is thrown. Clients of pgpool must do the
 * same: a failover or an attach briefly closes every session.
 */
export async function retryingTransient<T>(work: () => Promise<T>, attempts = 5, delayMs = 200): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await work();
        } catch (error) {
            if (attempt >= attempts || !TRANSIENT.test(error instanceof Error ? error.message : String(error))) throw error;
            await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
    }
}
