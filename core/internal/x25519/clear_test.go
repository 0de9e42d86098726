package x25519

import (
	"crypto/rand"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

// The scalar (clamped or not) is cleared from the stack frames X25519 and
// ScalarBaseMult leave behind.
func TestScalarNotLeftOnStack(t *testing.T) {
	scalar, point, out := new([32]byte), new([32]byte), new([32]byte)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"X25519", func() { X25519(out, scalar, point) }},
		{"ScalarBaseMult", func() { ScalarBaseMult(out, scalar) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 3 {
				rand.Read(scalar[:])
				rand.Read(point[:])
				stack := cryptotest.DeadStack(c.f, 16<<10)
				if found := cryptotest.Find(stack, scalar[:]); len(found) > 0 {
					t.Fatalf("the scalar %x is still on the stack after %s", scalar[:], c.name)
				}
			}
		})
	}
}
