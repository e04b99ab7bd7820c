import { PostgresEndpoint } from "../../config";
import { listenHostPort } from "./layoutPaths";
import { withStartFiles } from "./startScript";
import { webServerTlsFiles } from "./tlsFiles";
import { RenderContext, RenderedFile, TlsMaterial } from "./types";

/**
 * node_exporter's files beside a PostgreSQL node: its TLS web config and certificate. It reports
 * the host's filesystems (the data volume's free space among them) to Prometheus over HTTPS.
 */
export function renderNodeExporterFiles(context: RenderContext, node: PostgresEndpoint, tls: TlsMaterial): RenderedFile[] {
    const paths = context.layout.nodeExporter(node.name);
    const endpoint = context.topology.nodeExporters[node.index];
    if (endpoint === undefined) throw new Error(`the topology has no node_exporter for ${node.name}`);
    return withStartFiles({
        kind: "node-exporter",
        description: `Values of node_exporter beside ${node.name} for its start script.`,
        paths,
        serviceUser: context.layout.serviceUser,
        files: webServerTlsFiles(paths.runDir, tls),
        env: {
            NODE_EXPORTER: context.layout.nodeExporterBinary,
            LISTEN_ADDRESS: listenHostPort(context.layout, endpoint.port),
        },
    });
}
