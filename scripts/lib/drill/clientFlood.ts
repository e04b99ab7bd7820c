import * as net from "net";
import { connect, closeClient, ConnectionParts } from "../pg";

/** What one client got: how long its connect and first query took, or the error it got and when. */
export interface ClientAttempt {
    readonly ms: number;
    readonly error?: string;
}

/** Opens `count` TCP connections to `host:port` that never send a byte, as stuck or hostile clients do. */
export async function openIdleSockets(host: string, port: number, count: number): Promise<net.Socket[]> {
    return Promise.all(Array.from({ length: count }, () => new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host, port }, () => resolve(socket));
        socket.on("error", reject);
    })));
}

/** How many of `sockets` the server has closed (their "close" event fired). */
export function closedCount(sockets: readonly net.Socket[]): number {
    return sockets.filter((socket) => socket.closed).length;
}

/** One client's connect and first query, timed; the error instead when it fails. */
export async function timedClient(target: ConnectionParts, caPem: string, timeoutMs: number): Promise<ClientAttempt> {
    const started = Date.now();
    try {
        const client = await connect(target, { caPem, connectTimeoutMs: timeoutMs, applicationName: "pg-ha-client-flood" });
        try {
            await client.query("SELECT 1");
        } finally {
            await closeClient(client);
        }
        return { ms: Date.now() - started };
    } catch (error) {
        return { ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
    }
}

/** `count` clients at once, each timed as `timedClient`. */
export async function clientsAtOnce(target: ConnectionParts, caPem: string, count: number, timeoutMs: number): Promise<ClientAttempt[]> {
    return Promise.all(Array.from({ length: count }, () => timedClient(target, caPem, timeoutMs)));
}

/** The value below which `fraction` of `values` fall (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
