import { createHash, randomBytes } from "crypto";
import { execFileSync } from "child_process";
import dns = require("dns");
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ebsDevicePath } from "../../components/render";
import { generateLocalPki } from "../../scripts/lib/local/pki";
import { progress, waitUntil } from "../../scripts/lib/wait";
import { engine, removeLabelled, TEST_LABEL } from "../docker/engine";
import { EmulatorConfig, RequestLogEntry } from "./awsEmulator";
import { docker, dockerExec } from "./dockerCli";
import { HARNESS_SUBNET, ProdHost, ProdHosts, shortName, subnetAddress } from "./prodHosts";

/** The emulated AWS endpoints (IMDS at 169.254.169.254, SSM and S3 over HTTPS, a control port). */
const EMULATOR_ADDRESS = subnetAddress(254);
const EMULATOR_CONTROL = `http://${EMULATOR_ADDRESS}:8080`;
const IMAGE_CONTEXT = path.resolve(__dirname, "../../../tests/boot/ec2-host");
const REPO = path.resolve(__dirname, "../../..");
/** Each host's apt downloads, kept between runs (like the base image): a boot still runs apt. */
const APT_CACHE = "/var/cache/pg-ha-boot-harness";
/** A data volume's size: sparse, so it costs what PostgreSQL writes. */
const VOLUME_SIZE = "4G";

/** How a host boots: with its data volume or none, from its own user data. */
export interface HostOptions {
    /** Attach the data volume (nodes). Defaults to true. */
    readonly volume?: boolean;
}

/**
 * A host's link-local address: 169.254.169.254 (the emulator) is on-link through it, and the
 * metadata service sees its callers by it, as EC2's knows its instances.
 */
export function linkLocalAddress(host: ProdHost): string {
    return `169.254.10.${host.ip.split(".")[3]}`;
}

/** The systemd flags that boot systemd in a container on this engine (see the prod-hosts issue). */
const SYSTEMD_FLAGS = ["--cgroupns=private", "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--tmpfs", "/run", "--tmpfs", "/run/lock"];

/** The harness image: its tag follows the content of tests/boot/ec2-host. */
export async function ensureHostImage(baseImage = "debian:bookworm-slim"): Promise<string> {
    const hash = createHash("sha256");
    for (const file of fs.readdirSync(IMAGE_CONTEXT).sort()) hash.update(file).update(fs.readFileSync(path.join(IMAGE_CONTEXT, file)));
    const tag = `pg-ha/ec2-host:${hash.digest("hex").slice(0, 12)}`;
    const present = await docker(["image", "inspect", tag]).then(() => true, () => false);
    if (!present) {
        progress(`building ${tag} (systemd, cloud-init, awscli from Debian's mirror)`);
        await docker(["build", "-q", "--build-arg", `BASE_IMAGE=${baseImage}`, "-t", tag, IMAGE_CONTEXT], { timeoutMs: 900_000 });
    }
    return tag;
}

/**
 * The prod program's hosts booted for real from their user data: one systemd container per EC2
 * instance with cloud-init's NoCloud seed holding the instance's user data byte for byte, a loop
 * device at each node's EBS path, the private zone's names as network aliases, and the AWS
 * endpoints (instance metadata, SSM Parameter Store, S3) answered by awsEmulator.ts. Everything
 * carries the test label; close() removes it all.
 */
export class BootHarness {
    public readonly label = `boot-${process.pid}-${randomBytes(3).toString("hex")}`;
    private readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-boot-"));
    private readonly network = `pg-ha-boot-${this.label}`;
    private readonly loops = new Map<string, string>();
    private readonly restoreLookup: () => void;

    constructor(public readonly prod: ProdHosts, private readonly image: string) {
        this.restoreLookup = resolvePrivateZone(prod.records);
    }

    public containerOf(host: ProdHost): string {
        return `pg-ha-boot-${shortName(host)}`;
    }

    public host(short: string): ProdHost {
        const host = this.prod.hosts.find((candidate) => candidate.name.startsWith(`${short}.`));
        if (host === undefined) throw new Error(`no host ${short}`);
        return host;
    }

