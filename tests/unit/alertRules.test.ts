import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { MONITORING_DEFAULTS } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { EC2_DATA_MOUNT } from "../../components/platforms/ec2/layout";
import { AlertRule, alertRules, ARCHIVE_STALENESS_SECONDS, monitoringInput, MonitoringInput, renderAlertRules, RenderContext } from "../../components/render";
import { ARCHIVE_TIMEOUT_SECONDS, renderPostgresqlConf } from "../../components/render/postgresqlConf";
import { AlertCase, alertCases } from "./alertRuleCases";
import { dockerContext, settingsOf } from "./fixtures";
import { runPrometheusTool } from "./prometheusTools";

const RULES_FILE = "rules.yml";

/** The monitoring input of the dev stack, with `raw` config on top of its defaults. */
function devInput(raw: Record<string, unknown> = {}): MonitoringInput {
    const context = dockerContext(raw);
    return monitoringInput(context.config, context.topology, EC2_DATA_MOUNT);
}

/** `{{ $labels.NAME }}` filled in as Prometheus's templates do (`<no value>` for a label the alert lacks). */
function expand(template: string, labels: Readonly<Record<string, string>>): string {
    const expanded = template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_match, name: string) => labels[name] ?? "<no value>");
    assert.ok(!expanded.includes("{{"), `annotation ${JSON.stringify(template)} uses a template other than {{ $labels.NAME }}`);
    return expanded;
}

/** The rule an expected alert comes from: same name, and the rule's own labels (a per-node rule's node) among the alert's. */
function ruleOf(rules: readonly AlertRule[], alert: string, labels: Readonly<Record<string, string>>): AlertRule {
    const matching = rules.filter((rule) => rule.alert === alert && Object.entries(rule.labels).every(([name, value]) => labels[name] === value));
    assert.strictEqual(matching.length, 1, `${alert} ${JSON.stringify(labels)}: expected one rule, found ${matching.length}`);
    return matching[0]!;
}

/** promtool's test file: one test group per case, the expected alerts with the labels and annotations the rule gives them. */
function promtoolTests(rules: readonly AlertRule[], cases: readonly AlertCase[]): string {
    return stringify({
        rule_files: [RULES_FILE],
        evaluation_interval: "1m",
        tests: cases.map((testCase) => ({
            name: `${testCase.alert}: ${testCase.name}`,
            interval: "1m",
            input_series: testCase.input,
            alert_rule_test: [{
                eval_time: testCase.at,
                alertname: testCase.alert,
                exp_alerts: testCase.fires.map((labels) => {
                    const rule = ruleOf(rules, testCase.alert, labels);
                    const expLabels = { ...labels, severity: rule.severity, ...rule.labels };
                    return { exp_labels: expLabels, exp_annotations: { summary: expand(rule.summary, expLabels), runbook: expand(rule.runbook, expLabels) } };
                }),
            }],
        })),
    }, { lineWidth: 0 });
}

