import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { EC2_DATA_MOUNT } from "../../components/platforms/ec2/layout";
import { ALERT_GROUPING, ALERTMANAGER_CONFIG_FILE, alertmanagerConfigFile, alertRules, monitoringInput, RenderedFile } from "../../components/render";
import { dockerContext } from "./fixtures";
import { runPrometheusTool } from "./prometheusTools";

/** A webhook URL that carries a token, as chat and paging services hand them out. */
const WEBHOOK_URL = "https://alerts.example.com/hooks/pg-ha?token=s3cr3t-t0ken";

interface Receiver {
    name: string;
    webhook_configs?: { url: string; send_resolved: boolean }[];
}

/** The parts of alertmanager.yml the tests read. */
interface AlertmanagerYaml {
    route: { receiver: string; group_by: string[]; group_wait: string; group_interval: string; repeat_interval: string };
    receivers: Receiver[];
}

/** Writes `file` into a fresh folder and runs amtool in it; returns amtool's outputs, one per command. */
function withAmtool(file: RenderedFile, commands: readonly (readonly string[])[]): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-alertmanager-"));
    try {
        fs.writeFileSync(path.join(dir, file.name), file.content);
        return commands.map((args) => runPrometheusTool("amtool", args, dir));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** amtool's check, then a route test that fails unless every alert of the rules goes to `receiver`. */
function checkWithAmtool(file: RenderedFile, receiver: string): string[] {
    const context = dockerContext();
    const alertNames = [...new Set(alertRules(monitoringInput(context.config, context.topology, EC2_DATA_MOUNT)).map((rule) => rule.alert))];
    return withAmtool(file, [
        ["check-config", file.name],
        ...alertNames.map((alertname) => ["config", "routes", "test", `--config.file=${file.name}`, `--verify.receivers=${receiver}`, `alertname=${alertname}`]),
    ]);
}

const parsed = (file: RenderedFile): AlertmanagerYaml => parse(file.content) as AlertmanagerYaml;

describe("alertmanager.yml", function () {
    this.timeout(30_000);

    it("passes amtool check-config with a webhook URL, and routes every alert of the rules to the webhook", () => {
        const file = alertmanagerConfigFile(WEBHOOK_URL);
        assert.strictEqual(file.name, ALERTMANAGER_CONFIG_FILE);
        const [checked] = checkWithAmtool(file, "webhook");
        assert.match(checked!, /SUCCESS[\s\S]*- 1 receivers/);
    });

    it("passes amtool check-config without a webhook URL, every alert going to a receiver that notifies nobody", () => {
        const [checked] = checkWithAmtool(alertmanagerConfigFile(""), "no-notification");
        assert.match(checked!, /SUCCESS[\s\S]*- 1 receivers/);
    });

    it("posts to the configured URL, resolved alerts too, and is secret then: the URL may hold a token", () => {
        const file = alertmanagerConfigFile(WEBHOOK_URL);
        assert.deepStrictEqual(parsed(file).receivers, [{ name: "webhook", webhook_configs: [{ url: WEBHOOK_URL, send_resolved: true }] }]);
        assert.strictEqual(parsed(file).route.receiver, "webhook");
        assert.strictEqual(file.secret, true);
        assert.strictEqual(file.mode, 0o600);
    });

    it("without a URL has a receiver with no notifier, and nothing secret in it", () => {
        const file = alertmanagerConfigFile("");
        assert.deepStrictEqual(parsed(file).receivers, [{ name: "no-notification" }]);
        assert.strictEqual(parsed(file).route.receiver, "no-notification");
        assert.strictEqual(file.secret, false);
        assert.strictEqual(file.mode, 0o644);
    });

    it("groups by alert name and scrape target, with the documented waits", () => {
        for (const webhookUrl of [WEBHOOK_URL, ""]) {
            const { route } = parsed(alertmanagerConfigFile(webhookUrl));
            assert.deepStrictEqual(route.group_by, ["alertname", "instance"]);
            assert.deepStrictEqual([route.group_wait, route.group_interval, route.repeat_interval], ["30s", "5m", "4h"]);
            assert.deepStrictEqual([ALERT_GROUPING.groupWait, ALERT_GROUPING.groupInterval, ALERT_GROUPING.repeatInterval], ["30s", "5m", "4h"]);
        }
    });
});
