package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	circl "github.com/cloudflare/circl/kem/xwing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// externalEncapsulations encapsulates to each installation's key with
// circl's X-Wing (standing in for a browser's WebCrypto), each from the
// next 64 bytes of r: the randomness SealPointers would draw from r.
func externalEncapsulations(t testing.TB, ins []core.Installation, r io.Reader) []core.Encapsulation {
	t.Helper()
	encs := make([]core.Encapsulation, len(ins))
	for i, in := range ins {
		ss, ct, err := circl.Encapsulate(in.WrapperPublicKey, readN(t, r, circl.EncapsulationSeedSize))
		if err != nil {
			t.Fatal(err)
		}
		encs[i] = core.Encapsulation{SharedSecret: ss, Ciphertext: ct}
	}
	return encs
}

// The golden invite's pointee and pointers, sealed again with the pointer
// encapsulations made outside the core from the same randomness, are the
// same bytes.
func TestSealPointersEncapsulatedGolden(t *testing.T) {
	ps, welcome, inv := goldenInvite(t)
	r := stream(goldenSeed + " seal")
	pointee, ptr, err := core.SealPointee(welcome, 42, core.WithRand(nil, r))
	if err != nil {
		t.Fatal(err)
	}
	ins := installations(ps[:3])
	encs := externalEncapsulations(t, ins, r)
	msgs, err := core.SealPointersEncapsulated(ptr, ins, encs, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := append([]core.OutgoingMessage{pointee}, msgs...)
	for i, m := range got {
		w := inv.Messages[i]
		if m.Kind != w.Kind || !bytes.Equal(m.InstallationKey, w.InstallationKey) || !bytes.Equal(m.Message, w.Message) {
			t.Fatalf("message %d (%v) differs from the golden invite's", i, m.Kind)
		}
	}
	for i, e := range encs {
		if !bytes.Equal(e.SharedSecret, make([]byte, 32)) {
			t.Errorf("encapsulation %d: the core did not clear the shared secret it used", i)
		}
	}
}

// Random keys, both KEM ids, and encapsulations left to the core for some
// installations: the same bytes as SealPointers with the same randomness,
// and every recipient opens its pointer.
func TestSealPointersEncapsulated(t *testing.T) {
	ps := newParties(t, "encap", repeatCap(capable, 7)...)
	ins := installations(ps)
	welcome := testWelcome(700)
	for _, kem := range []core.KEMID{0, core.KEMXWingDeployed, core.KEMXWing} {
		for _, leave := range [][]int{nil, {0}, {2, 6}, {0, 1, 2, 3, 4, 5, 6}} {
			t.Run(fmt.Sprintf("kem=%#04x/core-encapsulates=%v", uint16(kem), leave), func(t *testing.T) {
				label := fmt.Sprintf("encap %d %v", kem, leave)
				pointee, ptr, err := core.SealPointee(welcome, 3, deterministic(label+" pointee"))
				if err != nil {
					t.Fatal(err)
				}
				want, err := core.SealPointers(ptr, ins, core.WithRand(&core.SealOptions{KEMID: kem}, stream(label)))
				if err != nil {
					t.Fatal(err)
				}
				r := stream(label)
				encs := externalEncapsulations(t, ins, r)
				for _, i := range leave {
					encs[i] = core.Encapsulation{}
				}
				// The core draws its randomness for the installations left to
				// it from a stream of its own: those messages differ.
				got, err := core.SealPointersEncapsulated(ptr, ins, encs, core.WithRand(&core.SealOptions{KEMID: kem}, stream(label+" core")))
				if err != nil {
					t.Fatal(err)
				}
				left := map[int]bool{}
				for _, i := range leave {
					left[i] = true
				}
				for i := range want {
					same := bytes.Equal(got[i].Message, want[i].Message)
					if same == left[i] || got[i].Kind != core.KindPointer || !bytes.Equal(got[i].InstallationKey, ins[i].InstallationKey) {
						t.Fatalf("message %d: same bytes as SealPointers = %v, left to the core = %v", i, same, left[i])
					}
				}
				net := newNetwork(t)
				net.publish(pointee.Message)
				for _, m := range got {
					net.publish(m.Message)
				}
				wantID := kem
				if kem == 0 {
					wantID = core.KEMXWingDeployed
				}
				for _, p := range ps {
					o := net.receive(p, ps[len(ps)-1].Key)
					if !bytes.Equal(o.welcome, welcome) || o.cursor != 3 || o.rec.KEMID != wantID {
						t.Fatalf("recipient opened %d bytes, cursor %d, KEM id %#04x", len(o.welcome), o.cursor, uint16(o.rec.KEMID))
					}
				}
			})
		}
	}
}

// What SealPointers refuses, SealPointersEncapsulated refuses with the
// same error, whoever made the encapsulation; and it refuses
// encapsulations that cannot be one.
func TestSealPointersEncapsulatedRejects(t *testing.T) {
	ps := newParties(t, "encap rejects", capable, capable, capable)
	ins := installations(ps)
	_, ptr, err := core.SealPointee(testWelcome(100), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	encs := func() []core.Encapsulation { return externalEncapsulations(t, ins, stream("encap rejects")) }

	// A key whose ML-KEM half fails the FIPS 203 check (a coefficient of
	// 0xfff in the second installation's t̂) passes CheckInstallations.
	badML := bytes.Clone(ins[1].WrapperPublicKey)
	badML[30], badML[31] = 0xff, badML[31]|0x0f
	withBadML := []core.Installation{ins[0], ins[1], ins[2]}
	withBadML[1].WrapperPublicKey = badML
	// Keys CheckInstallations refuses: all-zero ML-KEM half, low-order X25519 half.
	zeroML := bytes.Clone(ins[2].WrapperPublicKey)
	clear(zeroML[:1184])
	lowX := bytes.Clone(ins[2].WrapperPublicKey)
	copy(lowX[1184:], make([]byte, 32))
	lowX[1184] = 1
	for name, key := range map[string][]byte{"ML-KEM check": badML, "ML-KEM half all zero": zeroML, "X25519 half of low order": lowX} {
		t.Run(name, func(t *testing.T) {
			bad := []core.Installation{ins[0], ins[1], ins[2]}
			bad[1].WrapperPublicKey = key
			want, werr := core.SealPointers(ptr, bad, nil)
			es := encs()
			got, gerr := core.SealPointersEncapsulated(ptr, bad, es, nil)
			if want != nil || got != nil || werr == nil || gerr == nil || werr.Error() != gerr.Error() || !errors.Is(gerr, core.ErrInvalidKey) {
				t.Fatalf("SealPointers: %v; SealPointersEncapsulated: %v", werr, gerr)
			}
			// Left to the core, the same.
			es[1] = core.Encapsulation{}
			if _, gerr = core.SealPointersEncapsulated(ptr, bad, es, nil); gerr == nil || gerr.Error() != werr.Error() {
				t.Fatalf("left to the core: %v, want %v", gerr, werr)
			}
		})
	}
	for name, edit := range map[string]func([]core.Encapsulation) []core.Encapsulation{
		"one short": func(e []core.Encapsulation) []core.Encapsulation { return e[:2] },
		"one more":  func(e []core.Encapsulation) []core.Encapsulation { return append(e, e[0]) },
		"short secret": func(e []core.Encapsulation) []core.Encapsulation {
			e[1].SharedSecret = e[1].SharedSecret[:31]
			return e
		},
		"short ciphertext":   func(e []core.Encapsulation) []core.Encapsulation { e[2].Ciphertext = e[2].Ciphertext[:1119]; return e },
		"no secret":          func(e []core.Encapsulation) []core.Encapsulation { e[0].SharedSecret = nil; return e },
		"no ciphertext":      func(e []core.Encapsulation) []core.Encapsulation { e[0].Ciphertext = nil; return e },
		"empty, not missing": func(e []core.Encapsulation) []core.Encapsulation { e[0].Ciphertext = []byte{}; return e },
	} {
		t.Run(name, func(t *testing.T) {
			msgs, err := core.SealPointersEncapsulated(ptr, ins, edit(encs()), nil)
			if msgs != nil {
				t.Fatal("messages with an error")
			}
			checkErr(t, err, core.ErrInvalidArgument)
		})
	}
	t.Run("no encapsulations", func(t *testing.T) {
		msgs, err := core.SealPointersEncapsulated(ptr, ins, nil, nil)
		checkErr(t, err, core.ErrInvalidArgument)
		if msgs != nil {
			t.Fatal("messages with an error")
		}
	})
	// SealPointers' own checks come first, with its errors.
	t.Run("not capable", func(t *testing.T) {
		c := newParties(t, "encap rejects curve", curve)[0].Installation
		_, werr := core.SealPointers(ptr, []core.Installation{ins[0], c}, nil)
		_, gerr := core.SealPointersEncapsulated(ptr, []core.Installation{ins[0], c}, encs()[:2], nil)
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Fatalf("%v vs %v", gerr, werr)
		}
	})
}

// openDecapsulated opens message in two steps, decapsulating with circl.
func openDecapsulated(t testing.TB, message []byte, keys []*core.PrivateKey, input bool) (*core.Received, error) {
	t.Helper()
	w, err := core.ParseWelcome(message, keys, formOf(input))
	if err != nil {
		return nil, err
	}
	enc := w.Encapsulation()
	if enc == nil {
		return w.Open(nil)
	}
	ss := circl.Decapsulate(enc, keys[w.KeyIndex()].Bytes())
	rec, err := w.Open(ss)
	if err == nil && !bytes.Equal(ss, make([]byte, len(ss))) {
		t.Fatal("Open did not clear the shared secret it was given")
	}
	return rec, err
}

// Opening in two steps, with the decapsulation outside the core, gives
// OpenWelcome's result for every kind of message, in both wire forms.
func TestParseWelcomeOpen(t *testing.T) {
	fx := newFixture(t)
	keys := fx.keys()
	for name, m := range map[string]struct {
		msg   []byte
		input bool
		key   int
		enc   bool
	}{
		"pointer":          {fx.pointerMsg, false, 0, true},
		"pointer input":    {fx.pointerIn, true, 0, true},
		"curve direct":     {fx.curveMsg, false, 3, false},
		"xwing direct":     {fx.xwingMsg, false, 4, true},
		"xwing direct in":  {fx.xwingIn, true, 4, true},
		"curve direct in":  {fx.curveIn, true, 3, false},
		"second pointer":   {toMessage(t, fx.inv.Messages[2].Message, 3), false, 1, true},
		"third pointer in": {fx.inv.Messages[3].Message, true, 2, true},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := core.OpenWelcome(m.msg, keys, formOf(m.input))
			if err != nil {
				t.Fatal(err)
			}
			w, err := core.ParseWelcome(m.msg, keys, formOf(m.input))
			if err != nil {
				t.Fatal(err)
			}
			if w.KeyIndex() != m.key || (w.Encapsulation() != nil) != m.enc || (m.enc && len(w.Encapsulation()) != core.XWingEncapsulationSize) {
				t.Fatalf("key %d, encapsulation of %d bytes", w.KeyIndex(), len(w.Encapsulation()))
			}
			got, err := openDecapsulated(t, m.msg, keys, m.input)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) || !bytes.Equal(got.Welcome, want.Welcome) ||
				(want.Pointer != nil && !bytes.Equal(got.Pointer.Marshal(), want.Pointer.Marshal())) {
				t.Fatalf("opened %+v, OpenWelcome %+v", got, want)
			}
			// The core can still decapsulate itself.
			if got, err := w.Open(nil); err != nil || got.Kind != want.Kind {
				t.Fatalf("Open(nil): %v, %v", got, err)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		for _, msg := range [][]byte{fx.pointerMsg, fx.xwingMsg} {
			w, err := core.ParseWelcome(msg, keys, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := w.Open(make([]byte, 32))
			checkDecrypt(t, err)
			if rec != nil {
				t.Fatal("result with an error")
			}
		}
	})
	t.Run("secret of the wrong size or kind", func(t *testing.T) {
		for _, c := range []struct {
			msg []byte
			ss  []byte
		}{{fx.pointerMsg, make([]byte, 31)}, {fx.pointerMsg, []byte{}}, {fx.curveMsg, make([]byte, 32)}} {
			w, err := core.ParseWelcome(c.msg, keys, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.Open(c.ss)
			checkErr(t, err, core.ErrInvalidArgument)
		}
	})
}

// Both ways of opening agree on every message: the fixture's, mutated
// (flips, cuts, edits, other keys), with the same result or the same
// error.
func FuzzOpenWelcomeDecapsulated(f *testing.F) {
	fx := newFixture(f)
	keys := fx.keys()
	addAll(f, fx.pointerMsg, fx.pointeeMsg, fx.curveMsg, fx.xwingMsg, fx.pointerIn, fx.curveIn)
	addAll(f,
		editMessage(f, fx.xwingMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WelcomeMetadata = nil }),
		editMessage(f, fx.pointerMsg, func(m *mlsv1.WelcomeMessage) { m.GetWelcomePointer().HpkePublicKey = keys[1].PublicKey() }),
		editMessage(f, fx.pointerMsg, func(m *mlsv1.WelcomeMessage) { m.GetWelcomePointer().WrapperAlgorithm = 1 }),
		editMessage(f, fx.xwingMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().HpkePublicKey = nil }),
	)
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := core.OpenWelcome(data, keys, nil)
		got, gerr := openDecapsulated(t, data, keys, false)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("OpenWelcome: %v; in two steps: %v", werr, gerr)
		}
		if werr == nil && fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Fatalf("opened %+v, OpenWelcome %+v", got, want)
		}
	})
}

