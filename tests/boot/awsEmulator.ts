import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import S3rver from "s3rver";
import { createImdsEmulator } from "./imdsEmulator";
import { answerSsm, SsmCaller } from "./ssmEmulator";

/** An EC2 host of the stack, as the emulator knows it by its private address. */
export interface EmulatedHost {
    readonly ip: string;
    /** Its instance profile's IAM role. */
    readonly role: string;
    /** The parameter path the role may read; ends with "/". */
    readonly parameterPrefix: string;
}

/** The emulator's configuration: STATE_DIR/emulator.json when it runs as a program. */
export interface EmulatorConfig {
    readonly region: string;
    readonly accountId: string;
    /** PEM certificate and key for ssm.REGION.amazonaws.com, s3.REGION.amazonaws.com and *.s3.REGION.amazonaws.com. */
    readonly certFile: string;
    readonly keyFile: string;
    /** Where s3rver keeps buckets and objects. */
    readonly s3Directory: string;
    /** Buckets that exist from the start. */
    readonly buckets: readonly string[];
    readonly hosts: readonly EmulatedHost[];
    /** SSM parameters: name -> value, all SecureString. */
    readonly parameters: Readonly<Record<string, string>>;
}

/** Where the emulator listens: the metadata service (HTTP), SSM and S3 (HTTPS), its control API (HTTP). */
export interface EmulatorListen {
    readonly host: string;
    readonly imds: number;
    readonly https: number;
    readonly control: number;
}

/** The ports of the emulator's container: IMDS on 169.254.169.254:80, AWS endpoints on 443. */
export const CONTAINER_LISTEN: EmulatorListen = { host: "0.0.0.0", imds: 80, https: 443, control: 8080 };

/** One request the emulator answered (or dropped: status 0). Holds no secret. */
export interface RequestLogEntry {
    /** When it came, ms since the epoch. */
    readonly at: number;
    /** The caller's address. */
    readonly ip: string;
    readonly service: "imds" | "ssm" | "s3";
    readonly method: string;
    /** Without the query; for S3 always path-style (/bucket/key), whichever style the caller used. */
    readonly path: string;
    /** SSM's X-Amz-Target. */
    readonly target?: string;
    /** The SSM parameter named. */
    readonly name?: string;
    /** The HTTP status, or 0 when the connection was dropped without an answer. */
    readonly status: number;
}

/** A started emulator: its bound ports (the chosen ones where 0 was asked) and how to stop it. */
export interface RunningAwsEmulator {
    readonly ports: Omit<EmulatorListen, "host">;
    close(): Promise<void>;
}

/** A stable instance id per private address, shaped as EC2's. */
function instanceIdAt(ip: string): string {
    return `i-${createHash("sha256").update(ip).digest("hex").slice(0, 17)}`;
}

/** The session token handed out with a role's credentials; SSM tells the caller by it. */
function sessionTokenOf(role: string): string {
    return `harness-session-${role}`;
}

