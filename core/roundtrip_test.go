package core_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// TestSealInviteRoundTrip seals invites for mixes of recipients, publishes
// them through the node rules, and has every recipient open its message
// (and the pointee, for a pointer) to the exact Welcome and cursor.
func TestSealInviteRoundTrip(t *testing.T) {
	// 35 capable and 15 others of every kind, interleaved.
	pattern := []capability{capable, curve, capable, xwingNoAEADs, capable, capable, xwingNo3, capable, capable, capable}
	mixed50 := make([]capability, 50)
	for i := range mixed50 {
		mixed50[i] = pattern[i%len(pattern)]
	}
	tests := []struct {
		name   string
		caps   []capability
		cursor uint64
	}{
		{"1 capable", []capability{capable}, 7},
		{"2 capable", repeatCap(capable, 2), 8},
		{"3 capable", repeatCap(capable, 3), 9},
		{"50 capable", repeatCap(capable, 50), 1 << 40},
		{"1 curve", []capability{curve}, 10},
		{"2 capable and 3 not", []capability{capable, curve, xwingNoAEADs, capable, xwingNo3}, 11},
		{"3 capable and 3 not", []capability{curve, capable, xwingNoAEADs, capable, xwingNo3, capable}, 12},
		{"3 X-Wing without 0xff04", repeatCap(xwingNoAEADs, 3), 13},
		{"3 X-Wing without 3 in 0xff04", repeatCap(xwingNo3, 3), 14},
		{"3 CURVE25519 listing 3 in 0xff04", repeatCap(curve, 3), 15},
		{"50 mixed", mixed50, math.MaxUint64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := newParties(t, "round trip "+tt.name, tt.caps...)
			stranger := newParty(t, stream("stranger"), capable).Key
			welcome := testWelcome(300 + len(tt.caps))

			var capableIDs, otherIDs [][]byte
			for _, p := range ps {
				if p.Capability == capable {
					capableIDs = append(capableIDs, p.Installation.InstallationKey)
				} else {
					otherIDs = append(otherIDs, p.Installation.InstallationKey)
				}
			}
			usePointers := len(capableIDs) >= core.MinPointerInstallations
			wantPointers, wantDirect := 0, len(ps)
			if usePointers {
				wantPointers, wantDirect = len(capableIDs), len(otherIDs)
			}

			var progress [][2]int
			opts := &core.SealOptions{Progress: func(done, total int) { progress = append(progress, [2]int{done, total}) }}
			inv, err := core.SealInvite(welcome, tt.cursor, installations(ps), core.WithRand(opts, stream("seal "+tt.name)))
			if err != nil {
				t.Fatal(err)
			}

			// Threshold rule and counts.
			if p, d := inv.Counts(); p != wantPointers || d != wantDirect {
				t.Fatalf("Counts() = %d pointers, %d direct; want %d, %d", p, d, wantPointers, wantDirect)
			}
			wantLen := wantPointers + wantDirect
			if usePointers {
				wantLen++
			}
			if len(inv.Messages) != wantLen {
				t.Fatalf("%d messages, want %d", len(inv.Messages), wantLen)
			}
			size := 0
			for _, m := range inv.Messages {
				size += len(m.Message)
			}
			if inv.Size() != size {
				t.Errorf("Size() = %d, want %d", inv.Size(), size)
			}

			// Order: the pointee, then the pointers in installation order,
			// then the direct welcomes in installation order.
			var wantOrder [][]byte
			var wantKinds []core.MessageKind
			if usePointers {
				if len(inv.Destination) != core.DestinationSize {
					t.Fatalf("destination of %d bytes", len(inv.Destination))
				}
				wantOrder = append(wantOrder, inv.Destination)
				wantKinds = append(wantKinds, core.KindPointee)
				for _, id := range capableIDs {
					wantOrder = append(wantOrder, id)
					wantKinds = append(wantKinds, core.KindPointer)
				}
				for _, id := range otherIDs {
					wantOrder = append(wantOrder, id)
					wantKinds = append(wantKinds, core.KindDirect)
				}
			} else {
				if inv.Destination != nil {
					t.Fatalf("Destination = %x without pointers", inv.Destination)
				}
				for _, p := range ps {
					wantOrder = append(wantOrder, p.Installation.InstallationKey)
					wantKinds = append(wantKinds, core.KindDirect)
				}
			}
			for i, m := range inv.Messages {
				if m.Kind != wantKinds[i] || !bytes.Equal(m.InstallationKey, wantOrder[i]) {
					t.Fatalf("message %d is %v for %x, want %v for %x", i, m.Kind, m.InstallationKey, wantKinds[i], wantOrder[i])
				}
			}

			// Progress: once per installation, in order.
			if len(progress) != len(ps) {
				t.Fatalf("Progress called %d times, want %d", len(progress), len(ps))
			}
			for i, pr := range progress {
				if pr != [2]int{i + 1, len(ps)} {
					t.Fatalf("Progress call %d = %v, want [%d %d]", i, pr, i+1, len(ps))
				}
			}

			// Every installation opens its message to the exact welcome and
			// cursor; all pointers carry the same Pointer.
			net := newNetwork(t)
			net.publishInvite(inv)
			var first *core.Pointer
			for _, p := range ps {
				got := net.receive(p, stranger)
				if !bytes.Equal(got.welcome, welcome) || got.cursor != tt.cursor {
					t.Fatalf("%v installation opened a welcome of %d bytes, cursor %d; want %d bytes, cursor %d",
						p.Capability, len(got.welcome), got.cursor, len(welcome), tt.cursor)
				}
				if !bytes.Equal(got.rec.InstallationKey, p.Installation.InstallationKey) {
					t.Errorf("Received.InstallationKey = %x", got.rec.InstallationKey)
				}
				if got.rec.ID == 0 || got.rec.CreatedNs != createdNs(got.rec.ID) {
					t.Errorf("Received id %d, created_ns %d", got.rec.ID, got.rec.CreatedNs)
				}
				wantKEM := core.KEMXWingDeployed
				if p.Capability == curve {
					wantKEM = 0
				}
				if got.rec.KEMID != wantKEM {
					t.Errorf("%v installation: KEMID %#x, want %#x", p.Capability, got.rec.KEMID, wantKEM)
				}
				wantKind := core.KindDirect
				if usePointers && p.Capability == capable {
					wantKind = core.KindPointer
				}
				if got.rec.Kind != wantKind {
					t.Fatalf("%v installation received a %v, want %v", p.Capability, got.rec.Kind, wantKind)
				}
				if wantKind != core.KindPointer {
					continue
				}
				if !bytes.Equal(got.rec.Pointer.Destination, inv.Destination) {
					t.Fatal("pointer destination differs from Invite.Destination")
				}
				if first == nil {
					first = got.rec.Pointer
				} else if !reflect.DeepEqual(first, got.rec.Pointer) || first.ID() != got.rec.Pointer.ID() {
					t.Fatal("pointers of one invite decrypt to different Pointers")
				}
			}
		})
	}
}

