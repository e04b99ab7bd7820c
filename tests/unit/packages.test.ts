import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { imagePackages, parseClusterConfig, PINNED_DEBIAN_VERSIONS, postgresClientPackage, SUPPORTED_POSTGRES_VERSIONS } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { builtImageName, imageBuildArgs } from "../../components/platforms/docker/dockerPlatform";
import { IMAGES_DOCKERFILE, PACKAGES_FOLDER } from "../../components/packages";
import { dockerLayout } from "../../components/platforms/docker/layout";
import { ServiceKind } from "../../components/plan";

const KINDS: ServiceKind[] = ["postgres", "pgpool", "exporter"];

const DOCKERFILE = fs.readFileSync(path.join(PROJECT_ROOT, PACKAGES_FOLDER, IMAGES_DOCKERFILE), "utf8");

describe("Debian packages and their versions, from one place", () => {
    it("pins the versions this machine's tests run", () => {
        for (const [name, pinned] of Object.entries(PINNED_DEBIAN_VERSIONS)) {
            const query = spawnSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8" });
            assert.strictEqual(query.status, 0, `${name} is not installed here (scripts/install-test-deps.sh installs it): ${query.stderr}`);
            assert.strictEqual(query.stdout, pinned, `config/packages.ts pins ${name} ${pinned}, the tests run ${query.stdout}`);
        }
    });

    it("leaves every package and version out of the Dockerfile: the base image and the packages are build arguments without a default, one target per kind", () => {
        const instructions = DOCKERFILE.split("\n").filter((line) => !line.startsWith("#")).join("\n").replace(/\/var\/lib\/\S+/g, "")
            .replace(/^COPY apt\.postgresql\.org\.asc \S+$/m, "").replace(/^FROM installed AS [\w-]+$/gm, "");
        assert.doesNotMatch(instructions, /postgresql|pgpool2|pgbackrest|exporter|=\d|\d+\.\d+/, "the Dockerfile names a package or a version");
        assert.doesNotMatch(DOCKERFILE, /^ARG \w+=/m, "the Dockerfile has an ARG with a default of its own");
        const declared = [...DOCKERFILE.matchAll(/^ARG (\w+)$/gm)].map((match) => match[1]).sort();
        for (const kind of KINDS) {
            assert.deepStrictEqual(declared, Object.keys(imageBuildArgs(kind, parseClusterConfig({}))).sort(), `${kind}: the build arguments given are the ones declared`);
            assert.match(DOCKERFILE, new RegExp(`^FROM installed AS ${kind}$`, "m"), `no target ${kind}`);
        }
    });

    for (const version of SUPPORTED_POSTGRES_VERSIONS) {
        it(`gives pgpool's image the client of PostgreSQL ${version}, the one its failover scripts call`, () => {
            const config = parseClusterConfig({ postgresVersion: version });
            assert.ok(imageBuildArgs("pgpool", config).PACKAGES!.split(" ").includes(postgresClientPackage(version)));
            assert.deepStrictEqual(imagePackages("postgres", version).slice(0, 2), [`postgresql-${version}`, `postgresql-client-${version}`]);
            assert.strictEqual(dockerLayout(version, config.docker!.networkCidr).clientBinDir, `/usr/lib/postgresql/${version}/bin`);
            assert.match(builtImageName("pgpool", config), new RegExp(`:pg${version}-[0-9a-f]{12}$`), "one image name per client version, so versions never share a cached image");
        });
    }
});
