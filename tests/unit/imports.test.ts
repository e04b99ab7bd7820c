import * as assert from "assert";
import * as path from "path";
import madge from "madge";
import { PROJECT_ROOT } from "../../config/projectRoot";

/** The project's own TypeScript import graph, type-only imports included. */
async function importGraph(): Promise<madge.MadgeInstance> {
    return madge(["index.ts", "config", "components", "scripts", "tests"].map((entry) => path.join(PROJECT_ROOT, entry)), {
        baseDir: PROJECT_ROOT,
        fileExtensions: ["ts"],
        excludeRegExp: [/node_modules/, /^build/],
        tsConfig: path.join(PROJECT_ROOT, "tsconfig.json"),
        detectiveOptions: { ts: { skipTypeImports: false } },
    });
}

describe("import structure", function () {
    this.timeout(60_000);
    let graph: Record<string, string[]>;
    let circles: string[][];

    before(async () => {
        const instance = await importGraph();
        graph = instance.obj();
        circles = instance.circular();
    });

    it("reads the whole tree", () => {
        for (const file of ["index.ts", "config/load.ts", "components/plan/planCluster.ts", "scripts/lib/local/cluster.ts"]) {
            assert.ok(graph[file] !== undefined, `${file} is not in the graph`);
        }
        assert.ok(graph["index.ts"]!.length > 0, "imports are resolved");
    });

    it("has no import circle", () => {
        assert.deepStrictEqual(circles, []);
    });

    it("imports nothing from tests/ outside tests/", () => {
        const offenders = Object.entries(graph).filter(([file]) => !file.startsWith("tests/"))
            .flatMap(([file, imports]) => imports.filter((imported) => imported.startsWith("tests/")).map((imported) => `${file} -> ${imported}`));
        assert.deepStrictEqual(offenders, []);
    });
});