// TestCursors seals the boundary cursors into every kind of message.
func TestCursors(t *testing.T) {
	ps := newParties(t, "cursors", capable, capable, capable, curve, xwingNoAEADs)
	welcome := testWelcome(100)
	for _, cursor := range []uint64{0, 1, 127, 128, math.MaxInt64, math.MaxUint64} {
		t.Run(strconv.FormatUint(cursor, 10), func(t *testing.T) {
			inv, err := core.SealInvite(welcome, cursor, installations(ps), deterministic("cursor"))
			if err != nil {
				t.Fatal(err)
			}
			net := newNetwork(t)
			net.publishInvite(inv)
			for _, p := range ps {
				if got := net.receive(p, nil); got.cursor != cursor || !bytes.Equal(got.welcome, welcome) {
					t.Fatalf("%v: cursor %d, want %d", p.Capability, got.cursor, cursor)
				}
			}
			// HasCursor: a direct welcome reports the metadata it carried;
			// a pointee reports a non-empty metadata plaintext.
			direct, err := core.OpenWelcome(net.read(ps[3].Installation.InstallationKey)[0], []*core.PrivateKey{ps[3].Key}, nil)
			if err != nil || !direct.HasCursor {
				t.Fatalf("direct welcome: HasCursor false, err %v", err)
			}
			ptr, err := core.OpenWelcome(net.read(ps[0].Installation.InstallationKey)[0], []*core.PrivateKey{ps[0].Key}, nil)
			if err != nil {
				t.Fatal(err)
			}
			op, err := core.OpenPointee(ptr.Pointer, net.read(ptr.Pointer.Topic())[0], nil)
			if err != nil {
				t.Fatal(err)
			}
			if op.HasCursor != (cursor != 0) {
				t.Errorf("pointee HasCursor = %v for cursor %d", op.HasCursor, cursor)
			}
			// A cursor of 0 encodes to nothing, so the metadata is a bare tag.
			pointee := decodeInput(t, inv.Messages[0].Message).GetV1()
			if cursor == 0 && len(pointee.GetWelcomeMetadata()) != 16 {
				t.Errorf("cursor 0: pointee metadata of %d bytes, want a 16-byte tag", len(pointee.GetWelcomeMetadata()))
			}
		})
	}
}

