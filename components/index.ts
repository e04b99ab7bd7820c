export * from "./cluster";
export * from "./exporter";
export * from "./pgpool";
export * from "./pki";
export * from "./platforms";
export * from "./postgres";
export * from "./render";
export * from "./secrets";