/** Renders the rules and the cases of `input` into a fresh folder, and runs promtool's check and tests on them. */
function checkWithPromtool(input: MonitoringInput): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-rules-"));
    try {
        fs.writeFileSync(path.join(dir, RULES_FILE), renderAlertRules(input));
        fs.writeFileSync(path.join(dir, "tests.yml"), promtoolTests(alertRules(input), alertCases(input)));
        const checked = runPrometheusTool("promtool", ["check", "rules", RULES_FILE], dir);
        assert.match(checked, new RegExp(`SUCCESS: ${alertRules(input).length} rules found`));
        return runPrometheusTool("promtool", ["test", "rules", "tests.yml"], dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const identity = (rule: AlertRule): string => `${rule.alert}${JSON.stringify(rule.labels)}`;

describe("alert rules (Prometheus), rendered from pg-ha:monitoring", function () {
    // promtool evaluates every case minute by minute, some over two hours.
    this.timeout(60_000);

    it("has, for every rule, a case where it fires and one where it must not", () => {
        const input = devInput();
        const rules = alertRules(input);
        const cases = alertCases(input);
        for (const rule of rules) {
            const firing = cases.filter((testCase) => testCase.alert === rule.alert && testCase.fires.some((labels) => ruleOf(rules, rule.alert, labels) === rule));
            assert.ok(firing.length > 0, `no case where ${identity(rule)} fires`);
            assert.ok(cases.some((testCase) => testCase.alert === rule.alert && testCase.fires.length === 0), `no case where ${rule.alert} must not fire`);
        }
        for (const testCase of cases) assert.ok(rules.some((rule) => rule.alert === testCase.alert), `case for ${testCase.alert}, which no rule has`);
    });

    it("passes promtool check rules and promtool test rules with the default settings", () => {
        assert.match(checkWithPromtool(devInput()), /SUCCESS/);
    });

    it("passes the same promtool cases with every threshold changed: the rules read the settings", () => {
        const monitoring = { lagBytes: 1048576, lagSeconds: 5, connectionsRatio: 0.5, diskFreeRatio: 0.4, certificateDays: 45, archiveFailureMinutes: 3 };
        assert.match(checkWithPromtool(devInput({ monitoring, backup: { retentionDays: 30 } })), /SUCCESS/);
    });

    it("changes exactly the rule of a threshold that changes", () => {
        const changes: readonly [string, Record<string, unknown>, readonly string[]][] = [
            ["lagBytes", { monitoring: { lagBytes: 1048576 } }, ["PostgresReplicationLagBytes"]],
            ["lagSeconds", { monitoring: { lagSeconds: 5 } }, ["PostgresReplicationLagSeconds"]],
            ["connectionsRatio", { monitoring: { connectionsRatio: 0.5 } }, ["PostgresConnectionsNearMax"]],
            ["diskFreeRatio", { monitoring: { diskFreeRatio: 0.4 } }, ["PostgresDataDiskFilling"]],
            ["certificateDays", { monitoring: { certificateDays: 45 } }, ["CertificateExpiringSoon"]],
            ["archiveFailureMinutes", { monitoring: { archiveFailureMinutes: 3 } }, ["PostgresWalArchiveFailing"]],
            ["backup.retentionDays", { backup: { retentionDays: 30 } }, ["PostgresFullBackupMissing"]],
            ["webhookUrl", { monitoring: { webhookUrl: "https://alerts.example.com/hook" } }, []],
        ];
        const defaults = new Map(alertRules(devInput()).map((rule) => [identity(rule), `${rule.expr} for ${rule.for}`]));
        for (const [setting, raw, expected] of changes) {
            const changed = alertRules(devInput(raw)).filter((rule) => defaults.get(identity(rule)) !== `${rule.expr} for ${rule.for}`).map((rule) => rule.alert);
            assert.deepStrictEqual(changed, expected, `changing ${setting}`);
        }
        const lag = alertRules(devInput({ monitoring: { lagBytes: 1048576 } })).find((rule) => rule.alert === "PostgresReplicationLagBytes")!;
        assert.strictEqual(lag.expr, "max by (application_name) (pg_ha_replication_lag_bytes) > 1048576");
        assert.strictEqual(lag.summary, "{{ $labels.application_name }} is more than 1 MB of WAL behind the primary");
    });

    it("pages at 100 MB or 60 s of lag by default, and calls the archive stale after 3 x archive_timeout", () => {
        assert.strictEqual(MONITORING_DEFAULTS.lagBytes, 100 * 1024 * 1024);
        const exprs = new Map(alertRules(devInput()).map((rule) => [rule.alert, rule.expr]));
        assert.match(exprs.get("PostgresReplicationLagBytes")!, / > 104857600$/);
        assert.match(exprs.get("PostgresReplicationLagSeconds")!, / > 60$/);
        assert.strictEqual(ARCHIVE_STALENESS_SECONDS, 3 * ARCHIVE_TIMEOUT_SECONDS);
        const context: RenderContext = { ...dockerContext(), backup: { repository: { type: "posix", path: "/var/lib/pgbackrest" }, retentionDays: 14 } };
        assert.strictEqual(settingsOf(renderPostgresqlConf(context, context.topology.nodes[0]!)).get("archive_timeout"), `${ARCHIVE_TIMEOUT_SECONDS}s`);
        assert.match(exprs.get("PostgresWalArchiveStale")!, new RegExp(`^pg_stat_archiver_last_archive_age > ${3 * ARCHIVE_TIMEOUT_SECONDS}\\n`));
    });

    it("renders the node rules once per node, each with its node's server label", () => {
        const input = devInput({ replicas: 3 });
        for (const alert of ["PostgresNodeDown", "PostgresReplicaNotStreaming"]) {
            const rules = alertRules(input).filter((rule) => rule.alert === alert);
            assert.deepStrictEqual(rules.map((rule) => rule.labels.node), ["node0", "node1", "node2", "node3"]);
            for (const [index, rule] of rules.entries()) assert.ok(rule.expr.includes(`{server="node${index}:${5432 + index}"}`), rule.expr);
        }
    });

    it("gives every rule a severity, a summary, and a runbook that names a command the project has", () => {
        const scripts = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
        const rendered = parse(renderAlertRules(devInput())) as { groups: { rules: { labels: Record<string, string>; annotations: Record<string, string> }[] }[] };
        for (const rule of rendered.groups[0]!.rules) {
            assert.ok(["critical", "warning"].includes(rule.labels.severity!), JSON.stringify(rule));
            assert.ok(rule.annotations.summary, JSON.stringify(rule));
            const commands = [...rule.annotations.runbook!.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1]!);
            assert.ok(commands.length > 0 || /pulumi up/.test(rule.annotations.runbook!), `runbook names no command: ${rule.annotations.runbook}`);
            for (const command of commands) assert.ok(scripts.includes(command), `runbook names npm run ${command}, which package.json does not have`);
        }
    });

    it("is the README's alert table: every rule once, with its for and severity", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const section = readme.slice(readme.indexOf("## Monitoring"), readme.indexOf("\n## ", readme.indexOf("## Monitoring") + 1));
        const rows = [...section.matchAll(/^\| `(\w+)`[^|]*\|[^|]*\| (\S+) \| (\w+) \|/gm)].map((match) => `${match[1]} ${match[2]} ${match[3]}`);
        const rules = [...new Set(alertRules(devInput()).map((rule) => `${rule.alert} ${rule.for} ${rule.severity}`))];
        assert.deepStrictEqual(rows, rules);
    });
});
