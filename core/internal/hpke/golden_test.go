package hpke

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"slices"
	"testing"
)

// The golden vector pins the deployed X-Wing suite, KEM id 0x004D in the
// HPKE suite_id, for which no independent implementation exists (crypto/hpke
// and circl/hpke only know 0x647a). It is in the same format as the other
// testdata vectors and is checked by the same runVector, so any change to
// the key schedule, the suite_id, the nonce sequence or the X-Wing
// encapsulation makes TestGolden0x004D fail.
//
// testdata/xwing-0x004d-golden.json was generated once, from this package,
// with
//
//	go test ./core/internal/hpke -run TestGolden0x004D -update
//
// All inputs come from a SHAKE128 stream over goldenDomain, so -update
// reproduces the same file as long as the implementation is unchanged.
// Do not regenerate it to make a failing test pass: released XMTP clients
// derive exactly these bytes (see the spec, section 2), so a diff here
// means this package no longer interoperates with them.
var update = flag.Bool("update", false, "regenerate testdata/xwing-0x004d-golden.json (see golden_test.go)")

const (
	goldenFile   = "testdata/xwing-0x004d-golden.json"
	goldenDomain = "welcome-pointers/core/internal/hpke: X-Wing KEM 0x004D golden vectors v1"
	// suite_id = "HPKE" || 0x004D || 0x0001 || 0x0003, from the spec.
	deployedSuiteIDHex = "48504b45004d00010003"
)

// pointerPlaintext builds a WelcomePointer protobuf as the deployed client
// sends it (field 1 welcome_v1_pointer { 1: destination, 2: aead_type = 3,
// 3: encryption_key, 4: data_nonce, 5: welcome_metadata_nonce }), 100 bytes,
// with random contents from r.
func pointerPlaintext(r io.Reader) []byte {
	field := func(b []byte, num byte, n int) []byte {
		b = append(b, num<<3|2, byte(n))
		v := make([]byte, n)
		io.ReadFull(r, v)
		return append(b, v...)
	}
	var inner []byte
	inner = field(inner, 1, 32)      // destination
	inner = append(inner, 2<<3|0, 3) // aead_type CHACHA20_POLY1305
	inner = field(inner, 3, 32)      // encryption_key
	inner = field(inner, 4, 12)      // data_nonce
	inner = field(inner, 5, 12)      // welcome_metadata_nonce
	return append([]byte{1<<3 | 2, byte(len(inner))}, inner...)
}

// welcomePlaintext is a stand-in MLS Welcome: 00 01 (MLS 1.0) 00 03
// (welcome) and n random bytes.
func welcomePlaintext(r io.Reader, n int) []byte {
	b := make([]byte, 4+n)
	b[1], b[3] = 0x01, 0x03
	io.ReadFull(r, b[4:])
	return b
}

// metadataPlaintext is the WelcomeMetadata protobuf { 1: message_cursor };
// a zero cursor encodes to zero bytes.
func metadataPlaintext(cursor uint64) []byte {
	if cursor == 0 {
		return []byte{}
	}
	return binary.AppendUvarint([]byte{1<<3 | 0}, cursor)
}

