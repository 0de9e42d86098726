package core_test

// Fuzz targets for every parser and opener. The seeds are real messages
// from a deterministic invite (plus cuts, flips and edits of them), so
// plain `go test` runs them all; `go test -fuzz` explores from there.
//
// Every target asserts: no panic; an error wraps exactly one sentinel and
// comes with no result; and whatever is accepted is also accepted by the
// generated protobuf code with the same field values.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// mutations returns b, its halves, and a copy with one bit flipped in the
// middle and at the end.
func mutations(b []byte) [][]byte {
	out := [][]byte{b}
	if len(b) > 1 {
		out = append(out, b[:len(b)/2], b[len(b)/2:], flipBit(b, 4*len(b)+3), flipBit(b, 8*len(b)-1))
	}
	return out
}

func addAll(f *testing.F, bs ...[]byte) {
	for _, b := range bs {
		for _, m := range mutations(b) {
			f.Add(m)
		}
	}
}

var garbageSeeds = [][]byte{nil, {0xff}, {0x0a, 0x00}, {0x12, 0x00}, {0x0a, 0x05, 0x01}, []byte("not a message")}

func FuzzOpenWelcome(f *testing.F) {
	fx := newFixture(f)
	keys := fx.keys()
	addAll(f, fx.pointerMsg, fx.pointeeMsg, fx.curveMsg, fx.xwingMsg, fx.pointerIn, fx.curveIn)
	addAll(f,
		editMessage(f, fx.curveMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WelcomeMetadata = nil }),
		editMessage(f, fx.curveMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WrapperAlgorithm = 7 }),
		editMessage(f, fx.pointerMsg, func(m *mlsv1.WelcomeMessage) { m.GetWelcomePointer().WrapperAlgorithm = 1 }),
		append(bytes.Clone(fx.curveMsg), fx.pointerMsg...), // two arms: the last wins
	)
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := core.OpenWelcome(data, keys, nil)
		if err != nil {
			checkSentinel(t, err)
			if rec != nil {
				t.Fatal("result with an error")
			}
			return
		}
		m := decodeMessage(t, data) // accepted here: accepted by the generated code
		checkReceived(t, rec)
		if v := m.GetV1(); v != nil {
			if rec.Kind != core.KindDirect || rec.ID != v.Id || rec.CreatedNs != v.CreatedNs || !bytes.Equal(rec.InstallationKey, v.InstallationKey) {
				t.Fatalf("opened %+v from %v", rec, m)
			}
		} else {
			p := m.GetWelcomePointer()
			if rec.Kind != core.KindPointer || rec.ID != p.Id || rec.CreatedNs != p.CreatedNs || !bytes.Equal(rec.InstallationKey, p.InstallationKey) {
				t.Fatalf("opened %+v from %v", rec, m)
			}
		}
	})
}

func FuzzOpenWelcomeInput(f *testing.F) {
	fx := newFixture(f)
	keys := fx.keys()
	addAll(f, fx.pointerIn, fx.pointeeIn, fx.curveIn, fx.xwingIn, fx.pointerMsg)
	addAll(f, editInput(f, fx.xwingIn, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().WelcomeMetadata = nil }))
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := core.OpenWelcome(data, keys, inputForm)
		if err != nil {
			checkSentinel(t, err)
			if rec != nil {
				t.Fatal("result with an error")
			}
			return
		}
		m := decodeInput(t, data)
		checkReceived(t, rec)
		if rec.ID != 0 || rec.CreatedNs != 0 {
			t.Fatal("input form with an id")
		}
		var ik []byte
		if v := m.GetV1(); v != nil {
			ik = v.InstallationKey
		} else {
			ik = m.GetWelcomePointer().InstallationKey
		}
		if !bytes.Equal(rec.InstallationKey, ik) {
			t.Fatal("installation key differs from the generated code's")
		}
	})
}

// checkReceived checks the invariants of a successfully opened message.
func checkReceived(t *testing.T, rec *core.Received) {
	t.Helper()
	switch rec.Kind {
	case core.KindDirect:
		if rec.Pointer != nil || (!rec.HasCursor && rec.Cursor != 0) {
			t.Fatalf("inconsistent direct welcome %+v", rec)
		}
	case core.KindPointer:
		if rec.Pointer == nil || rec.Welcome != nil {
			t.Fatalf("inconsistent pointer %+v", rec)
		}
		p, err := core.ParsePointer(rec.Pointer.Marshal())
		if err != nil || p.ID() != rec.Pointer.ID() {
			t.Fatalf("opened an invalid pointer: %v", err)
		}
	default:
		t.Fatalf("kind %v", rec.Kind)
	}
}

