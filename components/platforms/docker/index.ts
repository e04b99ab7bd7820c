export * from "./dockerPlatform";
export * from "./layout";
export * from "./addressing";
