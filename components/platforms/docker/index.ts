export * from "./dockerPlatform";
export * from "./layout";