function callerIpOf(request: http.IncomingMessage): string {
    return (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

function pathOf(request: http.IncomingMessage): string {
    return (request.url ?? "/").split("?")[0]!;
}

function headerValue(request: http.IncomingMessage, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

function send(response: http.ServerResponse, answer: { status: number; headers: Readonly<Record<string, string>>; body: string }): void {
    response.writeHead(answer.status, answer.headers).end(answer.body);
}

function readBody(request: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => resolve(Buffer.concat(chunks).toString("utf8"))).on("error", reject);
    });
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} (${error.code ?? error.message}): free the port or run with the right to bind it`)));
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
    });
}

function closeServer(server: http.Server): Promise<void> {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}

/**
 * Starts the emulated AWS services that an EC2 host of the stack talks to at boot: the IMDSv2
 * metadata service, SSM Parameter Store (GetParameter) and S3 (s3rver) behind one HTTPS port that
 * dispatches on the Host header, and a control API (`GET /log`, `POST /ssm/down`, `POST /ssm/up`,
 * `GET /health`). Each request is logged to `print`, one line, without secrets.
 */
export async function startAwsEmulator(config: EmulatorConfig, where: EmulatorListen = CONTAINER_LISTEN, print: (line: string) => void = console.log): Promise<RunningAwsEmulator> {
    const log: RequestLogEntry[] = [];
    let ssmDown = false;
    const record = (entry: RequestLogEntry): void => {
        log.push(entry);
        const details = [entry.target, entry.name].filter((detail) => detail !== undefined).join(" ");
        print(`${new Date(entry.at).toISOString()} ${entry.service} ${entry.ip} ${entry.method} ${entry.path}${details === "" ? "" : ` ${details}`} ${entry.status === 0 ? "dropped" : entry.status}`);
    };

    const hostAt = (ip: string): EmulatedHost | undefined => config.hosts.find((host) => host.ip === ip);
    const callers = new Map<string, SsmCaller>(config.hosts.map((host) => [sessionTokenOf(host.role), { ...host, instanceId: instanceIdAt(host.ip) }]));
    const answerImds = createImdsEmulator({ region: config.region, accountId: config.accountId, roleAt: (ip) => hostAt(ip)?.role, instanceIdAt, sessionTokenOf });
    const ssmFacts = { region: config.region, accountId: config.accountId, parameters: config.parameters, lastModified: new Date(), callerWithSessionToken: (token: string) => callers.get(token) };

    const s3 = new S3rver({ directory: config.s3Directory, configureBuckets: config.buckets.map((name) => ({ name, configs: [] })), silent: true });
    // run() would make the buckets before binding its own port; the emulator binds none for it.
    await s3.configureBuckets();
    const answerS3 = s3.callback();
    const ssmHost = `ssm.${config.region}.amazonaws.com`;
    const s3VirtualHostSuffix = `.s3.${config.region}.amazonaws.com`;

    const imdsServer = http.createServer((request, response) => {
        const entry = { at: Date.now(), ip: callerIpOf(request), service: "imds" as const, method: request.method ?? "", path: pathOf(request) };
        const answer = answerImds({ method: entry.method, path: entry.path, callerIp: entry.ip, headers: request.headers });
        send(response, answer);
        record({ ...entry, status: answer.status });
    });

    const awsServer = https.createServer({ cert: fs.readFileSync(config.certFile), key: fs.readFileSync(config.keyFile) }, (request, response) => {
        const at = Date.now();
        const ip = callerIpOf(request);
        const method = request.method ?? "";
        const hostname = (request.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
        if (hostname === ssmHost) {
            const target = headerValue(request, "x-amz-target");
            const entry = { at, ip, service: "ssm" as const, method, path: pathOf(request), ...(target === undefined ? {} : { target }) };
            if (ssmDown) {
                request.socket.destroy();
                record({ ...entry, status: 0 });
                return;
            }
            readBody(request).then((body) => {
                const answer = answerSsm(ssmFacts, { target, sessionToken: headerValue(request, "x-amz-security-token"), body });
                send(response, answer);
                record({ ...entry, ...(answer.parameterName === undefined ? {} : { name: answer.parameterName }), status: answer.status });
            }, () => record({ ...entry, status: 0 }));
            return;
        }
        const bucket = hostname.endsWith(s3VirtualHostSuffix) ? hostname.slice(0, -s3VirtualHostSuffix.length) : undefined;
        const s3Path = bucket === undefined ? pathOf(request) : `/${bucket}${pathOf(request)}`;
        response.once("close", () => record({ at, ip, service: "s3", method, path: s3Path, status: response.writableFinished ? response.statusCode : 0 }));
        answerS3(request, response);
    });

    const controlServer = http.createServer((request, response) => {
        const route = `${request.method} ${pathOf(request)}`;
        if (route === "GET /log") return send(response, { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(log) });
        if (route === "GET /health") return send(response, { status: 200, headers: { "content-type": "text/plain" }, body: "ok" });
        if (route === "POST /ssm/down" || route === "POST /ssm/up") {
            ssmDown = route === "POST /ssm/down";
            return send(response, { status: 204, headers: {}, body: "" });
        }
        return send(response, { status: 404, headers: { "content-type": "text/plain" }, body: "Not Found" });
    });

    const servers = [imdsServer, awsServer, controlServer];
    try {
        const [imds, httpsPort, control] = await Promise.all([
            listen(imdsServer, where.imds, where.host), listen(awsServer, where.https, where.host), listen(controlServer, where.control, where.host),
        ]);
        const close = async (): Promise<void> => {
            await Promise.all(servers.map(closeServer));
        };
        return { ports: { imds, https: httpsPort, control }, close };
    } catch (error) {
        await Promise.all(servers.filter((server) => server.listening).map(closeServer));
        throw error;
    }
}

/** Reads and checks emulator.json, in sentences a person can act on. */
export function readEmulatorConfig(file: string): EmulatorConfig {
    let config: EmulatorConfig;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code !== undefined;
        throw new Error(`${file} ${missing ? "cannot be read" : "is not valid JSON"}: write the emulator's configuration (EmulatorConfig) there`);
    }
    for (const field of ["region", "accountId", "certFile", "keyFile", "s3Directory"] as const) {
        if (typeof config[field] !== "string" || config[field] === "") throw new Error(`${file}: ${field} must be a non-empty string, got ${JSON.stringify(config[field])}`);
    }
    for (const fileField of ["certFile", "keyFile"] as const) {
        if (!fs.existsSync(config[fileField])) throw new Error(`${file}: ${fileField} ${config[fileField]} does not exist: write the emulator's PEM there first`);
    }
    if (!Array.isArray(config.buckets) || !config.buckets.every((bucket) => typeof bucket === "string")) throw new Error(`${file}: buckets must be a list of bucket names`);
    if (!Array.isArray(config.hosts) || !config.hosts.every((host) => [host?.ip, host?.role, host?.parameterPrefix].every((value) => typeof value === "string"))) {
        throw new Error(`${file}: hosts must be a list of {ip, role, parameterPrefix}`);
    }
    if (typeof config.parameters !== "object" || config.parameters === null || !Object.values(config.parameters).every((value) => typeof value === "string")) {
        throw new Error(`${file}: parameters must map parameter names to string values`);
    }
    return config;
}

/** `node awsEmulator.js STATE_DIR`: serves STATE_DIR/emulator.json on the container's ports until SIGTERM. */
async function main(stateDir: string | undefined): Promise<void> {
    if (stateDir === undefined) throw new Error("usage: node awsEmulator.js STATE_DIR (the folder holding emulator.json)");
    const emulator = await startAwsEmulator(readEmulatorConfig(path.join(stateDir, "emulator.json")));
    process.once("SIGTERM", () => void emulator.close().then(() => process.exit(0)));
    console.log("aws emulator ready");
}

if (require.main === module) {
    main(process.argv[2]).catch((error: Error) => {
        console.error(`aws emulator: ${error.message}`);
        process.exit(1);
    });
}
