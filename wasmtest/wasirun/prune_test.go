package wasirun

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPruneBySize: past the size cap, the oldest entries go first.
func TestPruneBySize(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i, name := range []string{"a", "b", "c", "d"} { // a oldest
		p := filepath.Join(dir, "sub", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("1234"), 0o644); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(time.Duration(i-10) * time.Minute)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	prune(dir, now.Add(-time.Hour), 9) // keeps two 4-byte entries
	for name, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true} {
		_, err := os.Stat(filepath.Join(dir, "sub", name))
		if got := err == nil; got != want {
			t.Errorf("%s kept = %v, want %v", name, got, want)
		}
	}
}
