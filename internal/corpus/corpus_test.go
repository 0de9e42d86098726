package corpus_test

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/internal/corpus"
)

// Size returns how many cases to run: corpus.Slice, or corpus.Full when
// WP_CORPUS=full (make fuzz-corpus).
func size() int {
	if os.Getenv("WP_CORPUS") == "full" {
		return corpus.Full
	}
	return corpus.Slice
}

// Every case gives a typed result in the native core: a value, or an
// error wrapping exactly one sentinel; never a panic. The seeds open.
func TestCorpusCore(t *testing.T) {
	f, err := corpus.NewFixture()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, c := range f.Cases(size(), rand.New(rand.NewPCG(9, 9))) {
		r := f.Run(c)
		if strings.HasPrefix(string(r), "untyped") || strings.HasPrefix(string(r), "panic") {
			t.Errorf("%v: %s", c, r)
		}
		if c.Mutation == "seed" && !strings.HasPrefix(string(r), "ok") {
			t.Errorf("seed %v: %s", c, r)
		}
		kinds[strings.Fields(string(r))[0]]++
	}
	t.Logf("results: %v", kinds)
}
