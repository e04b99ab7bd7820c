export * from "./postgresNode";
export * from "./primary";
export * from "./replica";
