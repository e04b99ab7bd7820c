import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface IssuedCertificate {
    readonly certPem: string;
    readonly keyPem: string;
}

export interface LocalPki {
    readonly caCertPem: string;
    readonly certificates: Readonly<Record<string, IssuedCertificate>>;
}

function openssl(args: readonly string[], cwd: string): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile("openssl", args, { cwd }, (error, _stdout, stderr) => (error ? reject(new Error(`openssl ${args[0]} failed: ${stderr || error.message}`)) : resolve()));
    });
}

/** A server's certificate names: the plan's, for a planned service. */
export interface CertificateIdentity {
    readonly name: string;
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
}

/**
 * A fresh private CA (ECDSA P-256, like the Pulumi PKI component) and one server certificate per
 * identity, carrying its names. Made with the openssl CLI in `dir` (mode 0700).
 */
export async function generateLocalPki(dir: string, identities: readonly CertificateIdentity[]): Promise<LocalPki> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key"], dir);
    await openssl([
        "req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650", "-subj", "/CN=pg-ha local CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt",
    ], dir);
    const certificates: Record<string, IssuedCertificate> = {};
    await Promise.all(identities.map(async ({ name: service, dnsNames, ipAddresses }, index) => {
        fs.writeFileSync(path.join(dir, `${service}.ext`), [
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=serverAuth,clientAuth",
            `subjectAltName=${[...dnsNames.map((name) => `DNS:${name}`), ...ipAddresses.map((address) => `IP:${address}`)].join(",")}`,
            "",
        ].join("\n"));
        await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${service}.key`], dir);
        await openssl(["req", "-new", "-key", `${service}.key`, "-subj", `/CN=${service}`, "-out", `${service}.csr`], dir);
        await openssl([
            "x509", "-req", "-in", `${service}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${Date.now().toString(16)}${index}`,
            "-days", "825", "-sha256", "-extfile", `${service}.ext`, "-out", `${service}.crt`,
        ], dir);
        certificates[service] = {
            certPem: fs.readFileSync(path.join(dir, `${service}.crt`), "utf8"),
            keyPem: fs.readFileSync(path.join(dir, `${service}.key`), "utf8"),
        };
    }));
    return { caCertPem: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"), certificates };
}
