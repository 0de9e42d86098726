package wire_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The production package may use google.golang.org/protobuf/encoding/protowire
// (and what it needs), but never the protobuf runtime (proto, reflection,
// generated code): that would add about 40% to the WebAssembly module.
func TestNoProtobufRuntimeDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"google.golang.org/protobuf/proto",
		"google.golang.org/protobuf/reflect/",
		"google.golang.org/protobuf/runtime/",
		"google.golang.org/protobuf/types/",
		"google.golang.org/protobuf/internal/impl",
		"google.golang.org/protobuf/internal/filedesc",
		"github.com/welcome-pointers/wasm/internal/pb",
	}
	sawProtowire := false
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "google.golang.org/protobuf/encoding/protowire" {
			sawProtowire = true
		}
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f) {
				t.Errorf("core/internal/wire depends on %s", pkg)
			}
		}
		if strings.HasPrefix(pkg, "google.golang.org/protobuf/") {
			t.Logf("protobuf dependency: %s", pkg)
		}
	}
	if !sawProtowire {
		t.Error("go list -deps did not list encoding/protowire; is the check still meaningful?")
	}
}
