import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PGPOOL_SERVICE } from "../../../config";
import { serviceLogFile } from "../local/layout";
import { StackOutputs, STACK_OUTPUT_KEYS } from "../../../components/render";
import { parsePostgresUri } from "../pg";
import { progress } from "../wait";
import {
    checkExporter, checkLag, checkPoolNodes, checkReadWriteSplit, checkReadYourWrites, checkReplication, checkTls, probeExporter, session, Verdict,
} from "./checks";
import { checkMonitoring } from "./monitoringCheck";
import { CheckResult, VerifyTarget } from "./types";

export interface VerifyOptions {
    /**
     * New sessions opened through pgpool to measure the read spread. Defaults to 24: with three
     * equally weighted backends all 24 land on one with probability 3 x 3^-24, about 1e-11.
     */
    readonly readSessions?: number;
    /** Sessions that each write then read at once, three times. Defaults to 8. */
    readonly readYourWritesSessions?: number;
    /** pgpool's log, quoted when pgpool refuses a login. Defaults to none. */
    readonly pgpoolLogFile?: string;
    /** Report each check as it finishes. Defaults to progress lines on stderr. */
    readonly onResult?: (result: CheckResult) => void;
}

/** What to pass instead of something that is not a stack's outputs. */
export const OUTPUTS_HINT = "pass the outputs.json that local:up wrote in its state dir, or a stack's outputs saved with pulumi stack output --json --show-secrets > FILE";

function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** What is wrong with a connection string output, or undefined. */
function connectionStringProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return `must be a connection string, got ${kindOf(value)}`;
    try {
        parsePostgresUri(value);
        return undefined;
    } catch (error) {
        return `is ${(error as Error).message}`;
    }
}

/** What is wrong with one output, or undefined; never quotes a value (connection strings hold passwords). */
function outputProblem(key: keyof StackOutputs, value: unknown): string | undefined {
    switch (key) {
        case "pgpoolConnectionString":
        case "primaryConnectionString":
            return connectionStringProblem(value);
        case "replicaConnectionStrings": {
            if (!Array.isArray(value)) return `must be a list of connection strings, got ${kindOf(value)}`;
            const index = value.findIndex((entry) => connectionStringProblem(entry) !== undefined);
            return index < 0 ? undefined : `[${index}] ${connectionStringProblem(value[index])}`;
        }
        case "exporterMetricsUrl":
        case "prometheusUrl":
        case "alertmanagerUrl": {
            if (typeof value !== "string") return `must be an https:// URL, got ${kindOf(value)}`;
            try {
                const url = new URL(value);
                return url.protocol === "https:" && url.hostname !== "" ? undefined : `must be an https:// URL, got ${url.protocol} instead`;
            } catch {
                return "must be an https:// URL";
            }
        }
        case "caCertificate": {
            if (typeof value !== "string") return `must be a PEM certificate, got ${kindOf(value)}`;
            try {
                new X509Certificate(value);
                return undefined;
            } catch {
                return "must be a PEM certificate (-----BEGIN CERTIFICATE-----)";
            }
        }
        case "hostInstances": {
            if (value === undefined) return undefined;
            if (typeof value !== "object" || value === null || Array.isArray(value)) return `must be an object of hosts, got ${kindOf(value)}`;
            const isUrn = (urn: unknown) => typeof urn === "string" && urn.startsWith("urn:pulumi:");
            const bad = Object.entries(value as Record<string, Partial<Record<string, unknown>>>).find(([, host]) =>
                typeof host?.instanceId !== "string" || !isUrn(host.instanceUrn) || !Array.isArray(host.urns) || !host.urns.every(isUrn));
            return bad === undefined ? undefined : `.${bad[0]} must hold instanceId, instanceUrn and urns (Pulumi URNs)`;
        }
        case "hostAccess": {
            if (value === undefined) return undefined;
            const access = value as Partial<Record<string, unknown>>;
            if (typeof access !== "object" || access === null || typeof access.serviceUser !== "string" || !Array.isArray(access.nodes) || typeof access.services !== "object" || access.services === null) {
                return "must hold serviceUser, nodes and services";
            }
            const services = access.services as Record<string, Partial<Record<string, unknown>>>;
            const missing = [...access.nodes, "pgpool"].find((name) => {
                const host = services[String(name)];
                return typeof host?.configDir !== "string" || (typeof host.container !== "string" && typeof host.instanceId !== "string");
            });
            return missing === undefined ? undefined : `.services.${String(missing)} must name its container or instance and its configDir`;
        }
    }
}

