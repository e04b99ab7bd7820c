import { Client } from "pg";
import { connect, ConnectionParts, ConnectOptions, retryingTransient, withClient } from "../pg";
import { progress, sleep } from "../wait";

/** One write that the cluster acknowledged: its id, when, and which server committed it. */
export interface AckedWrite {
    readonly id: number;
    readonly at: number;
    readonly serverPort: number;
}

export const DRILL_TABLE = "ha_drill_writes";

/** Pause before reconnecting after an error: fine enough to time recovery, gentler than a busy loop. */
export const RETRY_DELAY_MS = 25;

/** The longest a writer runs: one that nobody stops (a drill that threw) ends by itself. */
export const WRITER_MAX_RUN_MS = 10 * 60_000;

/**
 * Inserts numbered rows through pgpool one after another, reconnecting after every error, and
 * records each acknowledged id. A write whose outcome is unknown (the connection broke) is not
 * counted as acknowledged.
 */
export class NumberedWriter {
    public readonly acked: AckedWrite[] = [];
    public errors = 0;
    /** Every error with its time, for explaining a slow recovery. */
    public readonly errorLog: { at: number; message: string }[] = [];
    private nextId = 1;
    private stopped = false;
    private running: Promise<void> | undefined;

    /**
     * @param target where to write (pgpool, for a drill).
     * @param caPem the cluster CA that the server's certificate must chain to.
     * @param maxRunMs the writer stops by itself this long after `start`; default {@link WRITER_MAX_RUN_MS}.
     */
    constructor(private readonly target: ConnectionParts, private readonly caPem: string, private readonly maxRunMs = WRITER_MAX_RUN_MS) {}

    public async prepare(): Promise<void> {
        this.nextId = await retryingTransient(async () => {
            const client = await connect(this.target, { caPem: this.caPem, applicationName: "pg-ha-drill" });
            try {
                await client.query(`CREATE TABLE IF NOT EXISTS ${DRILL_TABLE} (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
                return Number((await client.query<{ next: string }>(`SELECT COALESCE(max(id), 0) + 1 AS next FROM ${DRILL_TABLE}`)).rows[0]!.next);
            } finally {
                await client.end().catch(() => undefined);
            }
        });
    }

    public start(): void {
        this.running = this.loop();
    }

    public async stop(): Promise<void> {
        this.stopped = true;
        await this.running;
    }

    /** Writes while `body` runs, and stops writing when it ends, however it ends. */
    public async during<T>(body: () => Promise<T>): Promise<T> {
        this.start();
        try {
            return await body();
        } finally {
            await this.stop();
        }
    }

    private async loop(): Promise<void> {
        const deadline = Date.now() + this.maxRunMs;
        let client: Client | undefined;
        while (!this.stopped) {
            if (Date.now() >= deadline) {
                progress(`the drill writer stopped by itself after ${this.maxRunMs} ms (its bound), ${this.acked.length} writes acknowledged`);
                break;
            }
            try {
                client ??= await connect(this.target, { caPem: this.caPem, applicationName: "pg-ha-drill", connectTimeoutMs: 2000 });
                const id = this.nextId++;
                const result = await client.query<{ port: number }>(`INSERT INTO ${DRILL_TABLE} (id) VALUES ($1) RETURNING inet_server_port() AS port`, [id]);
                this.acked.push({ id, at: Date.now(), serverPort: result.rows[0]!.port });
            } catch (error) {
                this.errors++;
                this.errorLog.push({ at: Date.now(), message: error instanceof Error ? error.message : String(error) });
                await client?.end().catch(() => undefined);
                client = undefined;
                await sleep(RETRY_DELAY_MS);
            }
        }
        await client?.end().catch(() => undefined);
    }
}

/**
 * Put before a SELECT sent through pgpool, sends it to the primary instead of the session's
 * load-balancing node (pgpool does not balance a query that starts with a comment): a standby
 * acknowledges a commit once it has flushed it, and may not have replayed it yet.
 */
export const ON_PRIMARY = "/*NO LOAD BALANCE*/";

/**
 * The acknowledged ids that `target` lacks: what a drill lost. Through pgpool the primary answers
 * (a standby's replay may trail the last acknowledgement). Read again when pgpool drops the
 * session while it restarts its children (after a failover or an attach).
 */
export async function missingWrites(target: ConnectionParts, options: ConnectOptions, acked: readonly AckedWrite[]): Promise<number[]> {
    const ids = acked.map((write) => write.id);
    const present = await retryingTransient(() => withClient(target, options, async (client) =>
        new Set((await client.query<{ id: string }>(`${ON_PRIMARY} SELECT id FROM ${DRILL_TABLE} WHERE id = ANY($1::bigint[])`, [ids])).rows.map((row) => Number(row.id)))));
    return ids.filter((id) => !present.has(id));
}
