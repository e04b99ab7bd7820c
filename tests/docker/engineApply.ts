import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import { pack } from "tar-stream";
import { mockState, RecordedResource, runProgram } from "../stacks/stackHarness";
import { apiVersion, containerLogs, engine, TEST_LABEL } from "./engine";
import { realTlsState } from "./realTls";

/** What one apply is asked to do: the stack, `pulumi config set` overrides, where its state is kept. */
export interface ApplyRequest {
    readonly stack: string;
    readonly config: Record<string, unknown>;
    /** The apply's state between runs, as Pulumi keeps it: generated secrets, ids, input digests. Mode 0600. */
    readonly stateFile: string;
    /** Put on every object created on the engine, for cleanup. */
    readonly label: string;
}

/** A resource of the apply's state. */
interface StateEntry {
    readonly type: string;
    readonly id: string;
    readonly digest: string;
    readonly state: Record<string, any>;
}

export interface ApplyResult {
    /** The program's exports, secrets unwrapped. */
    readonly outputs: Record<string, any>;
    /** Every container by name: its id and the digest of its inputs. */
    readonly containers: Record<string, { id: string; digest: string; inputs: Record<string, any> }>;
    /** What the apply did, one line an action. */
    readonly actions: string[];
}

type Inputs = Record<string, any>;

function digestOf(value: unknown): string {
    return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** "5s", "300s", "1m30s" as nanoseconds, as the provider sends them. */
export function durationNs(text: string | undefined): number | undefined {
    if (text === undefined) return undefined;
    let total = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[unit as "ms" | "s" | "m" | "h"];
    return total;
}

/** The API version from which the Docker client of @pulumi/docker 4.11 sends a health check's start interval. */
export const START_INTERVAL_API = 1.44;

/** Every file of a folder, relative to it, for a build context. */
function filesOf(dir: string, prefix = ""): string[] {
    return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
        const relative = path.posix.join(prefix, entry.name);
        return entry.isDirectory() ? filesOf(dir, relative) : [relative];
    });
}

/**
 * Creates what the program registers on a real Docker engine, through its API, as the docker
 * provider would on `pulumi up`: networks, volumes, images built from their contexts, containers
 * with their uploads, ports, mounts, limits, health checks and restart policy, started and, with
 * `wait`, waited for until healthy. A resource whose inputs did not change since the last apply is
 * kept; one that changed is replaced (containers delete-first); one no longer registered is
 * deleted. Secrets (random, tls) are made once and kept in the state, as Pulumi keeps them.
 */
export class EngineApply {
    private readonly docker: Docker = engine();
    private readonly previous: Record<string, StateEntry>;
    private readonly next: Record<string, StateEntry> = {};
    private readonly actions: string[] = [];
    private readonly containers: ApplyResult["containers"] = {};
    private api = 0;

    constructor(private readonly request: ApplyRequest) {
        this.previous = fs.existsSync(request.stateFile) ? JSON.parse(fs.readFileSync(request.stateFile, "utf8")) as Record<string, StateEntry> : {};
    }

    public async run(): Promise<ApplyResult> {
        this.api = await apiVersion(this.docker);
        const resources: RecordedResource[] = [];
        try {
            const run = await runProgram(this.request.stack, this.request.config, resources, (type, name, inputs, config) => this.answer(type, name, inputs, config));
            await this.deleteUnregistered();
            const outputs: Record<string, any> = {};
            for (const [key, output] of Object.entries(run.program)) {
                if (output !== undefined) outputs[key] = await new Promise((resolve) => output.apply(resolve));
            }
            return { outputs, containers: this.containers, actions: this.actions };
        } finally {
            fs.writeFileSync(this.request.stateFile, JSON.stringify({ ...this.previous, ...this.next }, null, 1), { mode: 0o600 });
        }
    }

    private async answer(type: string, name: string, inputs: Inputs, config: Readonly<Record<string, string>>): Promise<{ id: string; state: Inputs }> {
        const key = `${type}::${name}`;
        const digest = digestOf(inputs);
        const kept = this.previous[key];
        const record = (id: string, state: Inputs) => {
            this.next[key] = { type, id, digest, state };
            return { id, state };
        };
        if (type.startsWith("random:") || type.startsWith("tls:")) {
            // Generated once: the same secrets on every apply, as Pulumi state keeps them.
            if (kept !== undefined && kept.digest === digest) return record(kept.id, kept.state);
            const state = realTlsState(type, inputs) ?? mockState(type, name, inputs, config["aws:region"]);
            return record(`${name}-${randomBytes(4).toString("hex")}`, state);
        }
        switch (type) {
            case "docker:index/network:Network":
                return record(...await this.network(inputs, kept, digest));
            case "docker:index/volume:Volume":
                return record(...await this.volume(inputs));
            case "docker:index/remoteImage:RemoteImage":
                return record(...await this.image(inputs));
            case "docker:index/container:Container":
                return record(...await this.container(inputs, kept, digest));
            default:
                return record(`${name}-id`, { ...inputs });
        }
    }

