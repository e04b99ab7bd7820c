import { RenderContext, TlsMaterial } from "../render";
import { PlanSecrets } from "./types";

/** Renderer input with the repository the secrets name (it may name a bucket the platform makes). */
export function withRepository(context: RenderContext, secrets: PlanSecrets): RenderContext {
    return { ...context, backup: { repository: secrets.backupRepository, retentionDays: context.config.backup.retentionDays } };
}

/** A service's TLS material; the plan issues one for every service, so a missing one is a bug. */
export function tlsOf(secrets: PlanSecrets, service: string): TlsMaterial {
    const tls = secrets.tls[service];
    if (tls === undefined) throw new Error(`no TLS material for ${service}`);
    return tls;
}
