import { CONFIG_NAMESPACE, DEFAULTS, POSTGRES_IMAGES } from "./defaults";
import { show } from "./validators";

const KEY = `${CONFIG_NAMESPACE}:docker.postgresImage`;
const VERSION_KEY = `${CONFIG_NAMESPACE}:postgresVersion`;
/** [registry[:port]/]name[:tag][@sha256:digest] */
const REFERENCE = /^(?:[\w.-]+(?::\d+)?\/)?[\w./-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/** The PostgreSQL major an image's tag names (`postgres:15.15-bookworm` -> 15), if it names one. */
export function imageMajorVersion(image: string): number | undefined {
    const name = image.split("@")[0]!;
    const lastPart = name.slice(name.lastIndexOf("/") + 1);
    const colon = lastPart.indexOf(":");
    const match = colon < 0 ? null : /^(\d+)(?:[.-]|$)/.exec(lastPart.slice(colon + 1));
    return match === null ? undefined : Number(match[1]);
}

/**
 * The image the dev stack extends, checked against `postgresVersion`: the data directory, the
 * binaries' paths and the packages all follow the version, so an image of another major would
 * fail at its first start. `version` is undefined when postgresVersion is itself wrong.
 */
export function postgresImageProblem(image: unknown, version: number | undefined): string | undefined {
    if (typeof image !== "string" || !REFERENCE.test(image)) {
        return `${KEY} must be an image reference such as ${POSTGRES_IMAGES[version ?? DEFAULTS.postgresVersion]}, got ${show(image)}`;
    }
    if (version === undefined) return undefined;
    const example = POSTGRES_IMAGES[version];
    const major = imageMajorVersion(image);
    if (major === undefined) {
        return `${KEY} must name its PostgreSQL major in the tag, such as ${example} (checked against ${VERSION_KEY} ${version}), got ${show(image)}`;
    }
    if (major !== version) {
        return `${KEY} must be an image of PostgreSQL ${version} (${VERSION_KEY}), such as ${example}, got ${show(image)} (PostgreSQL ${major})`;
    }
    return undefined;
}
