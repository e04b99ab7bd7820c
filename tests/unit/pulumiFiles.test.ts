import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_NAMESPACE } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { loadStackFile, readProjectFile, readStackFileConfig, readYamlFile, stackFilePath } from "../../config/stackFile";

/** Top-level keys of a project file in Pulumi's project schema. */
const PROJECT_KEYS = ["name", "runtime", "description", "main", "config", "stackConfigDir", "backend", "options", "template", "plugins", "author", "website", "license", "packages"];
const RUNTIMES = ["nodejs", "python", "go", "dotnet", "java", "yaml"];
/** Options the nodejs runtime takes. */
const NODEJS_OPTIONS = ["typescript", "nodeargs", "packagemanager"];
/** Top-level keys of a stack file. */
const STACK_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"];
/** Project keys whose value the loader reads as a mapping or a list, never as a string. */
const STRUCTURED = { ports: "mapping", nodeSizing: "mapping", frontSizing: "mapping", pool: "mapping", docker: "mapping", ec2: "mapping", backup: "mapping", monitoring: "mapping", allowedClientCidrs: "list" } as const;

function stacks(): string[] {
    return fs.readdirSync(PROJECT_ROOT).map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1]).filter((stack): stack is string => stack !== undefined);
}

/** Config namespaces a stack file may use: the project's and those of the providers the program depends on. */
function allowedNamespaces(project: string): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const providers = Object.keys(manifest.dependencies).filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/pulumi").map((name) => name.slice("@pulumi/".length));
    return [project, ...providers];
}

describe("Pulumi project and stack files, as the Pulumi CLI loads them", () => {
    it("finds the dev and prod stack files", () => {
        assert.deepStrictEqual(stacks().sort(), ["dev", "prod"]);
    });

    it("parses Pulumi.yaml as strict YAML into a valid nodejs project named after the config namespace", () => {
        const project = readProjectFile() as unknown as Record<string, unknown>;
        for (const key of Object.keys(project)) assert.ok(PROJECT_KEYS.includes(key), `Pulumi.yaml has an unknown key ${key}`);
        assert.strictEqual(project.name, CONFIG_NAMESPACE);
        assert.match(String(project.name), /^[A-Za-z0-9_.-]{1,100}$/);
        assert.strictEqual(typeof project.description, "string");
        const runtime = project.runtime as string | { name: string; options?: Record<string, unknown> };
        const runtimeName = typeof runtime === "string" ? runtime : runtime.name;
        assert.ok(RUNTIMES.includes(runtimeName), `runtime ${JSON.stringify(runtime)}`);
        assert.strictEqual(runtimeName, "nodejs");
        if (typeof runtime === "object") {
            for (const option of Object.keys(runtime.options ?? {})) assert.ok(NODEJS_OPTIONS.includes(option), `unknown nodejs runtime option ${option}`);
            assert.ok(runtime.options?.typescript === undefined || typeof runtime.options.typescript === "boolean");
        }
        if (project.main !== undefined) assert.ok(fs.existsSync(path.join(PROJECT_ROOT, String(project.main))), `main ${String(project.main)} does not exist`);
    });

    for (const stack of ["dev", "prod"]) {
        it(`parses Pulumi.${stack}.yaml strictly: namespaced keys, structured values, and a config the loader accepts`, () => {
            const document = readYamlFile(stackFilePath(stack)) as Record<string, unknown>;
            for (const key of Object.keys(document)) assert.ok(STACK_KEYS.includes(key), `Pulumi.${stack}.yaml has an unknown key ${key}`);
            const namespaces = allowedNamespaces(readProjectFile().name);
            const config = readStackFileConfig(stack);
            assert.ok(Object.keys(config).length > 0);
            for (const [key, value] of Object.entries(config)) {
                const match = /^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$/.exec(key);
                assert.ok(match, `${key} is not of the form namespace:name`);
                assert.ok(namespaces.includes(match[1]!), `${key}: namespace ${match[1]} is neither the project's nor a provider's (${namespaces.join(", ")})`);
                const structured = match[1] === CONFIG_NAMESPACE ? STRUCTURED[match[2] as keyof typeof STRUCTURED] : undefined;
                if (structured === "mapping") assert.ok(typeof value === "object" && value !== null && !Array.isArray(value), `${key} must be a YAML mapping`);
                if (structured === "list") assert.ok(Array.isArray(value), `${key} must be a YAML list`);
            }
            assert.strictEqual(loadStackFile(stack).platform, stack === "dev" ? "docker" : "ec2");
        });
    }

    it("refuses a file that is not strict YAML, naming the file and the line", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-yaml-"));
        try {
            const file = path.join(dir, "Pulumi.yaml");
            fs.writeFileSync(file, "name: x\ndescription: a: b\n");
            assert.throws(() => readYamlFile(file), (error: Error) => error.message.startsWith(`${file} is not valid YAML:`) && /line 2/.test(error.message));
            fs.writeFileSync(file, "name: x\nname: y\n");
            assert.throws(() => readYamlFile(file), /not valid YAML/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
