package hpke

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha3"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hpkeVector is one entry of a testdata/*.json file, in the format of Go's
// crypto/hpke testdata (RFC 9180 test vectors plus the optional
// encryptions_accumulated / exports_accumulated digests). Every string is
// hex and is decoded exactly once; key schedule fields are optional.
type hpkeVector struct {
	Name           string             `json:"name,omitempty"`
	Mode           uint16             `json:"mode"`
	KEM            uint16             `json:"kem_id"`
	KDF            uint16             `json:"kdf_id"`
	AEAD           uint16             `json:"aead_id"`
	Info           string             `json:"info"`
	IkmE           string             `json:"ikmE"`
	IkmR           string             `json:"ikmR,omitempty"`
	SkRm           string             `json:"skRm"`
	PkRm           string             `json:"pkRm"`
	Enc            string             `json:"enc"`
	SharedSecret   string             `json:"shared_secret,omitempty"`
	SuiteID        string             `json:"suite_id,omitempty"`
	Key            string             `json:"key,omitempty"`
	BaseNonce      string             `json:"base_nonce,omitempty"`
	ExporterSecret string             `json:"exporter_secret,omitempty"`
	Encryptions    []vectorEncryption `json:"encryptions,omitempty"`
	Exports        []vectorExport     `json:"exports,omitempty"`

	// Digests over 1000 sequential seals and exports driven by a SHAKE128
	// stream, as in crypto/hpke's testdata (see checkAccumulated).
	AccEncryptions string `json:"encryptions_accumulated,omitempty"`
	AccExports     string `json:"exports_accumulated,omitempty"`
}

type vectorEncryption struct {
	Aad   string `json:"aad"`
	Ct    string `json:"ct"`
	Nonce string `json:"nonce"`
	Pt    string `json:"pt"`
}

type vectorExport struct {
	Context string `json:"exporter_context"`
	L       int    `json:"L"`
	Value   string `json:"exported_value"`
}

func mustDecodeHex(t testing.TB, in string) []byte {
	t.Helper()
	b, err := hex.DecodeString(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readVectors(t *testing.T, path string) []hpkeVector {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vectors []hpkeVector
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vectors); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(vectors) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return vectors
}

func (v *hpkeVector) testName() string {
	if v.Name != "" {
		return v.Name
	}
	return fmt.Sprintf("mode_%d_kem_%04x_kdf_%04x_aead_%04x", v.Mode, v.KEM, v.KDF, v.AEAD)
}

// TestVectors runs every known-answer vector in testdata (except the
// golden file, which TestGolden0x004D owns) through this package's own
// KEM and key schedule.
func TestVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/hpke-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("expected the X25519 and X-Wing vector files in testdata, found %v", files)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			for _, v := range readVectors(t, file) {
				t.Run(v.testName(), func(t *testing.T) {
					runVector(t, &v)
				})
			}
		})
	}
}

// countingReader serves a fixed buffer and records how much was read.
type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// errReader fails every read: it proves a code path used no randomness.
type errReader struct{}

var errNoRandomness = errors.New("test: randomness was read")

func (errReader) Read([]byte) (int, error) { return 0, errNoRandomness }

// setX25519Ephemeral fixes the DHKEM(X25519) ephemeral key to
// DeriveKeyPair(ikmE) for the duration of the test.
func setX25519Ephemeral(t testing.TB, ikmE []byte) {
	t.Helper()
	skE, err := deriveKeyPairX25519(ikmE)
	if err != nil {
		t.Fatal(err)
	}
	x25519Ephemeral = func() (*ecdh.PrivateKey, error) { return skE, nil }
	t.Cleanup(func() { x25519Ephemeral = nil })
}

// checkNonce checks the nonce the next Seal/Open of c will use, without
// advancing c.
func checkNonce(t *testing.T, who string, c *context, want []byte) {
	t.Helper()
	cp := *c
	n, err := cp.nextNonce()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(n[:], want) {
		t.Errorf("%s: nonce for seq %d = %x, want %x", who, c.seq, n, want)
	}
}

