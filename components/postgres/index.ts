export * from "./primary";
export * from "./replica";
