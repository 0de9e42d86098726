package core_test

// Bit flips in every sealed field must fail with ErrDecrypt (or with
// ErrMalformed where the flip breaks the framing), and never open.

import (
	"fmt"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// region names a byte range of a sealed field and what a flip there does.
type region struct {
	name       string
	start, end int
	want       error
	// stride samples the bytes of a large region (1 = every byte);
	// allBits flips every bit of each sampled byte, otherwise one bit
	// (rotating with the byte index).
	stride  int
	allBits bool
}

// hpkeRegions splits a TLS HpkeCiphertext into its framing and payloads.
// Every bit of the framing is flipped; cheap suites (X25519) get every bit
// of the payloads too, X-Wing one bit per byte and every 13th byte of its
// 1,120-byte encapsulation (each flip costs two decapsulations).
func hpkeRegions(t *testing.T, sealed []byte, cheap bool) []region {
	enc, ct := splitHpkeCiphertext(t, sealed)
	encPrefix := len(mlsVarint(len(enc)))
	ctPrefix := len(mlsVarint(len(ct)))
	encEnd := encPrefix + len(enc)
	ctStart := encEnd + ctPrefix
	stride := 13
	if cheap {
		stride = 1
	}
	return []region{
		{"kem_output length", 0, encPrefix, core.ErrMalformed, 1, true},
		{"kem_output", encPrefix, encEnd, core.ErrDecrypt, stride, cheap},
		{"kem_output last 32 bytes", encEnd - 32, encEnd, core.ErrDecrypt, 1, cheap},
		{"ciphertext length", encEnd, ctStart, core.ErrMalformed, 1, true},
		{"ciphertext", ctStart, len(sealed), core.ErrDecrypt, 1, cheap},
	}
}

// flipAll flips every bit of the sampled bytes of each region and checks
// that open fails as the region says.
func flipAll(t *testing.T, field []byte, regions []region, open func(tampered []byte) error) {
	t.Helper()
	for _, r := range regions {
		t.Run(r.name, func(t *testing.T) {
			n := 0
			for i := r.start; i < r.end; i += r.stride {
				for bit := 0; bit < 8; bit++ {
					if !r.allBits && bit != i%8 {
						continue
					}
					err := open(flipBit(field, 8*i+bit))
					if err == nil {
						t.Fatalf("byte %d bit %d: the tampered message opened", i, bit)
					}
					if r.want == core.ErrDecrypt {
						checkDecrypt(t, err)
					} else {
						checkErr(t, err, r.want)
					}
					n++
				}
			}
			if n == 0 {
				t.Fatal("no bit flipped")
			}
		})
	}
}

func TestTamperPointer(t *testing.T) {
	f := newFixture(t)
	input := f.inv.Messages[1].Message
	sealed := decodeInput(t, input).GetWelcomePointer().GetWelcomePointer()
	flipAll(t, sealed, hpkeRegions(t, sealed, false), func(tampered []byte) error {
		in := editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetWelcomePointer().WelcomePointer = tampered })
		_, err := core.OpenWelcome(toMessage(t, in, 1), []*core.PrivateKey{f.ps[0].Key}, nil)
		return err
	})
}

func TestTamperDirect(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name  string
		msg   int
		p     party
		cheap bool
	}{
		{"CURVE25519", 4, f.ps[3], true},
		{"X-Wing", 5, f.ps[4], false},
	} {
		input := f.inv.Messages[tt.msg].Message
		v := decodeInput(t, input).GetV1()
		open := func(in []byte) error {
			_, err := core.OpenWelcome(toMessage(t, in, 1), []*core.PrivateKey{tt.p.Key}, nil)
			return err
		}
		t.Run(tt.name+"/data", func(t *testing.T) {
			flipAll(t, v.Data, hpkeRegions(t, v.Data, tt.cheap), func(tampered []byte) error {
				return open(editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().Data = tampered }))
			})
		})
		t.Run(tt.name+"/welcome_metadata", func(t *testing.T) {
			all := []region{{"all", 0, len(v.WelcomeMetadata), core.ErrDecrypt, 1, true}}
			flipAll(t, v.WelcomeMetadata, all, func(tampered []byte) error {
				return open(editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata = tampered }))
			})
		})
	}
}

