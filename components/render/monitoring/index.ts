export * from "./types";
export * from "./metrics";
export * from "./alertRules";
