import { generateKeyPairSync } from "crypto";
import { buildTopology, ClusterConfig, parseClusterConfig, RawConfig } from "../../config";
import { dockerLayout } from "../../components/platforms/docker/layout";
import { RenderContext, TlsMaterial } from "../../components/render";
import { generateClusterPasswords } from "../../scripts/lib/local/passwords";

/** A render context as the dev stack builds it, from defaults plus `raw`. */
export function dockerContext(raw: RawConfig = {}): RenderContext {
    const config: ClusterConfig = parseClusterConfig(raw);
    return { config, topology: buildTopology(config, (service) => service), layout: dockerLayout(config.postgresVersion, config.docker!.networkCidr) };
}

/** Fresh throwaway passwords, made at test time. */
export const testPasswords = generateClusterPasswords;

export function testTls(): TlsMaterial {
    const keyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    return { caCertPem: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n", certPem: "-----BEGIN CERTIFICATE-----\nserver\n-----END CERTIFICATE-----\n", keyPem };
}

/** `name = value` pairs of a postgresql.conf or pgpool.conf text. */
export function settingsOf(text: string): Map<string, string> {
    const settings = new Map<string, string>();
    for (const line of text.split("\n")) {
        const match = /^([\w.]+) = (.*)$/.exec(line);
        if (match) settings.set(match[1]!, match[2]!.replace(/^'(.*)'$/, "$1").replace(/''/g, "'"));
    }
    return settings;
}