func FuzzOpenPointee(f *testing.F) {
	fx := newFixture(f)
	good := fx.pointer.Marshal()
	for _, msg := range [][]byte{fx.pointeeMsg, fx.pointeeIn, fx.pointerMsg, fx.curveMsg, newFixture2(f).pointeeMsg} {
		for _, m := range mutations(msg) {
			f.Add(good, m)
		}
	}
	f.Add(good, editMessage(f, fx.pointeeMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WelcomeMetadata = nil }))
	f.Add(good, editMessage(f, fx.pointeeMsg, func(m *mlsv1.WelcomeMessage) { m.GetV1().WrapperAlgorithm = 2 }))
	for _, p := range mutations(good) {
		f.Add(p, fx.pointeeMsg)
	}
	for _, g := range garbageSeeds {
		f.Add(good, g)
		f.Add(g, fx.pointeeMsg)
	}
	f.Fuzz(func(t *testing.T, pointer, msg []byte) {
		ptr, err := core.ParsePointer(pointer)
		if err != nil {
			checkSentinel(t, err)
			ptr = fx.pointer
		}
		for name, opts := range map[string]*core.OpenOptions{"message": nil, "input": inputForm} {
			op, err := core.OpenPointee(ptr, msg, opts)
			if err != nil {
				checkSentinel(t, err)
				if op != nil {
					t.Fatalf("%s: result with an error", name)
				}
				continue
			}
			if !op.HasCursor && op.Cursor != 0 {
				t.Fatalf("%s: cursor %d without HasCursor", name, op.Cursor)
			}
			var v interface {
				GetInstallationKey() []byte
				GetWrapperAlgorithm() mc.WelcomeWrapperAlgorithm
			}
			if opts == nil {
				v = decodeMessage(t, msg).GetV1()
			} else {
				v = decodeInput(t, msg).GetV1()
			}
			if !bytes.Equal(v.GetInstallationKey(), ptr.Destination) || v.GetWrapperAlgorithm() != mc.WelcomeWrapperAlgorithm_WELCOME_WRAPPER_ALGORITHM_SYMMETRIC_KEY {
				t.Fatalf("%s opened a message that is not the pointer's pointee", name)
			}
		}
	})
}

func FuzzParsePointer(f *testing.F) {
	fx := newFixture(f)
	addAll(f, fx.pointer.Marshal(), newFixture2Pointer(f))
	addAll(f,
		fx.pointerPlain(f, func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.AeadType = 9 }),
		fx.pointerPlain(f, func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.WelcomeMetadataNonce = v.DataNonce }),
		fx.pointerPlain(f, func(v *mc.WelcomePointer_WelcomeV1Pointer) { v.Destination = nil }),
		append(fx.pointer.Marshal(), fx.pointer.Marshal()...), // the arm twice: merged
	)
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := core.ParsePointer(b)
		if err != nil {
			checkSentinel(t, err)
			if p != nil {
				t.Fatal("result with an error")
			}
			return
		}
		var wp mc.WelcomePointer
		if err := proto.Unmarshal(b, &wp); err != nil {
			t.Fatalf("accepted what the generated code rejects: %v", err)
		}
		v := wp.GetWelcomeV1Pointer()
		if v == nil || !bytes.Equal(v.Destination, p.Destination) || int32(v.AeadType) != int32(p.AEADType) ||
			!bytes.Equal(v.EncryptionKey, p.EncryptionKey) || !bytes.Equal(v.DataNonce, p.DataNonce) ||
			!bytes.Equal(v.WelcomeMetadataNonce, p.WelcomeMetadataNonce) {
			t.Fatalf("parsed %v, the generated code %v", p, &wp)
		}
		q, err := core.ParsePointer(p.Marshal())
		if err != nil || q.ID() != p.ID() {
			t.Fatalf("Marshal does not round-trip: %v", err)
		}
	})
}

