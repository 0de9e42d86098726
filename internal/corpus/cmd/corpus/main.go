// Command corpus writes the mutation corpus, with the native core's
// results, for the JS module's test (js/test/corpus.test.mjs), as JSON
// lines: first the fixture and the fixed arguments, then one case per
// line with want, the core's Result. Byte fields are base64.
//
//	go run ./internal/corpus/cmd/corpus -o corpus.jsonl          # corpus.Slice cases
//	go run ./internal/corpus/cmd/corpus -full -o corpus.jsonl    # corpus.Full cases
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/welcome-pointers/wasm/internal/corpus"
)

type header struct {
	Fixture          *corpus.Fixture `json:"fixture"`
	InstallationKey  []byte          `json:"installationKey"`
	TypicalAEADTypes []byte          `json:"typicalAeadTypes"`
	SealedWelcome    []byte          `json:"sealedWelcome"`
	MessageID        uint64          `json:"messageId"`
	MessageCreatedNs uint64          `json:"messageCreatedNs"`
}

type entry struct {
	corpus.Case
	Want corpus.Result `json:"want"`
}

func main() {
	full := flag.Bool("full", false, "the full corpus instead of the slice make test runs")
	seed := flag.Uint64("seed", 9, "seed of the mutations")
	out := flag.String("o", "corpus.jsonl", "output file")
	flag.Parse()
	n := corpus.Slice
	if *full {
		n = corpus.Full
	}
	if err := write(n, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func write(n int, seed uint64, path string) error {
	f, err := corpus.NewFixture()
	if err != nil {
		return err
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(file)
	enc := json.NewEncoder(w)
	err = enc.Encode(header{f, corpus.InstallationKey, corpus.TypicalAEADTypes, corpus.SealedWelcome, corpus.MessageID, corpus.MessageCreatedNs})
	for _, c := range f.Cases(n, rand.New(rand.NewPCG(seed, seed))) {
		if err != nil {
			break
		}
		err = enc.Encode(entry{c, f.Run(c)})
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}