// TestDirectWithoutMetadata: the metadata of a direct welcome is optional.
// One without it (built with the generated types, clearing
// welcome_metadata) opens to the welcome with HasCursor false.
func TestDirectWithoutMetadata(t *testing.T) {
	for _, c := range []capability{capable, curve} {
		t.Run(c.String(), func(t *testing.T) {
			p := newParties(t, "no metadata", c)[0]
			welcome := testWelcome(64)
			input, err := core.SealDirect(welcome, 99, p.Installation, deterministic("no metadata"))
			if err != nil {
				t.Fatal(err)
			}
			bare := editInput(t, input, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata = nil })
			if len(bare) >= len(input) {
				t.Fatal("clearing welcome_metadata did not shrink the message")
			}
			for name, open := range map[string]func() (*core.Received, error){
				"OpenWelcome": func() (*core.Received, error) {
					return core.OpenWelcome(toMessage(t, bare, 5), []*core.PrivateKey{p.Key}, nil)
				},
				"OpenWelcomeInput": func() (*core.Received, error) { return core.OpenWelcome(bare, []*core.PrivateKey{p.Key}, inputForm) },
			} {
				rec, err := open()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if rec.HasCursor || rec.Cursor != 0 || !bytes.Equal(rec.Welcome, welcome) {
					t.Fatalf("%s: HasCursor %v, cursor %d, welcome ok %v", name, rec.HasCursor, rec.Cursor, bytes.Equal(rec.Welcome, welcome))
				}
			}
			// The same message with its metadata has the cursor.
			rec, err := core.OpenWelcome(input, []*core.PrivateKey{p.Key}, inputForm)
			if err != nil || !rec.HasCursor || rec.Cursor != 99 {
				t.Fatalf("with metadata: %+v, %v", rec, err)
			}
		})
	}
}