func checkHex(t *testing.T, what string, got []byte, wantHex string) {
	t.Helper()
	if wantHex == "" {
		return
	}
	if want := mustDecodeHex(t, wantHex); !bytes.Equal(got, want) {
		t.Errorf("%s = %x, want %x", what, got, want)
	}
}

func runVector(t *testing.T, v *hpkeVector) {
	if v.Mode != modeBase || v.KDF != KDFHKDFSHA256 || v.AEAD != AEADChaCha20Poly1305 {
		t.Fatalf("vector for mode %d, KDF %#04x, AEAD %#04x: this package only does base mode HKDF-SHA256/ChaCha20-Poly1305", v.Mode, v.KDF, v.AEAD)
	}
	k, err := kemFor(v.KEM)
	if err != nil {
		t.Fatalf("KEM %#04x: %v", v.KEM, err)
	}
	info := mustDecodeHex(t, v.Info)
	ikmE := mustDecodeHex(t, v.IkmE)
	skRm := mustDecodeHex(t, v.SkRm)
	pkRm := mustDecodeHex(t, v.PkRm)
	wantEnc := mustDecodeHex(t, v.Enc)

	checkHex(t, "suite_id", suiteID(v.KEM), v.SuiteID)

	// The recipient key pair.
	pk, err := PublicKey(v.KEM, skRm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pk, pkRm) {
		t.Errorf("PublicKey(skRm) = %x, want %x", pk, pkRm)
	}
	if err := CheckPublicKey(v.KEM, pkRm); err != nil {
		t.Errorf("CheckPublicKey(pkRm) = %v", err)
	}
	if v.KEM == KEMX25519 && v.IkmR != "" {
		// RFC 9180 SerializePrivateKey may clamp, so compare public keys.
		skR, err := deriveKeyPairX25519(mustDecodeHex(t, v.IkmR))
		if err != nil {
			t.Fatal(err)
		}
		if got := skR.PublicKey().Bytes(); !bytes.Equal(got, pkRm) {
			t.Errorf("DeriveKeyPair(ikmR) public key = %x, want %x", got, pkRm)
		}
	}
	// (For X-Wing the private key is the 32-byte seed itself; ikmR would
	// go through the generic SHAKE-based DeriveKeyPair, which this package
	// does not need.)

	// Derandomized encapsulation: DHKEM uses DeriveKeyPair(ikmE) as the
	// ephemeral key (through the test hook, and no randomness may be read);
	// X-Wing consumes ikmE as its 64-byte encapsulation seed through rand.
	var rnd io.Reader
	var seed *countingReader
	switch v.KEM {
	case KEMX25519:
		setX25519Ephemeral(t, ikmE)
		rnd = errReader{}
	default:
		seed = &countingReader{r: bytes.NewReader(ikmE)}
		rnd = seed
	}
	enc, sender, err := NewSender(v.KEM, pkRm, info, rnd)
	if err != nil {
		t.Fatal(err)
	}
	if seed != nil && seed.n != len(ikmE) {
		t.Errorf("encapsulation read %d bytes of randomness, want %d", seed.n, len(ikmE))
	}
	if len(enc) != EncapsulationSize(v.KEM) {
		t.Errorf("len(enc) = %d, want %d", len(enc), EncapsulationSize(v.KEM))
	}
	if !bytes.Equal(enc, wantEnc) {
		t.Fatalf("enc = %x, want %x", enc, wantEnc)
	}

	// The KEM shared secret, on both sides.
	if v.SharedSecret != "" {
		if v.KEM != KEMX25519 {
			ss, _, err := k.encap(nil, pkRm, bytes.NewReader(ikmE))
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, "encap shared_secret", ss, v.SharedSecret)
		}
		ss, err := k.decap(skRm, enc)
		if err != nil {
			t.Fatal(err)
		}
		checkHex(t, "decap shared_secret", ss, v.SharedSecret)
	}

	recipient, err := NewRecipient(v.KEM, skRm, enc, info)
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []struct {
		name string
		c    *context
	}{{"sender", sender.c}, {"recipient", recipient.c}} {
		checkHex(t, side.name+" key", side.c.key, v.Key)
		checkHex(t, side.name+" base_nonce", side.c.baseNonce[:], v.BaseNonce)
		checkHex(t, side.name+" exporter_secret", exporterOf(side.c), v.ExporterSecret)
	}

	for i, e := range v.Encryptions {
		aad := mustDecodeHex(t, e.Aad)
		pt := mustDecodeHex(t, e.Pt)
		if e.Nonce != "" {
			checkNonce(t, "sender", sender.c, mustDecodeHex(t, e.Nonce))
			checkNonce(t, "recipient", recipient.c, mustDecodeHex(t, e.Nonce))
		}
		ct, err := sender.Seal(nil, aad, pt)
		if err != nil {
			t.Fatal(err)
		}
		if want := mustDecodeHex(t, e.Ct); !bytes.Equal(ct, want) {
			t.Errorf("seal #%d = %x, want %x", i, ct, want)
		}
		got, err := recipient.Open(aad, ct)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("open #%d = %x, want %x", i, got, pt)
		}
	}

	for _, e := range v.Exports {
		ctx := mustDecodeHex(t, e.Context)
		for _, side := range []struct {
			name   string
			export func([]byte, int) ([]byte, error)
		}{{"sender", sender.Export}, {"recipient", recipient.Export}} {
			got, err := side.export(ctx, e.L)
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, side.name+" export("+e.Context+")", got, e.Value)
		}
	}

	if v.AccEncryptions != "" || v.AccExports != "" {
		checkAccumulated(t, v, sender, recipient)
	}
}

