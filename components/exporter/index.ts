export * from "./exporter";