func newFixture2Pointer(f *testing.F) []byte {
	fx := newFixture2(f)
	rec, err := core.OpenWelcome(fx.inv.Messages[1].Message, []*core.PrivateKey{fx.ps[0].Key}, inputForm)
	if err != nil {
		f.Fatal(err)
	}
	return rec.Pointer.Marshal()
}

func FuzzParseWrapperEncryption(f *testing.F) {
	fx := newFixture(f)
	addAll(f, mustEncodeWrapper(f, fx.ps[0].Key), mustEncodeWrapper(f, fx.ps[3].Key))
	addAll(f,
		marshal(f, &mc.WelcomeWrapperEncryption{PubKey: fx.ps[0].Key.PublicKey(), Algorithm: 7}),
		marshal(f, &mc.WelcomeWrapperEncryption{PubKey: fx.ps[3].Key.PublicKey(), Algorithm: 3}),
		marshal(f, &mc.WelcomeWrapperEncryption{PubKey: make([]byte, 32), Algorithm: 1}),
	)
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		pub, alg, err := core.ParseWrapperEncryption(b)
		if err != nil {
			checkSentinel(t, err)
			if pub != nil {
				t.Fatal("result with an error")
			}
			return
		}
		var ww mc.WelcomeWrapperEncryption
		if err := proto.Unmarshal(b, &ww); err != nil {
			t.Fatalf("accepted what the generated code rejects: %v", err)
		}
		if !bytes.Equal(ww.PubKey, pub) || int32(ww.Algorithm) != int32(alg) {
			t.Fatalf("parsed %v %x..., the generated code %v", alg, pub[:4], &ww)
		}
		enc, err := core.EncodeWrapperEncryption(pub, alg)
		if err != nil {
			t.Fatalf("cannot encode what was parsed: %v", err)
		}
		pub2, alg2, err := core.ParseWrapperEncryption(enc)
		if err != nil || alg2 != alg || !bytes.Equal(pub2, pub) {
			t.Fatalf("no round trip: %v", err)
		}
	})
}

