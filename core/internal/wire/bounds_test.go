package wire_test

import (
	"bytes"
	"runtime"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/welcome-pointers/wasm/core/internal/wire"
)

// The reader's bounds (issue 9): groups refused, a cap on the fields of a
// message and on the entries of a 0xff04 list, and work that does not grow
// with what lengths and counts claim.

// parseFuncs lists every parser of the package, as a function of bytes.
var parseFuncs = []struct {
	name  string
	parse func([]byte) error
}{
	{"ParseInput", func(b []byte) error { _, err := wire.ParseInput(b); return err }},
	{"ParseMessage", func(b []byte) error { _, err := wire.ParseMessage(b); return err }},
	{"ParseWelcomePointer", func(b []byte) error { _, err := wire.ParseWelcomePointer(b); return err }},
	{"ParseWelcomeMetadata", func(b []byte) error { _, err := wire.ParseWelcomeMetadata(b); return err }},
	{"ParseWrapperEncryption", func(b []byte) error { _, _, err := wire.ParseWrapperEncryption(b); return err }},
	{"ParseAEADTypes", func(b []byte) error { _, err := wire.ParseAEADTypes(b); return err }},
}

// nestedGroups is depth start-group tags of field 15 (0x7b each), closed
// when balanced is set.
func nestedGroups(depth int, balanced bool) []byte {
	b := bytes.Repeat([]byte{0x7b}, depth)
	if balanced {
		b = append(b, bytes.Repeat([]byte{0x7c}, depth)...)
	}
	return b
}

// Issue 9, item 1: nested groups made the parser recurse as deep as the
// input said. A valid message followed by a balanced 9,000-deep unknown
// group was accepted.
func TestGroupsRefused(t *testing.T) {
	valid := map[string][]byte{
		"ParseInput":             wire.AppendInput(nil, wire.Envelope{V1: &wire.V1{Data: []byte("d")}}),
		"ParseMessage":           wire.AppendMessage(nil, wire.Envelope{Pointer: &wire.Pointer{ID: 1, WelcomePointer: []byte("p")}}),
		"ParseWelcomePointer":    wire.AppendWelcomePointer(nil, &wire.WelcomePointer{Destination: fill(32, 1)}),
		"ParseWelcomeMetadata":   wire.AppendWelcomeMetadata(nil, 7),
		"ParseWrapperEncryption": wire.AppendWrapperEncryption(nil, fill(8, 1), 2),
		"ParseAEADTypes":         wire.AppendAEADTypes(nil, []int32{3}),
	}
	inputs := map[string]func(valid []byte) []byte{
		"9000-deep":              func([]byte) []byte { return nestedGroups(9000, false) },
		"valid+9000-deep":        func(v []byte) []byte { return append(bytes.Clone(v), nestedGroups(9000, true)...) },
		"valid+empty-group":      func(v []byte) []byte { return append(bytes.Clone(v), 0x7b, 0x7c) },
		"empty-group+valid":      func(v []byte) []byte { return append([]byte{0x7b, 0x7c}, v...) },
		"valid+end-group":        func(v []byte) []byte { return append(bytes.Clone(v), 0x7c) },
		"valid+group-of-field-1": func(v []byte) []byte { return append(bytes.Clone(v), 0x0b, 0x0c) },
	}
	for _, p := range parseFuncs {
		for name, make := range inputs {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				mustMalformed(t, p.parse(make(valid[p.name])))
			})
		}
	}
	// Inside an envelope's arm and a pointer's V1 arm too.
	t.Run("inside-arms", func(t *testing.T) {
		arm := func(num protowire.Number, inner []byte) []byte {
			b := protowire.AppendTag(nil, num, protowire.BytesType)
			return protowire.AppendBytes(b, inner)
		}
		inner := append([]byte{0x12, 0x01, 0x64}, nestedGroups(9000, true)...)
		for _, p := range parseFuncs[:3] {
			for _, num := range []protowire.Number{1, 2} {
				mustMalformed(t, p.parse(arm(num, inner)))
			}
		}
	})
}