// TestKEMIDs: both X-Wing suite ids open, for pointers and direct
// welcomes, and the receiver reports which one it used.
func TestKEMIDs(t *testing.T) {
	ps := newParties(t, "kem ids", capable, capable, capable, xwingNoAEADs, curve)
	welcome := testWelcome(200)
	for _, tt := range []struct {
		name string
		opt  core.KEMID
		want core.KEMID
	}{
		{"default", 0, core.KEMXWingDeployed},
		{"0x004D", core.KEMXWingDeployed, core.KEMXWingDeployed},
		{"0x647a", core.KEMXWing, core.KEMXWing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := core.WithRand(&core.SealOptions{KEMID: tt.opt}, stream("kem "+tt.name))
			inv, err := core.SealInvite(welcome, 3, installations(ps), opts)
			if err != nil {
				t.Fatal(err)
			}
			net := newNetwork(t)
			net.publishInvite(inv)
			for _, p := range ps {
				got := net.receive(p, nil)
				want := tt.want
				if p.Capability == curve {
					want = 0 // CURVE25519 has one suite
				}
				if got.rec.KEMID != want {
					t.Errorf("%v: KEMID %#x, want %#x", p.Capability, got.rec.KEMID, want)
				}
				if !bytes.Equal(got.welcome, welcome) || got.cursor != 3 {
					t.Errorf("%v: wrong welcome or cursor", p.Capability)
				}
			}
			direct, err := core.SealDirect(welcome, 3, ps[3].Installation, core.WithRand(&core.SealOptions{KEMID: tt.opt}, stream("direct")))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := core.OpenWelcome(direct, []*core.PrivateKey{ps[3].Key}, inputForm)
			if err != nil || rec.KEMID != tt.want {
				t.Fatalf("SealDirect: KEMID %v, err %v", rec, err)
			}
		})
	}
}

