package wire_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// MLS varints (RFC 9420 section 2.1.2) and the TLS HpkeCiphertext.

func TestVarintVectors(t *testing.T) {
	cases := []struct {
		n   int
		enc []byte
	}{
		// RFC 9420 section 2.1.2 examples.
		{37, []byte{0x25}},
		{15293, []byte{0x7b, 0xbd}},
		{494878333, []byte{0x9d, 0x7f, 0x3e, 0x7d}},
		// Boundaries.
		{0, []byte{0x00}},
		{63, []byte{0x3f}},
		{64, []byte{0x40, 0x40}},
		{16383, []byte{0x7f, 0xff}},
		{16384, []byte{0x80, 0x00, 0x40, 0x00}},
		{1<<30 - 1, []byte{0xbf, 0xff, 0xff, 0xff}},
		// The spec: an X-Wing kem_output (1120) and an X25519 one (32).
		{1120, []byte{0x44, 0x60}},
		{32, []byte{0x20}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.n), func(t *testing.T) {
			if got := wire.AppendVarint([]byte{0xaa}, c.n); !bytes.Equal(got, append([]byte{0xaa}, c.enc...)) {
				t.Fatalf("AppendVarint(%d) = %x, want aa%x", c.n, got, c.enc)
			}
			n, rest, err := wire.ParseVarint(append(bytes.Clone(c.enc), 0xbb, 0xcc))
			if err != nil || n != c.n || !bytes.Equal(rest, []byte{0xbb, 0xcc}) {
				t.Fatalf("ParseVarint = %d, %x, %v", n, rest, err)
			}
			if got := wire.HpkeCiphertextSize(c.n, 0) - c.n - 1; got != len(c.enc) {
				t.Fatalf("size of the varint of %d = %d, want %d", c.n, got, len(c.enc))
			}
		})
	}
	t.Run("round-trip-all-sizes", func(t *testing.T) {
		for n := 0; n < 1<<15; n++ {
			checkVarintRoundTrip(t, n)
		}
		for n := 1 << 15; n < 1<<30; n += 12345 {
			checkVarintRoundTrip(t, n)
		}
	})
}

func checkVarintRoundTrip(t *testing.T, n int) {
	var buf [4]byte
	b := wire.AppendVarint(buf[:0], n)
	got, rest, err := wire.ParseVarint(b)
	if err != nil || got != n || len(rest) != 0 {
		t.Fatalf("round trip of %d: %d, %x, %v", n, got, rest, err)
	}
}

func TestAppendVarintOutOfRangePanics(t *testing.T) {
	for _, n := range []int{-1, 1 << 30, 1<<31 - 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			wire.AppendVarint(nil, n)
		})
	}
}