// Issue 9, item 5: a pointer padded with millions of empty oneof arms cost
// seconds to parse. A message may have at most MaxFields fields.
func TestFieldCap(t *testing.T) {
	ptr := wire.AppendInput(nil, wire.Envelope{Pointer: &wire.Pointer{
		InstallationKey: fill(32, 1), WelcomePointer: fill(100, 2), HpkePublicKey: fill(20, 3), WrapperAlgorithm: 2}})
	emptyArm := []byte{0x12, 0x00}
	padded := func(n int) []byte {
		return append(bytes.Repeat(emptyArm, n-1), ptr...)
	}
	if _, err := wire.ParseInput(padded(wire.MaxFields)); err != nil {
		t.Fatalf("%d fields: %v", wire.MaxFields, err)
	}
	mustMalformed(t, errOf(wire.ParseInput(padded(wire.MaxFields+1))))
	t.Run("25MiB", func(t *testing.T) {
		b := padded(25 << 20 / 2)
		allocs := testing.AllocsPerRun(3, func() { wire.ParseInput(b) })
		if allocs > 8 && !raceEnabled {
			t.Errorf("refusing a padded message allocated %v times", allocs)
		}
		mustMalformed(t, errOf(wire.ParseInput(b)))
	})
	// Unknown fields count too, at every level.
	unknown := bytes.Repeat([]byte{0x78, 0x00}, wire.MaxFields) // field 15, varint 0
	for _, p := range parseFuncs {
		t.Run(p.name, func(t *testing.T) { mustMalformed(t, p.parse(append(bytes.Clone(unknown), 0x78, 0x00))) })
	}
	inV1 := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), append(bytes.Clone(unknown), 0x12, 0x01, 0x64))
	mustMalformed(t, errOf(wire.ParseInput(inV1)))
}

// Issue 9, item 2: a 25 MiB packed 0xff04 list took minutes and gigabytes
// in the browser. More than MaxAEADTypes entries is malformed, whatever the
// encoding, and found without reading the rest.
func TestAEADTypesCap(t *testing.T) {
	list := func(n int) []int32 {
		l := make([]int32, n)
		for i := range l {
			l[i] = 3
		}
		return l
	}
	got, err := wire.ParseAEADTypes(wire.AppendAEADTypes(nil, list(wire.MaxAEADTypes)))
	if err != nil || len(got) != wire.MaxAEADTypes {
		t.Fatalf("%d entries: %d, %v", wire.MaxAEADTypes, len(got), err)
	}
	mustMalformed(t, errOf(wire.ParseAEADTypes(wire.AppendAEADTypes(nil, list(wire.MaxAEADTypes+1)))))
	// Unpacked, and split over several packed fields: the cap is on the total.
	var unpacked, split []byte
	for range wire.MaxAEADTypes + 1 {
		unpacked = protowire.AppendVarint(protowire.AppendTag(unpacked, 1, protowire.VarintType), 3)
	}
	for range 5 {
		split = wire.AppendAEADTypes(split, list(wire.MaxAEADTypes/4))
	}
	mustMalformed(t, errOf(wire.ParseAEADTypes(unpacked)))
	mustMalformed(t, errOf(wire.ParseAEADTypes(split)))

	for _, v := range []byte{3, 5} {
		b := wire.AppendAEADTypes(nil, nil)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, bytes.Repeat([]byte{v}, 25<<20))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := wire.ParseAEADTypes(b)
		runtime.ReadMemStats(&after)
		mustMalformed(t, err)
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
			t.Errorf("value %d: refusing a 25 MiB list allocated %d bytes", v, n)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }

// ReadBackSize* give the size of the network form with the largest id and
// created_ns, from lengths alone: what a sender checks before encrypting.
func TestReadBackSize(t *testing.T) {
	const maxID = 1<<64 - 1
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 21, 25 << 20} {
		v := &wire.V1{InstallationKey: fill(32, 1), Data: make([]byte, n), HpkePublicKey: fill(1216, 2),
			WrapperAlgorithm: wire.AlgorithmXWing, WelcomeMetadata: fill(n%40, 3)}
		got := wire.ReadBackSizeV1(&wire.V1{InstallationKey: v.InstallationKey, HpkePublicKey: v.HpkePublicKey,
			WrapperAlgorithm: v.WrapperAlgorithm}, len(v.Data), len(v.WelcomeMetadata))
		for _, id := range []uint64{0, 1, 1 << 40, maxID} {
			v.ID, v.CreatedNs = id, id
			if m := len(wire.AppendMessage(nil, wire.Envelope{V1: v})); m > got || id == maxID && m != got {
				t.Errorf("V1 with %d data bytes, id %d: read back %d bytes, ReadBackSizeV1 = %d", n, id, m, got)
			}
		}
		p := &wire.Pointer{InstallationKey: fill(32, 1), WelcomePointer: make([]byte, n), HpkePublicKey: fill(1216, 2),
			WrapperAlgorithm: wire.AlgorithmXWing, ID: maxID, CreatedNs: maxID}
		want := len(wire.AppendMessage(nil, wire.Envelope{Pointer: p}))
		if got := wire.ReadBackSizePointer(&wire.Pointer{InstallationKey: p.InstallationKey, HpkePublicKey: p.HpkePublicKey,
			WrapperAlgorithm: p.WrapperAlgorithm}, n); got != want {
			t.Errorf("pointer of %d bytes: ReadBackSizePointer = %d, want %d", n, got, want)
		}
	}
	for _, c := range []uint64{0, 1, 300, maxID} {
		if got, want := wire.SizeWelcomeMetadata(c), len(wire.AppendWelcomeMetadata(nil, c)); got != want {
			t.Errorf("SizeWelcomeMetadata(%d) = %d, want %d", c, got, want)
		}
	}
}
