import { CA_CERT_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE, WEB_CONFIG_FILE } from "./fileNames";
import { RenderedFile, TlsMaterial } from "./types";

/** A server's TLS files: the cluster CA, its certificate and its key (secret, 0600). */
export function serverTlsFiles(tls: TlsMaterial): RenderedFile[] {
    return [
        { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
        { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
        { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
    ];
}

/** exporter-toolkit web config: serve over TLS with the service's certificate, from its run folder. */
export function renderExporterWebConfig(runDir: string): string {
    return [
        "tls_server_config:",
        `  cert_file: ${runDir}/${SERVER_CERT_FILE}`,
        `  key_file: ${runDir}/${SERVER_KEY_FILE}`,
        "  min_version: TLS12",
        "",
    ].join("\n");
}

/**
 * The files of a Prometheus-world server serving HTTPS (postgres_exporter, node_exporter,
 * Prometheus, Alertmanager): exporter-toolkit's web config and the server's TLS files.
 */
export function webServerTlsFiles(runDir: string, tls: TlsMaterial): RenderedFile[] {
    return [{ name: WEB_CONFIG_FILE, content: renderExporterWebConfig(runDir), mode: 0o644, secret: false }, ...serverTlsFiles(tls)];
}
