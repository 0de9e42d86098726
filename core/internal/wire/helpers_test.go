package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/welcome-pointers/wasm/core/internal/wire"
	mc "github.com/welcome-pointers/wasm/internal/pb/messagecontents"
	"github.com/welcome-pointers/wasm/internal/pb/mlsv1"
)

// This file converts between the codec's types and the generated types (the
// test oracle), compares values, and generates random and edge-case values.

var det = proto.MarshalOptions{Deterministic: true}

func marshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := det.Marshal(m)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	return b
}

// --- conversions: codec -> generated ---

func pbInput(e wire.Envelope) *mlsv1.WelcomeMessageInput {
	m := &mlsv1.WelcomeMessageInput{}
	switch {
	case e.V1 != nil:
		v := e.V1
		m.Version = &mlsv1.WelcomeMessageInput_V1_{V1: &mlsv1.WelcomeMessageInput_V1{
			InstallationKey:  v.InstallationKey,
			Data:             v.Data,
			HpkePublicKey:    v.HpkePublicKey,
			WrapperAlgorithm: mc.WelcomeWrapperAlgorithm(v.WrapperAlgorithm),
			WelcomeMetadata:  v.WelcomeMetadata,
		}}
	case e.Pointer != nil:
		p := e.Pointer
		m.Version = &mlsv1.WelcomeMessageInput_WelcomePointer_{WelcomePointer: &mlsv1.WelcomeMessageInput_WelcomePointer{
			InstallationKey:  p.InstallationKey,
			WelcomePointer:   p.WelcomePointer,
			HpkePublicKey:    p.HpkePublicKey,
			WrapperAlgorithm: mc.WelcomePointerWrapperAlgorithm(p.WrapperAlgorithm),
		}}
	}
	return m
}

func pbMessage(e wire.Envelope) *mlsv1.WelcomeMessage {
	m := &mlsv1.WelcomeMessage{}
	switch {
	case e.V1 != nil:
		v := e.V1
		m.Version = &mlsv1.WelcomeMessage_V1_{V1: &mlsv1.WelcomeMessage_V1{
			Id:               v.ID,
			CreatedNs:        v.CreatedNs,
			InstallationKey:  v.InstallationKey,
			Data:             v.Data,
			HpkePublicKey:    v.HpkePublicKey,
			WrapperAlgorithm: mc.WelcomeWrapperAlgorithm(v.WrapperAlgorithm),
			WelcomeMetadata:  v.WelcomeMetadata,
		}}
	case e.Pointer != nil:
		p := e.Pointer
		m.Version = &mlsv1.WelcomeMessage_WelcomePointer_{WelcomePointer: &mlsv1.WelcomeMessage_WelcomePointer{
			Id:               p.ID,
			CreatedNs:        p.CreatedNs,
			InstallationKey:  p.InstallationKey,
			WelcomePointer:   p.WelcomePointer,
			HpkePublicKey:    p.HpkePublicKey,
			WrapperAlgorithm: mc.WelcomePointerWrapperAlgorithm(p.WrapperAlgorithm),
		}}
	}
	return m
}

func pbWelcomePointer(p *wire.WelcomePointer) *mc.WelcomePointer {
	m := &mc.WelcomePointer{}
	if p != nil {
		m.Version = &mc.WelcomePointer_WelcomeV1Pointer_{WelcomeV1Pointer: &mc.WelcomePointer_WelcomeV1Pointer{
			Destination:          p.Destination,
			AeadType:             mc.WelcomePointeeEncryptionAeadType(p.AEADType),
			EncryptionKey:        p.EncryptionKey,
			DataNonce:            p.DataNonce,
			WelcomeMetadataNonce: p.WelcomeMetadataNonce,
		}}
	}
	return m
}

func pbAEADTypes(types []int32) *mc.WelcomePointeeEncryptionAeadTypesExtension {
	m := &mc.WelcomePointeeEncryptionAeadTypesExtension{}
	for _, t := range types {
		m.SupportedAeadTypes = append(m.SupportedAeadTypes, mc.WelcomePointeeEncryptionAeadType(t))
	}
	return m
}

// --- conversions: generated -> codec ---

