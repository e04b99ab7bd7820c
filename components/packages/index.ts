import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/projectRoot";

/**
 * This folder, from the project root: what installs every host's Debian packages (the install
 * script and the PostgreSQL apt repository's key), and the Dockerfile of the images, one target
 * per kind of service. It is the images' build context; on EC2 the same script and key are
 * written by cloud-init.
 */
export const PACKAGES_FOLDER = "components/packages";

/** The images' Dockerfile: `docker build --target KIND` builds one kind's image. */
export const IMAGES_DOCKERFILE = "Dockerfile";

/** The install script: `install-packages.sh PACKAGE[=VERSION]...`. */
export const INSTALL_SCRIPT = "install-packages.sh";

/** The PostgreSQL apt repository's public key (ACCC4CF8), ASCII-armoured: apt reads it through signed-by, no gpg needed. */
export const PGDG_KEY = "apt.postgresql.org.asc";

/** Where a host or an image keeps that key; install-packages.sh names it in the repository's signed-by. */
export const PGDG_KEY_PATH = "/usr/share/pg-ha/apt.postgresql.org.asc";

/** Where a host or an image keeps the install script. */
export const INSTALL_SCRIPT_PATH = "/usr/local/sbin/pg-ha-install-packages";

/** The text of a file of this folder. */
export function packagesFile(name: string): string {
    return fs.readFileSync(path.join(PROJECT_ROOT, PACKAGES_FOLDER, name), "utf8");
}
