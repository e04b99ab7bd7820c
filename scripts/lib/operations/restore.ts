import * as path from "path";
import { RESTORE_SCRIPT, SKIPPED_ON_STANDBY } from "../../../components/render";
import { HostUnreachable, ShellResult } from "./hostShell";
import { NodeSeat } from "./nodeSeats";
import { repositoryBackups } from "./repositoryInfo";

/** Thrown when restore.sh refuses before it changed anything. */
export class RestoreRefused extends Error {}

export interface RestoreRequest {
    /** A new or empty data directory on the primary's host (an absolute path there). */
    readonly into: string;
    /** The port the restored copy listens on, on the primary's host. */
    readonly port: number;
    /** Recover to this moment (ISO 8601, up to microseconds); the latest archived WAL when absent. */
    readonly targetTime?: string;
}

/** A standalone copy restored from the repository, running on a node's host. */
export interface RestoredCopy {
    /** The node whose host runs the copy: the primary when it was restored. */
    readonly node: NodeSeat;
    readonly dataDir: string;
    readonly port: number;
    /** From restore.sh's start to the copy answering as a primary. */
    readonly restoreMs: number;
}

/** Time a restore may take through the seam: pgBackRest's copy, then recovery (restore.sh's own bound). */
const RESTORE_TIMEOUT_MS = 2 * 3_600_000;

function scriptOf(node: NodeSeat): string {
    return path.posix.join(node.configDir, RESTORE_SCRIPT);
}

/** The last lines of what a failed run printed. */
function tailOf(result: ShellResult): string {
    return `${result.stderr}${result.stdout}`.trim().split("\n").slice(-20).join("\n");
}

/**
 * Restores the repository into a standalone copy on the primary's host, by restore.sh (the same
 * script on every platform; see the asset). Refused in words (RestoreRefused), with nothing
 * changed, when the repository holds no backup, or none that ended before the target, or when
 * restore.sh refuses. Standbys decline (SKIPPED_ON_STANDBY) and the next node is asked.
 */
export async function restoreThrough(nodes: readonly NodeSeat[], request: RestoreRequest): Promise<RestoredCopy> {
    const unreachable: string[] = [];
    let checked = false;
    for (const node of nodes) {
        try {
            if (!checked) {
                const backups = await repositoryBackups(node);
                if (backups.length === 0) throw new RestoreRefused("the repository holds no backup yet: take one with npm run backup");
                if (request.targetTime !== undefined && Date.parse(request.targetTime) < backups[0]!.stoppedAt.getTime()) {
                    throw new RestoreRefused(`no backup ends before ${request.targetTime}: the first one ended at ${backups[0]!.stoppedAt.toISOString()}`);
                }
                checked = true;
            }
            const argv = ["/bin/bash", scriptOf(node), "into", request.into, String(request.port), ...(request.targetTime === undefined ? [] : [request.targetTime])];
            const result = await node.host.run(argv, RESTORE_TIMEOUT_MS);
            if (result.code === SKIPPED_ON_STANDBY) continue;
            const refusal = /restore refused, nothing changed: (.*)/.exec(result.stderr);
            if (result.code === 2 && refusal !== null) throw new RestoreRefused(refusal[1]!);
            const done = /^restored into=(.+) port=(\d+) ms=(\d+)$/m.exec(result.stdout);
            if (result.code !== 0 || done === null) throw new Error(`the restore failed on ${node.name} (${node.host.where}, exit ${result.code}):\n${tailOf(result)}`);
            return { node, dataDir: done[1]!, port: Number(done[2]), restoreMs: Number(done[3]) };
        } catch (error) {
            if (!(error instanceof HostUnreachable)) throw error;
            unreachable.push(error.message);
        }
    }
    throw new Error(`no node restored: none answered as primary${unreachable.length > 0 ? ` (${unreachable.join("; ")})` : ""}`);
}

/** Row count and an order-independent checksum of a table. */
export interface TableSummary {
    readonly rows: number;
    readonly checksum: string;
}

