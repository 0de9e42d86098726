// Package corpus generates malformed welcome-pointer messages from valid
// ones (bit flips, truncations, unknown fields of every wire type,
// duplicate and reordered fields, lying lengths, non-minimal varints,
// nested groups, oneof swaps, enum values, wrong key sizes, padding) and
// runs them through the core. The same cases run through the JS module
// (js/test/corpus.test.mjs, from the file cmd/corpus writes) and the
// wasip1 reactor (wasip1/host), and every build must give the same
// Result for the same bytes: the same error code, or the same value.
package corpus

import (
	"fmt"
	"math/rand/v2"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
)

// Op names an exported operation applied to a case's bytes. The names are
// the JS module's.
type Op string

const (
	OpenWelcome                Op = "openWelcome"                // Data: a message; Kind: "message" or "input"
	OpenPointee                Op = "openPointee"                // Data: the first message; Kind: form; the fixture's pointer
	OpenPointeeStored          Op = "openPointeeStored"          // Data: a stored pointer; the fixture's pointee
	ParsePointer               Op = "parsePointer"               // Data: a stored pointer
	Inspect                    Op = "inspect"                    // Kind: the core.Inspect* kind
	ToWelcomeMessage           Op = "toWelcomeMessage"           // Data: a message input; id 7, created_ns 8
	InputTopic                 Op = "inputTopic"                 // Data: a message input
	DecodeWrapperEncryption    Op = "decodeWrapperEncryption"    // Data: a 0xff03 payload
	DecodePointeeAEADTypes     Op = "decodePointeeAeadTypes"     // Data: a 0xff04 payload
	InstallationFromExtensions Op = "installationFromExtensions" // Kind: which field Data is ("wrapperEncryption", "pointeeAeadTypes", "initKey")
	ValidatePublicKey          Op = "validatePublicKey"          // Kind: the algorithm ("2" or "1"); Data: the key
	SealToKey                  Op = "sealToKey"                  // Data: an X-Wing public key sealed to (direct welcome)
)

// ReactorOps are the operations the wasip1 reactor offers.
var ReactorOps = map[Op]bool{
	OpenWelcome: true, OpenPointee: true, OpenPointeeStored: true, Inspect: true,
	ToWelcomeMessage: true, InstallationFromExtensions: true, SealToKey: true,
}

// Case is one input: an operation, its variant and the bytes.
type Case struct {
	Op   Op     `json:"op"`
	Kind string `json:"kind,omitempty"`
	Data []byte `json:"data"`
	// Mutation says how Data was made from a seed, for reports.
	Mutation string `json:"mutation"`
}

func (c Case) String() string {
	return fmt.Sprintf("%s(%s) of %d bytes [%s]", c.Op, c.Kind, len(c.Data), c.Mutation)
}

// Key is a private key of the fixture.
type Key struct {
	Algorithm  core.Algorithm `json:"algorithm"`
	PrivateKey []byte         `json:"privateKey"`
}

// Fixture is what the cases are made from and run against: keys, an
// invite's messages and the pointer they lead to.
type Fixture struct {
	Keys []Key `json:"keys"`
	// Pointer is the stored pointer of the invite; PointeeMessage its
	// pointee as read back (the arguments OpenPointee and
	// OpenPointeeStored do not mutate).
	Pointer        []byte `json:"pointer"`
	PointeeMessage []byte `json:"pointeeMessage"`
	// WrapperEncryption is the 0xff03 payload installationFromExtensions
	// cases of the pointeeAeadTypes kind go with.
	WrapperEncryption []byte `json:"wrapperEncryption"`

	seeds  []seed
	loaded []*core.PrivateKey
	ptr    *core.Pointer
}

// seed is a valid input of op (with kind), to mutate.
type seed struct {
	op   Op
	kind string
	data []byte
}