// XWingSample's values are an X-Wing key and an encapsulation to it, as
// circl computes them, and fresh each time.
func TestXWingSample(t *testing.T) {
	seed, pk, enc, err := core.XWingSample()
	if err != nil {
		t.Fatal(err)
	}
	_, cpk := circl.DeriveKeyPairPacked(seed)
	if !bytes.Equal(pk, cpk) || !bytes.Equal(circl.Decapsulate(enc.Ciphertext, seed), enc.SharedSecret) {
		t.Fatal("XWingSample does not agree with circl")
	}
	seed2, _, enc2, err := core.XWingSample()
	if err != nil || bytes.Equal(seed, seed2) || bytes.Equal(enc.Ciphertext, enc2.Ciphertext) {
		t.Fatalf("two samples are the same (%v)", err)
	}
}

// BenchmarkSealPointersEncapsulated is what the module spends per pointer
// on the native KEM path: everything but the encapsulation (the HPKE key
// schedule, the AEAD, the framing and the checks); compare with
// BenchmarkSealInvite's ns/pointer.
func BenchmarkSealPointersEncapsulated(b *testing.B) {
	ins := installations(benchParties(b, 100))
	_, ptr, err := core.SealPointee(testWelcome(1<<10), 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	encs := externalEncapsulations(b, ins, stream("bench encap"))
	secrets := make([][]byte, len(encs))
	for i := range encs {
		secrets[i] = bytes.Clone(encs[i].SharedSecret)
	}
	for b.Loop() {
		for i := range encs {
			copy(encs[i].SharedSecret, secrets[i]) // the core clears them
		}
		if _, err := core.SealPointersEncapsulated(ptr, ins, encs, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ins)), "ns/pointer")
}

