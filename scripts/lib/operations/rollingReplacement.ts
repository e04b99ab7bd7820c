import { HostInstance } from "../../../components/render";

/** One step of a rolling replacement, in the order they run. */
export type RollStep =
    /** `pulumi up` restricted to one host's own resources: its secret files, instance, volume attachment, DNS names. */
    | { readonly kind: "replace"; readonly host: string; readonly argv: readonly string[] }
    /** Wait until the node streams from the primary and pgpool has it up. */
    | { readonly kind: "await-standby"; readonly node: string }
    /** The planned switchover (switchover.sh on the front host) to a node already replaced. */
    | { readonly kind: "switchover"; readonly to: string }
    /** `pulumi up` of everything else: the front host and what the hosts share. */
    | { readonly kind: "apply-rest"; readonly argv: readonly string[] };

export interface RollInput {
    readonly stack: string;
    /** The stack's `hostInstances` output. */
    readonly hosts: Readonly<Record<string, HostInstance>>;
    /** The PostgreSQL nodes, in their order. */
    readonly nodes: readonly string[];
    /** The node that answers as primary now. */
    readonly primary: string;
    /** Replace each node's instance even when nothing of it changed (`--replace`). */
    readonly force: boolean;
}

/**
 * The order in which a stack's hosts are replaced without losing the primary more than once, for
 * a switchover: each standby on its own, waiting until it streams again before the next; then a
 * switchover to the first standby replaced; then the former primary, now a standby, the same way;
 * then everything else in one `pulumi up` (the front host last: pgpool is down while it boots).
 * Each replacement targets only that host's own resources, so no other host changes meanwhile.
 */
export function rollingPlan(input: RollInput): RollStep[] {
    const missing = input.nodes.filter((node) => input.hosts[node] === undefined);
    if (missing.length > 0) throw new Error(`the stack's hostInstances output names no host for ${missing.join(", ")}: run pulumi up once with this version of the program first`);
    if (!input.nodes.includes(input.primary)) throw new Error(`${input.primary} is not one of the stack's nodes (${input.nodes.join(", ")})`);
    const standbys = input.nodes.filter((node) => node !== input.primary);
    if (standbys.length === 0) throw new Error("a rolling replacement needs a standby to switch over to: a single node can only be replaced with an outage (pulumi up)");
    const up = ["pulumi", "up", "--stack", input.stack, "--yes"];
    const replace = (host: string): RollStep[] => {
        const { urns, instanceUrn } = input.hosts[host]!;
        return [
            { kind: "replace", host, argv: [...up, ...urns.flatMap((urn) => ["--target", urn]), ...(input.force ? ["--replace", instanceUrn] : [])] },
            { kind: "await-standby", node: host },
        ];
    };
    return [
        ...standbys.flatMap(replace),
        { kind: "switchover", to: standbys[0]! },
        ...replace(input.primary),
        { kind: "apply-rest", argv: up },
    ];
}

/** A step in words, one line. */
export function describeStep(step: RollStep): string {
    switch (step.kind) {
        case "replace": {
            const targets = step.argv.filter((arg) => arg === "--target").length;
            return `replace ${step.host}'s host: ${step.argv.slice(0, 5).join(" ")} with --target on its ${targets} own resources${step.argv.includes("--replace") ? " and --replace of its instance" : ""}`;
        }
        case "await-standby": return `wait until ${step.node} streams from the primary and pgpool has it up`;
        case "switchover": return `switch over to ${step.to}`;
        case "apply-rest": return `apply the rest: ${step.argv.join(" ")}`;
    }
}
