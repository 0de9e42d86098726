package hpke

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// fuzzKEM is a fixed recipient for FuzzOpen.
type fuzzKEM struct {
	id     uint16
	sk, pk []byte
}

// fuzzRecipients returns fixed keys for every KEM (0x004D and 0x647a share
// one X-Wing key) and, deterministically, genuine seals to them:
// (kem index, enc, ciphertext) -> plaintext.
func fuzzRecipients(tb testing.TB) ([]fuzzKEM, map[string][]byte, [][3][]byte) {
	tb.Helper()
	r := newTestRand("FuzzOpen")
	var kems []fuzzKEM
	xsk, xpk, err := GenerateKey(KEMXWing, r)
	if err != nil {
		tb.Fatal(err)
	}
	dsk, dpk, err := GenerateKey(KEMX25519, r)
	if err != nil {
		tb.Fatal(err)
	}
	kems = append(kems, fuzzKEM{KEMX25519, dsk, dpk}, fuzzKEM{KEMXWingDeployed, xsk, xpk}, fuzzKEM{KEMXWing, xsk, xpk})

	genuine := map[string][]byte{}
	var seeds [][3][]byte
	for i, k := range kems {
		for _, n := range []int{0, 1, 100} {
			pt := make([]byte, n)
			r.Read(pt)
			enc, s, err := NewSender(k.id, k.pk, WelcomeInfo, r)
			if err != nil {
				tb.Fatal(err)
			}
			ct, err := s.Seal(nil, nil, pt)
			if err != nil {
				tb.Fatal(err)
			}
			genuine[fuzzKey(i, enc, ct)] = pt
			seeds = append(seeds, [3][]byte{{byte(i)}, enc, ct})
		}
	}
	return kems, genuine, seeds
}

func fuzzKey(kem int, enc, ct []byte) string {
	return fmt.Sprintf("%d/%x/%x", kem, enc, ct)
}

// FuzzOpen feeds arbitrary encapsulations and ciphertexts to a fixed
// recipient of each KEM (the first byte of the input selects it). It must
// never panic; NewRecipient may only fail with ErrInvalidEncapsulation (for
// a wrong size, and only then) or ErrOpen (an X25519 low-order point), and
// Open only with ErrOpen. Only the genuine seals it was seeded with may
// open. The seeds (genuine seals, and truncated/extended/flipped variants)
// run in every plain `go test`; fuzz with
//
//	go test ./core/internal/hpke -run '^$' -fuzz FuzzOpen
func FuzzOpen(f *testing.F) {
	kems, genuine, seeds := fuzzRecipients(f)
	for _, s := range seeds {
		kem, enc, ct := s[0][0], s[1], s[2]
		f.Add(kem, enc, ct)
		f.Add(kem, enc[:len(enc)-1], ct)
		f.Add(kem, append(enc[:len(enc):len(enc)], 0), ct)
		f.Add(kem, enc, ct[:len(ct)-1])
		f.Add(kem, flipped(enc, len(enc)-1, 7), ct)
		f.Add(kem, enc, flipped(ct, 0, 0))
		f.Add(kem+1, enc, ct) // the other X-Wing suite, or a KEM of another size
	}
	f.Add(byte(0), []byte(nil), []byte(nil))
	f.Add(byte(0), make([]byte, 32), make([]byte, 16))

	f.Fuzz(func(t *testing.T, kemSel byte, enc, ct []byte) {
		i := int(kemSel) % len(kems)
		k := kems[i]
		r, err := NewRecipient(k.id, k.sk, enc, WelcomeInfo)
		wrongSize := len(enc) != EncapsulationSize(k.id)
		switch {
		case errors.Is(err, ErrInvalidEncapsulation):
			if !wrongSize {
				t.Fatalf("KEM %#04x: ErrInvalidEncapsulation for a %d-byte enc", k.id, len(enc))
			}
			return
		case wrongSize:
			t.Fatalf("KEM %#04x: %d-byte enc: err = %v, want ErrInvalidEncapsulation", k.id, len(enc), err)
		case errors.Is(err, ErrOpen):
			if k.id != KEMX25519 {
				t.Fatalf("KEM %#04x: NewRecipient = ErrOpen", k.id)
			}
			return
		case err != nil:
			t.Fatalf("KEM %#04x: NewRecipient: unexpected error %v", k.id, err)
		}
		pt, err := r.Open(nil, ct)
		if err != nil {
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("KEM %#04x: Open: unexpected error %v", k.id, err)
			}
			return
		}
		want, ok := genuine[fuzzKey(i, enc, ct)]
		if !ok {
			t.Fatalf("KEM %#04x: a non-genuine message opened: enc %x ct %x -> %x", k.id, enc, ct, pt)
		}
		if !bytes.Equal(pt, want) {
			t.Fatalf("KEM %#04x: got %x, want %x", k.id, pt, want)
		}
	})
}
