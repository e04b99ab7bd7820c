import { execFileSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * What the tls provider returns, made for real with the openssl CLI, so that the servers on the
 * Docker engine verify each other as they would after `pulumi up`: ECDSA keys, the self-signed
 * CA, certificate requests with their names, certificates signed by the CA.
 */
type Inputs = Record<string, any>;

function inFolder<T>(work: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-tls-"));
    try {
        return work(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function subjectOf(subject: { commonName?: string; organization?: string } | undefined): string {
    return `/CN=${subject?.commonName ?? ""}${subject?.organization ? `/O=${subject.organization}` : ""}`;
}

const KEY_USAGE: Readonly<Record<string, string>> = { cert_signing: "keyCertSign", crl_signing: "cRLSign", digital_signature: "digitalSignature", key_encipherment: "keyEncipherment" };
const EXTENDED_USAGE: Readonly<Record<string, string>> = { server_auth: "serverAuth", client_auth: "clientAuth" };

function usageExtensions(allowedUses: readonly string[], isCa: boolean): string[] {
    const keyUsage = allowedUses.map((use) => KEY_USAGE[use]).filter((use): use is string => use !== undefined);
    const extended = allowedUses.map((use) => EXTENDED_USAGE[use]).filter((use): use is string => use !== undefined);
    return [
        `basicConstraints=critical,CA:${isCa ? "TRUE" : "FALSE"}`,
        ...(keyUsage.length > 0 ? [`keyUsage=critical,${keyUsage.join(",")}`] : []),
        ...(extended.length > 0 ? [`extendedKeyUsage=${extended.join(",")}`] : []),
    ];
}

function days(hours: unknown): string {
    return String(Math.max(1, Math.floor(Number(hours) / 24)));
}

/** The state the tls provider would return for `type`, or undefined for a type that is not tls's. */
export function realTlsState(type: string, inputs: Inputs): Inputs | undefined {
    switch (type) {
        case "tls:index/privateKey:PrivateKey": {
            const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
            return { ...inputs, privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() };
        }
        case "tls:index/selfSignedCert:SelfSignedCert":
            return inFolder((dir) => {
                fs.writeFileSync(path.join(dir, "key.pem"), inputs.privateKeyPem, { mode: 0o600 });
                const extensions = usageExtensions(inputs.allowedUses ?? [], inputs.isCaCertificate === true).flatMap((line) => ["-addext", line]);
                execFileSync("openssl", ["req", "-x509", "-new", "-key", "key.pem", "-sha256", "-days", days(inputs.validityPeriodHours), "-subj", subjectOf(inputs.subject), ...extensions, "-out", "cert.pem"], { cwd: dir, stdio: "pipe" });
                return { ...inputs, certPem: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
            });
        case "tls:index/certRequest:CertRequest":
            return inFolder((dir) => {
                fs.writeFileSync(path.join(dir, "key.pem"), inputs.privateKeyPem, { mode: 0o600 });
                const names = [...(inputs.dnsNames ?? []).map((name: string) => `DNS:${name}`), ...(inputs.ipAddresses ?? []).map((address: string) => `IP:${address}`)];
                execFileSync("openssl", ["req", "-new", "-key", "key.pem", "-subj", subjectOf(inputs.subject), ...(names.length > 0 ? ["-addext", `subjectAltName=${names.join(",")}`] : []), "-out", "request.pem"], { cwd: dir, stdio: "pipe" });
                return { ...inputs, certRequestPem: fs.readFileSync(path.join(dir, "request.pem"), "utf8") };
            });
        case "tls:index/locallySignedCert:LocallySignedCert":
            return inFolder((dir) => {
                fs.writeFileSync(path.join(dir, "request.pem"), inputs.certRequestPem);
                fs.writeFileSync(path.join(dir, "ca.pem"), inputs.caCertPem);
                fs.writeFileSync(path.join(dir, "ca-key.pem"), inputs.caPrivateKeyPem, { mode: 0o600 });
                fs.writeFileSync(path.join(dir, "usage.ext"), `${usageExtensions(inputs.allowedUses ?? [], false).join("\n")}\n`);
                execFileSync("openssl", ["x509", "-req", "-in", "request.pem", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-sha256", "-days", days(inputs.validityPeriodHours),
                    "-copy_extensions", "copy", "-extfile", "usage.ext", "-out", "cert.pem"], { cwd: dir, stdio: "pipe" });
                return { ...inputs, certPem: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
            });
        default:
            return undefined;
    }
}