    /** The network and the emulator, answering before any host boots (after removing what a killed run left). */
    public async start(): Promise<void> {
        await removeLeftovers();
        const state = path.join(this.work, "aws");
        fs.mkdirSync(path.join(state, "s3"), { recursive: true });
        const { region } = this.prod;
        const pki = await generateLocalPki(path.join(state, "tls"), [{ name: "emulator", dnsNames: [`ssm.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`, `*.s3.${region}.amazonaws.com`], ipAddresses: [] }]);
        fs.mkdirSync(path.join(this.work, "ca"));
        fs.writeFileSync(path.join(this.work, "ca", "ca.crt"), pki.caCertPem);
        const emulator: EmulatorConfig = {
            region,
            accountId: this.prod.accountId,
            certFile: "/state/tls/emulator.crt",
            keyFile: "/state/tls/emulator.key",
            s3Directory: "/state/s3",
            buckets: [this.prod.backupBucket],
            hosts: this.prod.hosts.map((host) => ({ ip: linkLocalAddress(host), role: host.role, parameterPrefix: host.parameterPrefix })),
            parameters: this.prod.parameters,
        };
        fs.writeFileSync(path.join(state, "emulator.json"), JSON.stringify(emulator), { mode: 0o600 });
        await docker(["network", "create", "--subnet", HARNESS_SUBNET, "--label", `${TEST_LABEL}=${this.label}`, this.network]);
        await docker([
            "run", "-d", "--name", "pg-ha-boot-aws", "--label", `${TEST_LABEL}=${this.label}`, "--network", this.network, "--ip", EMULATOR_ADDRESS, "--link-local-ip", "169.254.169.254",
            "-v", `${process.execPath}:/usr/local/bin/node:ro`, "-v", `${REPO}:/srv/pg-ha:ro`, "-v", `${state}:/state`,
            this.image, "/usr/local/bin/node", "/srv/pg-ha/build/tests/boot/awsEmulator.js", "/state",
        ]);
        await waitUntil("the AWS emulator", async () => (await fetch(`${EMULATOR_CONTROL}/health`).then((response) => response.ok, () => false)), { timeoutMs: 30_000, intervalMs: 250 });
    }

    /** Creates a host's container from its user data (not started). */
    public async create(host: ProdHost, options: HostOptions = {}): Promise<void> {
        const short = shortName(host);
        const seed = path.join(this.work, short, "seed");
        fs.mkdirSync(seed, { recursive: true });
        // NoCloud reads user data as bytes and un-gzips it itself, as EC2's datasource does.
        fs.writeFileSync(path.join(seed, "user-data"), Buffer.from(host.userDataBase64, "base64"));
        fs.writeFileSync(path.join(seed, "meta-data"), `instance-id: i-${createHash("sha256").update(this.label + short).digest("hex").slice(0, 17)}\nlocal-hostname: ${short}\n`);
        const aptCache = path.join(APT_CACHE, short, "archives");
        fs.mkdirSync(path.join(aptCache, "partial"), { recursive: true });
        const aliases = Object.entries(this.prod.records).filter(([, ip]) => ip === host.ip).flatMap(([name]) => ["--network-alias", name]);
        const endpoints = [`ssm.${this.prod.region}.amazonaws.com`, `s3.${this.prod.region}.amazonaws.com`, `${this.prod.backupBucket}.s3.${this.prod.region}.amazonaws.com`];
        const device = host.volumeId !== undefined && options.volume !== false ? ["--device", `${await this.loopFor(short)}:${ebsDevicePath(host.volumeId)}`] : [];
        await docker([
            "create", "--name", this.containerOf(host), "--hostname", short, "--label", `${TEST_LABEL}=${this.label}`,
            "--network", this.network, "--ip", host.ip, "--link-local-ip", linkLocalAddress(host), ...aliases,
            ...endpoints.flatMap((name) => ["--add-host", `${name}:${EMULATOR_ADDRESS}`]),
            ...SYSTEMD_FLAGS, ...device,
            "-v", `${seed}:/var/lib/cloud/seed/nocloud:ro`, "-v", `${path.join(this.work, "ca")}:/etc/pg-ha-harness:ro`, "-v", `${aptCache}:/var/cache/apt/archives`,
            this.image,
        ]);
    }

    public async startHost(host: ProdHost): Promise<void> {
        await docker(["start", this.containerOf(host)]);
    }

    /** The loop device standing in for a node's EBS volume (made on first use, kept for the run). */
    private async loopFor(short: string): Promise<string> {
        const known = this.loops.get(short);
        if (known !== undefined) return known;
        const file = path.join(this.work, short, "volume.img");
        execFileSync("truncate", ["-s", VOLUME_SIZE, file]);
        const loop = execFileSync("losetup", ["-f", "--show", file], { encoding: "utf8" }).trim();
        this.loops.set(short, loop);
        return loop;
    }

    /** cloud-init's own verdict, once it has finished (or the deadline passed). */
    public async cloudInitStatus(host: ProdHost, timeoutSeconds: number): Promise<{ status: string; errors: string[] }> {
        const result = await dockerExec(this.containerOf(host), ["timeout", String(timeoutSeconds), "cloud-init", "status", "--wait", "--format", "json"], (timeoutSeconds + 30) * 1000);
        if (result.stdout.trim() === "") return { status: `no answer (exit ${result.code}): ${result.stderr.trim()}`, errors: [] };
        const parsed = JSON.parse(result.stdout) as { status: string; errors: string[] };
        return { status: parsed.status, errors: parsed.errors };
    }

    /** The host's failed systemd units. */
    public async failedUnits(host: ProdHost): Promise<string[]> {
        const result = await this.run(host, ["systemctl", "--failed", "--no-legend", "--plain"]);
        return result.split("\n").map((line) => line.split(" ")[0]!).filter((unit) => unit !== "");
    }

