import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** One EC2 instance of the prod program, as the boot harness starts it. */
export interface ProdHost {
    /** Its Name tag and private DNS name (node0.pg-ha.internal). */
    readonly name: string;
    /** The private address the harness gives it (the instance's privateIp under the mocks). */
    readonly ip: string;
    /** The instance's userDataBase64: gzipped #cloud-config, base64. */
    readonly userDataBase64: string;
    /** The EBS volume attached to it (nodes), by id. */
    readonly volumeId?: string;
    /** Its IAM role, and the parameter path the role's policy lets it read (ends with "/"). */
    readonly role: string;
    readonly parameterPrefix: string;
}

/** What `pulumi up` of the prod stack would have made, as the harness needs it. */
export interface ProdHosts {
    readonly region: string;
    readonly accountId: string;
    readonly hosts: readonly ProdHost[];
    /** The private zone's records: name -> address. */
    readonly records: Readonly<Record<string, string>>;
    /** SSM parameters: name -> value (the secret bundles). */
    readonly parameters: Readonly<Record<string, string>>;
    readonly backupBucket: string;
    /** Every generated password and private key (PEM body lines), to search the user data for. */
    readonly generatedSecrets: readonly string[];
    /** The stack outputs, secrets unwrapped (the file is 0600). */
    readonly outputs: Record<string, any>;
}

/** A host's short name (node0, front), which its units and the harness's containers carry. */
export function shortName(host: ProdHost): string {
    return host.name.split(".")[0]!;
}

/** The private subnet the harness's Docker network uses: inside the stack's allowedClientCidrs (10.42.0.0/16). */
export const HARNESS_SUBNET = "10.42.250.0/24";
/** The subnet's first three octets: every harness address is one of them and a host number. */
const HARNESS_NETWORK = HARNESS_SUBNET.replace(/\.0\/24$/, "");

/** An address of the harness subnet by its host number. */
export function subnetAddress(hostNumber: number): string {
    return `${HARNESS_NETWORK}.${hostNumber}`;
}

/** The harness address of an instance by its Name tag: the front host .10, nodeN .11+N. */
export function harnessAddress(name: string): string {
    const node = /^node(\d+)\./.exec(name);
    return subnetAddress(node === null ? 10 : 11 + Number(node[1]));
}

/**
 * Runs the prod program under mocks in a process of its own (the program runs once per process)
 * with real TLS material, and returns its hosts; `file` keeps them (0600: it holds the secrets).
 */
export function renderProdHosts(file: string, config: Record<string, unknown> = {}): Promise<ProdHosts> {
    return new Promise((resolve, reject) => {
        const request = `${file}.request.json`;
        fs.writeFileSync(request, JSON.stringify({ config }), { mode: 0o600 });
        const child = spawn(process.execPath, [path.join(__dirname, "prodHostsProcess.js"), request, file], { stdio: ["ignore", "inherit", "inherit"] });
        child.on("close", (code) => {
            fs.rmSync(request, { force: true });
            if (code !== 0 || !fs.existsSync(file)) reject(new Error(`the prod program under mocks exited ${code}`));
            else resolve(JSON.parse(fs.readFileSync(file, "utf8")) as ProdHosts);
        });
    });
}