func makeGoldenVectors(t *testing.T) []hpkeVector {
	r := sha3.NewSHAKE128()
	r.Write([]byte(goldenDomain))
	read := func(n int) []byte {
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	exports := []vectorExport{
		{Context: "", L: 32},
		{Context: hex.EncodeToString([]byte("welcome pointers")), L: 64},
	}
	cases := []struct {
		name string
		pts  func() [][]byte
	}{
		{"pointer", func() [][]byte { return [][]byte{pointerPlaintext(r)} }},
		{"direct-cursor-0", func() [][]byte { return [][]byte{welcomePlaintext(r, 300), metadataPlaintext(0)} }},
		{"direct-cursor", func() [][]byte {
			return [][]byte{welcomePlaintext(r, 600), metadataPlaintext(1_732_000_000_123_456_789)}
		}},
	}
	var vectors []hpkeVector
	for _, c := range cases {
		skR, ikmE := read(XWingPrivateKeySize), read(xwingEncapSeedSize)
		pkR, err := PublicKey(KEMXWingDeployed, skR)
		if err != nil {
			t.Fatal(err)
		}
		enc, s, err := NewSender(KEMXWingDeployed, pkR, WelcomeInfo, bytes.NewReader(ikmE))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := xwingKEM{}.decap(skR, enc)
		if err != nil {
			t.Fatal(err)
		}
		v := hpkeVector{
			Name: c.name, Mode: modeBase, KEM: KEMXWingDeployed, KDF: KDFHKDFSHA256, AEAD: AEADChaCha20Poly1305,
			Info:           hex.EncodeToString(WelcomeInfo),
			IkmE:           hex.EncodeToString(ikmE),
			SkRm:           hex.EncodeToString(skR),
			PkRm:           hex.EncodeToString(pkR),
			Enc:            hex.EncodeToString(enc),
			SharedSecret:   hex.EncodeToString(ss),
			SuiteID:        hex.EncodeToString(suiteID(KEMXWingDeployed)),
			Key:            hex.EncodeToString(s.c.key),
			BaseNonce:      hex.EncodeToString(s.c.baseNonce[:]),
			ExporterSecret: hex.EncodeToString(exporterOf(s.c)),
		}
		for _, pt := range c.pts() {
			cp := *s.c
			nonce, err := cp.nextNonce()
			if err != nil {
				t.Fatal(err)
			}
			ct, err := s.Seal(nil, nil, pt)
			if err != nil {
				t.Fatal(err)
			}
			v.Encryptions = append(v.Encryptions, vectorEncryption{
				Aad: "", Pt: hex.EncodeToString(pt), Nonce: hex.EncodeToString(nonce[:]), Ct: hex.EncodeToString(ct),
			})
		}
		for _, e := range exports {
			val, err := s.Export(mustDecodeHex(t, e.Context), e.L)
			if err != nil {
				t.Fatal(err)
			}
			e.Value = hex.EncodeToString(val)
			v.Exports = append(v.Exports, e)
		}
		vectors = append(vectors, v)
	}
	return vectors
}

func TestGolden0x004D(t *testing.T) {
	if *update {
		data, err := json.MarshalIndent(makeGoldenVectors(t), "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", goldenFile)
	}
	vectors := readVectors(t, goldenFile)
	if len(vectors) != 3 {
		t.Errorf("%s has %d vectors, want 3", goldenFile, len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			if v.KEM != KEMXWingDeployed || v.SuiteID != deployedSuiteIDHex {
				t.Fatalf("golden vector is for KEM %#04x, suite %s; want %#04x, %s", v.KEM, v.SuiteID, KEMXWingDeployed, deployedSuiteIDHex)
			}
			if v.Info != hex.EncodeToString(WelcomeInfo) {
				t.Errorf("golden info = %s, want WelcomeInfo", v.Info)
			}
			runVector(t, &v)

			// The same key schedule, re-derived straight from RFC 9180
			// section 5.1 with the spec's suite_id bytes.
			suite := mustDecodeHex(t, deployedSuiteIDHex)
			key, nonce, exp := refKeySchedule(t, suite, mustDecodeHex(t, v.SharedSecret), WelcomeInfo)
			checkHex(t, "reference key", key, v.Key)
			checkHex(t, "reference base_nonce", nonce, v.BaseNonce)
			checkHex(t, "reference exporter_secret", exp, v.ExporterSecret)

			// The registered-id recipient gets the same X-Wing shared secret
			// but a different key schedule: it must not open the message.
			r, err := NewRecipient(KEMXWing, mustDecodeHex(t, v.SkRm), mustDecodeHex(t, v.Enc), WelcomeInfo)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Open(nil, mustDecodeHex(t, v.Encryptions[0].Ct)); !errors.Is(err, ErrOpen) {
				t.Errorf("0x647a recipient opened a 0x004D message: err = %v", err)
			}
		})
	}
}

