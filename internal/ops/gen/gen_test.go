package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreCurrent fails when a file derived from the
// operation table or the error codes is not what the generator writes:
// run `make generate` (go run ./internal/ops/gen) and commit the result.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	files, err := generate(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("%d files generated", len(files))
	}
	for path, want := range files {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run make generate", path)
		}
	}
}

func TestReplaceRegion(t *testing.T) {
	in := []byte("a\n<!-- BEGIN generated: x -->\nold\n<!-- END generated: x -->\nb\n")
	got, err := replaceRegion(in, "x", "new\n")
	if err != nil || string(got) != "a\n<!-- BEGIN generated: x -->\nnew\n<!-- END generated: x -->\nb\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := replaceRegion(in, "y", ""); err == nil {
		t.Fatal("a missing region was replaced")
	}
}
