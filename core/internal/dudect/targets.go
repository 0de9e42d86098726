package dudect

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/internal/x25519"
	"github.com/welcome-pointers/wasm/core/internal/xwing"
)

// Targets returns the functions that handle secrets, in the order
// timing-check reports them.
func Targets() []Target {
	return []Target{&ladderTarget{}, &decapsulateTarget{}, &pointeeTarget{}}
}

// ladderTarget is X25519 (the Montgomery ladder, the field inversion and
// the encoding) with a secret scalar: all zero bytes (clamped to 2^254:
// every ladder bit but the top one 0) against random scalars, on one
// random point.
type ladderTarget struct {
	point    [32]byte
	scalars  [2][][32]byte
	out      [32]byte
	checksum byte
}

func (*ladderTarget) Name() string { return "x25519-ladder" }
func (*ladderTarget) Batch() int   { return 8 }

func (l *ladderTarget) Prepare(n int) error {
	rand.Read(l.point[:])
	for c := range l.scalars {
		l.scalars[c] = make([][32]byte, n)
	}
	for i := range n {
		rand.Read(l.scalars[1][i][:])
	}
	return nil
}

func (l *ladderTarget) Run(class, i int) {
	x25519.X25519(&l.out, &l.scalars[class][i], &l.point)
	l.checksum ^= l.out[0] // keep the result live
}

// decapsulateTarget is X-Wing decapsulation with an expanded key: one key
// with a ciphertext made for it (ML-KEM's re-encryption matches) against
// random keys with random ciphertexts (implicit rejection: the
// re-encryption differs and the rejection secret is used). Both the key
// and the rejection are secret.
type decapsulateTarget struct {
	keys     [2][]*xwing.PrivateKey
	cts      [2][][]byte
	checksum byte
}

func (*decapsulateTarget) Name() string { return "xwing-decapsulate" }
func (*decapsulateTarget) Batch() int   { return 4 }

func (d *decapsulateTarget) Prepare(n int) error {
	seed := make([]byte, xwing.SeedSize)
	rand.Read(seed)
	fixed, err := xwing.NewPrivateKey(seed)
	if err != nil {
		return err
	}
	eseed := make([]byte, xwing.EncapsulationSeedSize)
	rand.Read(eseed)
	_, fixedCT, err := xwing.Encapsulate(fixed.PublicKeyBytes(), eseed)
	if err != nil {
		return err
	}
	fixedSeed := bytes.Clone(seed)
	for range n {
		for c := range 2 { // interleaved: both classes' objects side by side in memory
			if c == 1 {
				rand.Read(seed)
			} else {
				copy(seed, fixedSeed)
			}
			k, err := xwing.NewPrivateKey(seed)
			if err != nil {
				return err
			}
			ct := bytes.Clone(fixedCT)
			if c == 1 {
				rand.Read(ct)
			}
			d.keys[c], d.cts[c] = append(d.keys[c], k), append(d.cts[c], ct)
		}
	}
	return nil
}

func (d *decapsulateTarget) Run(class, i int) {
	ss, err := d.keys[class][i].Decapsulate(d.cts[class][i])
	if err != nil {
		panic(err)
	}
	d.checksum ^= ss[0]
}

// pointeeTarget is core.OpenPointeeInput of a 16 KiB pointee: the same
// pointer (its ChaCha20-Poly1305 key and nonces are the secret) against
// random ones, each with its own pointee of the same size and shape.
type pointeeTarget struct {
	ptrs     [2][]*core.Pointer
	msgs     [2][][]byte
	checksum byte
}

const pointeeWelcomeSize = 16 << 10

func (*pointeeTarget) Name() string { return "pointee-open" }
func (*pointeeTarget) Batch() int   { return 8 }

func (p *pointeeTarget) Prepare(n int) error {
	var keys []*core.PrivateKey
	var ins []core.Installation
	for i := range core.MinPointerInstallations {
		k, err := core.GenerateKey(core.AlgorithmXWing)
		if err != nil {
			return err
		}
		keys = append(keys, k)
		ins = append(ins, core.Installation{
			InstallationKey:  []byte(fmt.Sprintf("installation %d", i)),
			WrapperPublicKey: k.PublicKey(),
			WrapperAlgorithm: core.AlgorithmXWing,
			PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305},
		})
	}
	welcome := make([]byte, pointeeWelcomeSize)
	rand.Read(welcome)
	seal := func() (*core.Pointer, []byte, error) {
		inv, err := core.SealInvite(welcome, 42, ins, nil)
		if err != nil {
			return nil, nil, err
		}
		if len(inv.Messages) < 2 || inv.Messages[0].Kind != core.KindPointee {
			return nil, nil, errors.New("dudect: the invite has no pointee")
		}
		r, err := core.OpenWelcomeInput(inv.Messages[1].Message, keys, nil)
		if err != nil {
			return nil, nil, err
		}
		if r.Pointer == nil {
			return nil, nil, errors.New("dudect: the second message is not a pointer")
		}
		return r.Pointer, inv.Messages[0].Message, nil
	}
	ptrs, msgs := make([]*core.Pointer, n+1), make([][]byte, n+1)
	for i := range ptrs { // ptrs[0] is the fixed one
		var err error
		if ptrs[i], msgs[i], err = seal(); err != nil {
			return err
		}
	}
	// Copies, interleaved: both classes' objects side by side in memory
	// (sealing left garbage between the originals).
	for i := range n {
		for c, j := range []int{0, 1 + i} {
			ptr, err := core.ParsePointer(ptrs[j].Marshal())
			if err != nil {
				return err
			}
			p.ptrs[c], p.msgs[c] = append(p.ptrs[c], ptr), append(p.msgs[c], bytes.Clone(msgs[j]))
		}
	}
	return nil
}

func (p *pointeeTarget) Run(class, i int) {
	out, err := core.OpenPointeeInput(p.ptrs[class][i], p.msgs[class][i], nil)
	if err != nil {
		panic(err)
	}
	p.checksum ^= out.Welcome[0]
}