// BenchmarkCheckInstallations is the checks every seal runs, per installation.
func BenchmarkCheckInstallations(b *testing.B) {
	ins := installations(benchParties(b, 100))
	for b.Loop() {
		if _, err := core.CheckInstallations(ins); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ins)), "ns/installation")
}

// BenchmarkParseWelcome is the first step of opening on the native KEM
// path (and, with the secret given, the second): everything but the
// decapsulation.
func BenchmarkParseWelcome(b *testing.B) {
	ps := benchParties(b, 3)
	inv, err := core.SealInvite(testWelcome(2<<10), 1, installations(ps), nil)
	if err != nil {
		b.Fatal(err)
	}
	msg := toMessage(b, inv.Messages[1].Message, 2)
	keys := []*core.PrivateKey{ps[0].Key}
	w, err := core.ParseWelcome(msg, keys, nil)
	if err != nil {
		b.Fatal(err)
	}
	ss := circl.Decapsulate(w.Encapsulation(), ps[0].Key.Bytes())
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := core.ParseWelcome(msg, keys, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+open", func(b *testing.B) {
		s := make([]byte, len(ss))
		for b.Loop() {
			w, err := core.ParseWelcome(msg, keys, nil)
			if err != nil {
				b.Fatal(err)
			}
			copy(s, ss)
			if _, err := w.Open(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// XWingEncapsulate draws 64 bytes and encapsulates as circl does with
// them (SealPointers' randomness), and refuses what ValidatePublicKey
// refuses with ErrInvalidKey.
func TestXWingEncapsulate(t *testing.T) {
	ps := newParties(t, "xwing encapsulate", capable, capable)
	ins := installations(ps)
	want := externalEncapsulations(t, ins, stream("xwing encapsulate seal"))
	r := stream("xwing encapsulate seal")
	for i, in := range ins {
		e, err := core.XWingEncapsulate(in.WrapperPublicKey, r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e.SharedSecret, want[i].SharedSecret) || !bytes.Equal(e.Ciphertext, want[i].Ciphertext) {
			t.Fatalf("encapsulation %d differs from circl's with the same randomness", i)
		}
	}
	if _, err := core.XWingEncapsulate(ins[0].WrapperPublicKey, nil); err != nil {
		t.Fatalf("with crypto/rand: %v", err)
	}

	good := ins[0].WrapperPublicKey
	withX25519 := func(u []byte) []byte { return append(bytes.Clone(good[:len(good)-32]), u...) }
	bigCoefficient := bytes.Clone(good)
	bigCoefficient[0], bigCoefficient[1] = 0xff, bigCoefficient[1]|0x0f // 4095 >= q
	bad := map[string][]byte{
		"empty":                   nil,
		"short":                   good[:len(good)-1],
		"curve25519 key":          good[len(good)-32:],
		"low-order x25519":        withX25519(lowOrderX25519()[2]),
		"zero ML-KEM half":        append(make([]byte, len(good)-32), good[len(good)-32:]...),
		"ML-KEM coefficient >= q": bigCoefficient,
	}
	for name, pub := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := core.XWingEncapsulate(pub, stream(name))
			if !errors.Is(err, core.ErrInvalidKey) {
				t.Fatalf("got %v, want ErrInvalidKey", err)
			}
			if core.ValidatePublicKey(core.AlgorithmXWing, pub) == nil {
				t.Fatal("ValidatePublicKey accepts it")
			}
		})
	}
}
