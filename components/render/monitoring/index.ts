export * from "./types";
export * from "./metrics";
export * from "./alertRules";
export * from "./dashboard";
export * from "./grafanaProvisioning";
export * from "./prometheusConfig";
export * from "./alertmanagerConfig";
export * from "./monitorFiles";
