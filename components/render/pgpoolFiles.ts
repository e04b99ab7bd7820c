import { ROLE_NAMES } from "../../config";
import { renderFailoverScript, renderFollowPrimaryScript, FAILOVER_SCRIPT, FOLLOW_PRIMARY_SCRIPT } from "./failoverScripts";
import { md5Hex, renderPgpass } from "./passwordFiles";
import { allowedNetworks } from "./pgHba";
import { POOL_PASSWD_FILE, renderPgpoolConf, renderPoolHbaConf } from "./pgpoolConf";
import { renderPoolPasswd } from "./poolPasswd";
import { CA_CERT_FILE, PGPASS_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE } from "./postgresqlConf";
import { renderStartScript, START_SCRIPT } from "./startScript";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "./types";

export const PGPOOL_KEY_FILE = "pgpoolkey";
export const PCPPASS_FILE = "pcppass";

/** pcp.conf: the PCP admin with the MD5 of its password (the only form pcp.conf takes). */
export function renderPcpConf(password: string): string {
    return `# pcp.conf rendered by pg-ha-stack\n${ROLE_NAMES.pcpAdmin}:${md5Hex(password)}\n`;
}

/** .pcppass for pcp_* commands on the pgpool host: hostname:port:username:password. */
export function renderPcppass(port: number, password: string): string {
    return `*:${port}:${ROLE_NAMES.pcpAdmin}:${password}\n`;
}

/** Every file the pgpool host needs, the start script last. */
export function renderPgpoolFiles(context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial): RenderedFile[] {
    const paths = context.layout.pgpool();
    const files: RenderedFile[] = [
        { name: "pgpool.conf", content: renderPgpoolConf(context), mode: 0o644, secret: false },
        { name: "pool_hba.conf", content: renderPoolHbaConf(allowedNetworks(context)), mode: 0o644, secret: false },
        { name: "pcp.conf", content: renderPcpConf(passwords.pcpAdmin), mode: 0o600, secret: true },
        {
            name: POOL_PASSWD_FILE,
            content: renderPoolPasswd([
                { user: context.config.appUser, password: passwords.app },
                { user: ROLE_NAMES.superuser, password: passwords.superuser },
                { user: ROLE_NAMES.pgpoolCheck, password: passwords.pgpoolCheck },
            ], passwords.pgpoolAesKey),
            mode: 0o600,
            secret: true,
        },
        { name: PGPOOL_KEY_FILE, content: passwords.pgpoolAesKey, mode: 0o600, secret: true },
        { name: PCPPASS_FILE, content: renderPcppass(context.topology.pgpool.pcpPort, passwords.pcpAdmin), mode: 0o600, secret: true },
        // The failover scripts promote and re-point nodes as the superuser.
        { name: PGPASS_FILE, content: renderPgpass([{ user: ROLE_NAMES.superuser, password: passwords.superuser }]), mode: 0o600, secret: true },
        { name: FAILOVER_SCRIPT, content: renderFailoverScript(context), mode: 0o755, secret: false },
        { name: FOLLOW_PRIMARY_SCRIPT, content: renderFollowPrimaryScript(context), mode: 0o755, secret: false },
        { name: CA_CERT_FILE, content: tls.caCertPem, mode: 0o644, secret: false },
        { name: SERVER_CERT_FILE, content: tls.certPem, mode: 0o644, secret: false },
        { name: SERVER_KEY_FILE, content: tls.keyPem, mode: 0o600, secret: true },
    ];
    const script = renderStartScript({
        description: "Starts Pgpool-II in the foreground.",
        paths,
        serviceUser: context.layout.serviceUser,
        files,
        variables: { PGPOOL: context.layout.pgpoolBinary },
        body: [
            "export PCPPASSFILE=\"$RUN_DIR/" + PCPPASS_FILE + "\"",
            "export PGPASSFILE=\"$RUN_DIR/" + PGPASS_FILE + "\"",
            // -D: forget the node states of a previous run; health checks establish them afresh.
            "exec \"$PGPOOL\" -n -D -f \"$CONFIG_DIR/pgpool.conf\" -F \"$RUN_DIR/pcp.conf\" -a \"$CONFIG_DIR/pool_hba.conf\" -k \"$RUN_DIR/" + PGPOOL_KEY_FILE + "\"",
        ],
    });
    return [...files, { name: START_SCRIPT, content: script, mode: 0o755, secret: false }];
}
