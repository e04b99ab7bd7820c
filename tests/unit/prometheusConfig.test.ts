import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { EC2_DATA_MOUNT } from "../../components/platforms/ec2/layout";
import { alertRules, CA_CERT_FILE, monitoringInput, PROMETHEUS_INTERVAL, PrometheusConfigInput, renderAlertRules, renderPrometheusConfig } from "../../components/render";
import { dockerContext, testTls } from "./fixtures";
import { runPrometheusTool } from "./prometheusTools";

const RULES_FILE = "rules.yml";
const CONFIG_FILE = "prometheus.yml";

interface StaticTargets {
    targets: string[];
}

interface ScrapeConfig {
    job_name: string;
    scheme?: string;
    tls_config?: { ca_file?: string; server_name?: string };
    static_configs: StaticTargets[];
}

/** The parts of prometheus.yml the tests read. */
interface PrometheusYaml {
    global: { scrape_interval: string; evaluation_interval: string };
    rule_files: string[];
    alerting: { alertmanagers: { scheme: string; static_configs: StaticTargets[] }[] };
    scrape_configs: ScrapeConfig[];
}

const context = dockerContext();
const rulesInput = monitoringInput(context.config, context.topology, EC2_DATA_MOUNT);

/** The dev stack's exporter, and the rules file and CA in `dir`, with `extra` on top. */
function configInput(dir: string, extra: Partial<PrometheusConfigInput> = {}): PrometheusConfigInput {
    return {
        rulesFile: path.join(dir, RULES_FILE),
        caFile: path.join(dir, CA_CERT_FILE),
        exporter: context.topology.exporter,
        exporterServerName: context.topology.exporter.host,
        poolExporter: context.topology.poolExporter,
        alertmanager: { host: "alertmanager", port: 9093 },
        ...extra,
    };
}

/** Renders prometheus.yml of `configInput(dir, extra)` with the rules file and the CA beside it, into a fresh folder, and runs `promtool check config` on it. */
function checkWithPromtool(extra: Partial<PrometheusConfigInput> = {}): { dir: string; output: string; config: PrometheusYaml } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-prometheus-"));
    try {
        const input = configInput(dir, extra);
        const text = renderPrometheusConfig(input);
        fs.writeFileSync(input.rulesFile, renderAlertRules(rulesInput));
        fs.writeFileSync(input.caFile, testTls().caCertPem);
        fs.writeFileSync(path.join(dir, CONFIG_FILE), text);
        const output = runPrometheusTool("promtool", ["check", "config", CONFIG_FILE], dir);
        return { dir, output, config: parse(text) as PrometheusYaml };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const jobNamed = (config: PrometheusYaml, name: string): ScrapeConfig | undefined => config.scrape_configs.find((job) => job.job_name === name);

describe("prometheus.yml", function () {
    this.timeout(30_000);

    it("passes promtool check config, which also loads the rendered rules file it names", () => {
        const { output } = checkWithPromtool();
        assert.match(output, /SUCCESS: 1 rule files found/);
        assert.match(output, new RegExp(`SUCCESS: ${alertRules(rulesInput).length} rules found`));
    });

    it("scrapes the topology's postgres_exporter over HTTPS, verified with the cluster CA against the exporter's certificate name", () => {
        const { dir, config } = checkWithPromtool({ exporterServerName: "exporter.pg-ha.internal" });
        const job = jobNamed(config, "postgres_exporter");
        assert.ok(job, `no postgres_exporter job among ${config.scrape_configs.map((candidate) => candidate.job_name).join(", ")}`);
        assert.strictEqual(job.scheme, "https");
        assert.deepStrictEqual(job.tls_config, { ca_file: path.join(dir, CA_CERT_FILE), server_name: "exporter.pg-ha.internal" });
        assert.deepStrictEqual(job.static_configs, [{ targets: ["exporter:9187"] }]);
    });

    it("evaluates the rendered rules file and posts alerts to Alertmanager over HTTPS with the cluster CA, every 15 s", () => {
        const { dir, config } = checkWithPromtool();
        assert.deepStrictEqual(config.rule_files, [path.join(dir, RULES_FILE)]);
        assert.deepStrictEqual(config.alerting.alertmanagers, [{ scheme: "https", tls_config: { ca_file: path.join(dir, CA_CERT_FILE) }, static_configs: [{ targets: ["alertmanager:9093"] }] }]);
        assert.strictEqual(PROMETHEUS_INTERVAL, "15s");
        assert.deepStrictEqual(config.global, { scrape_interval: "15s", evaluation_interval: "15s" });
    });

    it("scrapes node_exporter over HTTPS with the cluster CA only when targets are given", () => {
        assert.strictEqual(jobNamed(checkWithPromtool().config, "node_exporter"), undefined);
        assert.strictEqual(jobNamed(checkWithPromtool({ nodeExporters: [] }).config, "node_exporter"), undefined);
        const nodeExporters = context.topology.nodes.map((node) => ({ host: node.host, port: 9100 }));
        const { dir, output, config } = checkWithPromtool({ nodeExporters });
        assert.match(output, /SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
        assert.deepStrictEqual(jobNamed(config, "node_exporter"), {
            job_name: "node_exporter",
            scheme: "https",
            tls_config: { ca_file: path.join(dir, CA_CERT_FILE) },
            static_configs: [{ targets: ["node0:9100", "node1:9100", "node2:9100"] }],
        });
    });
});
