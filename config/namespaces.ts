import { CONFIG_NAMESPACE } from "./defaults";
import { NAMESPACES, suggestedProjectKey } from "./keys";
import { show } from "./validators";

/** Raw stack configuration: key (without namespace) to value, objects already parsed. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** A stack's config split by namespace: the project's keys, and the providers' (still namespaced). */
export interface NamespacedConfig {
    readonly project: RawConfig;
    readonly providers: RawConfig;
}

/** Parses one raw config string as Pulumi stores it: JSON where it parses, else the plain string. */
export function parseConfigValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function parsed(value: unknown): unknown {
    return typeof value === "string" ? parseConfigValue(value) : value;
}

/** Picks this project's keys out of a namespaced map (`pg-ha:replicas` -> `replicas`). */
export function projectKeys(all: Readonly<Record<string, unknown>>): RawConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(all)) {
        if (name.startsWith(prefix)) raw[name.slice(prefix.length)] = parsed(value);
    }
    return raw;
}

/**
 * Splits a whole namespaced config map (Pulumi's `allConfig()`, a stack file's `config:`). A key
 * outside the project's namespace and the providers' would be read by nobody: it is a problem.
 */
export function splitNamespaces(problems: string[], all: Readonly<Record<string, unknown>>): NamespacedConfig {
    const providers: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(all)) {
        const colon = name.indexOf(":");
        const namespace = colon < 0 ? undefined : name.slice(0, colon);
        if (namespace === CONFIG_NAMESPACE) continue;
        if (namespace !== undefined && NAMESPACES.includes(namespace)) {
            providers[name] = parsed(value);
            continue;
        }
        const suggestion = suggestedProjectKey(name);
        const given = suggestion === undefined ? `, got ${show(parsed(value))}` : `; did you mean ${suggestion}? got ${show(parsed(value))}`;
        problems.push(namespace === undefined
            ? `${name} has no namespace (keys are <namespace>:<name>, the namespace one of ${NAMESPACES.join(", ")})${given}`
            : `${name} is in namespace ${show(namespace)}, which this program does not read (allowed: ${NAMESPACES.join(", ")})${given}`);
    }
    return { project: projectKeys(all), providers };
}
