package xwing

import (
	"bytes"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/draft06-vectors.json")

const vectorsPath = "testdata/draft06-vectors.json"

// draftVector is one vector of draft-connolly-cfrg-xwing-kem-06, Appendix
// C, in hex: the JS package's Chromium tests check the browser's X-Wing
// against them.
type draftVector struct {
	Seed         string `json:"seed"`
	PublicKey    string `json:"public_key"`
	EncapsSeed   string `json:"encapsulation_seed"`
	Ciphertext   string `json:"ciphertext"`
	SharedSecret string `json:"shared_secret"`
}

type vectorsFile struct {
	Comment string        `json:"comment"`
	Vectors []draftVector `json:"vectors"`
}

// The draft's vectors as testdata/draft06-vectors.json holds them: the
// seeds of TestDraftVectors (whose SHAKE128 digest pins the draft's
// text), with the key, ciphertext and secret this package computes.
func TestDraftVectorsFile(t *testing.T) {
	stream := sha3.NewSHAKE128()
	want := vectorsFile{Comment: "draft-connolly-cfrg-xwing-kem-06 Appendix C (seeds from SHAKE128 of the empty string); checked by TestDraftVectorsFile, regenerate with: go test ./core/internal/xwing -run TestDraftVectorsFile -update"}
	for range 3 {
		seed := make([]byte, SeedSize)
		stream.Read(seed)
		_, pk, err := DeriveKeyPair(seed)
		if err != nil {
			t.Fatal(err)
		}
		eseed := make([]byte, EncapsulationSeedSize)
		stream.Read(eseed)
		ss, ct, err := Encapsulate(pk, eseed)
		if err != nil {
			t.Fatal(err)
		}
		want.Vectors = append(want.Vectors, draftVector{hex.EncodeToString(seed), hex.EncodeToString(pk), hex.EncodeToString(eseed), hex.EncodeToString(ct), hex.EncodeToString(ss)})
	}
	b, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(vectorsPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if !bytes.Equal(got, b) {
		t.Fatalf("%s differs from the vectors computed here (regenerate it with -update)", vectorsPath)
	}
}
