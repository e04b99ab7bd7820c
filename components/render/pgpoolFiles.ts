import { ROLE_NAMES } from "../../config";
import { clusterEnvFile } from "./clusterEnv";
import { failoverEnv, failoverScriptFiles } from "./failoverScripts";
import { CA_CERT_FILE, PCPPASS_FILE, PGPASS_FILE, PGPOOL_KEY_FILE, PGPOOL_PID_FILE, POOL_PASSWD_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./fileNames";
import { md5Hex, renderPgpass } from "./passwordFiles";
import { CLIENT_GATE_CONF, CLIENT_GATE_SCRIPT, clientGateFiles } from "./clientGateFiles";
import { CLIENT_GATE_ADDRESS, renderPgpoolConf, renderPoolHbaConf } from "./pgpoolConf";
import { renderPoolPasswd } from "./poolPasswd";
import { withStartFiles } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";


/** pcp.conf: the PCP admin with the MD5 of its password (the only form pcp.conf takes). */
export function renderPcpConf(password: string): string {
    return `# pcp.conf rendered by pg-ha-stack\n${ROLE_NAMES.pcpAdmin}:${md5Hex(password)}\n`;
}

/** .pcppass for pcp_* commands on the pgpool host: hostname:port:username:password. */
export function renderPcppass(port: number, password: string): string {
    return `*:${port}:${ROLE_NAMES.pcpAdmin}:${password}\n`;
}

/** Every file the pgpool host needs. */
export function renderPgpoolFiles(context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial): RenderedFile[] {
    return withStartFiles({
        kind: "pgpool",
        description: "Values of Pgpool-II for its start, failover and follow-primary scripts.",
        paths: context.layout.pgpool(),
        serviceUser: context.layout.serviceUser,
        files: [
            { name: "pgpool.conf", content: renderPgpoolConf(context), mode: 0o644, secret: false },
            { name: "pool_hba.conf", content: renderPoolHbaConf([`${CLIENT_GATE_ADDRESS}/32`]), mode: 0o644, secret: false },
            { name: "pcp.conf", content: renderPcpConf(passwords.pcpAdmin), mode: 0o600, secret: true },
            {
                name: POOL_PASSWD_FILE,
                content: renderPoolPasswd([
                    { user: context.config.appUser, password: passwords.app },
                    { user: ROLE_NAMES.superuser, password: passwords.superuser },
                    { user: ROLE_NAMES.pgpoolCheck, password: passwords.pgpoolCheck },
                    // The pool exporter asks pgpool for its backends.
                    { user: ROLE_NAMES.monitoring, password: passwords.monitoring },
                ], passwords.pgpoolAesKey),
                mode: 0o600,
                secret: true,
            },
            { name: PGPOOL_KEY_FILE, content: passwords.pgpoolAesKey, mode: 0o600, secret: true },
            { name: PCPPASS_FILE, content: renderPcppass(context.topology.pgpool.pcpPort, passwords.pcpAdmin), mode: 0o600, secret: true },
            // The failover scripts promote and re-point nodes as the superuser.
            { name: PGPASS_FILE, content: renderPgpass([{ user: ROLE_NAMES.superuser, password: passwords.superuser }]), mode: 0o600, secret: true },
            { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
            { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
            { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
            clusterEnvFile(context),
            ...failoverScriptFiles(),
            ...clientGateFiles(context),
        ],
        env: {
            PGPOOL: context.layout.pgpoolBinary,
            PCPPASS_FILE,
            PGPASS_FILE,
            PGPOOL_KEY_FILE,
            PGPOOL_PID_FILE,
            GATE: context.layout.gateBinary,
            GATE_SCRIPT: CLIENT_GATE_SCRIPT,
            GATE_CONF: CLIENT_GATE_CONF,
            PGPOOL_INTERNAL_PORT: context.topology.pgpool.internalPort,
            ...failoverEnv(context),
        },
    });
}