func TestParseVarintRejects(t *testing.T) {
	cases := []struct {
		name, want string
		b          []byte
	}{
		{"empty", "empty", nil},
		{"prefix-11", "0b11", []byte{0xc0}},
		{"prefix-11-full", "0b11", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"truncated-2", "need 2", []byte{0x40}},
		{"truncated-4", "need 4", []byte{0x80, 0x00, 0x00}},
		{"non-minimal-2-of-0", "non-minimal", []byte{0x40, 0x00}},
		{"non-minimal-2-of-63", "non-minimal", []byte{0x40, 0x3f}},
		{"non-minimal-4-of-0", "non-minimal", []byte{0x80, 0x00, 0x00, 0x00}},
		{"non-minimal-4-of-63", "non-minimal", []byte{0x80, 0x00, 0x00, 0x3f}},
		{"non-minimal-4-of-16383", "non-minimal", []byte{0x80, 0x00, 0x3f, 0xff}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := wire.ParseVarint(c.b)
			if err == nil {
				t.Fatal("accepted")
			}
			mustMalformed(t, err)
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func hpkeCases() []named[[2][]byte] {
	cs := []named[[2][]byte]{
		{"empty-empty", [2][]byte{nil, nil}},
		{"x25519", [2][]byte{fill(32, 1), fill(100, 2)}},
		{"xwing-pointer", [2][]byte{fill(1120, 1), fill(118, 2)}},
		{"boundary-63-64", [2][]byte{fill(63, 1), fill(64, 2)}},
		{"boundary-16383-16384", [2][]byte{fill(16383, 1), fill(16384, 2)}},
		{"large", [2][]byte{fill(1120, 1), fill(1<<20, 2)}},
	}
	g := newGen(8)
	for i := range randomCases {
		cs = append(cs, named[[2][]byte]{fmt.Sprintf("random-%d", i), [2][]byte{g.bytes(), g.bytes()}})
	}
	return cs
}

func TestHpkeCiphertextRoundTrip(t *testing.T) {
	for _, c := range hpkeCases() {
		t.Run(c.name, func(t *testing.T) {
			kem, ct := c.val[0], c.val[1]
			b := wire.AppendHpkeCiphertext(nil, kem, ct)
			if len(b) != wire.HpkeCiphertextSize(len(kem), len(ct)) {
				t.Fatalf("HpkeCiphertextSize = %d, encoded %d", wire.HpkeCiphertextSize(len(kem), len(ct)), len(b))
			}
			want := append(append(append(wire.AppendVarint(nil, len(kem)), kem...), wire.AppendVarint(nil, len(ct))...), ct...)
			if !bytes.Equal(b, want) {
				t.Fatal("encoding is not varint(len) || kem_output || varint(len) || ciphertext")
			}
			k2, c2, err := wire.ParseHpkeCiphertext(b)
			if err != nil || !bytes.Equal(k2, kem) || !bytes.Equal(c2, ct) {
				t.Fatalf("ParseHpkeCiphertext: %v", err)
			}
			if cap(k2) != len(k2) || cap(c2) != len(c2) {
				t.Fatal("returned slices are not capped")
			}
			if len(ct) > 0 && &c2[0] != &b[len(b)-len(ct)] {
				t.Fatal("ciphertext does not alias the input")
			}
			// Every proper prefix is rejected.
			step := 1
			if len(b) > 5000 {
				step = 997
			}
			for i := 0; i < len(b); i += step {
				if _, _, err := wire.ParseHpkeCiphertext(b[:i]); err == nil {
					t.Fatalf("prefix of %d/%d bytes accepted", i, len(b))
				} else {
					mustMalformed(t, err)
				}
			}
		})
	}
	t.Run("xwing-prefix", func(t *testing.T) {
		b := wire.AppendHpkeCiphertext(nil, fill(1120, 0), nil)
		if !bytes.HasPrefix(b, []byte{0x44, 0x60}) {
			t.Fatalf("X-Wing kem_output starts %x, want 4460", b[:2])
		}
	})
}

func TestParseHpkeCiphertextRejects(t *testing.T) {
	valid := wire.AppendHpkeCiphertext(nil, fill(32, 1), fill(20, 2))
	cases := []struct {
		name, want string
		b          []byte
	}{
		{"empty", "empty", nil},
		{"kem-only", "ciphertext length", []byte{0x00}},
		{"kem-non-minimal", "non-minimal", append([]byte{0x40, 0x01, 0xaa}, 0x00)},
		{"ct-non-minimal", "non-minimal", []byte{0x00, 0x80, 0x00, 0x00, 0x00}},
		{"kem-prefix-11", "0b11", []byte{0xc0, 0x00}},
		{"ct-prefix-11", "0b11", []byte{0x00, 0xff}},
		{"kem-beyond-input", "beyond input", []byte{0x05, 0x01, 0x02}},
		{"ct-beyond-input", "beyond input", []byte{0x00, 0x3f, 0x01}},
		{"kem-4-byte-beyond", "beyond input", []byte{0xbf, 0xff, 0xff, 0xff, 0x00}},
		{"trailing-byte", "trailing", append(bytes.Clone(valid), 0x00)},
		{"trailing-valid-copy", "trailing", append(bytes.Clone(valid), valid...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := wire.ParseHpkeCiphertext(c.b)
			if err == nil {
				t.Fatal("accepted")
			}
			mustMalformed(t, err)
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}
