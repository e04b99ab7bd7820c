import * as assert from "assert";
import { parse } from "yaml";
import { EC2_DATA_MOUNT } from "../../components/platforms/ec2/layout";
import { alertRules, METRICS, MetricName, monitoringInput, MonitoringInput, renderExporterQueries, renderGrafanaDashboard, renderPoolExporterQueries } from "../../components/render";
import { dockerContext } from "./fixtures";
import { promqlReads } from "./promql";

/** Labels Prometheus adds to every scraped series. */
const SCRAPE_LABELS = ["job", "instance"];

function devInput(): MonitoringInput {
    const context = dockerContext();
    return monitoringInput(context.config, context.topology, EC2_DATA_MOUNT);
}

/** Every PromQL expression the monitoring renders, named by where it is: each rule's expr and each panel's queries. */
function renderedExpressions(input: MonitoringInput): { readonly where: string; readonly expr: string }[] {
    const dashboard = JSON.parse(renderGrafanaDashboard(input)) as { panels: { title: string; targets: { refId: string; expr: string }[] }[] };
    return [
        ...alertRules(input).map((rule) => ({ where: `rule ${rule.alert}${JSON.stringify(rule.labels)}`, expr: rule.expr })),
        ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr }))),
    ];
}

const isInventoried = (name: string): name is MetricName => Object.prototype.hasOwnProperty.call(METRICS, name);

describe("metric inventory: every name the rules and the dashboard use, parsed with the Prometheus project's PromQL grammar", () => {
    const input = devInput();
    const expressions = renderedExpressions(input);

    it("parses every rule expression and panel query without a syntax error", () => {
        assert.ok(expressions.length > 20, `only ${expressions.length} expressions`);
        for (const { where, expr } of expressions) assert.doesNotThrow(() => promqlReads(expr), `${where}: ${expr}`);
    });

    it("finds every metric name used in the inventory", () => {
        for (const { where, expr } of expressions) {
            for (const { name } of promqlReads(expr).metrics) assert.ok(isInventoried(name), `${where} uses ${name}, which is not in METRICS: ${expr}`);
        }
    });

    it("uses every metric of the inventory in a rule or a panel (no dead entries)", () => {
        const used = new Set(expressions.flatMap(({ expr }) => promqlReads(expr).metrics.map((selected) => selected.name)));
        const unused = Object.keys(METRICS).filter((name) => !used.has(name));
        assert.deepStrictEqual(unused, [], `in METRICS but in no rule or panel: ${unused.join(", ")}`);
    });

    it("matches and groups only on labels the metrics have", () => {
        for (const { where, expr } of expressions) {
            const reads = promqlReads(expr);
            const known = new Set([...SCRAPE_LABELS, ...reads.metrics.flatMap((selected) => (isInventoried(selected.name) ? METRICS[selected.name].labels : []))]);
            for (const selected of reads.metrics) {
                const labels: readonly string[] = isInventoried(selected.name) ? METRICS[selected.name].labels : [];
                for (const label of selected.matchedLabels) assert.ok(labels.includes(label) || SCRAPE_LABELS.includes(label), `${where}: ${selected.name} has no label ${label}: ${expr}`);
            }
            for (const label of reads.groupingLabels) assert.ok(known.has(label), `${where}: no metric of the expression has the label ${label}: ${expr}`);
        }
    });

    it("takes the project's query metrics from the exporters' queries.yaml as rendered: query name, then a GAUGE column; the labels its LABEL columns", () => {
        const rendered = { exporterQuery: renderExporterQueries([{ service: "node0", expiresAt: 1893456000 }]), poolExporterQuery: renderPoolExporterQueries() };
        const ours = Object.entries(METRICS).filter(([, source]) => source.producer === "exporterQuery" || source.producer === "poolExporterQuery");
        assert.ok(ours.filter(([, source]) => source.producer === "poolExporterQuery").length > 0);
        for (const [name, source] of ours) {
            const queries = parse(rendered[source.producer as keyof typeof rendered]) as Record<string, { metrics: Record<string, { usage: string }>[] }>;
            const query = Object.keys(queries).find((prefix) => name.startsWith(`${prefix}_`));
            assert.ok(query !== undefined, `${name}: no query in queries.yaml is its prefix`);
            const columns = Object.assign({}, ...queries[query].metrics) as Record<string, { usage: string }>;
            const column = name.slice(query.length + 1);
            assert.strictEqual(columns[column]?.usage, "GAUGE", `${name}: queries.yaml's ${query} has no GAUGE column ${column}`);
            assert.ok(source.origin.includes(`query ${query}, column ${column}`), `${name}: origin ${source.origin}`);
            const labelColumns = Object.entries(columns).filter(([, mapping]) => mapping.usage === "LABEL").map(([label]) => label);
            assert.deepStrictEqual([...source.labels].sort(), ["server", ...labelColumns].sort(), `${name}: labels`);
        }
    });

    it("has teeth: a syntax error, a selector without a literal name and an unknown name are caught", () => {
        assert.throws(() => promqlReads("pg_up =="), /syntax error/);
        assert.throws(() => promqlReads("sum by (server (pg_up)"), /syntax error/);
        assert.throws(() => promqlReads('{__name__="pg_up"}'), /selector without a metric name/);
        assert.deepStrictEqual(promqlReads('absent(pg_statik{server="a:1"}) and on() (pg_up == 1)').metrics.map((selected) => selected.name), ["pg_statik", "pg_up"]);
        assert.ok(!isInventoried("pg_statik"));
    });
});