/** Checks the outputs have every key, each of the right type, before anything connects. */
export function assertStackOutputs(value: unknown, source: string): StackOutputs {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new Error(`${source} does not hold a JSON object of stack outputs but ${kindOf(value)}: ${OUTPUTS_HINT}`);
    }
    const outputs = value as Partial<Record<string, unknown>>;
    const missing = STACK_OUTPUT_KEYS.filter((key) => outputs[key] === undefined);
    if (missing.length > 0) throw new Error(`${source} lacks ${missing.join(", ")}: is it a pg-ha stack's outputs (with --show-secrets)? ${OUTPUTS_HINT}`);
    if (STACK_OUTPUT_KEYS.some((key) => JSON.stringify(outputs[key]).includes("[secret]"))) throw new Error(`${source} holds [secret] placeholders: read it with --show-secrets`);
    for (const key of [...STACK_OUTPUT_KEYS, "hostInstances", "hostAccess"] as const) {
        const problem = outputProblem(key, outputs[key]);
        if (problem !== undefined) throw new Error(`${source} is not a pg-ha stack's outputs as expected: ${key} ${problem}; ${OUTPUTS_HINT}`);
    }
    return outputs as unknown as StackOutputs;
}

export function targetFrom(outputs: StackOutputs, pgpoolLogFile?: string): VerifyTarget {
    return {
        outputs,
        pgpool: parsePostgresUri(outputs.pgpoolConnectionString),
        primary: parsePostgresUri(outputs.primaryConnectionString),
        replicas: outputs.replicaConnectionStrings.map(parsePostgresUri),
        caPem: outputs.caCertificate,
        pgpoolLogFile,
        unanswered: new Map(),
    };
}

/**
 * After a failover the node that started as primary (primaryConnectionString) is a standby:
 * ask every node and let the one that is not in recovery play the primary in the checks. When
 * that is not exactly one node, the outputs' roles stay and the checks say what is wrong.
 */
export async function resolveRoles(target: VerifyTarget): Promise<VerifyTarget> {
    const nodes = [target.primary, ...target.replicas];
    const inRecovery = await Promise.all(nodes.map((node) => session(target, node, { caPem: target.caPem }, async (client) =>
        (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby).catch(() => undefined)));
    const primaries = nodes.filter((_, index) => inRecovery[index] === false);
    if (primaries.length !== 1) return target;
    return { ...target, primary: primaries[0]!, replicas: nodes.filter((node) => node !== primaries[0]) };
}

/**
 * Opens a session to pgpool and scrapes the exporter once, while resolveRoles asks the nodes: an
 * endpoint that does not answer is then known to every check, which fails at once instead of
 * waiting out the same timeout again.
 */
async function probeServices(target: VerifyTarget): Promise<void> {
    await Promise.all([
        session(target, target.pgpool, { caPem: target.caPem, applicationName: "pg-ha-verify" }, async () => undefined).catch(() => undefined),
        probeExporter(target),
    ]);
}

/** On a local run, pgpool's log sits beside outputs.json. */
export function localPgpoolLog(outputsFile: string): string | undefined {
    const candidate = serviceLogFile(path.dirname(outputsFile), PGPOOL_SERVICE);
    return fs.existsSync(candidate) ? candidate : undefined;
}

/** Runs the eight checks in order; a check that throws is a FAIL with the error as its figure. */
export async function verifyCluster(outputs: StackOutputs, options: VerifyOptions = {}): Promise<CheckResult[]> {
    const given = targetFrom(outputs, options.pgpoolLogFile);
    const [target] = await Promise.all([resolveRoles(given), probeServices(given)]);
    const report = options.onResult ?? ((result: CheckResult) => progress(`${result.passed ? "PASS" : "FAIL"} ${result.id}. ${result.name}`));
    const checks: [string, () => Promise<Verdict>][] = [
        ["TLS verify-full everywhere, plain refused", () => checkTls(target)],
        ["replicas stream on own slots, quorum as set", () => checkReplication(target)],
        ["pgpool: all nodes up, one primary", () => checkPoolNodes(target)],
        ["writes on primary, reads spread", () => checkReadWriteSplit(target, options.readSessions ?? 24)],
        ["read-your-writes through pgpool", () => checkReadYourWrites(target, options.readYourWritesSessions ?? 8)],
        ["replicas replay, lag under limits", () => checkLag(target)],
        ["exporter: pg_up and lag metrics", () => checkExporter(target)],
        ["Prometheus: targets up, no alert firing", () => checkMonitoring(target)],
    ];
    const results: CheckResult[] = [];
    for (const [index, [name, run]] of checks.entries()) {
        const started = Date.now();
        let verdict: Verdict;
        try {
            verdict = await run();
        } catch (error) {
            verdict = { passed: false, figure: error instanceof Error ? error.message : String(error) };
        }
        const result: CheckResult = { id: index + 1, name, ...verdict, durationMs: Date.now() - started };
        results.push(result);
        report(result);
    }
    return results;
}

/** The results as a table, one row per check. */
export function formatTable(results: readonly CheckResult[]): string {
    const nameWidth = Math.max(...results.map((result) => result.name.length));
    const lines = results.map((result) => `${String(result.id).padStart(2)}  ${result.name.padEnd(nameWidth)}  ${result.passed ? "PASS" : "FAIL"}  ${result.figure}`);
    const passed = results.filter((result) => result.passed).length;
    return [`${" #"}  ${"check".padEnd(nameWidth)}  result  figure`, ...lines, "", `verify: ${passed} passed, ${results.length - passed} failed`].join("\n");
}