func fromPBInput(m *mlsv1.WelcomeMessageInput) wire.Envelope {
	switch v := m.GetVersion().(type) {
	case *mlsv1.WelcomeMessageInput_V1_:
		return wire.Envelope{V1: &wire.V1{
			InstallationKey:  v.V1.GetInstallationKey(),
			Data:             v.V1.GetData(),
			HpkePublicKey:    v.V1.GetHpkePublicKey(),
			WrapperAlgorithm: int32(v.V1.GetWrapperAlgorithm()),
			WelcomeMetadata:  v.V1.GetWelcomeMetadata(),
		}}
	case *mlsv1.WelcomeMessageInput_WelcomePointer_:
		p := v.WelcomePointer
		return wire.Envelope{Pointer: &wire.Pointer{
			InstallationKey:  p.GetInstallationKey(),
			WelcomePointer:   p.GetWelcomePointer(),
			HpkePublicKey:    p.GetHpkePublicKey(),
			WrapperAlgorithm: int32(p.GetWrapperAlgorithm()),
		}}
	}
	return wire.Envelope{}
}

func fromPBMessage(m *mlsv1.WelcomeMessage) wire.Envelope {
	switch v := m.GetVersion().(type) {
	case *mlsv1.WelcomeMessage_V1_:
		return wire.Envelope{V1: &wire.V1{
			ID:               v.V1.GetId(),
			CreatedNs:        v.V1.GetCreatedNs(),
			InstallationKey:  v.V1.GetInstallationKey(),
			Data:             v.V1.GetData(),
			HpkePublicKey:    v.V1.GetHpkePublicKey(),
			WrapperAlgorithm: int32(v.V1.GetWrapperAlgorithm()),
			WelcomeMetadata:  v.V1.GetWelcomeMetadata(),
		}}
	case *mlsv1.WelcomeMessage_WelcomePointer_:
		p := v.WelcomePointer
		return wire.Envelope{Pointer: &wire.Pointer{
			ID:               p.GetId(),
			CreatedNs:        p.GetCreatedNs(),
			InstallationKey:  p.GetInstallationKey(),
			WelcomePointer:   p.GetWelcomePointer(),
			HpkePublicKey:    p.GetHpkePublicKey(),
			WrapperAlgorithm: int32(p.GetWrapperAlgorithm()),
		}}
	}
	return wire.Envelope{}
}

func fromPBWelcomePointer(m *mc.WelcomePointer) *wire.WelcomePointer {
	p := m.GetWelcomeV1Pointer()
	if p == nil {
		return nil
	}
	return &wire.WelcomePointer{
		Destination:          p.GetDestination(),
		AEADType:             int32(p.GetAeadType()),
		EncryptionKey:        p.GetEncryptionKey(),
		DataNonce:            p.GetDataNonce(),
		WelcomeMetadataNonce: p.GetWelcomeMetadataNonce(),
	}
}

func fromPBAEADTypes(m *mc.WelcomePointeeEncryptionAeadTypesExtension) []int32 {
	var out []int32
	for _, t := range m.GetSupportedAeadTypes() {
		out = append(out, int32(t))
	}
	return out
}

// --- comparison (a nil and an empty byte slice are the same proto3 value) ---