// drawRandomInput reads a length byte and then that many bytes from r,
// exactly like crypto/hpke's test of the same name.
func drawRandomInput(t *testing.T, r io.Reader) []byte {
	t.Helper()
	l := make([]byte, 1)
	if _, err := r.Read(l); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, int(l[0]))
	if _, err := r.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkAccumulated replicates crypto/hpke's accumulated vectors: 1000
// sequential seals of (aad, plaintext) pairs drawn from an unkeyed
// SHAKE128 source, every ciphertext written to a SHAKE128 sink, the first
// 16 bytes of the sink compared; then 1000 exports with context drawn from
// a fresh source and length 0..999, likewise accumulated.
func checkAccumulated(t *testing.T, v *hpkeVector, sender *Sender, recipient *Recipient) {
	if v.AccEncryptions != "" {
		source, sink := sha3.NewSHAKE128(), sha3.NewSHAKE128()
		for i := range 1000 {
			aad, pt := drawRandomInput(t, source), drawRandomInput(t, source)
			ct, err := sender.Seal(nil, aad, pt)
			if err != nil {
				t.Fatal(err)
			}
			sink.Write(ct)
			got, err := recipient.Open(aad, ct)
			if err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("open #%d = %x, want %x", i, got, pt)
			}
		}
		acc := make([]byte, 16)
		sink.Read(acc)
		checkHex(t, "encryptions_accumulated", acc, v.AccEncryptions)
	}
	if v.AccExports != "" {
		source, sink := sha3.NewSHAKE128(), sha3.NewSHAKE128()
		for l := range 1000 {
			ctx := drawRandomInput(t, source)
			value, err := sender.Export(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			sink.Write(value)
			got, err := recipient.Export(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, value) {
				t.Fatalf("recipient export %d = %x, want %x", l, got, value)
			}
		}
		acc := make([]byte, 16)
		sink.Read(acc)
		checkHex(t, "exports_accumulated", acc, v.AccExports)
	}
}

// newTestRand is a deterministic randomness source for tests: a SHAKE128
// stream over a domain string.
func newTestRand(domain string) io.Reader {
	h := sha3.NewSHAKE128()
	h.Write([]byte("welcome-pointers/core/internal/hpke test: " + domain))
	return h
}
