export * from "./types";
export * from "./defaults";
export * from "./load";
export * from "./sizing";
export * from "./topology";
export * from "./roles";
