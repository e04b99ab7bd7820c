import { parser } from "@prometheus-io/lezer-promql";

/** A metric an expression selects, with the labels its matchers name. */
export interface SelectedMetric {
    readonly name: string;
    readonly matchedLabels: readonly string[];
}

/** What one PromQL expression reads: its metrics, and the labels it groups or matches on (by, without, on, ignoring). */
export interface PromqlReads {
    readonly metrics: readonly SelectedMetric[];
    readonly groupingLabels: readonly string[];
}

/**
 * Parses `expr` with the Prometheus project's PromQL grammar (@prometheus-io/lezer-promql) and
 * returns what it reads. Throws, naming the position, on a syntax error (Lezer marks it with an
 * error node and parses on), and on a selector without a literal metric name (`{__name__=~...}`),
 * whose metrics no inventory could check.
 */
export function promqlReads(expr: string): PromqlReads {
    const tree = parser.parse(expr);
    const metrics: SelectedMetric[] = [];
    const groupingLabels: string[] = [];
    const problems: string[] = [];
    tree.iterate({
        enter: (ref) => {
            if (ref.type.isError) {
                problems.push(`syntax error at ${ref.from}: ${JSON.stringify(expr.slice(ref.from, ref.from + 20))}`);
            } else if (ref.name === "VectorSelector") {
                const node = ref.node;
                const identifier = node.getChild("Identifier");
                if (identifier === null) {
                    problems.push(`selector without a metric name at ${ref.from}: ${JSON.stringify(expr.slice(ref.from, ref.to))}`);
                    return;
                }
                const matchers = node.getChild("LabelMatchers");
                if (matchers !== null && matchers.getChildren("QuotedLabelMatcher").length + matchers.getChildren("QuotedLabelName").length > 0) {
                    problems.push(`quoted label matcher at ${ref.from}: ${JSON.stringify(expr.slice(ref.from, ref.to))}`);
                }
                const matchedLabels = (matchers?.getChildren("UnquotedLabelMatcher") ?? []).map((matcher) => {
                    const label = matcher.getChild("LabelName");
                    return label === null ? "" : expr.slice(label.from, label.to);
                });
                metrics.push({ name: expr.slice(identifier.from, identifier.to), matchedLabels });
            } else if (ref.name === "GroupingLabels") {
                groupingLabels.push(...ref.node.getChildren("LabelName").map((label) => expr.slice(label.from, label.to)));
            }
        },
    });
    if (problems.length > 0) throw new Error(`PromQL ${JSON.stringify(expr)}: ${problems.join("; ")}`);
    return { metrics, groupingLabels };
}