// refKeySchedule is RFC 9180 section 5.1 KeySchedule for mode_base, default
// PSK, HKDF-SHA256 and ChaCha20-Poly1305, written out independently of
// labeledExtract/labeledExpand.
func refKeySchedule(t *testing.T, suite, sharedSecret, info []byte) (key, baseNonce, exporterSecret []byte) {
	t.Helper()
	extract := func(salt []byte, label string, ikm []byte) []byte {
		prk, err := hkdf.Extract(sha256.New, slices.Concat([]byte("HPKE-v1"), suite, []byte(label), ikm), salt)
		if err != nil {
			t.Fatal(err)
		}
		return prk
	}
	ksc := slices.Concat([]byte{0x00}, extract(nil, "psk_id_hash", nil), extract(nil, "info_hash", info))
	secret := extract(sharedSecret, "secret", nil)
	return refExpand(t, suite, secret, "key", ksc, 32), refExpand(t, suite, secret, "base_nonce", ksc, 12), refExpand(t, suite, secret, "exp", ksc, 32)
}

// refExpand is RFC 9180 LabeledExpand, written out like refKeySchedule.
func refExpand(t *testing.T, suite, prk []byte, label string, info []byte, l int) []byte {
	t.Helper()
	out, err := hkdf.Expand(sha256.New, prk, string(slices.Concat([]byte{byte(l >> 8), byte(l)}, []byte("HPKE-v1"), suite, []byte(label), info)), l)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSuiteID(t *testing.T) {
	for _, tt := range []struct {
		kem  uint16
		want string
	}{
		{KEMXWingDeployed, deployedSuiteIDHex},
		{KEMXWing, "48504b45647a00010003"},
		{KEMX25519, "48504b45002000010003"},
	} {
		if got := hex.EncodeToString(suiteID(tt.kem)); got != tt.want {
			t.Errorf("suiteID(%#04x) = %s, want %s", tt.kem, got, tt.want)
		}
	}
	if KEMXWingDeployed != 0x004D || KEMXWing != 0x647a || KEMX25519 != 0x0020 {
		t.Errorf("KEM ids changed: %#04x %#04x %#04x", KEMXWingDeployed, KEMXWing, KEMX25519)
	}
	if want := "134d4c5320312e30204d4c535f57454c434f4d4500"; hex.EncodeToString(WelcomeInfo) != want {
		t.Errorf("WelcomeInfo = %x, want %s", WelcomeInfo, want)
	}
}

// TestDeployedAndRegisteredContextsDiffer derives both X-Wing contexts from
// one shared secret: every secret of the key schedule must differ, and each
// must match the reference derivation for its own suite_id.
func TestDeployedAndRegisteredContextsDiffer(t *testing.T) {
	ss := make([]byte, 32)
	rand.Read(ss)
	for _, info := range [][]byte{WelcomeInfo, nil} {
		deployed, err := keySchedule(KEMXWingDeployed, ss, info)
		if err != nil {
			t.Fatal(err)
		}
		registered, err := keySchedule(KEMXWing, ss, info)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(deployed.key, registered.key) {
			t.Error("0x004D and 0x647a derive the same key")
		}
		if deployed.baseNonce == registered.baseNonce {
			t.Error("0x004D and 0x647a derive the same base_nonce")
		}
		if bytes.Equal(exporterOf(deployed), exporterOf(registered)) {
			t.Error("0x004D and 0x647a derive the same exporter_secret")
		}
		for _, c := range []struct {
			kem uint16
			ctx *context
		}{{KEMXWingDeployed, deployed}, {KEMXWing, registered}} {
			key, nonce, exp := refKeySchedule(t, suiteID(c.kem), ss, info)
			if !bytes.Equal(c.ctx.key, key) || !bytes.Equal(c.ctx.baseNonce[:], nonce) || !bytes.Equal(exporterOf(c.ctx), exp) {
				t.Errorf("KEM %#04x: key schedule differs from the RFC 9180 reference", c.kem)
			}
		}
	}
}

// exporterOf returns a context's exporter secret (derived on first use).
func exporterOf(c *context) []byte {
	e, err := c.exporter()
	if err != nil {
		panic(err)
	}
	return e
}