    private labels(): Record<string, string> {
        return { [TEST_LABEL]: this.request.label };
    }

    private async exists(get: () => Promise<unknown>): Promise<boolean> {
        return get().then(() => true, (error: { statusCode?: number }) => {
            if (error.statusCode === 404) return false;
            throw error;
        });
    }

    private async network(inputs: Inputs, kept: StateEntry | undefined, digest: string): Promise<[string, Inputs]> {
        const network = this.docker.getNetwork(inputs.name);
        if (await this.exists(() => network.inspect())) {
            if (kept?.digest === digest) return [kept.id, kept.state];
            await network.remove();
            this.actions.push(`replaced network ${inputs.name}`);
        }
        const created = await this.docker.createNetwork({
            Name: inputs.name, Driver: inputs.driver ?? "bridge", CheckDuplicate: true, Labels: this.labels(),
            IPAM: { Driver: "default", Config: (inputs.ipamConfigs ?? []).map((ipam: { subnet: string }) => ({ Subnet: ipam.subnet })) },
        });
        this.actions.push(`created network ${inputs.name}`);
        return [created.id, { ...inputs }];
    }

    private async volume(inputs: Inputs): Promise<[string, Inputs]> {
        const volume = this.docker.getVolume(inputs.name);
        if (!(await this.exists(() => volume.inspect()))) {
            await this.docker.createVolume({ Name: inputs.name, Labels: this.labels() });
            this.actions.push(`created volume ${inputs.name}`);
        }
        return [inputs.name, { ...inputs }];
    }

