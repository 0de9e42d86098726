// Package pb_test checks that the generated code under internal/pb matches
// what scripts/genproto.sh produces from proto/.
//
// The generated packages are a test oracle for core/internal/wire; production
// code must not import them.
package pb_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// generatedDirs are the packages genproto.sh writes, relative to the repo root.
var generatedDirs = []string{"internal/pb/messagecontents", "internal/pb/mlsv1"}

// protocVersionLine is the one header line that depends on the local protoc
// release rather than on the .proto sources; it is ignored in the comparison.
var protocVersionLine = regexp.MustCompile(`(?m)^//\s+protoc\s+v\S+\n`)

func TestGeneratedCodeInSync(t *testing.T) {
	var missing []string
	for _, tool := range []string{"bash", "protoc", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		msg := "cannot check generated code: not on PATH: " + strings.Join(missing, ", ") +
			" (protoc: apt-get install protobuf-compiler)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "genproto.sh"), out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/genproto.sh failed: %v\n%s", err, b)
	}

	for _, dir := range generatedDirs {
		committed := pbFiles(t, filepath.Join(root, dir))
		fresh := pbFiles(t, filepath.Join(out, dir))
		if len(fresh) == 0 {
			t.Errorf("%s: genproto.sh generated no files", dir)
		}
		for name, want := range fresh {
			got, ok := committed[name]
			switch {
			case !ok:
				t.Errorf("%s/%s is generated but not committed; run scripts/genproto.sh", dir, name)
			case !bytes.Equal(normalize(got), normalize(want)):
				t.Errorf("%s/%s differs from the generated code; run scripts/genproto.sh", dir, name)
			}
		}
		for name := range committed {
			if _, ok := fresh[name]; !ok {
				t.Errorf("%s/%s is committed but no longer generated; delete it or run scripts/genproto.sh", dir, name)
			}
		}
	}
}

func pbFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	files := make(map[string][]byte, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(name)] = b
	}
	return files
}

func normalize(b []byte) []byte {
	return protocVersionLine.ReplaceAll(b, nil)
}
