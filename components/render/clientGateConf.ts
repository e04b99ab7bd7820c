import { CLIENT_GATE_SIZING } from "../../config";
import { listenHostPort } from "./layoutPaths";
import { allowedNetworks } from "./pgHba";
import { AUTHENTICATION_TIMEOUT_SECONDS } from "./pgpoolConf";
import { RenderContext } from "./types";

/**
 * The client gate: HAProxy 2.6 (Debian's) on pgpool's client port, in TCP mode, in front of
 * pgpool on its host's loopback. A pgpool child serves one client from its connect on, so sockets
 * that connect and send nothing held every child until authentication_timeout and real clients
 * waited behind them (100 idle sockets: 9.5 s). The gate holds those sockets itself and opens a
 * connection to pgpool only once a client has sent its first bytes. TLS and authentication stay
 * end to end between the client and pgpool: the gate never reads past the first bytes.
 */
export const CLIENT_GATE = {
    /** A client that sends nothing this long after its connect is closed; pgpool never sees it. */
    firstByteSeconds: AUTHENTICATION_TIMEOUT_SECONDS,
    /**
     * TCP keepalive on client sockets: a client that vanished (half-open socket, a host gone) is
     * closed after 60 s idle plus 3 probes 10 s apart, and the pgpool child it held is freed.
     */
    keepalive: { idleSeconds: 60, intervalSeconds: 10, probes: 3 },
    /**
     * A session with no byte either way this long is closed (HAProxy's client and server
     * timeouts): an idle limit far above any pool's idle time. A statement that runs this long
     * without sending a row is cut too.
     */
    idleHours: 24,
} as const;

/** haproxy.cfg of the client gate. Clients outside the allowed networks are refused at connect, as pool_hba did. */
export function renderClientGateConf(context: RenderContext): string {
    const { pgpool } = context.topology;
    const { keepalive } = CLIENT_GATE;
    return [
        "# haproxy.cfg rendered by pg-ha-stack: the client gate in front of pgpool.",
        "# Rendered by pg-ha-stack; edits are overwritten on the next deploy.",
        "global",
        "    log stderr format raw daemon notice",
        `    maxconn ${CLIENT_GATE_SIZING.maxConnections}`,
        "    nbthread 1",
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    timeout connect 5s",
        `    timeout client ${CLIENT_GATE.idleHours}h`,
        `    timeout server ${CLIENT_GATE.idleHours}h`,
        "",
        "frontend clients",
        `    bind ${listenHostPort(context.layout, pgpool.port)}`,
        `    maxconn ${CLIENT_GATE_SIZING.maxConnections}`,
        `    tcp-request connection reject unless { src ${allowedNetworks(context).join(" ")} }`,
        `    tcp-request inspect-delay ${CLIENT_GATE.firstByteSeconds}s`,
        "    tcp-request content accept if { req.len gt 0 }",
        "    tcp-request content reject",
        "    option clitcpka",
        `    clitcpka-idle ${keepalive.idleSeconds}s`,
        `    clitcpka-intvl ${keepalive.intervalSeconds}s`,
        `    clitcpka-cnt ${keepalive.probes}`,
        "    default_backend pgpool",
        "",
        "backend pgpool",
        `    server pgpool 127.0.0.1:${pgpool.internalPort}`,
        "",
    ].join("\n");
}
