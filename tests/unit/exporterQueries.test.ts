import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { BACKUPS_TABLE, certificateExpiries, renderBootstrapSql, renderExporterQueries, STATUS_SCHEMA } from "../../components/render";
import { ROLE_NAMES } from "../../config";
import { dockerContext, testPasswords } from "./fixtures";

type Queries = Record<string, { query: string; metrics: Record<string, { usage: string }>[] }>;

/** A throwaway self-signed certificate valid for `days`, made with openssl at test time. */
function certificateValidFor(days: number): { certPem: string; notAfter: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-cert-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=node0", "-days", String(days), "-keyout", "key.pem", "-out", "cert.pem"], { cwd: dir, stdio: "ignore" });
        const endDate = execFileSync("openssl", ["x509", "-noout", "-enddate", "-in", "cert.pem"], { cwd: dir, encoding: "utf8" }).trim().replace(/^notAfter=/, "");
        return { certPem: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), notAfter: Date.parse(endDate) / 1000 };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the exporter's backup and certificate queries", () => {
    it("reads each certificate's notAfter as openssl does", () => {
        const [soon, later] = [certificateValidFor(10), certificateValidFor(400)];
        const expiries = certificateExpiries({
            node0: { caCertPem: soon.certPem, certPem: soon.certPem, keyPem: "" },
            pgpool: { caCertPem: later.certPem, certPem: later.certPem, keyPem: "" },
        });
        assert.deepStrictEqual(expiries, [{ service: "node0", expiresAt: soon.notAfter }, { service: "pgpool", expiresAt: later.notAfter }]);
    });

    it("reports the expiries as a constant table, and refuses a name or date that would not be plain SQL", () => {
        const queries = parse(renderExporterQueries([{ service: "node0", expiresAt: 1893456000 }, { service: "pool-exporter", expiresAt: 1893459600 }])) as Queries;
        assert.match(queries.pg_ha_certificate!.query, /VALUES \('node0', 1893456000\), \('pool-exporter', 1893459600\)/);
        assert.throws(() => renderExporterQueries([{ service: "x'); DROP TABLE t; --", expiresAt: 1 }]), /malformed/);
        assert.throws(() => renderExporterQueries([{ service: "node0", expiresAt: 1.5 }]), /malformed/);
        assert.throws(() => renderExporterQueries([]), /no certificate/);
    });

    it("reads backup ends from the table the bootstrap makes, which only the monitoring role may read", () => {
        const queries = parse(renderExporterQueries([{ service: "node0", expiresAt: 1893456000 }])) as Queries;
        assert.match(queries.pg_ha_backup!.query, new RegExp(`FROM ${STATUS_SCHEMA}\\.${BACKUPS_TABLE}\\b`));
        const bootstrap = renderBootstrapSql(dockerContext(), testPasswords());
        assert.match(bootstrap, new RegExp(`^CREATE TABLE ${STATUS_SCHEMA}\\.${BACKUPS_TABLE} \\(type text PRIMARY KEY, finished_at timestamptz NOT NULL\\);$`, "m"));
        assert.match(bootstrap, new RegExp(`^REVOKE ALL ON ${STATUS_SCHEMA}\\.${BACKUPS_TABLE} FROM PUBLIC;$`, "m"));
        assert.match(bootstrap, new RegExp(`^GRANT SELECT ON ${STATUS_SCHEMA}\\.${BACKUPS_TABLE} TO ${ROLE_NAMES.monitoring};$`, "m"));
    });
});