// NewFixture seals an invite to two pointer-capable X-Wing installations,
// a third one, an X-Wing one without 0xff04 and a CURVE25519 one, and
// gathers the seeds.
func NewFixture() (*Fixture, error) {
	f := &Fixture{}
	var ins []core.Installation
	for i, alg := range []core.Algorithm{core.AlgorithmXWing, core.AlgorithmXWing, core.AlgorithmXWing, core.AlgorithmXWing, core.AlgorithmCurve25519} {
		k, err := core.GenerateKey(alg)
		if err != nil {
			return nil, err
		}
		f.Keys = append(f.Keys, Key{alg, k.Bytes()})
		f.loaded = append(f.loaded, k)
		id := []byte{0x1d, byte(i)}
		var in core.Installation
		if alg == core.AlgorithmXWing {
			ff03, err := core.EncodeWrapperEncryption(k.PublicKey(), alg)
			if err != nil {
				return nil, err
			}
			var ff04 []byte
			if i < 3 {
				ff04 = core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305})
			}
			in, err = core.InstallationFromExtensions(id, nil, ff03, ff04)
			if err != nil {
				return nil, err
			}
			if f.WrapperEncryption == nil {
				f.WrapperEncryption = ff03
			}
			f.add(InstallationFromExtensions, "wrapperEncryption", ff03)
			f.add(DecodeWrapperEncryption, "", ff03)
			f.add(Inspect, core.InspectWrapperEncryption, ff03)
			f.add(ValidatePublicKey, "2", k.PublicKey())
			f.add(SealToKey, "", k.PublicKey())
			if ff04 != nil {
				f.add(InstallationFromExtensions, "pointeeAeadTypes", ff04)
				f.add(DecodePointeeAEADTypes, "", ff04)
				f.add(Inspect, core.InspectAEADTypes, ff04)
			}
		} else {
			in, err = core.InstallationFromExtensions(id, k.PublicKey(), nil, nil)
			if err != nil {
				return nil, err
			}
			f.add(InstallationFromExtensions, "initKey", k.PublicKey())
			f.add(ValidatePublicKey, "1", k.PublicKey())
		}
		ins = append(ins, in)
	}
	inv, err := core.SealInvite([]byte("\x00\x01\x00\x03 the corpus's welcome"), 1<<40, ins, nil)
	if err != nil {
		return nil, err
	}
	for i, m := range inv.Messages {
		msg, err := xmtpnode.ToWelcomeMessage(m.Message, uint64(300+i), uint64(1_750_000_000_000_000_000+i))
		if err != nil {
			return nil, err
		}
		for _, form := range []struct {
			name, inspect string
			b             []byte
		}{{"message", core.InspectWelcomeMessage, msg}, {"input", core.InspectWelcomeMessageInput, m.Message}} {
			op := OpenWelcome
			if m.Kind == core.KindPointee {
				op = OpenPointee
			}
			f.add(op, form.name, form.b)
			f.add(Inspect, form.inspect, form.b)
			f.add(Inspect, core.InspectAuto, form.b)
		}
		f.add(ToWelcomeMessage, "", m.Message)
		f.add(InputTopic, "", m.Message)
		if m.Kind == core.KindPointee {
			f.PointeeMessage = msg
		}
		if m.Kind == core.KindPointer && f.Pointer == nil {
			rec, err := core.OpenWelcome(msg, f.loaded, nil)
			if err != nil {
				return nil, err
			}
			f.ptr = rec.Pointer
			f.Pointer = rec.Pointer.Marshal()
			sealed, err := sealedPointer(msg)
			if err != nil {
				return nil, err
			}
			f.add(Inspect, core.InspectHpkeCiphertext, sealed)
		}
	}
	for _, op := range []Op{OpenPointeeStored, ParsePointer} {
		f.add(op, "", f.Pointer)
	}
	f.add(Inspect, core.InspectWelcomePointer, f.Pointer)
	f.add(Inspect, core.InspectWelcomeMetadata, []byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20})
	return f, nil
}

func (f *Fixture) add(op Op, kind string, data []byte) {
	f.seeds = append(f.seeds, seed{op, kind, data})
}

// Load prepares a fixture read back from its JSON form for running.
func (f *Fixture) Load() error {
	f.loaded = nil
	for _, k := range f.Keys {
		pk, err := core.NewPrivateKey(k.Algorithm, k.PrivateKey)
		if err != nil {
			return err
		}
		f.loaded = append(f.loaded, pk)
	}
	p, err := core.ParsePointer(f.Pointer)
	f.ptr = p
	return err
}

// Sizes of the corpus: Slice runs in make test, Full in make fuzz-corpus.
const (
	Slice = 3000
	Full  = 250_000
)

// Cases returns n cases: the seeds themselves first, then mutants of them,
// each made by one to three mutations chosen from rng.
func (f *Fixture) Cases(n int, rng *rand.Rand) []Case {
	cases := make([]Case, 0, n)
	for _, s := range f.seeds {
		if len(cases) == n {
			return cases
		}
		cases = append(cases, Case{Op: s.op, Kind: s.kind, Data: s.data, Mutation: "seed"})
	}
	for len(cases) < n {
		s := f.seeds[rng.IntN(len(f.seeds))]
		data, how := s.data, ""
		for i := range 1 + rng.IntN(3) {
			if i > 0 && rng.IntN(2) == 0 {
				break
			}
			var m string
			data, m = mutate(data, rng)
			if how != "" {
				how += ", "
			}
			how += m
		}
		cases = append(cases, Case{Op: s.op, Kind: s.kind, Data: data, Mutation: how})
	}
	return cases
}
