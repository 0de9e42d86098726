package x25519

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"testing"

	"github.com/welcome-pointers/wasm/core/internal/cryptotest"
)

// The differential suite: X25519 against crypto/ecdh and against refX25519,
// the RFC 7748 pseudocode over math/big, on random pairs and on every
// combination of the edge points and edge scalars below. It runs in every
// build (native, GOOS=js, wasip1); cryptotest sizes it.

// refX25519 is RFC 7748 section 5 written out with big integers: decode
// and clamp the scalar, decode u (top bit masked, reduced mod p), the
// Montgomery ladder with its conditional swaps as branches, and encode.
// Nothing is shared with this package's field code.
func refX25519(scalar, u *[32]byte) [32]byte {
	le := func(b []byte) *big.Int {
		r := make([]byte, len(b))
		for i := range b {
			r[len(b)-1-i] = b[i]
		}
		return new(big.Int).SetBytes(r)
	}
	k := bytes.Clone(scalar[:])
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64
	kn := le(k)
	ub := bytes.Clone(u[:])
	ub[31] &= 127
	x1 := new(big.Int).Mod(le(ub), p)

	// In place, on fixed temporaries: this runs hundreds of thousands of
	// times under make crypto-check.
	var x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb, t0 big.Int
	// Values stay in [0, 2^258), not reduced all the way (Mod divides,
	// which is slow): a product is folded twice with 2^255 = 19 mod p;
	// a difference adds 4p > 2^256 to stay positive.
	var hi big.Int
	fold := func(x *big.Int) {
		hi.Rsh(x, 255)
		x.And(x, mask255).Add(x, hi.Mul(&hi, nineteen))
	}
	mul := func(dst, a, b *big.Int) { dst.Mul(a, b); fold(dst); fold(dst) }
	add := func(dst, a, b *big.Int) { dst.Add(a, b) }
	sub := func(dst, a, b *big.Int) { dst.Sub(a, b).Add(dst, fourP) }
	a24 := big.NewInt(121665)

	x2.SetInt64(1)
	z2.SetInt64(0)
	x3.Set(x1)
	z3.SetInt64(1)
	swap := uint(0)
	for t := 254; t >= 0; t-- {
		kt := kn.Bit(t)
		if swap^kt == 1 {
			x2, x3 = x3, x2
			z2, z3 = z3, z2
		}
		swap = kt
		add(&a, &x2, &z2)
		mul(&aa, &a, &a)
		sub(&b, &x2, &z2)
		mul(&bb, &b, &b)
		sub(&e, &aa, &bb)
		add(&c, &x3, &z3)
		sub(&d, &x3, &z3)
		mul(&da, &d, &a)
		mul(&cb, &c, &b)
		add(&t0, &da, &cb)
		mul(&x3, &t0, &t0)
		sub(&t0, &da, &cb)
		mul(&t0, &t0, &t0)
		mul(&z3, x1, &t0)
		mul(&x2, &aa, &bb)
		mul(&t0, a24, &e)
		add(&t0, &aa, &t0)
		mul(&z2, &e, &t0)
	}
	if swap == 1 {
		x2, z2 = x3, z3
	}
	// x2 * z2^(p-2) mod p (z2 = 0 gives 0), by square and multiply.
	var inv big.Int
	inv.SetInt64(1)
	for i := pMinus2.BitLen() - 1; i >= 0; i-- {
		mul(&inv, &inv, &inv)
		if pMinus2.Bit(i) == 1 {
			mul(&inv, &inv, &z2)
		}
	}
	var out big.Int
	mul(&out, &x2, &inv)
	out.Mod(&out, p)
	return *leBytes(&out)
}

var (
	pMinus2  = new(big.Int).Sub(p, big.NewInt(2))
	fourP    = new(big.Int).Lsh(p, 2)
	mask255  = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1))
	nineteen = big.NewInt(19)
)

// checkThreeWay compares X25519 with crypto/ecdh and refX25519. It returns
// whether the result is all zeros (a low-order point).
func checkThreeWay(t *testing.T, scalar, point *[32]byte) bool {
	t.Helper()
	return check(t, scalar, point, true)
}

// check compares X25519 with crypto/ecdh and, if withRef, refX25519.
func check(t *testing.T, scalar, point *[32]byte, withRef bool) bool {
	t.Helper()
	var got [32]byte
	X25519(&got, scalar, point)
	if withRef {
		if ref := refX25519(scalar, point); got != ref {
			t.Fatalf("X25519(%x, %x) = %x, big-integer RFC 7748 ladder %x", scalar, point, got, ref)
		}
	}
	want, ok := reference(t, scalar[:], point[:])
	if !ok {
		if got != [32]byte{} {
			t.Fatalf("X25519(%x, %x) = %x; crypto/ecdh reports a low-order point", scalar, point, got)
		}
		return true
	}
	if !bytes.Equal(got[:], want) {
		t.Fatalf("X25519(%x, %x) = %x, crypto/ecdh %x", scalar, point, got, want)
	}
	return false
}

