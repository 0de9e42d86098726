module github.com/welcome-pointers/wasm

go 1.26.0

require (
	github.com/cloudflare/circl v1.6.5
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/crypto v0.58.0
	golang.org/x/sys v0.49.0
	google.golang.org/protobuf v1.36.12
)

tool google.golang.org/protobuf/cmd/protoc-gen-go
