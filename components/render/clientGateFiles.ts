import { scriptFile } from "./assets";
import { renderClientGateConf } from "./clientGateConf";
import { RenderContext, RenderedFile } from "./types";

/** The script beside pgpool that runs the client gate while pgpool runs (see the asset). */
export const CLIENT_GATE_SCRIPT = "client-gate.sh";
/** The client gate's HAProxy configuration, in pgpool's config folder. */
export const CLIENT_GATE_CONF = "client-gate.cfg";

/** The client gate's files on the pgpool host: its configuration and the script that runs it. */
export function clientGateFiles(context: RenderContext): RenderedFile[] {
    return [
        { name: CLIENT_GATE_CONF, content: renderClientGateConf(context), mode: 0o644, secret: false },
        scriptFile(CLIENT_GATE_SCRIPT),
    ];
}
