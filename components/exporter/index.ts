export * from "./exporter";
export * from "./nodeExporter";