func TestTamperPointee(t *testing.T) {
	f := newFixture(t)
	input := f.inv.Messages[0].Message
	v := decodeInput(t, input).GetV1()
	open := func(in []byte) error {
		_, err := core.OpenPointee(f.pointer, toMessage(t, in, 1), nil)
		return err
	}
	t.Run("data", func(t *testing.T) {
		flipAll(t, v.Data, []region{{"all", 0, len(v.Data), core.ErrDecrypt, 1, true}}, func(tampered []byte) error {
			return open(editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().Data = tampered }))
		})
	})
	t.Run("welcome_metadata", func(t *testing.T) {
		flipAll(t, v.WelcomeMetadata, []region{{"all", 0, len(v.WelcomeMetadata), core.ErrDecrypt, 1, true}}, func(tampered []byte) error {
			return open(editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata = tampered }))
		})
	})
}

// TestTamperPointerFields flips bits in the opened Pointer's key and
// nonces: the pointee must then not open.
func TestTamperPointerFields(t *testing.T) {
	f := newFixture(t)
	pointee := toMessage(t, f.inv.Messages[0].Message, 1)
	if _, err := core.OpenPointee(f.pointer, pointee, nil); err != nil {
		t.Fatal(err)
	}
	for _, field := range []struct {
		name string
		get  func(p *core.Pointer) *[]byte
	}{
		{"encryption_key", func(p *core.Pointer) *[]byte { return &p.EncryptionKey }},
		{"data_nonce", func(p *core.Pointer) *[]byte { return &p.DataNonce }},
		{"welcome_metadata_nonce", func(p *core.Pointer) *[]byte { return &p.WelcomeMetadataNonce }},
	} {
		t.Run(field.name, func(t *testing.T) {
			orig := *field.get(f.pointer)
			for bit := 0; bit < 8*len(orig); bit++ {
				p := *f.pointer
				*field.get(&p) = flipBit(orig, bit)
				_, err := core.OpenPointee(&p, pointee, nil)
				if err == nil {
					t.Fatalf("bit %d: opened", bit)
				}
				checkDecrypt(t, err)
				// The stored form of the tampered pointer parses (it is
				// well formed) and fails the same way.
				q, perr := core.ParsePointer(p.Marshal())
				if perr != nil {
					t.Fatalf("bit %d: ParsePointer: %v", bit, perr)
				}
				_, err = core.OpenPointee(q, f.inv.Messages[0].Message, inputForm)
				checkDecrypt(t, err)
			}
		})
	}
	t.Run("swapped nonces", func(t *testing.T) {
		p := *f.pointer
		p.DataNonce, p.WelcomeMetadataNonce = p.WelcomeMetadataNonce, p.DataNonce
		_, err := core.OpenPointee(&p, pointee, nil)
		checkDecrypt(t, err)
	})
	t.Run("nonces made equal", func(t *testing.T) {
		p := *f.pointer
		p.WelcomeMetadataNonce = p.DataNonce
		_, err := core.OpenPointee(&p, pointee, nil)
		checkErr(t, err, core.ErrMalformed)
	})
}

// TestTamperUnauthenticated documents the fields the AEADs do not cover:
// changing them reroutes the message (no key found) but can never change
// what opens.
func TestTamperUnauthenticated(t *testing.T) {
	f := newFixture(t)
	input := f.inv.Messages[1].Message
	for i := 0; i < 8*4; i++ {
		t.Run(fmt.Sprint("hpke_public_key bit ", i), func(t *testing.T) {
			in := editInput(t, input, func(m *mlsv1.WelcomeMessageInput) {
				m.GetWelcomePointer().HpkePublicKey = flipBit(m.GetWelcomePointer().HpkePublicKey, i*37)
			})
			_, err := core.OpenWelcome(in, []*core.PrivateKey{f.ps[0].Key}, inputForm)
			checkErr(t, err, core.ErrNoMatchingKey)
		})
	}
}
