import * as assert from "assert";
import { MONITORING_DEFAULTS, parseClusterConfig, parseStackConfig } from "../../config";
import { readStackFileConfig } from "../../config/stackFile";
import { assertRejected, problemsOf } from "./configProblems";

function assertRefused(monitoring: unknown, expected: string | RegExp): void {
    assertRejected({ monitoring }, expected);
}

describe("monitoring settings (pg-ha:monitoring)", () => {
    it("defaults every field: 100 MB or 60 s of lag, 80% of connections, 15% disk free, 14 days, no webhook", () => {
        assert.deepStrictEqual(parseClusterConfig({}).monitoring, {
            lagBytes: 104857600, lagSeconds: 60, connectionsRatio: 0.8, diskFreeRatio: 0.15, certificateDays: 14, archiveFailureMinutes: 10, webhookUrl: "",
        });
        assert.deepStrictEqual(parseClusterConfig({}).monitoring, MONITORING_DEFAULTS);
    });

    it("reads each field given and defaults the others, on both platforms", () => {
        const monitoring = { lagBytes: 1048576, lagSeconds: 30, webhookUrl: "https://alerts.example.com/hook" };
        assert.deepStrictEqual(parseClusterConfig({ monitoring }).monitoring, { ...MONITORING_DEFAULTS, ...monitoring });
        const prod = parseStackConfig({ ...readStackFileConfig("prod"), "pg-ha:monitoring": { connectionsRatio: 0.9, diskFreeRatio: 0.2, certificateDays: 30 } });
        assert.deepStrictEqual(prod.monitoring, { ...MONITORING_DEFAULTS, connectionsRatio: 0.9, diskFreeRatio: 0.2, certificateDays: 30 });
    });

    it("reads Pulumi's string values (pulumi config set --path pg-ha:monitoring.lagSeconds 30)", () => {
        assert.strictEqual(parseStackConfig({ ...readStackFileConfig("dev"), "pg-ha:monitoring": '{"lagSeconds":30}' }).monitoring.lagSeconds, 30);
    });

    describe("refuses bad values, naming the key, what is allowed and the value given", () => {
        it("lag in bytes: a whole number of bytes from 1 to 1 TiB", () => {
            assertRefused({ lagBytes: 0 }, "pg-ha:monitoring.lagBytes must be an integer 1..1099511627776, got 0");
            assertRefused({ lagBytes: "100MB" }, 'pg-ha:monitoring.lagBytes must be an integer 1..1099511627776, got "100MB"');
            assertRefused({ lagBytes: 1.5 }, "pg-ha:monitoring.lagBytes must be an integer 1..1099511627776, got 1.5");
        });
        it("lag in seconds: 1 to a day", () => {
            assertRefused({ lagSeconds: -1 }, "pg-ha:monitoring.lagSeconds must be an integer 1..86400, got -1");
            assertRefused({ lagSeconds: 86401 }, "pg-ha:monitoring.lagSeconds must be an integer 1..86400, got 86401");
        });
        it("ratios: a share, not a percentage", () => {
            assertRefused({ connectionsRatio: 80 }, "pg-ha:monitoring.connectionsRatio must be a number 0.1..1, got 80");
            assertRefused({ diskFreeRatio: 0 }, "pg-ha:monitoring.diskFreeRatio must be a number 0.01..0.9, got 0");
            assertRefused({ diskFreeRatio: null }, "pg-ha:monitoring.diskFreeRatio must be a number 0.01..0.9, got null");
        });
        it("certificate days: 1 to a year", () => {
            assertRefused({ certificateDays: 400 }, "pg-ha:monitoring.certificateDays must be an integer 1..365, got 400");
        });
        it("archive failure minutes: 1 to a day", () => {
            assertRefused({ archiveFailureMinutes: 0 }, "pg-ha:monitoring.archiveFailureMinutes must be an integer 1..1440, got 0");
            assertRefused({ archiveFailureMinutes: 2.5 }, "pg-ha:monitoring.archiveFailureMinutes must be an integer 1..1440, got 2.5");
        });
        it("webhook: an http or https URL, or empty", () => {
            const allowed = 'pg-ha:monitoring.webhookUrl must be an http or https URL such as https://alerts.example.com/hook, or "" for no notification (alerts then show only in Alertmanager and Prometheus), got';
            assertRefused({ webhookUrl: "alerts.example.com/hook" }, `${allowed} "alerts.example.com/hook"`);
            assertRefused({ webhookUrl: "ftp://alerts.example.com/hook" }, `${allowed} "ftp://alerts.example.com/hook"`);
            assertRefused({ webhookUrl: 42 }, `${allowed} 42`);
        });
        it("unknown fields, naming the known ones", () => {
            assertRefused({ lagMb: 100 }, "pg-ha:monitoring.lagMb is not a known setting (known: lagBytes, lagSeconds, connectionsRatio, diskFreeRatio, certificateDays, archiveFailureMinutes, webhookUrl)");
        });
        it("a value that is not an object", () => {
            assertRefused("strict", 'pg-ha:monitoring must be an object, got "strict"');
            assertRefused([], "pg-ha:monitoring must be an object, got []");
        });
    });

    it("reports every bad field at once", () => {
        assert.strictEqual(problemsOf({ monitoring: { lagBytes: 0, lagSeconds: 0, certificateDays: 0 } }).length, 3);
    });
});