    private async image(inputs: Inputs): Promise<[string, Inputs]> {
        const image = this.docker.getImage(inputs.name);
        if (!(await this.exists(() => image.inspect()))) {
            const context = inputs.build.context as string;
            const started = Date.now();
            const stream = await this.docker.buildImage({ context, src: filesOf(context) }, {
                t: inputs.name, dockerfile: path.relative(context, inputs.build.dockerfile), target: inputs.build.target, buildargs: inputs.build.buildArgs ?? {}, rm: true, forcerm: true,
            });
            const log: string[] = [];
            await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (error: Error | null, messages: { error?: string; stream?: string }[]) => {
                const failure = error?.message ?? messages.find((message) => message.error !== undefined)?.error;
                if (failure !== undefined) reject(new Error(`building ${inputs.name} failed: ${failure.trim()}\n${log.slice(-15).join("")}`));
                else resolve();
            }, (message: { stream?: string }) => { if (message.stream) log.push(message.stream); }));
            this.actions.push(`built image ${inputs.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        const info = await image.inspect();
        return [info.Id, { ...inputs, imageId: info.Id, repoDigest: `${inputs.name}@${info.Id}` }];
    }

    private async container(inputs: Inputs, kept: StateEntry | undefined, digest: string): Promise<[string, Inputs]> {
        const name = inputs.name as string;
        const existing = this.docker.getContainer(name);
        const found = await existing.inspect().catch((error: { statusCode?: number }) => {
            if (error.statusCode === 404) return undefined;
            throw error;
        });
        if (found !== undefined && kept?.digest === digest && found.Id === kept.id) {
            this.containers[name] = { id: found.Id, digest, inputs };
            return [found.Id, kept.state];
        }
        if (found !== undefined) {
            // deleteBeforeReplace: fixed names and host ports.
            await existing.stop({ t: inputs.stopTimeout ?? 10 }).catch(() => undefined);
            await existing.remove({ force: true });
            this.actions.push(`removed container ${name} to replace it`);
        }
        const healthcheck = inputs.healthcheck as Inputs | undefined;
        if (healthcheck?.startInterval !== undefined && this.api < START_INTERVAL_API) {
            throw new Error(`docker:index/container:Container ${name}: "specify health-check start interval" requires API version ${START_INTERVAL_API}, but the Docker daemon API version is ${this.api}`);
        }
        const ports = (inputs.ports ?? []) as { internal: number; external: number; ip: string; protocol: string }[];
        const created = await this.docker.createContainer({
            name,
            Hostname: inputs.hostname,
            Image: inputs.image,
            Entrypoint: inputs.entrypoints,
            Cmd: inputs.command ?? [],
            Env: inputs.envs ?? [],
            Labels: this.labels(),
            StopSignal: inputs.stopSignal,
            StopTimeout: inputs.stopTimeout,
            ExposedPorts: Object.fromEntries(ports.map((port) => [`${port.internal}/${port.protocol}`, {}])),
            Healthcheck: healthcheck === undefined ? undefined : {
                Test: healthcheck.tests, Interval: durationNs(healthcheck.interval), Timeout: durationNs(healthcheck.timeout),
                Retries: healthcheck.retries, StartPeriod: durationNs(healthcheck.startPeriod),
            },
            HostConfig: {
                PortBindings: Object.fromEntries(ports.map((port) => [`${port.internal}/${port.protocol}`, [{ HostIp: port.ip, HostPort: String(port.external) }]])),
                Mounts: ((inputs.volumes ?? []) as { volumeName: string; containerPath: string }[]).map((volume) => ({ Type: "volume" as const, Source: volume.volumeName, Target: volume.containerPath })),
                NanoCpus: Math.round(Number(inputs.cpus) * 1e9),
                Memory: inputs.memory * 1024 * 1024,
                MemorySwap: inputs.memorySwap * 1024 * 1024,
                ShmSize: inputs.shmSize === undefined ? undefined : inputs.shmSize * 1024 * 1024,
                RestartPolicy: { Name: inputs.restart },
                Init: inputs.init,
                LogConfig: { Type: "json-file", Config: inputs.logOpts ?? {} },
            },
            NetworkingConfig: { EndpointsConfig: Object.fromEntries(((inputs.networksAdvanced ?? []) as { name: string; aliases: string[] }[]).map((network) => [network.name, { Aliases: network.aliases }])) },
        });
        await created.putArchive(await uploadsArchive(inputs.uploads ?? []), { path: "/" });
        await created.start();
        this.actions.push(`created container ${name}`);
        if (inputs.wait === true) await this.waitHealthy(name, (inputs.waitTimeout ?? 60) * 1000);
        this.containers[name] = { id: created.id, digest, inputs };
        return [created.id, { ...inputs }];
    }

    private async waitHealthy(name: string, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const state = (await this.docker.getContainer(name).inspect()).State;
            if (state.Health?.Status === "healthy") return;
            if (Date.now() > deadline || state.Health?.Status === "unhealthy") {
                throw new Error(`container ${name} is ${state.Health?.Status ?? state.Status} after ${timeoutMs / 1000} s; its last lines:\n${await containerLogs(this.docker, name)}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    }

    /** What the last apply made and this one did not register, deleted as `pulumi up` would: containers first. */
    private async deleteUnregistered(): Promise<void> {
        const gone = Object.entries(this.previous).filter(([key]) => this.next[key] === undefined);
        const order = ["docker:index/container:Container", "docker:index/volume:Volume", "docker:index/network:Network"];
        for (const type of order) {
            for (const [key, entry] of gone.filter(([, candidate]) => candidate.type === type)) {
                const name = entry.state.name as string;
                const remove = type === order[0] ? this.docker.getContainer(name).remove({ force: true }) : type === order[1] ? this.docker.getVolume(name).remove() : this.docker.getNetwork(name).remove();
                await remove.catch((error: { statusCode?: number }) => { if (error.statusCode !== 404) throw error; });
                this.actions.push(`deleted ${key}`);
                delete this.previous[key];
            }
        }
    }
}

/** The uploads as one tar archive, each file with its mode, owned by root. */
async function uploadsArchive(uploads: readonly { file: string; content: string; permissions?: string }[]): Promise<Buffer> {
    const archive = pack();
    const chunks: Buffer[] = [];
    archive.on("data", (chunk) => chunks.push(chunk as Buffer));
    const done = new Promise<void>((resolve, reject) => { archive.on("end", resolve); archive.on("error", reject); });
    for (const upload of uploads) {
        archive.entry({ name: upload.file.replace(/^\//, ""), mode: Number.parseInt(upload.permissions ?? "0644", 8), uid: 0, gid: 0 }, upload.content);
    }
    archive.finalize();
    await done;
    return Buffer.concat(chunks);
}
