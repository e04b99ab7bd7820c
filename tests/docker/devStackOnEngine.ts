import * as assert from "assert";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { loadStackFile } from "../../config/stackFile";
import { dockerContainerName } from "../../components/platforms/docker/layout";
import { StackOutputs } from "../../components/render";
import { dockerPreflight } from "../../scripts/lib/docker/preflight";
import { engine, removeLabelled, TEST_LABEL } from "./engine";
import { ApplyResult } from "./engineApply";

/** The dev stack applied on the Docker engine for one suite: its first apply, more applies, and the engine. */
export interface DevStackOnEngine {
    readonly docker: Docker;
    /** Where the suite keeps its files (a 0700 temporary folder). */
    work(): string;
    /** The first apply, from nothing. */
    first(): ApplyResult & { ms: number };
    outputs(): StackOutputs;
    /** One more `pulumi up`, with config overrides, in a process of its own (the program runs once per process). */
    apply(config?: Record<string, unknown>): Promise<ApplyResult & { ms: number }>;
}

/** The container of a service of the dev stack. */
export function container(service: string): string {
    return dockerContainerName("dev", service);
}

/**
 * Registers the suite's before and after hooks: the preflight and a first apply from nothing; at
 * the end every object of the suite removed from the engine, and nothing of it left.
 */
export function devStackOnEngine(): DevStackOnEngine {
    const docker = engine();
    const label = `run-${process.pid}-${randomBytes(3).toString("hex")}`;
    let work: string;
    let first: ApplyResult & { ms: number };
    const apply = (config: Record<string, unknown> = {}): Promise<ApplyResult & { ms: number }> => new Promise((resolve, reject) => {
        const request = path.join(work, "request.json");
        const result = path.join(work, "result.json");
        fs.writeFileSync(request, JSON.stringify({ stack: "dev", config, stateFile: path.join(work, "state.json"), label }));
        const started = Date.now();
        const child = spawn(process.execPath, [path.join(__dirname, "applyProcess.js"), request, result], { stdio: ["ignore", "inherit", "inherit"] });
        child.on("close", (code) => {
            if (!fs.existsSync(result)) {
                reject(new Error(`apply exited ${code} without a result`));
                return;
            }
            const answer = JSON.parse(fs.readFileSync(result, "utf8")) as { ok: boolean; error?: string } & ApplyResult;
            if (code !== 0 || !answer.ok) reject(new Error(`apply failed: ${answer.error ?? `exit ${code}`}`));
            else resolve({ ...answer, ms: Date.now() - started });
        });
    });

    before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-docker-"));
        await dockerPreflight(loadStackFile("dev"), "dev", docker);
        first = await apply();
        process.stderr.write(`apply from nothing: ${(first.ms / 1000).toFixed(1)} s\n  ${first.actions.join("\n  ")}\n`);
    });

    after(async () => {
        const removed = await removeLabelled(docker, label);
        process.stderr.write(`removed ${removed.length} objects of this run: ${removed.join(", ")}\n`);
        const left = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${label}`] } });
        if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
        assert.deepStrictEqual(left, [], "nothing of this run is left on the engine");
    });

    return { docker, work: () => work, first: () => first, outputs: () => first.outputs as unknown as StackOutputs, apply };
}