func nz(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func normEnvelope(e wire.Envelope) wire.Envelope {
	var out wire.Envelope
	if e.V1 != nil {
		v := *e.V1
		v.InstallationKey, v.Data, v.HpkePublicKey, v.WelcomeMetadata =
			nz(v.InstallationKey), nz(v.Data), nz(v.HpkePublicKey), nz(v.WelcomeMetadata)
		out.V1 = &v
	}
	if e.Pointer != nil {
		p := *e.Pointer
		p.InstallationKey, p.WelcomePointer, p.HpkePublicKey =
			nz(p.InstallationKey), nz(p.WelcomePointer), nz(p.HpkePublicKey)
		out.Pointer = &p
	}
	return out
}

// inputForm drops the fields a WelcomeMessageInput cannot carry.
func inputForm(e wire.Envelope) wire.Envelope {
	e = normEnvelope(e)
	if e.V1 != nil {
		e.V1.ID, e.V1.CreatedNs = 0, 0
	}
	if e.Pointer != nil {
		e.Pointer.ID, e.Pointer.CreatedNs = 0, 0
	}
	return e
}

func normWelcomePointer(p *wire.WelcomePointer) *wire.WelcomePointer {
	if p == nil {
		return nil
	}
	q := *p
	q.Destination, q.EncryptionKey, q.DataNonce, q.WelcomeMetadataNonce =
		nz(q.Destination), nz(q.EncryptionKey), nz(q.DataNonce), nz(q.WelcomeMetadataNonce)
	return &q
}

func equalEnvelope(a, b wire.Envelope) bool {
	return reflect.DeepEqual(normEnvelope(a), normEnvelope(b))
}

func equalWelcomePointer(a, b *wire.WelcomePointer) bool {
	return reflect.DeepEqual(normWelcomePointer(a), normWelcomePointer(b))
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func fmtEnvelope(e wire.Envelope) string {
	switch {
	case e.V1 != nil:
		return fmt.Sprintf("V1%s", fmtStruct(*e.V1))
	case e.Pointer != nil:
		return fmt.Sprintf("Pointer%s", fmtStruct(*e.Pointer))
	}
	return "Envelope{}"
}

// fmtStruct prints a struct with long byte slices abbreviated.
func fmtStruct(v any) string {
	rv := reflect.ValueOf(v)
	var buf bytes.Buffer
	buf.WriteString("{")
	for i := 0; i < rv.NumField(); i++ {
		if i > 0 {
			buf.WriteString(" ")
		}
		f := rv.Field(i)
		fmt.Fprintf(&buf, "%s:", rv.Type().Field(i).Name)
		if b, ok := f.Interface().([]byte); ok {
			if len(b) > 16 {
				fmt.Fprintf(&buf, "%x..(%d)", b[:16], len(b))
			} else {
				fmt.Fprintf(&buf, "%x", b)
			}
			continue
		}
		fmt.Fprintf(&buf, "%v", f.Interface())
	}
	buf.WriteString("}")
	return buf.String()
}

// --- value generation ---

// edge values used by every generator.
var (
	edgeUint64s = []uint64{0, 1, 127, 128, 16383, 16384, 1 << 32, math.MaxInt64, math.MaxUint64}
	edgeEnums   = []int32{0, 1, 2, 3, 4, 15, 127, 128, -1, math.MaxInt32, math.MinInt32}
)

type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, 0x5eed))} }

