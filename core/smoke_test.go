package core_test

import (
	"bytes"
	"testing"

	"github.com/welcome-pointers/wasm/core"
)

func TestSmoke(t *testing.T) {
	welcome := bytes.Repeat([]byte{0, 1, 0, 3, 9}, 1000)
	var keys []*core.PrivateKey
	var ins []core.Installation
	for i := 0; i < 4; i++ {
		k, err := core.GenerateKey(core.AlgorithmXWing)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		ins = append(ins, core.Installation{InstallationKey: []byte{byte(i + 1)}, WrapperPublicKey: k.PublicKey(), WrapperAlgorithm: core.AlgorithmXWing, PointeeAEADTypes: []core.AEADType{3}})
	}
	inv, err := core.SealInvite(welcome, 42, ins, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, d := inv.Counts()
	t.Logf("pointers %d direct %d size %d", p, d, inv.Size())
	pointee, err := core.ToWelcomeMessage(inv.Messages[0].Message, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range inv.Messages[1:] {
		msg, err := core.ToWelcomeMessage(m.Message, uint64(i+2), 3)
		if err != nil {
			t.Fatal(err)
		}
		r, err := core.OpenWelcome(msg, keys, nil)
		if err != nil {
			t.Fatal(err)
		}
		w, err := core.OpenPointee(r.Pointer, pointee, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w.Welcome, welcome) || w.Cursor != 42 {
			t.Fatal("mismatch")
		}
	}
}
