import * as fs from "fs";
import * as path from "path";
import { StackOutputs, STACK_OUTPUT_KEYS } from "../../../components/render";
import { parsePostgresUri, withClient } from "../pg";
import { progress } from "../wait";
import {
    checkExporter, checkLag, checkPoolNodes, checkReadWriteSplit, checkReadYourWrites, checkReplication, checkTls, Verdict,
} from "./checks";
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

/** Checks the outputs have every key, before anything connects. */
export function assertStackOutputs(value: unknown, source: string): StackOutputs {
    const outputs = value as Partial<Record<string, unknown>>;
    const missing = STACK_OUTPUT_KEYS.filter((key) => outputs?.[key] === undefined);
    if (missing.length > 0) throw new Error(`${source} lacks ${missing.join(", ")}: is it a pg-ha stack's outputs (with --show-secrets)?`);
    if (String(outputs.pgpoolConnectionString).includes("[secret]")) throw new Error(`${source} holds [secret] placeholders: read it with --show-secrets`);
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
    };
}

/**
 * After a failover the node that started as primary (primaryConnectionString) is a standby:
 * ask every node and let the one that is not in recovery play the primary in the checks. When
 * that is not exactly one node, the outputs' roles stay and the checks say what is wrong.
 */
export async function resolveRoles(target: VerifyTarget): Promise<VerifyTarget> {
    const nodes = [target.primary, ...target.replicas];
    const inRecovery = await Promise.all(nodes.map((node) => withClient(node, { caPem: target.caPem, connectTimeoutMs: 3000 }, async (client) =>
        (await client.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]!.standby).catch(() => undefined)));
    const primaries = nodes.filter((_, index) => inRecovery[index] === false);
    if (primaries.length !== 1) return target;
    return { ...target, primary: primaries[0]!, replicas: nodes.filter((node) => node !== primaries[0]) };
}

/** On a local run, pgpool's log sits beside outputs.json. */
export function localPgpoolLog(outputsFile: string): string | undefined {
    const candidate = path.join(path.dirname(outputsFile), "pgpool", "pgpool.log");
    return fs.existsSync(candidate) ? candidate : undefined;
}

/** Runs the seven checks in order; a check that throws is a FAIL with the error as its figure. */
export async function verifyCluster(outputs: StackOutputs, options: VerifyOptions = {}): Promise<CheckResult[]> {
    const target = await resolveRoles(targetFrom(outputs, options.pgpoolLogFile));
    const report = options.onResult ?? ((result: CheckResult) => progress(`${result.passed ? "PASS" : "FAIL"} ${result.id}. ${result.name}`));
    const checks: [string, () => Promise<Verdict>][] = [
        ["TLS verify-full everywhere, plain refused", () => checkTls(target)],
        ["every replica streams on its own slot", () => checkReplication(target)],
        ["pgpool: all nodes up, one primary", () => checkPoolNodes(target)],
        ["writes on primary, reads spread", () => checkReadWriteSplit(target, options.readSessions ?? 24)],
        ["read-your-writes through pgpool", () => checkReadYourWrites(target, options.readYourWritesSessions ?? 8)],
        ["replication lag under limits", () => checkLag(target)],
        ["exporter: pg_up and lag metrics", () => checkExporter(target)],
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
