import { CONFIG_NAMESPACE, DEFAULTS, LIMITS } from "./defaults";
import { PortSettings } from "./types";
import { checkInteger, orDefault, show } from "./validators";

const key = (field: string): string => `${CONFIG_NAMESPACE}:ports${field === "" ? "" : `.${field}`}`;
const REPLICA_COUNT_KEY = `${CONFIG_NAMESPACE}:replicas`;
const FIELDS = ["pgpool", "pgpoolInternal", "primary", "replicas", "metrics", "pcp", "prometheus", "alertmanager", "poolMetrics", "nodeMetrics"];

function isPort(value: unknown): value is number {
    return checkInteger("", value, LIMITS.port.min, LIMITS.port.max) === undefined;
}

/**
 * The rule for replica ports. `pg-ha:replicas` alone decides how many replicas there are;
 * `pg-ha:ports.replicas` may list ports for the first of them, and every replica beyond the list
 * takes the next port after the previous node's (the primary's for the first) that no other role
 * listens on. A list longer than the count is refused: it would leave ports for replicas that do
 * not exist, which is what `pulumi config set pg-ha:replicas N` used to trip over.
 */
function replicaPorts(problems: string[], primary: unknown, listed: readonly unknown[], count: number, otherRoles: readonly unknown[]): unknown[] {
    const ports: unknown[] = listed.slice(0, count);
    while (ports.length < count) {
        const previous = ports.length === 0 ? primary : ports[ports.length - 1];
        if (!isPort(previous)) break;
        let next = previous + 1;
        while (otherRoles.includes(next) || ports.includes(next)) next += 1;
        if (next > LIMITS.port.max) {
            problems.push(`${key(`replicas[${ports.length}]`)} would be ${next} by the rule (the next free port after the previous node's), above ${LIMITS.port.max}; list the replica ports in ${key("replicas")}`);
            break;
        }
        ports.push(next);
    }
    return ports;
}

/**
 * The ports of every role, validated: integers in range, and no two roles on one port.
 * `replicaCount` is undefined when pg-ha:replicas is itself wrong (the default count is used).
 */
export function parsePorts(problems: string[], raw: unknown, givenReplicaCount: number | undefined): PortSettings {
    const replicaCount = givenReplicaCount ?? DEFAULTS.replicaCount;
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${key("")} must be an object, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (!FIELDS.includes(field)) problems.push(`${key(field)} is not a known setting (known: ${FIELDS.join(", ")})`);
    }
    const pgpool = orDefault(given.pgpool, DEFAULTS.ports.pgpool);
    const pgpoolInternal = orDefault(given.pgpoolInternal, DEFAULTS.ports.pgpoolInternal);
    const primary = orDefault(given.primary, DEFAULTS.ports.primary);
    const metrics = orDefault(given.metrics, DEFAULTS.ports.metrics);
    const pcp = orDefault(given.pcp, DEFAULTS.ports.pcp);
    const prometheus = orDefault(given.prometheus, DEFAULTS.ports.prometheus);
    const alertmanager = orDefault(given.alertmanager, DEFAULTS.ports.alertmanager);
    const poolMetrics = orDefault(given.poolMetrics, DEFAULTS.ports.poolMetrics);
    const nodeMetrics = orDefault(given.nodeMetrics, DEFAULTS.ports.nodeMetrics);
    // node_exporter on node N listens on nodeMetrics + N: distinct where every node shares one address (the local run, Docker's published ports).
    const nodeMetricsPorts = isPort(nodeMetrics) ? Array.from({ length: 1 + replicaCount }, (_, index) => nodeMetrics + index) : [nodeMetrics];
    let listed: unknown[] = [];
    if (given.replicas !== undefined) {
        if (!Array.isArray(given.replicas)) {
            problems.push(`${key("replicas")} must be a list of ports (one per replica at most), got ${show(given.replicas)}`);
        } else {
            listed = given.replicas;
            if (givenReplicaCount !== undefined && listed.length > givenReplicaCount) {
                problems.push(`${key("replicas")} lists ${listed.length} ports but ${REPLICA_COUNT_KEY} is ${replicaCount}: list at most one port per replica (replicas beyond the list take the next free port after the previous node's), got ${show(listed)}`);
            }
        }
    }
    const replicas = replicaPorts(problems, primary, listed, replicaCount, [pgpool, pgpoolInternal, primary, metrics, pcp, prometheus, alertmanager, poolMetrics, ...nodeMetricsPorts]);
    const named: [string, unknown][] = [
        ["pgpool", pgpool], ["pgpoolInternal", pgpoolInternal], ["primary", primary], ["metrics", metrics], ["pcp", pcp],
        ["prometheus", prometheus], ["alertmanager", alertmanager], ["poolMetrics", poolMetrics],
        ...nodeMetricsPorts.map((port, i): [string, unknown] => [i === 0 ? "nodeMetrics" : `nodeMetrics+${i}`, port]),
        ...replicas.map((port, i): [string, unknown] => [`replicas[${i}]`, port]),
    ];
    const seen = new Map<unknown, string>();
    for (const [role, port] of named) {
        const problem = checkInteger(key(role), port, LIMITS.port.min, LIMITS.port.max);
        if (problem !== undefined) problems.push(problem);
        const clash = seen.get(port);
        if (clash !== undefined) problems.push(`${key(role)} clashes with ${key(clash)}: both are ${show(port)}`);
        seen.set(port, role);
    }
    return { pgpool, pgpoolInternal, primary, replicas, metrics, pcp, prometheus, alertmanager, poolMetrics, nodeMetrics } as PortSettings;
}
