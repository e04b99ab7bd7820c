import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseClusterConfig, PINNED_DEBIAN_VERSIONS, POSTGRES_IMAGES, postgresClientPackage } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { IMAGE_CONTEXTS, imageBuildArgs, builtImageName } from "../../components/platforms/docker/dockerPlatform";
import { dockerLayout } from "../../components/platforms/docker/layout";
import { ServiceKind } from "../../components/plan";

const KINDS = Object.keys(IMAGE_CONTEXTS) as ServiceKind[];

function dockerfile(kind: ServiceKind): string {
    return fs.readFileSync(path.join(PROJECT_ROOT, IMAGE_CONTEXTS[kind], "Dockerfile"), "utf8");
}

describe("Debian packages and their versions, from one place", () => {
    it("pins the versions this machine's tests run", () => {
        for (const [name, pinned] of Object.entries(PINNED_DEBIAN_VERSIONS)) {
            const query = spawnSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8" });
            assert.strictEqual(query.status, 0, `${name} is not installed here (scripts/install-test-deps.sh installs it): ${query.stderr}`);
            assert.strictEqual(query.stdout, pinned, `config/packages.ts pins ${name} ${pinned}, the tests run ${query.stdout}`);
        }
    });

    it("leaves every version out of the Dockerfiles: each one is a build argument without a default", () => {
        for (const kind of KINDS) {
            const text = dockerfile(kind);
            assert.doesNotMatch(text, /postgresql(-client)?-\d/, `${kind} Dockerfile names a PostgreSQL version`);
            assert.doesNotMatch(text, /^ARG \w+=/m, `${kind} Dockerfile has an ARG with a default of its own`);
            assert.doesNotMatch(text, /"[a-z0-9-]+=\d/, `${kind} Dockerfile pins a version itself`);
            const declared = [...text.matchAll(/^ARG (\w+)$/gm)].map((match) => match[1]).sort();
            assert.deepStrictEqual(declared, Object.keys(imageBuildArgs(kind, parseClusterConfig({}))).sort(), `${kind}: the build arguments given are the ones declared`);
        }
    });

    for (const version of Object.keys(POSTGRES_IMAGES).map(Number)) {
        it(`gives pgpool's image the client of PostgreSQL ${version}, the one its failover scripts call`, () => {
            const config = parseClusterConfig({ postgresVersion: version });
            assert.strictEqual(imageBuildArgs("pgpool", config).POSTGRES_CLIENT_PACKAGE, postgresClientPackage(version));
            assert.strictEqual(dockerLayout(version, config.docker!.networkCidr).clientBinDir, `/usr/lib/postgresql/${version}/bin`);
            assert.match(builtImageName("pgpool", config), new RegExp(`-pg${version}$`), "one image name per client version, so versions never share a cached image");
        });
    }
});
