import { ROLE_NAMES } from "../../config";
import { RenderContext } from "./types";

/** Networks allowed to connect at all: cluster members first, then the configured clients. */
export function allowedNetworks(context: RenderContext): string[] {
    return [...new Set([...context.layout.clusterCidrs, ...context.config.allowedClientCidrs])];
}

/**
 * pg_hba.conf: TLS with SCRAM only. With no `host` (non-TLS) line at all, a plain connection is
 * refused with "no pg_hba.conf entry ... no encryption". Replication only for the replication
 * role and only from cluster members.
 */
export function renderPgHbaConf(context: RenderContext): string {
    const lines = [
        "# pg_hba.conf rendered by pg-ha-stack: TLS and scram-sha-256 only.",
        "# TYPE   DATABASE     USER         ADDRESS            METHOD",
        "local    all          all                             scram-sha-256",
    ];
    for (const cidr of context.layout.clusterCidrs) {
        lines.push(`hostssl  replication  ${ROLE_NAMES.replication}   ${cidr.padEnd(18)} scram-sha-256`);
    }
    for (const cidr of allowedNetworks(context)) {
        lines.push(`hostssl  all          all          ${cidr.padEnd(18)} scram-sha-256`);
    }
    return `${lines.join("\n")}\n`;
}