// TestInstallationFromExtensions reads raw 0xff03 and 0xff04 payloads, as
// a sender finds them in a key package.
func TestInstallationFromExtensions(t *testing.T) {
	r := stream("extensions")
	xk, err := core.GenerateKeyFrom(core.AlgorithmXWing, r)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := core.GenerateKeyFrom(core.AlgorithmCurve25519, r)
	if err != nil {
		t.Fatal(err)
	}
	id := []byte("installation id")
	xwingFF03 := mustEncodeWrapper(t, xk)
	curveFF03 := mustEncodeWrapper(t, ck)
	tests := []struct {
		name       string
		initKey    []byte
		ff03, ff04 []byte
		wantKey    []byte
		wantAlg    core.Algorithm
		wantTypes  []core.AEADType
		capable    bool
	}{
		{"X-Wing and 0a 01 03", ck.PublicKey(), xwingFF03, []byte{0x0a, 0x01, 0x03}, xk.PublicKey(), core.AlgorithmXWing, []core.AEADType{3}, true},
		{"X-Wing and unpacked 08 03", nil, xwingFF03, []byte{0x08, 0x03}, xk.PublicKey(), core.AlgorithmXWing, []core.AEADType{3}, true},
		{"X-Wing and 0, 3", nil, xwingFF03, []byte{0x0a, 0x02, 0x00, 0x03}, xk.PublicKey(), core.AlgorithmXWing, []core.AEADType{0, 3}, true},
		{"X-Wing and unknown 9 then 3", nil, xwingFF03, []byte{0x0a, 0x02, 0x09, 0x03}, xk.PublicKey(), core.AlgorithmXWing, []core.AEADType{9, 3}, true},
		{"X-Wing and only 9", nil, xwingFF03, []byte{0x0a, 0x01, 0x09}, xk.PublicKey(), core.AlgorithmXWing, []core.AEADType{9}, false},
		{"X-Wing without 0xff04", nil, xwingFF03, nil, xk.PublicKey(), core.AlgorithmXWing, nil, false},
		{"X-Wing with empty 0xff04", nil, xwingFF03, []byte{}, xk.PublicKey(), core.AlgorithmXWing, nil, false},
		{"CURVE25519 in 0xff03", nil, curveFF03, typicalAEADTypes, ck.PublicKey(), core.AlgorithmCurve25519, []core.AEADType{3}, false},
		{"fallback to the init key", ck.PublicKey(), nil, typicalAEADTypes, ck.PublicKey(), core.AlgorithmCurve25519, []core.AEADType{3}, false},
		{"fallback without 0xff04", ck.PublicKey(), []byte{}, nil, ck.PublicKey(), core.AlgorithmCurve25519, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := core.InstallationFromExtensions(id, tt.initKey, tt.ff03, tt.ff04)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in.InstallationKey, id) || !bytes.Equal(in.WrapperPublicKey, tt.wantKey) || in.WrapperAlgorithm != tt.wantAlg {
				t.Fatalf("got key %x... alg %v", in.WrapperPublicKey[:4], in.WrapperAlgorithm)
			}
			if !reflect.DeepEqual(in.PointeeAEADTypes, tt.wantTypes) {
				t.Fatalf("PointeeAEADTypes = %v, want %v", in.PointeeAEADTypes, tt.wantTypes)
			}
			if in.PointerCapable() != tt.capable {
				t.Fatalf("PointerCapable() = %v", in.PointerCapable())
			}
			// The installation is usable: a direct welcome to it opens.
			key := xk
			if tt.wantAlg == core.AlgorithmCurve25519 {
				key = ck
			}
			msg, err := core.SealDirect([]byte("welcome"), 1, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := core.OpenWelcome(msg, []*core.PrivateKey{key}, inputForm)
			if err != nil || string(rec.Welcome) != "welcome" {
				t.Fatalf("OpenWelcomeInput: %v", err)
			}
		})
	}
	t.Run("encoders", func(t *testing.T) {
		if got := core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305}); !bytes.Equal(got, typicalAEADTypes) {
			t.Errorf("EncodePointeeAEADTypes([3]) = %x, want 0a0103", got)
		}
		if got := core.EncodePointeeAEADTypes(nil); len(got) != 0 {
			t.Errorf("EncodePointeeAEADTypes(nil) = %x", got)
		}
		pub, alg, err := core.ParseWrapperEncryption(xwingFF03)
		if err != nil || alg != core.AlgorithmXWing || !bytes.Equal(pub, xk.PublicKey()) {
			t.Fatalf("ParseWrapperEncryption(EncodeWrapperEncryption) = %v, %v", alg, err)
		}
		// The parsed key does not alias the payload.
		pub[0] ^= 0xff
		if pub2, _, _ := core.ParseWrapperEncryption(xwingFF03); !bytes.Equal(pub2, xk.PublicKey()) {
			t.Fatal("ParseWrapperEncryption returns a slice of its input")
		}
	})
	t.Run("inputs are copied", func(t *testing.T) {
		idc, initc := bytes.Clone(id), ck.PublicKey()
		in, err := core.InstallationFromExtensions(idc, initc, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		idc[0] ^= 0xff
		initc[0] ^= 0xff
		if !bytes.Equal(in.InstallationKey, id) || !bytes.Equal(in.WrapperPublicKey, ck.PublicKey()) {
			t.Fatal("Installation aliases its inputs")
		}
	})
}

