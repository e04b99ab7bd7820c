import * as assert from "assert";
import { parse } from "yaml";
import { EC2_DATA_MOUNT } from "../../components/platforms/ec2/layout";
import { monitoringInput, MonitoringInput, PROMETHEUS_DATASOURCE, renderGrafanaDashboard, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "../../components/render";
import { dockerContext } from "./fixtures";

interface Panel {
    id: number;
    title: string;
    datasource: { type: string; uid: string };
    gridPos: { h: number; w: number; x: number; y: number };
    fieldConfig: { defaults: { unit: string; thresholds?: { steps: { color: string; value: number | null }[] } } };
    targets: { refId: string; expr: string; datasource: { uid: string } }[];
}

function devInput(raw: Record<string, unknown> = {}): MonitoringInput {
    const context = dockerContext(raw);
    return monitoringInput(context.config, context.topology, EC2_DATA_MOUNT);
}

function dashboardOf(input: MonitoringInput): { uid: string; title: string; panels: Panel[] } {
    return JSON.parse(renderGrafanaDashboard(input)) as { uid: string; title: string; panels: Panel[] };
}

const panelTitled = (panels: readonly Panel[], title: string): Panel => {
    const panel = panels.find((candidate) => candidate.title === title);
    assert.ok(panel, `no panel "${title}" among ${panels.map((candidate) => candidate.title).join(", ")}`);
    return panel;
};

describe("Grafana dashboard and provisioning", () => {
    it("has a panel for lag in bytes and seconds, connections, transactions, pgpool backends, WAL archiving, backup age and disk", () => {
        const { panels } = dashboardOf(devInput());
        assert.deepStrictEqual(panels.map((panel) => panel.title), [
            "Replication lag (bytes)", "Replication lag (seconds)", "Connections vs max_connections", "Transactions per second",
            "pgpool backends by status", "WAL archiving", "Backup age", "Data disk free",
        ]);
        assert.match(panelTitled(panels, "Transactions per second").targets[0]!.expr, /^sum by \(server\) \(rate\(pg_stat_database_xact_commit\[5m\]\)\)$/);
        assert.deepStrictEqual(panelTitled(panels, "WAL archiving").targets.map((target) => target.refId), ["A", "B"]);
    });

    it("lays the panels out without overlap, each with its own id, on the provisioned Prometheus", () => {
        const { panels } = dashboardOf(devInput());
        assert.strictEqual(new Set(panels.map((panel) => panel.id)).size, panels.length);
        const cells = new Set<string>();
        for (const panel of panels) {
            assert.deepStrictEqual(panel.datasource, PROMETHEUS_DATASOURCE);
            for (const target of panel.targets) assert.strictEqual(target.datasource.uid, PROMETHEUS_DATASOURCE.uid);
            const { x, y, w, h } = panel.gridPos;
            assert.ok(x >= 0 && x + w <= 24, `${panel.title} is outside Grafana's 24 columns`);
            for (let column = x; column < x + w; column++) {
                for (let row = y; row < y + h; row++) {
                    assert.ok(!cells.has(`${column},${row}`), `${panel.title} overlaps another panel at ${column},${row}`);
                    cells.add(`${column},${row}`);
                }
            }
        }
    });

    it("draws the alert thresholds of pg-ha:monitoring", () => {
        const thresholdOf = (input: MonitoringInput, title: string) => panelTitled(dashboardOf(input).panels, title).fieldConfig.defaults.thresholds!.steps[1]!;
        assert.deepStrictEqual(thresholdOf(devInput(), "Replication lag (bytes)"), { color: "red", value: 104857600 });
        assert.deepStrictEqual(thresholdOf(devInput({ monitoring: { lagBytes: 1048576 } }), "Replication lag (bytes)"), { color: "red", value: 1048576 });
        assert.deepStrictEqual(thresholdOf(devInput({ monitoring: { lagSeconds: 5 } }), "Replication lag (seconds)"), { color: "red", value: 5 });
        // Disk: red below the free share, green above it.
        assert.deepStrictEqual(panelTitled(dashboardOf(devInput()).panels, "Data disk free").fieldConfig.defaults.thresholds!.steps, [{ color: "red", value: null }, { color: "green", value: 0.15 }]);
    });

    it("provisions the Prometheus data source the panels name, and a file provider for the dashboard", () => {
        const datasources = parse(renderGrafanaDatasources("http://prometheus:9090")) as { apiVersion: number; datasources: Record<string, unknown>[] };
        assert.strictEqual(datasources.apiVersion, 1);
        assert.deepStrictEqual(datasources.datasources, [{
            name: "Prometheus", type: "prometheus", uid: PROMETHEUS_DATASOURCE.uid, access: "proxy", url: "http://prometheus:9090", isDefault: true, editable: false,
        }]);
        const providers = parse(renderGrafanaDashboardProvider("/var/lib/grafana/dashboards/pg-ha")) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
        assert.strictEqual(providers.apiVersion, 1);
        assert.strictEqual(providers.providers.length, 1);
        assert.strictEqual(providers.providers[0]!.type, "file");
        assert.strictEqual(providers.providers[0]!.options.path, "/var/lib/grafana/dashboards/pg-ha");
    });
});
