export * from "./pgpool";