    /** Lines of the host's first-boot log (cloud-init's output log). */
    public async bootLog(host: ProdHost): Promise<string> {
        return (await dockerExec(this.containerOf(host), ["cat", "/var/log/cloud-init-output.log"])).stdout;
    }

    /** A command on the host: its exit code and output, whatever the code. */
    public exec(host: ProdHost, command: readonly string[], timeoutMs?: number): ReturnType<typeof dockerExec> {
        return dockerExec(this.containerOf(host), command, timeoutMs);
    }

    /** A command on the host that must succeed: its stdout. */
    public async run(host: ProdHost, command: readonly string[]): Promise<string> {
        const result = await this.exec(host, command);
        if (result.code !== 0) throw new Error(`${command.join(" ")} on ${host.name} exited ${result.code}: ${result.stderr.trim()}`);
        return result.stdout;
    }

    /** Every request the emulator answered. */
    public async emulatorLog(): Promise<RequestLogEntry[]> {
        return (await fetch(`${EMULATOR_CONTROL}/log`)).json() as Promise<RequestLogEntry[]>;
    }

    /** Makes SSM unreachable (every request's connection dropped) or reachable again. */
    public async secretStore(reachable: boolean): Promise<void> {
        const response = await fetch(`${EMULATOR_CONTROL}/ssm/${reachable ? "up" : "down"}`, { method: "POST" });
        if (!response.ok) throw new Error(`the emulator refused /ssm/${reachable ? "up" : "down"}: ${response.status}`);
    }

    /** Object keys in the S3 emulator's bucket (s3rver's folder on disk). */
    public bucketKeys(): string[] {
        const root = path.join(this.work, "aws", "s3", this.prod.backupBucket);
        if (!fs.existsSync(root)) return [];
        const keys: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(full);
                else if (entry.name.endsWith("._S3rver_object")) keys.push(path.relative(root, full).replace(/\._S3rver_object$/, ""));
            }
        };
        walk(root);
        return keys;
    }

    /** Saves every container's journal in the temporary folder, for a failed test (`tag` tells them apart). */
    public async saveJournals(tag: string): Promise<string[]> {
        const saved: string[] = [];
        for (const host of this.prod.hosts) {
            const journal = await dockerExec(this.containerOf(host), ["journalctl", "--no-pager", "-o", "short-precise"], 60_000);
            const file = path.join(os.tmpdir(), `${this.containerOf(host)}.${tag}.journal`);
            fs.writeFileSync(file, journal.stdout + journal.stderr);
            saved.push(file);
        }
        return saved;
    }

    /** Removes the containers and the network, detaches the loop devices, removes the work folder; every step is tried. */
    public async close(): Promise<void> {
        this.restoreLookup();
        const failures: string[] = [];
        const attempt = async (step: () => unknown) => {
            try {
                await step();
            } catch (error) {
                failures.push(error instanceof Error ? error.message : String(error));
            }
        };
        await attempt(() => removeLabelled(engine(), this.label));
        for (const loop of this.loops.values()) await attempt(() => execFileSync("losetup", ["-d", loop], { stdio: "pipe" }));
        await attempt(() => fs.rmSync(this.work, { recursive: true, force: true }));
        if (failures.length > 0) throw new Error(`the boot harness left something behind: ${failures.join("; ")}`);
    }
}

/** Containers and networks of a harness run that was killed before its close(): they hold the names and the subnet. */
async function removeLeftovers(): Promise<void> {
    const containers = (await docker(["ps", "-aq", "--filter", `label=${TEST_LABEL}`, "--filter", "name=^pg-ha-boot-"])).split("\n").filter((id) => id !== "");
    if (containers.length > 0) await docker(["rm", "-f", ...containers]);
    const networks = (await docker(["network", "ls", "-q", "--filter", `label=${TEST_LABEL}`, "--filter", "name=^pg-ha-boot-"])).split("\n").filter((id) => id !== "");
    if (networks.length > 0) await docker(["network", "rm", ...networks]);
}

/**
 * Resolves the private zone's names in this process (as the VPC's resolver does for a client in
 * it), so that verify and the drill connect by the names the outputs and certificates carry.
 * Returns the function that undoes it.
 */
function resolvePrivateZone(records: Readonly<Record<string, string>>): () => void {
    const original = dns.lookup;
    const patched = (hostname: string, options: unknown, callback?: unknown): void => {
        const done = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
        const address = records[hostname];
        if (address === undefined) {
            (original as (...args: unknown[]) => void)(hostname, options, callback);
            return;
        }
        const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all === true;
        if (all) done(null, [{ address, family: 4 }]);
        else done(null, address, 4);
    };
    (dns as { lookup: unknown }).lookup = patched;
    return () => { (dns as { lookup: unknown }).lookup = original; };
}