// Random pairs, every one against crypto/ecdh and one in refEvery also
// against the big-integer ladder (which costs ten times more).
func TestDifferentialRandom(t *testing.T) {
	const refEvery = 8
	r := newRand(t)
	n := cryptotest.N(2000, 200_000)
	var scalar, point [32]byte
	for i := range n {
		r.Read(scalar[:])
		r.Read(point[:]) // top bit random: set half of the time
		check(t, &scalar, &point, i%refEvery == 0)
	}
	t.Logf("%d random pairs: X25519 = crypto/ecdh; %d of them also = big-integer ladder", n, (n+refEvery-1)/refEvery)
}

// edgePoints are u-coordinates at the edges: 0, 1, p-1, p, p+1, 2^255-1,
// every non-canonical value p..2^255-1 (the "+p" forms of 0..18, which
// include the low-order 0 and 1), the points of order 8 (the only other
// low-order points; p-1 has order 2), values at the limb boundaries of
// the field code, and the base point. Each is also tried with the top bit
// set, which X25519 ignores.
func edgePoints() map[string]*big.Int {
	two := big.NewInt(2)
	pts := map[string]*big.Int{
		"0":       big.NewInt(0),
		"1":       big.NewInt(1),
		"9":       big.NewInt(9),
		"p-1":     new(big.Int).Sub(p, big.NewInt(1)),
		"p-2":     new(big.Int).Sub(p, two),
		"2^254":   new(big.Int).Lsh(big.NewInt(1), 254),
		"2^255-1": new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1)),
	}
	for i := range 19 {
		pts[fmt.Sprintf("p+%d", i)] = new(big.Int).Add(p, big.NewInt(int64(i)))
	}
	for i, s := range lowOrder[2:4] {
		b, _ := hex.DecodeString(s)
		slices.Reverse(b)
		pts[fmt.Sprintf("order-8 #%d", i+1)] = new(big.Int).SetBytes(b)
	}
	for _, bit := range pos[1:] { // 2^pos - 1 and 2^pos: every limb full, then a carry
		pts[fmt.Sprintf("2^%d-1", bit)] = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bit), big.NewInt(1))
		pts[fmt.Sprintf("2^%d", bit)] = new(big.Int).Lsh(big.NewInt(1), bit)
	}
	return pts
}

// lowOrderU are the values of edgePoints that are low-order points (or
// encodings of them): X25519 must give all zeros for every scalar.
var lowOrderU = map[string]bool{"0": true, "1": true, "p-1": true, "p+0": true, "p+1": true, "order-8 #1": true, "order-8 #2": true}

func edgeScalars() map[string][32]byte {
	s := map[string][32]byte{}
	s["zero"] = [32]byte{}
	var ones, one, top, bit254, mid [32]byte
	for i := range ones {
		ones[i] = 0xff
		mid[i] = 0x55
	}
	one[0] = 1
	top[31] = 0x80
	bit254[31] = 0x40
	s["all ones"], s["1"], s["2^255"], s["2^254"], s["0x55..."] = ones, one, top, bit254, mid
	return s
}

func TestDifferentialEdges(t *testing.T) {
	r := newRand(t)
	randomScalars := cryptotest.N(20, 150)
	scalars := edgeScalars()
	cases, zeros := 0, 0
	points := edgePoints()
	for _, name := range slices.Sorted(maps.Keys(points)) {
		u := points[name]
		for _, topBit := range []bool{false, true} {
			point := leBytes(u)
			if topBit {
				point[31] |= 0x80
			}
			label := fmt.Sprintf("%s (top bit %v)", name, topBit)
			check := func(scalar *[32]byte) {
				low := checkThreeWay(t, scalar, point)
				if low != lowOrderU[name] {
					t.Fatalf("u = %s, scalar %x: all-zero result = %v, want %v", label, scalar, low, lowOrderU[name])
				}
				if low {
					zeros++
				}
				cases++
			}
			for _, sname := range slices.Sorted(maps.Keys(scalars)) {
				k := scalars[sname]
				check(&k)
			}
			var k [32]byte
			for range randomScalars {
				r.Read(k[:])
				check(&k)
			}
		}
	}
	t.Logf("%d edge cases (%d of them low-order, all zeros): X25519 = crypto/ecdh = big-integer ladder", cases, zeros)
}

// The same on the public key side: ScalarBaseMult against crypto/ecdh and
// the big-integer ladder at u = 9.
func TestDifferentialScalarBaseMult(t *testing.T) {
	r := newRand(t)
	n := cryptotest.N(1000, 20_000)
	var scalar, got [32]byte
	nine := [32]byte{9}
	scalars := edgeScalars()
	names := slices.Sorted(maps.Keys(scalars))
	for i := range n + len(scalars) {
		if i < len(names) {
			scalar = scalars[names[i]]
		} else {
			r.Read(scalar[:])
		}
		ScalarBaseMult(&got, &scalar)
		sk, err := ecdh.X25519().NewPrivateKey(scalar[:])
		if err != nil {
			t.Fatal(err)
		}
		if want := sk.PublicKey().Bytes(); !bytes.Equal(got[:], want) {
			t.Fatalf("ScalarBaseMult(%x) = %x, crypto/ecdh %x", scalar, got, want)
		}
		if ref := refX25519(&scalar, &nine); got != ref {
			t.Fatalf("ScalarBaseMult(%x) = %x, big-integer ladder %x", scalar, got, ref)
		}
	}
	t.Logf("%d scalars: ScalarBaseMult = crypto/ecdh = big-integer ladder", n+len(scalars))
}
