// Commands declared once — flags with their help, variable, default and check; exit codes — and their
// parser and help generated from the declarations (alga-store and the appliance tools share these).
export * from "./errors.js";
export * from "./exits.js";
export * from "./flags.js";
export * from "./parse.js";
export * from "./usage.js";
