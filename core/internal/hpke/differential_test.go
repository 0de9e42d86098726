package hpke

import (
	"bytes"
	"crypto/ecdh"
	stdhpke "crypto/hpke"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"testing"

	circl "github.com/cloudflare/circl/kem/xwing"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

// The differential suite: for the registered suites (X-Wing 0x647a and
// DHKEM(X25519) 0x0020), both directions against crypto/hpke; for the
// deployed 0x004D, which no library implements, every ciphertext byte and
// exported secret against refKeySchedule over circl's X-Wing and
// x/crypto's ChaCha20-Poly1305. Keys, randomness, info, aad and
// plaintexts are random per case. It runs in every build (native,
// GOOS=js, wasip1); cryptotest sizes it.

type diffMessage struct{ aad, pt []byte }

type diffCase struct {
	sk, pk, info []byte
	msgs         []diffMessage
	exportCtx    []byte
	exportLen    int
}

func newDiffCase(t *testing.T, r *mrand.ChaCha8, kem uint16, i int) *diffCase {
	t.Helper()
	sk, pk, err := GenerateKey(kem, r)
	if err != nil {
		t.Fatal(err)
	}
	c := &diffCase{sk: sk, pk: pk, exportLen: 1 + int(r.Uint64()%64)}
	switch i % 3 {
	case 0:
		c.info = WelcomeInfo
	case 1:
		c.info = diffBytes(r, 1+int(r.Uint64()%64))
	}
	c.exportCtx = diffBytes(r, int(r.Uint64()%32))
	// The pointer's shape first (empty aad), then random messages.
	c.msgs = append(c.msgs, diffMessage{nil, diffBytes(r, 100)})
	for range 2 {
		c.msgs = append(c.msgs, diffMessage{diffBytes(r, int(r.Uint64()%40)), diffBytes(r, int(r.Uint64()%600))})
	}
	return c
}

func diffBytes(r *mrand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

// recording is a reader that keeps what it gave out: the KEM randomness
// NewSender consumed, for the reference to reuse.
type recording struct {
	r   io.Reader
	got []byte
}

func (rr *recording) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	rr.got = append(rr.got, p[:n]...)
	return n, err
}

func TestDifferential(t *testing.T) {
	for _, kem := range []uint16{KEMXWing, KEMX25519, KEMXWingDeployed} {
		t.Run(fmt.Sprintf("kem_%04x", kem), func(t *testing.T) {
			var seed [32]byte
			binary.BigEndian.PutUint16(seed[:], kem)
			r := mrand.NewChaCha8(seed)
			n := cryptotest.N(200, 5000)
			for i := range n {
				c := newDiffCase(t, r, kem, i)
				if kem == KEMXWingDeployed {
					diffDeployed(t, r, c)
				} else {
					diffStd(t, kem, c)
				}
			}
			what := "crypto/hpke, both directions"
			if kem == KEMXWingDeployed {
				what = "an independent key schedule over circl's X-Wing, every byte"
			}
			t.Logf("%d key pairs, %d messages each way: ours = %s", n, 3, what)
		})
	}
}

// diffStd seals with ours and opens with crypto/hpke, then the reverse,
// and compares the exported secrets of each pair of contexts.
func diffStd(t *testing.T, kem uint16, c *diffCase) {
	t.Helper()
	var std stdhpke.KEM = stdhpke.MLKEM768X25519()
	if kem == KEMX25519 {
		std = stdhpke.DHKEM(ecdh.X25519())
	}
	kdf, aead := stdhpke.HKDFSHA256(), stdhpke.ChaCha20Poly1305()
	stdSK, err := std.NewPrivateKey(c.sk)
	if err != nil {
		t.Fatal(err)
	}
	if got := stdSK.PublicKey().Bytes(); !bytes.Equal(got, c.pk) {
		t.Fatalf("public key %x, crypto/hpke %x", c.pk, got)
	}

	enc, s, err := NewSender(kem, c.pk, c.info, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := stdhpke.NewRecipient(enc, stdSK, kdf, aead, c.info)
	if err != nil {
		t.Fatal(err)
	}
	for j, m := range c.msgs {
		ct, err := s.Seal(nil, m.aad, m.pt)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := rec.Open(m.aad, ct); err != nil || !bytes.Equal(pt, m.pt) {
			t.Fatalf("message %d sealed by us: crypto/hpke opens %x, %v", j, pt, err)
		}
	}
	diffExport(t, c, s.Export, rec.Export)

	stdPK, err := std.NewPublicKey(c.pk)
	if err != nil {
		t.Fatal(err)
	}
	enc, ss, err := stdhpke.NewSender(stdPK, kdf, aead, c.info)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRecipient(kem, c.sk, enc, c.info)
	if err != nil {
		t.Fatal(err)
	}
	for j, m := range c.msgs {
		ct, err := ss.Seal(m.aad, m.pt)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := r.Open(m.aad, ct); err != nil || !bytes.Equal(pt, m.pt) {
			t.Fatalf("message %d sealed by crypto/hpke: we open %x, %v", j, pt, err)
		}
	}
	diffExport(t, c, r.Export, ss.Export)
}

func diffExport(t *testing.T, c *diffCase, ours func([]byte, int) ([]byte, error), std func(string, int) ([]byte, error)) {
	t.Helper()
	a, err := ours(c.exportCtx, c.exportLen)
	if err != nil {
		t.Fatal(err)
	}
	b, err := std(string(c.exportCtx), c.exportLen)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("exported %x, crypto/hpke %x", a, b)
	}
}

// diffDeployed checks the 0x004D suite byte for byte against the
// reference, then has us open what the reference seals.
func diffDeployed(t *testing.T, r *mrand.ChaCha8, c *diffCase) {
	t.Helper()
	suite := []byte("HPKE\x00\x4d\x00\x01\x00\x03")
	reference := func(eseed []byte) (enc []byte, seal func(seq int, m diffMessage) []byte, export []byte) {
		ss, enc, err := circl.Encapsulate(c.pk, eseed)
		if err != nil {
			t.Fatal(err)
		}
		key, baseNonce, exp := refKeySchedule(t, suite, ss, c.info)
		aead, err := chacha20poly1305.New(key)
		if err != nil {
			t.Fatal(err)
		}
		seal = func(seq int, m diffMessage) []byte {
			nonce := bytes.Clone(baseNonce)
			nonce[len(nonce)-1] ^= byte(seq)
			return aead.Seal(nil, nonce, m.pt, m.aad)
		}
		return enc, seal, refExpand(t, suite, exp, "sec", c.exportCtx, c.exportLen)
	}

	rec := &recording{r: r}
	enc, s, err := NewSender(KEMXWingDeployed, c.pk, c.info, rec)
	if err != nil {
		t.Fatal(err)
	}
	refEnc, refSeal, refExport := reference(rec.got)
	if !bytes.Equal(enc, refEnc) {
		t.Fatalf("encapsulation %x, reference %x", enc, refEnc)
	}
	for j, m := range c.msgs {
		ct, err := s.Seal(nil, m.aad, m.pt)
		if err != nil {
			t.Fatal(err)
		}
		if want := refSeal(j, m); !bytes.Equal(ct, want) {
			t.Fatalf("message %d: %x, reference %x", j, ct, want)
		}
	}
	if got, err := s.Export(c.exportCtx, c.exportLen); err != nil || !bytes.Equal(got, refExport) {
		t.Fatalf("exported %x, %v; reference %x", got, err, refExport)
	}

	refEnc, refSeal, refExport = reference(diffBytes(r, xwingEncapSeedSize))
	rcp, err := NewRecipient(KEMXWingDeployed, c.sk, refEnc, c.info)
	if err != nil {
		t.Fatal(err)
	}
	for j, m := range c.msgs {
		if pt, err := rcp.Open(m.aad, refSeal(j, m)); err != nil || !bytes.Equal(pt, m.pt) {
			t.Fatalf("message %d sealed by the reference: we open %x, %v", j, pt, err)
		}
	}
	if got, err := rcp.Export(c.exportCtx, c.exportLen); err != nil || !bytes.Equal(got, refExport) {
		t.Fatalf("recipient exported %x, %v; reference %x", got, err, refExport)
	}
}
