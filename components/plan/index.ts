export * from "./types";
export * from "./planCluster";