func (g *gen) bytes() []byte {
	var n int
	switch g.r.IntN(10) {
	case 0:
		return nil
	case 1:
		return []byte{}
	case 2:
		n = []int{1, 12, 32, 127, 128, 1216, 16384}[g.r.IntN(7)]
	case 3:
		n = 1000 + g.r.IntN(70000)
	default:
		n = g.r.IntN(200)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

func (g *gen) uint64() uint64 {
	switch g.r.IntN(3) {
	case 0:
		return edgeUint64s[g.r.IntN(len(edgeUint64s))]
	case 1:
		return g.r.Uint64() >> g.r.IntN(64)
	}
	return g.r.Uint64()
}

func (g *gen) enum() int32 {
	if g.r.IntN(2) == 0 {
		return int32(g.r.IntN(4))
	}
	if g.r.IntN(2) == 0 {
		return edgeEnums[g.r.IntN(len(edgeEnums))]
	}
	return int32(g.r.Uint32())
}

func (g *gen) v1() *wire.V1 {
	return &wire.V1{ID: g.uint64(), CreatedNs: g.uint64(), InstallationKey: g.bytes(), Data: g.bytes(),
		HpkePublicKey: g.bytes(), WrapperAlgorithm: g.enum(), WelcomeMetadata: g.bytes()}
}

func (g *gen) pointer() *wire.Pointer {
	return &wire.Pointer{ID: g.uint64(), CreatedNs: g.uint64(), InstallationKey: g.bytes(),
		WelcomePointer: g.bytes(), HpkePublicKey: g.bytes(), WrapperAlgorithm: g.enum()}
}

func (g *gen) welcomePointer() *wire.WelcomePointer {
	return &wire.WelcomePointer{Destination: g.bytes(), AEADType: g.enum(), EncryptionKey: g.bytes(),
		DataNonce: g.bytes(), WelcomeMetadataNonce: g.bytes()}
}

func (g *gen) enums() []int32 {
	n := g.r.IntN(6)
	if g.r.IntN(10) == 0 {
		n = wire.MaxAEADTypes
	}
	var out []int32
	for range n {
		out = append(out, g.enum())
	}
	return out
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

type named[T any] struct {
	name string
	val  T
}

const randomCases = 32

func v1Cases() []named[*wire.V1] {
	cs := []named[*wire.V1]{
		{"empty", &wire.V1{}},
		{"zero-length-nonnil", &wire.V1{InstallationKey: []byte{}, Data: []byte{}, HpkePublicKey: []byte{}, WelcomeMetadata: []byte{}}},
		{"max", &wire.V1{ID: math.MaxUint64, CreatedNs: math.MaxUint64, InstallationKey: fill(32, 0xff),
			Data: fill(300, 0xff), HpkePublicKey: fill(1216, 0xff), WrapperAlgorithm: math.MaxInt32, WelcomeMetadata: fill(16, 0xff)}},
		{"negative-enum", &wire.V1{WrapperAlgorithm: -1, Data: []byte{1}}},
		{"min-enum", &wire.V1{WrapperAlgorithm: math.MinInt32}},
		{"pointee", &wire.V1{InstallationKey: fill(32, 7), Data: fill(1000, 8), WrapperAlgorithm: wire.AlgorithmSymmetricKey, WelcomeMetadata: fill(16, 9)}},
		{"xwing-direct", &wire.V1{ID: 42, CreatedNs: 1_700_000_000_000_000_000, InstallationKey: fill(32, 1),
			Data: fill(1120+2+500, 2), HpkePublicKey: fill(1216, 3), WrapperAlgorithm: wire.AlgorithmXWing, WelcomeMetadata: fill(24, 4)}},
		{"large-data", &wire.V1{InstallationKey: fill(32, 1), Data: fill(1<<20+3, 0xab), HpkePublicKey: fill(32, 2), WrapperAlgorithm: 1}},
	}
	g := newGen(1)
	for i := range randomCases {
		cs = append(cs, named[*wire.V1]{fmt.Sprintf("random-%d", i), g.v1()})
	}
	return cs
}

func pointerCases() []named[*wire.Pointer] {
	cs := []named[*wire.Pointer]{
		{"empty", &wire.Pointer{}},
		{"zero-length-nonnil", &wire.Pointer{InstallationKey: []byte{}, WelcomePointer: []byte{}, HpkePublicKey: []byte{}}},
		{"max", &wire.Pointer{ID: math.MaxUint64, CreatedNs: math.MaxUint64, InstallationKey: fill(32, 0xff),
			WelcomePointer: fill(1240, 0xff), HpkePublicKey: fill(1216, 0xff), WrapperAlgorithm: math.MaxInt32}},
		{"negative-enum", &wire.Pointer{WrapperAlgorithm: -1}},
		{"typical", &wire.Pointer{ID: 7, CreatedNs: 8, InstallationKey: fill(32, 1), WelcomePointer: fill(1240, 2),
			HpkePublicKey: fill(1216, 3), WrapperAlgorithm: wire.AlgorithmXWing}},
		{"large", &wire.Pointer{WelcomePointer: fill(1<<20, 5)}},
	}
	g := newGen(2)
	for i := range randomCases {
		cs = append(cs, named[*wire.Pointer]{fmt.Sprintf("random-%d", i), g.pointer()})
	}
	return cs
}

func envelopeCases() []named[wire.Envelope] {
	var cs []named[wire.Envelope]
	for _, c := range v1Cases() {
		cs = append(cs, named[wire.Envelope]{"v1-" + c.name, wire.Envelope{V1: c.val}})
	}
	for _, c := range pointerCases() {
		cs = append(cs, named[wire.Envelope]{"pointer-" + c.name, wire.Envelope{Pointer: c.val}})
	}
	return cs
}

func welcomePointerCases() []named[*wire.WelcomePointer] {
	cs := []named[*wire.WelcomePointer]{
		{"empty", &wire.WelcomePointer{}},
		{"zero-length-nonnil", &wire.WelcomePointer{Destination: []byte{}, EncryptionKey: []byte{}, DataNonce: []byte{}, WelcomeMetadataNonce: []byte{}}},
		{"typical", &wire.WelcomePointer{Destination: fill(32, 1), AEADType: wire.AEADChaCha20Poly1305,
			EncryptionKey: fill(32, 2), DataNonce: fill(12, 3), WelcomeMetadataNonce: fill(12, 4)}},
		{"max", &wire.WelcomePointer{Destination: fill(200, 0xff), AEADType: math.MaxInt32, EncryptionKey: fill(200, 0xff),
			DataNonce: fill(200, 0xff), WelcomeMetadataNonce: fill(200, 0xff)}},
		{"negative-enum", &wire.WelcomePointer{AEADType: -3}},
		{"large", &wire.WelcomePointer{Destination: fill(1<<17, 9)}},
	}
	g := newGen(3)
	for i := range randomCases {
		cs = append(cs, named[*wire.WelcomePointer]{fmt.Sprintf("random-%d", i), g.welcomePointer()})
	}
	return cs
}

func cursorCases() []named[uint64] {
	var cs []named[uint64]
	for _, v := range edgeUint64s {
		cs = append(cs, named[uint64]{fmt.Sprintf("edge-%d", v), v})
	}
	g := newGen(4)
	for i := range randomCases {
		cs = append(cs, named[uint64]{fmt.Sprintf("random-%d", i), g.uint64()})
	}
	return cs
}

type wrapperValue struct {
	pub []byte
	alg int32
}

func wrapperCases() []named[wrapperValue] {
	cs := []named[wrapperValue]{
		{"empty", wrapperValue{}},
		{"zero-length-nonnil", wrapperValue{pub: []byte{}}},
		{"xwing", wrapperValue{fill(1216, 1), wire.AlgorithmXWing}},
		{"curve25519", wrapperValue{fill(32, 2), wire.AlgorithmCurve25519}},
		{"alg-only", wrapperValue{nil, wire.AlgorithmSymmetricKey}},
		{"max", wrapperValue{fill(70000, 0xff), math.MaxInt32}},
		{"negative-enum", wrapperValue{fill(3, 1), -1}},
	}
	g := newGen(5)
	for i := range randomCases {
		cs = append(cs, named[wrapperValue]{fmt.Sprintf("random-%d", i), wrapperValue{g.bytes(), g.enum()}})
	}
	return cs
}

func aeadCases() []named[[]int32] {
	cs := []named[[]int32]{
		{"nil", nil},
		{"empty", []int32{}},
		{"chacha", []int32{wire.AEADChaCha20Poly1305}},
		{"zero", []int32{0}},
		{"several", []int32{3, 0, 3, 1}},
		{"edges", edgeEnums},
		{"many", make([]int32, wire.MaxAEADTypes)},
	}
	g := newGen(6)
	for i := range randomCases {
		cs = append(cs, named[[]int32]{fmt.Sprintf("random-%d", i), g.enums()})
	}
	return cs
}

// --- unknown fields ---

// unknownFields returns raw fields of every wire type the reader skips
// (groups are refused: bounds_test.go), numbered so that none is a field of
// a message whose known numbers are in known.
func unknownFields(known ...protowire.Number) []byte {
	isKnown := func(n protowire.Number) bool {
		for _, k := range known {
			if k == n {
				return true
			}
		}
		return false
	}
	pick := func(start protowire.Number) protowire.Number {
		for isKnown(start) {
			start++
		}
		return start
	}
	var b []byte
	n := pick(5)
	b = protowire.AppendTag(b, n, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("unknown bytes"))
	n = pick(n + 1)
	b = protowire.AppendTag(b, n, protowire.VarintType)
	b = protowire.AppendVarint(b, math.MaxUint64)
	n = pick(n + 1)
	b = protowire.AppendTag(b, n, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 0xdeadbeef)
	n = pick(n + 1)
	b = protowire.AppendTag(b, n, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 0x0123456789abcdef)
	b = protowire.AppendTag(b, protowire.MaxValidNumber, protowire.BytesType)
	b = protowire.AppendBytes(b, nil)
	return b
}

func setUnknown(m proto.Message, raw []byte) {
	m.ProtoReflect().SetUnknown(protoreflect.RawFields(raw))
}

func mustMalformed(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, wire.ErrMalformed) {
		t.Fatalf("error does not wrap ErrMalformed: %v", err)
	}
}