/** Every table of the public schema in one snapshot, and the snapshot's time. */
export interface DatabaseSummary {
    readonly at: string;
    readonly tables: ReadonlyMap<string, TableSummary>;
}

function parseSummary(node: NodeSeat, result: ShellResult): DatabaseSummary {
    if (result.code !== 0) throw new Error(`restore.sh summary failed on ${node.name} (${node.host.where}, exit ${result.code}):\n${tailOf(result)}`);
    const lines = result.stdout.split("\n").filter((line) => line !== "");
    const at = /^at (\S+)$/.exec(lines[0] ?? "")?.[1];
    if (at === undefined) throw new Error(`restore.sh summary on ${node.name} printed no snapshot time: ${result.stdout.slice(0, 200)}`);
    const tables = new Map(lines.slice(1).map((line) => {
        const [table, rows, checksum] = line.split("|");
        return [table!, { rows: Number(rows), checksum: checksum! }] as const;
    }));
    return { at, tables };
}

/**
 * The primary's tables in one repeatable-read snapshot, and the node that answered as primary
 * (standbys decline with SKIPPED_ON_STANDBY).
 */
export async function primarySummary(nodes: readonly NodeSeat[]): Promise<{ node: NodeSeat; summary: DatabaseSummary }> {
    const unreachable: string[] = [];
    for (const node of nodes) {
        let result;
        try {
            result = await node.host.run(["/bin/bash", scriptOf(node), "summary"], 600_000);
        } catch (error) {
            if (!(error instanceof HostUnreachable)) throw error;
            unreachable.push(error.message);
            continue;
        }
        if (result.code === SKIPPED_ON_STANDBY) continue;
        return { node, summary: parseSummary(node, result) };
    }
    throw new Error(`no node answered as primary${unreachable.length > 0 ? ` (${unreachable.join("; ")})` : ""}`);
}

/** The restored copy's tables, read on its host. */
export async function copySummary(copy: RestoredCopy): Promise<DatabaseSummary> {
    return parseSummary(copy.node, await copy.node.host.run(["/bin/bash", scriptOf(copy.node), "summary", copy.dataDir, String(copy.port)], 600_000));
}

/** Where a copy was ended, and the nodes that could not be asked. */
export interface EndedCopies {
    readonly nodes: readonly string[];
    readonly unreachable: readonly string[];
}

/**
 * Stops (`discard`: and removes) the copy in `dataDir` on whichever of the nodes' hosts holds it
 * (the one that was primary when it was restored). Refused in words (RestoreRefused) when
 * `dataDir` is not a copy restore.sh made, the node's own data directory first.
 */
export async function endCopies(nodes: readonly NodeSeat[], dataDir: string, how: "stop" | "discard"): Promise<EndedCopies> {
    const ended: string[] = [];
    const unreachable: string[] = [];
    for (const node of nodes) {
        let result: ShellResult;
        try {
            result = await node.host.run(["/bin/bash", scriptOf(node), how, dataDir], 120_000);
        } catch (error) {
            if (!(error instanceof HostUnreachable)) throw error;
            unreachable.push(error.message);
            continue;
        }
        const refusal = /restore refused, nothing changed: (.*)/.exec(result.stderr);
        if (result.code === 2 && refusal !== null) throw new RestoreRefused(refusal[1]!);
        if (result.code !== 0) throw new Error(`restore.sh ${how} failed on ${node.name} (${node.host.where}, exit ${result.code}):\n${tailOf(result)}`);
        if (result.stdout.split("\n").includes(`${how === "stop" ? "stopped" : "discarded"} ${dataDir}`)) ended.push(node.name);
    }
    return { nodes: ended, unreachable };
}

/** Stops a copy just restored (`discard`: and removes its folders). */
export async function endCopy(copy: Pick<RestoredCopy, "node" | "dataDir">, how: "stop" | "discard"): Promise<void> {
    const { nodes } = await endCopies([copy.node], copy.dataDir, how);
    if (nodes.length === 0) throw new Error(`${copy.node.name} holds no copy in ${copy.dataDir} to ${how}`);
}