// TestOpenInputForms opens the published form (WelcomeMessageInput) of
// every kind of message, as a relay or the sender itself would.
func TestOpenInputForms(t *testing.T) {
	ps := newParties(t, "input forms", capable, capable, capable, curve)
	welcome := testWelcome(500)
	inv, err := core.SealInvite(welcome, 77, installations(ps), deterministic("input forms"))
	if err != nil {
		t.Fatal(err)
	}
	pointee := inv.Messages[0].Message
	for i, m := range inv.Messages[1:] {
		p := ps[i]
		t.Run(m.Kind.String()+" "+p.Capability.String(), func(t *testing.T) {
			fromInput, err := core.OpenWelcome(m.Message, []*core.PrivateKey{p.Key}, inputForm)
			if err != nil {
				t.Fatal(err)
			}
			fromMsg, err := core.OpenWelcome(toMessage(t, m.Message, 12), []*core.PrivateKey{p.Key}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fromInput.ID != 0 || fromInput.CreatedNs != 0 {
				t.Errorf("input form has id %d, created_ns %d", fromInput.ID, fromInput.CreatedNs)
			}
			if fromMsg.ID != 12 || fromMsg.CreatedNs != createdNs(12) {
				t.Errorf("message form has id %d, created_ns %d", fromMsg.ID, fromMsg.CreatedNs)
			}
			fromMsg.ID, fromMsg.CreatedNs = 0, 0
			if !reflect.DeepEqual(fromInput, fromMsg) {
				t.Fatalf("input and message forms open differently:\n%+v\n%+v", fromInput, fromMsg)
			}
			if m.Kind == core.KindDirect {
				if !bytes.Equal(fromInput.Welcome, welcome) || fromInput.Cursor != 77 {
					t.Fatal("direct welcome opened wrong")
				}
				return
			}
			a, err := core.OpenPointee(fromInput.Pointer, pointee, inputForm)
			if err != nil {
				t.Fatal(err)
			}
			b, err := core.OpenPointee(fromInput.Pointer, toMessage(t, pointee, 1), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) || !bytes.Equal(a.Welcome, welcome) || a.Cursor != 77 || !a.HasCursor {
				t.Fatalf("pointee opened wrong: %+v / %+v", a, b)
			}
		})
	}
}

// TestTopics: the pointee's topic is the destination on the v3 API and
// 0x01 || destination on the decentralized API; MatchesTopic accepts
// exactly these two.
func TestTopics(t *testing.T) {
	ps := newParties(t, "topics", capable, capable, capable)
	inv, err := core.SealInvite(testWelcome(50), 1, installations(ps), deterministic("topics"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := core.OpenWelcome(inv.Messages[1].Message, []*core.PrivateKey{ps[0].Key}, inputForm)
	if err != nil {
		t.Fatal(err)
	}
	ptr := rec.Pointer
	dest := inv.Destination
	if !bytes.Equal(ptr.Topic(), dest) {
		t.Fatalf("Topic() = %x, want the destination %x", ptr.Topic(), dest)
	}
	if want := append([]byte{0x01}, dest...); !bytes.Equal(ptr.DecentralizedTopic(), want) {
		t.Fatalf("DecentralizedTopic() = %x, want %x", ptr.DecentralizedTopic(), want)
	}
	// The pointee's topic at the node is the destination.
	topic, _, err := xmtpnode.InputTopic(inv.Messages[0].Message)
	if err != nil || !bytes.Equal(topic, dest) {
		t.Fatalf("InputTopic(pointee) = %x, %v", topic, err)
	}
	other := bytes.Clone(dest)
	other[31] ^= 1
	for _, tt := range []struct {
		name  string
		topic []byte
		want  bool
	}{
		{"v3", dest, true},
		{"decentralized", append([]byte{0x01}, dest...), true},
		{"other prefix", append([]byte{0x02}, dest...), false},
		{"zero prefix", append([]byte{0x00}, dest...), false},
		{"other destination", other, false},
		{"decentralized other destination", append([]byte{0x01}, other...), false},
		{"short", dest[:31], false},
		{"prefixed short", append([]byte{0x01}, dest[:31]...), false},
		{"long", append(bytes.Clone(dest), 0), false},
		{"double prefix", append([]byte{0x01, 0x01}, dest...), false},
		{"empty", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ptr.MatchesTopic(tt.topic); got != tt.want {
				t.Fatalf("MatchesTopic(%x) = %v", tt.topic, got)
			}
		})
	}
	t.Run("copies", func(t *testing.T) {
		ptr.Topic()[0] ^= 0xff
		ptr.DecentralizedTopic()[1] ^= 0xff
		if !bytes.Equal(ptr.Destination, dest) {
			t.Fatal("Topic or DecentralizedTopic aliases the destination")
		}
	})
}

// TestPointerID: a pointer's identity is sha256 of its stored form; it is
// the same for every copy of one invite's pointer and differs between
// invites.
func TestPointerID(t *testing.T) {
	ps := newParties(t, "pointer id", capable, capable, capable)
	welcome := testWelcome(50)
	open := func(inv *core.Invite, i int) *core.Pointer {
		t.Helper()
		rec, err := core.OpenWelcome(toMessage(t, inv.Messages[i+1].Message, uint64(i+1)), []*core.PrivateKey{ps[i].Key}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Pointer
	}
	inv, err := core.SealInvite(welcome, 1, installations(ps), deterministic("id 1"))
	if err != nil {
		t.Fatal(err)
	}
	p0 := open(inv, 0)
	id := p0.ID()
	t.Run("stable", func(t *testing.T) {
		if p0.ID() != id {
			t.Fatal("ID changes between calls")
		}
		if want := sha256.Sum256(p0.Marshal()); id != want {
			t.Fatal("ID is not sha256 of Marshal()")
		}
	})
	t.Run("same for every recipient", func(t *testing.T) {
		for i := range ps {
			if open(inv, i).ID() != id {
				t.Fatalf("pointer %d has another ID", i)
			}
		}
	})
	t.Run("duplicate delivery", func(t *testing.T) {
		// The same message delivered again (another id on the network).
		again, err := core.OpenWelcome(toMessage(t, inv.Messages[1].Message, 99), []*core.PrivateKey{ps[0].Key}, nil)
		if err != nil || again.Pointer.ID() != id {
			t.Fatalf("duplicate: %v", err)
		}
	})
	t.Run("stored form round trip", func(t *testing.T) {
		p, err := core.ParsePointer(p0.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p, p0) || p.ID() != id {
			t.Fatal("ParsePointer(Marshal()) differs")
		}
	})
	t.Run("differs between invites", func(t *testing.T) {
		inv2, err := core.SealInvite(welcome, 1, installations(ps), deterministic("id 2"))
		if err != nil {
			t.Fatal(err)
		}
		if open(inv2, 0).ID() == id {
			t.Fatal("two invites share a pointer ID")
		}
	})
	t.Run("String hides secrets", func(t *testing.T) {
		for _, s := range []string{p0.String(), p0.GoString()} {
			if bytes.Contains([]byte(s), []byte(hexString(p0.EncryptionKey))) || bytes.Contains([]byte(s), []byte(hexString(p0.DataNonce))) {
				t.Fatalf("%q shows the key or a nonce", s)
			}
		}
	})
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

// TestPrivateKey covers key generation, loading and the public key checks.
func TestPrivateKey(t *testing.T) {
	for _, tt := range []struct {
		alg             core.Algorithm
		privLen, pubLen int
	}{
		{core.AlgorithmXWing, core.XWingPrivateKeySize, core.XWingPublicKeySize},
		{core.AlgorithmCurve25519, core.Curve25519PrivateKeySize, core.Curve25519PublicKeySize},
	} {
		t.Run(tt.alg.String(), func(t *testing.T) {
			k, err := core.GenerateKey(tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != tt.alg || len(k.Bytes()) != tt.privLen || len(k.PublicKey()) != tt.pubLen {
				t.Fatalf("key sizes %d/%d", len(k.Bytes()), len(k.PublicKey()))
			}
			k2, err := core.NewPrivateKey(tt.alg, k.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k2.PublicKey(), k.PublicKey()) {
				t.Fatal("NewPrivateKey(Bytes()) has another public key")
			}
			if err := core.ValidatePublicKey(tt.alg, k.PublicKey()); err != nil {
				t.Fatal(err)
			}
			k.Bytes()[0] ^= 0xff
			k.PublicKey()[0] ^= 0xff
			if !bytes.Equal(k.Bytes(), k2.Bytes()) || !bytes.Equal(k.PublicKey(), k2.PublicKey()) {
				t.Fatal("Bytes or PublicKey returns the key's own slice")
			}
			for _, s := range []string{k.String(), k.GoString()} {
				if bytes.Contains([]byte(s), []byte(hexString(k.Bytes()))) {
					t.Fatalf("%q shows the secret", s)
				}
			}
			// A deterministic key is a function of its randomness.
			a, _ := core.GenerateKeyFrom(tt.alg, stream("k"))
			b, _ := core.GenerateKeyFrom(tt.alg, stream("k"))
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("GenerateKeyFrom is not deterministic")
			}
		})
	}
}

// TestNoAliasing: what the opening functions return does not alias their
// input, and what SealInvite returns does not alias the installations.
func TestNoAliasing(t *testing.T) {
	ps := newParties(t, "aliasing", capable, capable, capable, curve)
	welcome := testWelcome(100)
	inv, err := core.SealInvite(welcome, 5, installations(ps), deterministic("aliasing"))
	if err != nil {
		t.Fatal(err)
	}
	pointerMsg := toMessage(t, inv.Messages[1].Message, 2)
	directMsg := toMessage(t, inv.Messages[4].Message, 3)
	pointeeMsg := toMessage(t, inv.Messages[0].Message, 1)

	rp, err := core.OpenWelcome(pointerMsg, []*core.PrivateKey{ps[0].Key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := core.OpenWelcome(directMsg, []*core.PrivateKey{ps[3].Key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	op, err := core.OpenPointee(rp.Pointer, pointeeMsg, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantPtr := rp.Pointer.Marshal()
	for _, b := range [][]byte{pointerMsg, directMsg, pointeeMsg} {
		clear(b)
	}
	if !bytes.Equal(rp.Pointer.Marshal(), wantPtr) || !bytes.Equal(rp.InstallationKey, ps[0].Installation.InstallationKey) {
		t.Error("the opened pointer aliases its message")
	}
	if !bytes.Equal(rd.Welcome, welcome) || !bytes.Equal(rd.InstallationKey, ps[3].Installation.InstallationKey) {
		t.Error("the opened direct welcome aliases its message")
	}
	if !bytes.Equal(op.Welcome, welcome) {
		t.Error("the opened pointee aliases its message")
	}

	ins := installations(ps)
	inv2, err := core.SealInvite(welcome, 5, ins, deterministic("aliasing"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ins {
		ins[i].InstallationKey[0] ^= 0xff
	}
	for i, m := range inv2.Messages {
		if !reflect.DeepEqual(m, inv.Messages[i]) {
			t.Fatalf("message %d aliases the installations (or sealing is not deterministic)", i)
		}
	}
}

// TestStrings: the enums print their protobuf names, and unknown values
// print as numbers.
func TestStrings(t *testing.T) {
	for _, tt := range []struct {
		v    fmt.Stringer
		want string
	}{
		{core.AlgorithmUnspecified, "UNSPECIFIED"},
		{core.AlgorithmCurve25519, "CURVE25519"},
		{core.AlgorithmXWing, "XWING_MLKEM_768_DRAFT_6"},
		{core.AlgorithmSymmetricKey, "SYMMETRIC_KEY"},
		{core.Algorithm(7), "Algorithm(7)"},
		{core.AEADUnspecified, "UNSPECIFIED"},
		{core.AEADChaCha20Poly1305, "CHACHA20_POLY1305"},
		{core.AEADType(9), "AEADType(9)"},
		{core.KindDirect, "direct"},
		{core.KindPointee, "pointee"},
		{core.KindPointer, "pointer"},
		{core.MessageKind(0), "MessageKind(0)"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.v.String(); got != tt.want {
				t.Fatalf("String() = %q", got)
			}
		})
	}
	// The numbers are the wire values.
	if core.AlgorithmCurve25519 != 1 || core.AlgorithmXWing != 2 || core.AlgorithmSymmetricKey != 3 ||
		core.AEADChaCha20Poly1305 != 3 || core.KEMXWingDeployed != 0x004D || core.KEMXWing != 0x647a ||
		core.ExtensionWrapperEncryption != 0xff03 || core.ExtensionPointeeAEADTypes != 0xff04 {
		t.Fatal("a wire constant changed")
	}
}
