import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { TlsMaterial } from "../render";

/** The names a server is reached by; each goes into its certificate's SANs. */
export interface ServerIdentity {
    readonly name: string;
    readonly dnsNames: readonly string[];
    readonly ipAddresses: readonly string[];
}

export interface ClusterPkiArgs {
    /** One certificate is issued for each server. */
    readonly servers: readonly ServerIdentity[];
    /** Lifetime of the CA certificate in hours. Defaults to 87600 (10 years). */
    readonly caValidityHours?: pulumi.Input<number>;
    /**
     * Lifetime of each server certificate in hours. Defaults to 26280 (3 years). Never renewed by
     * itself (a new certificate changes every host's files, and on EC2 replaces every instance):
     * renewal is an explicit step (README: Renewing the certificates).
     */
    readonly serverValidityHours?: pulumi.Input<number>;
    /** Organisation in every subject. Defaults to "pg-ha". */
    readonly organization?: pulumi.Input<string>;
}

/**
 * A private CA and one server certificate per server, all ECDSA P-256: a TLS handshake with
 * P-256 costs far less CPU than with RSA 2048, which matters for clients that reconnect often.
 */
export class ClusterPki extends pulumi.ComponentResource {
    public readonly caCertPem: pulumi.Output<string>;
    private readonly issued: ReadonlyMap<string, { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> }>;

    constructor(name: string, args: ClusterPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:pki:ClusterPki", name, {}, opts);
        const organization = args.organization ?? "pg-ha";
        const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            validityPeriodHours: args.caValidityHours ?? 87600,
            allowedUses: ["cert_signing", "crl_signing"],
            subject: { commonName: `${name} CA`, organization },
        }, { parent: this });
        this.caCertPem = ca.certPem;
        const issued = new Map<string, { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> }>();
        for (const server of args.servers) {
            const key = new tls.PrivateKey(`${name}-${server.name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const request = new tls.CertRequest(`${name}-${server.name}-csr`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: server.name, organization },
                dnsNames: [...server.dnsNames],
                ipAddresses: [...server.ipAddresses],
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${server.name}-cert`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKey.privateKeyPem,
                caCertPem: ca.certPem,
                validityPeriodHours: args.serverValidityHours ?? 26280,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            }, { parent: this });
            issued.set(server.name, { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) });
        }
        this.issued = issued;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }

    /** The CA, the server's certificate and its key (secret), for renderers. */
    public tlsFor(server: string): pulumi.Output<TlsMaterial> {
        const issued = this.issued.get(server);
        if (issued === undefined) throw new Error(`no certificate was issued for ${server}`);
        const material = pulumi.all([this.caCertPem, issued.certPem, issued.keyPem]).apply(([caCertPem, certPem, keyPem]): TlsMaterial => ({ caCertPem, certPem, keyPem }));
        return pulumi.secret(material);
    }
}
