// The package version. It must equal "version" in package.json (a test
// checks it); build.sh links the same value into the module
// (-X main.version=...), and init() refuses a module with another.
export const VERSION = '0.1.0';
