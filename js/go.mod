// Keeps js/ out of the repository's Go module: npm installs packages that
// ship Go sources into node_modules (flatted, under eslint), which
// `go test ./...`, go vet and staticcheck would otherwise take for ours.
module github.com/welcome-pointers/wasm/js

go 1.26
