// Package wasmtest runs the welcome pointers core as WebAssembly outside a
// browser, in wazero (which runs GOOS=wasip1 builds; it dropped GOOS=js in
// v1.7.0). It has no API of its own; its tests do the work:
//
//   - TestCoreSuite compiles the test binary of every package under
//     ./core/... with `GOOS=wasip1 GOARCH=wasm go test -c` and runs each
//     in wazero (package wasirun: compiler mode, a compilation cache,
//     crypto/rand as the random source, the real clocks, the host file
//     system read-only at "/" so testdata/ is found, a writable TMPDIR).
//     A failing core test, a non-zero exit or a trap fails it, with the
//     binary's output. Vectors and fuzz seed corpora run as they do
//     natively. WP_CORE_TEST_ARGS adds arguments to every binary (for
//     example -test.run=Vectors); with -v the binaries' output is
//     streamed, each line prefixed with its package.
//   - TestGoTestExec checks the `go test -exec` runner in
//     cmd/go_wasip1_wasm_exec.
//
// Sub-packages, test machinery only: wasirun (the runner) and
// cmd/go_wasip1_wasm_exec (the -exec program). The Go host over the
// wasip1 reactor is the public package wasip1/host.
//
// The compilation cache lives in $WP_WAZERO_CACHE when set ("off": none),
// in a temporary directory when CI is set (every CI run starts cold),
// and otherwise in welcome-pointers-wazero under the user's cache
// directory, where entries older than a week are dropped and the rest
// kept under 1 GiB.
package wasmtest