func FuzzParsePointeeAEADTypes(f *testing.F) {
	addAll(f, typicalAEADTypes, []byte{0x08, 0x03}, []byte{0x0a, 0x02, 0x00, 0x03}, []byte{0x0a, 0x02, 0x09, 0x03},
		[]byte{0x08, 0x03, 0x0a, 0x01, 0x09}, []byte{0x0a, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		[]byte{0x10, 0x01, 0x0a, 0x01, 0x03}, []byte{0x0d, 3, 0, 0, 0})
	addAll(f, garbageSeeds...)
	f.Fuzz(func(t *testing.T, b []byte) {
		types, err := core.ParsePointeeAEADTypes(b)
		if err != nil {
			checkSentinel(t, err)
			if types != nil {
				t.Fatal("result with an error")
			}
			return
		}
		var ext mc.WelcomePointeeEncryptionAeadTypesExtension
		if err := proto.Unmarshal(b, &ext); err != nil {
			t.Fatalf("accepted what the generated code rejects: %v", err)
		}
		if len(ext.SupportedAeadTypes) != len(types) {
			t.Fatalf("parsed %v, the generated code %v", types, ext.SupportedAeadTypes)
		}
		for i, x := range ext.SupportedAeadTypes {
			if int32(x) != int32(types[i]) {
				t.Fatalf("parsed %v, the generated code %v", types, ext.SupportedAeadTypes)
			}
		}
		again, err := core.ParsePointeeAEADTypes(core.EncodePointeeAEADTypes(types))
		if err != nil || !slices.Equal(again, types) {
			t.Fatalf("no round trip: %v vs %v (%v)", again, types, err)
		}
	})
}

var inspectKinds = []string{
	core.InspectAuto, core.InspectWelcomeMessage, core.InspectWelcomeMessageInput, core.InspectWelcomePointer,
	core.InspectHpkeCiphertext, core.InspectWrapperEncryption, core.InspectAEADTypes, core.InspectWelcomeMetadata,
	"", "unknown",
}

func FuzzInspect(f *testing.F) {
	fx := newFixture(f)
	sealed := decodeInput(f, fx.pointerIn).GetWelcomePointer().GetWelcomePointer()
	seeds := map[string][]byte{
		core.InspectWelcomeMessage:      fx.pointeeMsg,
		core.InspectWelcomeMessageInput: fx.curveIn,
		core.InspectWelcomePointer:      fx.pointer.Marshal(),
		core.InspectHpkeCiphertext:      sealed,
		core.InspectWrapperEncryption:   mustEncodeWrapper(f, fx.ps[3].Key),
		core.InspectAEADTypes:           typicalAEADTypes,
		core.InspectWelcomeMetadata:     {0x08, 0x2a},
	}
	for i, kind := range inspectKinds {
		for _, m := range mutations(seeds[kind]) {
			f.Add(uint8(i), m)
		}
		f.Add(uint8(i), fx.pointerMsg)
	}
	f.Fuzz(func(t *testing.T, k uint8, b []byte) {
		kind := inspectKinds[int(k)%len(inspectKinds)]
		v, err := core.Inspect(kind, b)
		if err != nil {
			checkSentinel(t, err)
			if v != nil {
				t.Fatal("result with an error")
			}
			return
		}
		got, ok := v["kind"].(string)
		if !ok || (kind != core.InspectAuto && kind != "" && got != kind) || !slices.Contains(inspectKinds, got) {
			t.Fatalf("Inspect(%q) says kind %v", kind, v["kind"])
		}
		if v["size"] != len(b) {
			t.Fatalf("size %v for %d bytes", v["size"], len(b))
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("not JSON-friendly: %v", err)
		}
	})
}

func FuzzToWelcomeMessage(f *testing.F) {
	fx := newFixture(f)
	for _, in := range [][]byte{fx.pointeeIn, fx.pointerIn, fx.curveIn, fx.xwingIn, fx.pointerMsg} {
		for _, m := range mutations(in) {
			f.Add(m, uint64(1), uint64(1_750_000_000_000_000_000))
		}
	}
	f.Add(fx.pointerIn, uint64(0), uint64(0))
	f.Add(fx.pointeeIn, ^uint64(0), ^uint64(0))
	f.Add(editInput(f, fx.pointerIn, func(m *mlsv1.WelcomeMessageInput) { m.GetWelcomePointer().WrapperAlgorithm = 3 }), uint64(2), uint64(3))
	f.Add(editInput(f, fx.curveIn, func(m *mlsv1.WelcomeMessageInput) { m.GetV1().HpkePublicKey = nil }), uint64(2), uint64(3))
	f.Add(append(bytes.Clone(fx.pointerIn), fx.curveIn...), uint64(4), uint64(5))
	for _, g := range garbageSeeds {
		f.Add(g, uint64(1), uint64(2))
	}
	f.Fuzz(func(t *testing.T, input []byte, id, created uint64) {
		out, err := xmtpnode.ToWelcomeMessage(input, id, created)
		topic, dedup, terr := xmtpnode.InputTopic(input)
		if (err == nil) != (terr == nil) {
			t.Fatalf("ToWelcomeMessage: %v, InputTopic: %v", err, terr)
		}
		if err != nil {
			checkSentinel(t, err)
			checkSentinel(t, terr)
			if sentinelOf(err) != sentinelOf(terr) {
				t.Fatalf("ToWelcomeMessage: %v, InputTopic: %v", err, terr)
			}
			if out != nil || topic != nil {
				t.Fatal("result with an error")
			}
			return
		}
		in := decodeInput(t, input)
		got := decodeMessage(t, out)
		want := oracleToMessage(in, id, created)
		if !proto.Equal(got, want) {
			t.Fatalf("node output %v, want %v", got, want)
		}
		if !bytes.Equal(out, marshal(t, want)) {
			t.Fatal("node output is not the deterministic encoding")
		}
		var ik, data []byte
		if v := in.GetV1(); v != nil {
			ik, data = v.InstallationKey, v.Data
		} else {
			ik, data = in.GetWelcomePointer().InstallationKey, in.GetWelcomePointer().WelcomePointer
		}
		if !bytes.Equal(topic, ik) || len(ik) == 0 || len(data) == 0 {
			t.Fatalf("topic %x for installation key %x", topic, ik)
		}
		if dedup != sha256.Sum256(append(bytes.Clone(ik), data...)) {
			t.Fatal("deduplication key is not sha256(installation_key || data)")
		}
	})
}

// sentinelOf is the sentinel err wraps (nil if none).
func sentinelOf(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}
