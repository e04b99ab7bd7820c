import * as fs from "fs";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../../config";
import { PROMOTE_CANDIDATE_FILE, STATUS_SCHEMA } from "../../../components/render";
import { withClient } from "../pg";
import { progress, waitUntil } from "../wait";
import { openLocalCluster } from "./cluster";
import { currentPrimary, poolNodes, runPcp, superuserOn } from "./pgpoolControl";
import { isSameProcess, stopProcess } from "./processes";
import { localRejoin } from "./rejoin";
import { runAsServiceUser } from "./serviceUser";
import { readState, servicesNotRunning } from "./state";

export interface SwitchoverOptions {
    /** Refuse when the target's replay is further behind than this. Defaults to 16 MB. */
    readonly maxLagBytes?: number;
    /** Deadline for each wait. Defaults to 60 s. */
    readonly timeoutMs?: number;
}

export interface SwitchoverResult {
    readonly from: string;
    readonly to: string;
    /** Old primary stopped to new primary taking writes through pgpool. */
    readonly writeOutageMs: number;
    readonly durationMs: number;
}

/** Thrown when a switchover is refused before anything changed. */
export class SwitchoverRefused extends Error {}

/**
 * Planned switchover on a local run, with no data loss: after the checks (the target exists, is
 * a standby that streams through its slot and is not lagging) it names the target to failover.sh,
 * shuts the primary down cleanly (which sends it all WAL), waits until the target has received the
 * primary's shutdown checkpoint, lets pgpool fail over to it, and rejoins the old primary.
 */
export async function localSwitchover(stateDir: string, targetName: string, options: SwitchoverOptions = {}): Promise<SwitchoverResult> {
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 60_000;
    const maxLagBytes = options.maxLagBytes ?? 16 * 1024 * 1024;
    // A cluster that is down is refused from its state alone, before anything else is looked up.
    const recorded = readState(path.resolve(stateDir));
    const down = recorded === undefined ? undefined : servicesNotRunning(path.resolve(stateDir), recorded, { all: [PGPOOL_SERVICE] });
    if (down !== undefined) throw new SwitchoverRefused(down);
    const cluster = openLocalCluster(stateDir);
    const ca = cluster.secrets.pki.caCertPem;
    const target = cluster.topology.nodes.find((node) => node.name === targetName);
    if (target === undefined) throw new SwitchoverRefused(`no node ${targetName} in this cluster (nodes: ${cluster.topology.nodes.map((node) => node.name).join(", ")})`);
    const notRunning = servicesNotRunning(cluster.stateDir, cluster.state, { all: [PGPOOL_SERVICE, target.name] });
    if (notRunning !== undefined) throw new SwitchoverRefused(notRunning);
    const primary = await currentPrimary(cluster);
    if (primary.name === target.name) throw new SwitchoverRefused(`${target.name} is already the primary`);
    const targetState = (await poolNodes(cluster)).find((entry) => entry.nodeId === target.index);
    if (targetState === undefined || targetState.status === "down") throw new SwitchoverRefused(`${target.name} is down in pgpool; rejoin it before switching over to it`);
    const replication = await withClient(superuserOn(cluster, primary), { caPem: ca, database: cluster.config.databaseName }, async (client) =>
        (await client.query<{ application_name: string; state: string; slot_active: boolean | null; lag_bytes: string | null }>(`SELECT * FROM ${STATUS_SCHEMA}.replication()`)).rows);
    const row = replication.find((candidate) => candidate.application_name === target.name);
    if (row === undefined || row.state !== "streaming" || row.slot_active !== true) throw new SwitchoverRefused(`${target.name} is not streaming from ${primary.name} through its slot (state: ${row?.state ?? "not connected"})`);
    const lag = Number(row.lag_bytes ?? Number.POSITIVE_INFINITY);
    if (lag > maxLagBytes) throw new SwitchoverRefused(`${target.name} is ${lag} bytes behind ${primary.name} (more than ${maxLagBytes}); wait for it to catch up`);
    const record = cluster.state.services.find((service) => service.name === primary.name);
    if (record === undefined || !isSameProcess(record.pid, record.startTime)) throw new SwitchoverRefused(`${primary.name} is not a process this state dir started`);

    const pgpoolRun = cluster.context.layout.pgpool().runDir;
    const candidateFile = path.join(pgpoolRun, PROMOTE_CANDIDATE_FILE);
    fs.writeFileSync(candidateFile, String(target.index), { mode: 0o600 });
    if (cluster.owner) fs.chownSync(candidateFile, cluster.owner.uid, cluster.owner.gid);

    progress(`checks passed; shutting ${primary.name} down cleanly so ${target.name} receives all of its WAL`);
    const stoppedAt = Date.now();
    await stopProcess(record.pid, "SIGINT", timeoutMs);
    const paths = cluster.context.layout.postgres(primary.name);
    const control = (await runAsServiceUser(cluster.serviceUser, cluster.owner !== undefined, [`${paths.binDir}/pg_controldata`, paths.dataDir])).stdout;
    const shutdownLsn = /Latest checkpoint location:\s+(\S+)/.exec(control)?.[1];
    if (shutdownLsn === undefined || !/Database cluster state:\s+shut down$/m.test(control)) throw new Error(`${primary.name} did not shut down cleanly:\n${control}`);
    await waitUntil(`${target.name} to receive ${primary.name}'s shutdown checkpoint ${shutdownLsn}`, () => withClient(superuserOn(cluster, target), { caPem: ca }, async (client) =>
        (await client.query<{ caught_up: boolean }>("SELECT pg_last_wal_receive_lsn() > $1::pg_lsn AS caught_up", [shutdownLsn])).rows[0]!.caught_up), { timeoutMs });

    const detach = runPcp(cluster, "pcp_detach_node", primary);
    // pgpool's health check may have detached the stopped primary first; then it has already failed over.
    if (!detach.ok && !/is not|down/i.test(detach.output)) progress(`pcp_detach_node ${primary.name}: ${detach.output}`);
    await waitUntil(`pgpool to route writes to ${target.name}`, async () => (await currentPrimary(cluster).catch(() => undefined))?.name === target.name, { timeoutMs });
    const writeOutageMs = Date.now() - stoppedAt;
    fs.rmSync(candidateFile, { force: true });
    progress(`${target.name} is the primary; rejoining ${primary.name} as its standby`);
    await localRejoin(stateDir, primary.name, timeoutMs);
    return { from: primary.name, to: target.name, writeOutageMs, durationMs: Date.now() - started };
}
