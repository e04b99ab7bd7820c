import { PostgresEndpoint } from "../../../config";
import { PlannedService } from "../../../components/plan";
import { streamingStandbysSql } from "../../../components/render";
import { httpsGet, metricSamples } from "../https";
import { ConnectionParts, withClient } from "../pg";
import { LocalCluster } from "./localCluster";
import { poolNodes, superuserOn } from "./pgpoolControl";

/**
 * Standbys the primary streams to through their own slots, in one query (the same SQL as the
 * cluster scripts' streams_from). The clone's WAL stream uses the slot too, but under another
 * application_name.
 */
export async function streamingReplicas(primary: ConnectionParts, caPem: string): Promise<Set<string>> {
    const rows = await withClient(primary, { caPem, connectTimeoutMs: 1000 }, async (client) => (await client.query<{ application_name: string }>(streamingStandbysSql())).rows);
    return new Set(rows.map((row) => row.application_name));
}

function nodeOf(cluster: LocalCluster, name: string): PostgresEndpoint {
    const node = cluster.topology.nodes.find((candidate) => candidate.name === name);
    if (node === undefined) throw new Error(`${name} is not a PostgreSQL node of the plan`);
    return node;
}

/**
 * One look at a service's readiness as its plan defines it: true when ready, else the reason
 * it is not yet (a thrown error counts as not yet too; the wait keeps the last one).
 */
export async function isReady(cluster: LocalCluster, service: PlannedService): Promise<true | string> {
    const ca = cluster.secrets.pki.caCertPem;
    const readiness = service.readiness;
    switch (readiness.kind) {
        case "accepts-sessions":
            return await withClient(superuserOn(cluster, nodeOf(cluster, service.name)), { caPem: ca, connectTimeoutMs: 1000 }, async (client) => (await client.query("SELECT 1")).rowCount === 1) || "no answer to SELECT 1";
        case "streams-from-primary":
            return (await streamingReplicas(superuserOn(cluster, cluster.topology.nodes[0]!), ca)).has(service.name) || `${service.name} does not stream from the primary yet`;
        case "sees-every-node": {
            const nodes = await poolNodes(cluster);
            const up = nodes.filter((node) => node.status === "up" || node.status === "waiting").length;
            const primaries = nodes.filter((node) => node.role === "primary").length;
            return (up === cluster.topology.nodes.length && primaries === 1) || `${up}/${cluster.topology.nodes.length} nodes up, ${primaries} primary`;
        }
        case "serves-metrics": {
            const response = await httpsGet(`https://127.0.0.1:${service.ports[0]!.port}/metrics`, ca, 2000);
            return (response.status === 200 && metricSamples(response.body, readiness.metric).some((sample) => sample.value === 1)) || `HTTP ${response.status}, no ${readiness.metric} of 1`;
        }
        case "answers-https": {
            const response = await httpsGet(`https://127.0.0.1:${service.ports[0]!.port}${readiness.path}`, ca, 2000);
            return response.status === 200 || `HTTP ${response.status} from ${readiness.path}`;
        }
    }
}
