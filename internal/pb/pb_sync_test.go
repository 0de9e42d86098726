// Package pb_test checks that the generated code under internal/pb matches
// what scripts/genproto.sh produces from proto/.
//
// The generated packages are a test oracle for core/internal/wire and the
// API of the Go node; the module itself must not import them.
package pb_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// generatedDir is where genproto.sh writes, relative to the repo root.
const generatedDir = "internal/pb"

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

	committed := generatedFiles(t, filepath.Join(root, generatedDir))
	fresh := generatedFiles(t, filepath.Join(out, generatedDir))
	if len(fresh) == 0 {
		t.Errorf("%s: genproto.sh generated no files", generatedDir)
	}
	for name, want := range fresh {
		got, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("%s/%s is generated but not committed; run scripts/genproto.sh", generatedDir, name)
		case !bytes.Equal(normalize(got), normalize(want)):
			t.Errorf("%s/%s differs from the generated code; run scripts/genproto.sh", generatedDir, name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("%s/%s is committed but no longer generated; delete it or run scripts/genproto.sh", generatedDir, name)
		}
	}
}

// generatedFiles reads every generated file under dir (messages and
// Connect code), keyed by its path relative to dir.
func generatedFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(path, ".pb.go") && !strings.HasSuffix(path, ".connect.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func normalize(b []byte) []byte {
	return protocVersionLine.ReplaceAll(b, nil)
}
