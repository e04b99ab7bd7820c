import { execFileSync } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig } from "@pulumi/pulumi/runtime/rpc";
import { PASSWORD_ALPHABET } from "../../config";
import { readProjectFile, readStackFileConfig } from "../../config/stackFile";

/** A resource the program registered under mocks. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly state: Record<string, any>;
    readonly custom: boolean;
    /** Top-level inputs that arrived marked secret. */
    readonly secretInputs: ReadonlySet<string>;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && Object.values(value).includes(specialSecretSig) && "value" in value;
}

/** Replaces secret wrappers with their values, recursively. */
export function unwrapSecrets(value: unknown): any {
    if (isSecretValue(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
    }
    return value;
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** A throwaway PEM key made at test time, like the tls provider would return. */
function throwawayKeyPem(): string {
    return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/**
 * A real throwaway certificate for `name`, valid for `hours` (the program reads its notAfter),
 * self-signed with openssl at test time.
 */
function throwawayCertificate(name: string, hours: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-mock-cert-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-days", String(Math.ceil(hours / 24)), "-keyout", "key.pem", "-out", "cert.pem"], { cwd: dir, stdio: "ignore" });
        return fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function throwawayPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${Buffer.from(`${name}:${randomBytes(24).toString("hex")}`).toString("base64")}\n-----END ${label}-----\n`;
}

/** Realistic provider state for the resource types the program creates. */
/** What the provider would answer; `providerRegion` is the stack's aws:region. */
export function mockState(type: string, name: string, inputs: Record<string, any>, providerRegion: string | undefined): Record<string, any> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            const length = Number(inputs.length);
            return { ...inputs, result: Array.from(randomBytes(length), (byte) => PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length]).join("") };
        }
        case "tls:index/privateKey:PrivateKey":
            return { ...inputs, privateKeyPem: throwawayKeyPem() };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: throwawayCertificate(name, inputs.validityPeriodHours as number) };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: throwawayPem("CERTIFICATE REQUEST", name) };
        case "docker:index/remoteImage:RemoteImage":
            return { ...inputs, imageId: `sha256:${randomBytes(32).toString("hex")}`, repoDigest: `${inputs.name}@sha256:${randomBytes(32).toString("hex")}` };
        case "docker:index/network:Network":
            return { ...inputs, name: inputs.name ?? name };
        case "aws:s3/bucket:Bucket":
            return { ...inputs, bucket: `${name}-${randomBytes(4).toString("hex")}`, arn: `arn:aws:s3:::${name}`, region: inputs.region ?? providerRegion };
        case "aws:ec2/instance:Instance":
            return { ...inputs, privateIp: `10.42.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0]! % 250)}` };
        case "aws:route53/zone:Zone":
            return { ...inputs, zoneId: "Z0123456789TEST" };
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
            return { ...inputs, name, arn: `arn:aws:iam::123456789012:role/${name}` };
        default:
            return { ...inputs };
    }
}

export interface StackRun {
    readonly resources: RecordedResource[];
    /** URN of every registered resource; the type part names the parent's type ("Parent$Child"). */
    readonly urns: string[];
    readonly program: Record<string, pulumi.Output<any>>;
    /** Every provider function the program called (getAmi, getRegion...), with its arguments. */
    readonly calls: { readonly token: string; readonly inputs: Record<string, any> }[];
    /** URN -> the URNs it depends on (dependsOn and its inputs' resources), as sent to the engine. */
    readonly dependencies: ReadonlyMap<string, readonly string[]>;
}

/** What a mock provider answers for one resource the program registers. */
export type ResourceAnswer = (type: string, name: string, inputs: Record<string, any>, config: Readonly<Record<string, string>>) => Promise<{ id: string; state: Record<string, any> }>;

/**
 * Runs index.ts under mocks with the config of Pulumi.<stack>.yaml (plus `configOverrides`, as
 * `pulumi config set` would), each resource answered by `answer`, and every registered resource
 * recorded. Call once per process: the program is a module and runs once.
 */
export async function runProgram(stack: string, configOverrides: Record<string, unknown>, resources: RecordedResource[], answer: ResourceAnswer): Promise<StackRun> {
    const config: Record<string, string> = {};
    const calls: { token: string; inputs: Record<string, any> }[] = [];
    for (const [key, value] of Object.entries({ ...readStackFileConfig(stack), ...configOverrides })) {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks({
        newResource: async (args) => {
            const secretInputs = new Set(Object.entries(args.inputs as Record<string, unknown>).filter(([, value]) => isSecretValue(value)).map(([key]) => key));
            const inputs = unwrapSecrets(args.inputs) as Record<string, any>;
            const { id, state } = await answer(args.type, args.name, inputs, config);
            resources.push({ type: args.type, name: args.name, inputs, state, custom: args.custom ?? true, secretInputs });
            return { id, state };
        },
        call: (args) => {
            calls.push({ token: args.token, inputs: args.inputs as Record<string, any> });
            switch (args.token) {
                case "aws:ec2/getAmi:getAmi": return { ...args.inputs, id: "ami-0123456789abcdef0" };
                case "aws:index/getCallerIdentity:getCallerIdentity": return { ...args.inputs, accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/test", userId: "test", id: "123456789012" };
                default: return args.inputs;
            }
        },
    }, readProjectFile().name, stack, false);
    const dependencies = recordDependencies();
    const program = (await import("../../index")) as Record<string, pulumi.Output<any>>;
    await Promise.all(Object.values(program).filter((output) => output !== undefined).map((output) => promiseOf(output)));
    // Let every registration finish before anyone reads the records (waitForRPCs is internal to
    // @pulumi/pulumi but exported; disconnect() uses it the same way).
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as {
        waitForRPCs(): Promise<void>;
        getMonitor(): { getRegisteredResources(): Map<string, unknown> };
    };
    await settings.waitForRPCs();
    const monitor = settings.getMonitor();
    return { resources, urns: [...monitor.getRegisteredResources().keys()], program, calls, dependencies };
}

/**
 * Records the dependencies of every registration, which the mocks do not keep: wraps the mock
 * monitor's registerResource (called with the engine's request, whose dependencies list holds
 * the URNs of dependsOn and of the inputs' resources).
 */
function recordDependencies(): Map<string, string[]> {
    const dependencies = new Map<string, string[]>();
    type Request = { getDependenciesList(): string[] };
    type Callback = (error: unknown, response?: { getUrn(): string }) => void;
    const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): { registerResource(request: Request, callback: Callback): unknown } }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => register(request, (error, response) => {
        if (response !== undefined) dependencies.set(response.getUrn(), request.getDependenciesList());
        callback(error, response);
    });
    return dependencies;
}

/** Runs index.ts under mocks that return realistic provider state without creating anything. */
export function runStack(stack: string, configOverrides: Record<string, unknown> = {}, resources: RecordedResource[] = []): Promise<StackRun> {
    return runProgram(stack, configOverrides, resources, async (type, name, inputs, config) => ({ id: `${name}-id`, state: mockState(type, name, inputs, config["aws:region"]) }));
}

export function ofType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((resource) => resource.type === type);
}

export function parentTypeOf(run: StackRun, type: string, name: string): string | undefined {
    const urn = run.urns.find((candidate) => candidate.endsWith(`::${name}`) && candidate.split("::")[2]!.endsWith(type));
    const qualified = urn?.split("::")[2]?.split("$");
    return qualified !== undefined && qualified.length > 1 ? qualified[qualified.length - 2] : undefined;
}
