package x25519

import (
	"math"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// Limb positions: limb i has weight 2^pos[i].
var pos = [10]uint{0, 26, 51, 77, 102, 128, 153, 179, 204, 230}

// Limb bounds (inclusive maxima), as documented in fe.go.
var (
	tightMax = fe{
		1<<26 - 1, 1<<25 + 1<<18 - 1, 1<<26 - 1, 1<<25 + 1<<18 - 1, 1<<26 - 1,
		1<<25 + 1<<18 - 1, 1<<26 - 1, 1<<25 + 1<<18 - 1, 1<<26 - 1, 1<<25 + 1<<18 - 1,
	}
	looseMax fe // tightMax + 2p, the largest feSub output
)

func init() {
	var zero fe
	feSub(&looseMax, &tightMax, &zero)
}

func feBig(f *fe) *big.Int {
	x := new(big.Int)
	for i := range f {
		x.Add(x, new(big.Int).Lsh(new(big.Int).SetUint64(f[i]), pos[i]))
	}
	return x
}

func isTight(f *fe) bool {
	for i := range f {
		if f[i] > tightMax[i] {
			return false
		}
	}
	return true
}

// randFe returns an element with limbs uniform in [0, max[i]], or, one time
// in four, each limb at max[i] or near it.
func randFe(r *mrand.Rand, max *fe) fe {
	var f fe
	edge := r.IntN(4) == 0
	for i := range f {
		if edge {
			f[i] = max[i] - r.Uint64N(3)
		} else {
			f[i] = r.Uint64N(max[i] + 1)
		}
	}
	return f
}

func modP(x *big.Int) *big.Int { return new(big.Int).Mod(x, p) }

func checkFe(t *testing.T, op string, got *fe, want *big.Int, inputs ...*fe) {
	t.Helper()
	if !isTight(got) {
		t.Fatalf("%s%v = %v: not tight", op, inputs, *got)
	}
	if modP(feBig(got)).Cmp(modP(want)) != 0 {
		t.Fatalf("%s%v = %v = %v mod p, want %v", op, inputs, *got, modP(feBig(got)), modP(want))
	}
}

func TestFieldMulSquareAtBounds(t *testing.T) {
	// All column sums are increasing in every limb, so the maxima are the
	// worst case for overflow.
	for _, f := range []*fe{&tightMax, &looseMax} {
		for _, g := range []*fe{&tightMax, &looseMax} {
			var h fe
			feMul(&h, f, g)
			checkFe(t, "feMul", &h, new(big.Int).Mul(feBig(f), feBig(g)), f, g)
		}
		var h fe
		feSquare(&h, f)
		checkFe(t, "feSquare", &h, new(big.Int).Mul(feBig(f), feBig(f)), f)
		for _, c := range []uint64{9, 121665, 1<<17 - 1} {
			feMulSmall(&h, f, c)
			checkFe(t, "feMulSmall", &h, new(big.Int).Mul(feBig(f), new(big.Int).SetUint64(c)), f)
		}
	}
}

// mulColumns returns the column sums of feMul(f, g) before carry, exactly.
func mulColumns(f, g *fe) [10]*big.Int {
	var h [10]*big.Int
	for k := range h {
		h[k] = new(big.Int)
		for i := range 10 {
			j := (k - i + 10) % 10
			c := big.NewInt(1)
			if i%2 == 1 && j%2 == 1 {
				c.SetInt64(2) // the half-bit offset of two odd limbs
			}
			if i+j >= 10 {
				c.Mul(c, big.NewInt(19))
			}
			c.Mul(c, new(big.Int).SetUint64(f[i]))
			c.Mul(c, new(big.Int).SetUint64(g[j]))
			h[k].Add(h[k], c)
		}
	}
	return h
}

func log2(x *big.Int) float64 {
	f, _ := new(big.Float).SetInt(x).Float64()
	return math.Log2(f)
}

// carryInputBits is carry's precondition (fe.go): every input below 2^63.
const carryInputBits = 63

// The bounds fe.go states, computed: the largest limbs a caller passes
// to feMul and feSquare are the loose bound's (tight + 2p, from feSub and
// the written-out subtractions of the ladders; the sum of two tight
// elements is smaller), and their columns must stay below carry's
// precondition, with the margin the comment gives.
func TestFieldColumnBounds(t *testing.T) {
	for i := range looseMax {
		if twoTight := 2 * tightMax[i]; twoTight > looseMax[i] {
			t.Fatalf("limb %d: tight+tight = %d exceeds the loose bound %d", i, twoTight, looseMax[i])
		}
	}
	worst := 0.0
	for k, col := range mulColumns(&looseMax, &looseMax) {
		if col.BitLen() > carryInputBits {
			t.Errorf("feMul column %d at the loose bound needs %d bits, carry takes %d", k, col.BitLen(), carryInputBits)
		}
		worst = max(worst, log2(col))
	}
	if worst >= 62.14 {
		t.Errorf("largest feMul/feSquare column is 2^%.3f; fe.go says below 2^62.14", worst)
	}
	t.Logf("largest feMul/feSquare column at the loose bound: 2^%.3f (carry takes < 2^%d)", worst, carryInputBits)

	small := new(big.Int).Mul(new(big.Int).SetUint64(looseMax[0]), big.NewInt(1<<17-1))
	if l := log2(small); l >= 44.6 {
		t.Errorf("largest feMulSmall column is 2^%.3f; fe.go says below 2^44.6", l)
	}
}

// carry at the limits of its precondition, and with the largest columns
// feMul and feSquare give it.
func TestCarryAtBounds(t *testing.T) {
	carryBig := func(in [10]*big.Int) *big.Int {
		x := new(big.Int)
		for i := range in {
			x.Add(x, new(big.Int).Lsh(in[i], pos[i]))
		}
		return x
	}
	run := func(in [10]*big.Int) fe {
		var w [10]uint64
		for i := range in {
			if !in[i].IsUint64() {
				t.Fatalf("column %d = %v does not fit in 64 bits", i, in[i])
			}
			w[i] = in[i].Uint64()
		}
		var h fe
		carry(&h, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9])
		return h
	}

	cols := mulColumns(&looseMax, &looseMax)
	h := run(cols)
	checkFe(t, "carry(feMul columns at the loose bound)", &h, carryBig(cols))
	var viaMul fe
	feMul(&viaMul, &looseMax, &looseMax)
	if viaMul != h {
		t.Errorf("feMul's written-out carry gives %v, carry %v", viaMul, h)
	}

	var limit [10]*big.Int
	for i := range limit {
		limit[i] = new(big.Int).SetUint64(1<<carryInputBits - 1)
	}
	h = run(limit)
	checkFe(t, "carry(2^63 - 1, ...)", &h, carryBig(limit))

	// The precondition is needed: with every input at 2^64 - 1 (which the
	// old comment, "any uint64 values", allowed) the first sum wraps.
	for i := range limit {
		limit[i].SetUint64(math.MaxUint64)
	}
	h = run(limit)
	if isTight(&h) && modP(feBig(&h)).Cmp(modP(carryBig(limit))) == 0 {
		t.Error("carry(2^64 - 1, ...) is right: the precondition in fe.go is stricter than needed")
	}
}

func TestFieldRandom(t *testing.T) {
	r := mrand.New(mrand.NewPCG(1, 2))
	for range iterations(20000) {
		f, g := randFe(r, &looseMax), randFe(r, &looseMax)
		var h fe
		feMul(&h, &f, &g)
		checkFe(t, "feMul", &h, new(big.Int).Mul(feBig(&f), feBig(&g)), &f, &g)
		feSquare(&h, &f)
		checkFe(t, "feSquare", &h, new(big.Int).Mul(feBig(&f), feBig(&f)), &f)
		feMulSmall(&h, &f, 121665)
		checkFe(t, "feMulSmall", &h, new(big.Int).Mul(feBig(&f), big.NewInt(121665)), &f)

		// Aliased outputs.
		h = f
		feMul(&h, &h, &g)
		checkFe(t, "feMul(alias)", &h, new(big.Int).Mul(feBig(&f), feBig(&g)), &f, &g)
		h = f
		feSquare(&h, &h)
		checkFe(t, "feSquare(alias)", &h, new(big.Int).Mul(feBig(&f), feBig(&f)), &f)

		// Add and sub take tight inputs and must give loose outputs.
		a, b := randFe(r, &tightMax), randFe(r, &tightMax)
		feAdd(&h, &a, &b)
		checkLoose(t, "feAdd", &h, new(big.Int).Add(feBig(&a), feBig(&b)))
		feSub(&h, &a, &b)
		checkLoose(t, "feSub", &h, new(big.Int).Sub(feBig(&a), feBig(&b)))
	}
}

func checkLoose(t *testing.T, op string, got *fe, want *big.Int) {
	t.Helper()
	for i := range got {
		if got[i] > looseMax[i] {
			t.Fatalf("%s: limb %d = %#x above the loose bound", op, i, got[i])
		}
	}
	if modP(feBig(got)).Cmp(modP(want)) != 0 {
		t.Fatalf("%s = %v, want %v", op, modP(feBig(got)), modP(want))
	}
}

func TestFieldInvert(t *testing.T) {
	r := mrand.New(mrand.NewPCG(3, 4))
	n := iterations(500)
	for i := range n {
		var f fe
		switch i {
		case 0:
			f = tightMax
		case 1:
			f = looseMax
		case 2:
			f = feOne
		default:
			f = randFe(r, &looseMax)
		}
		var h fe
		feInvert(&h, &f)
		x := modP(feBig(&f))
		want := new(big.Int).ModInverse(x, p)
		checkFe(t, "feInvert", &h, want, &f)
	}
	// 0 and p (an unreduced zero) invert to 0.
	for _, f := range []fe{{}, {twoP0 / 2, twoPOdd / 2, twoPEven / 2, twoPOdd / 2, twoPEven / 2, twoPOdd / 2, twoPEven / 2, twoPOdd / 2, twoPEven / 2, twoPOdd / 2}} {
		var h fe
		feInvert(&h, &f)
		var b [32]byte
		feToBytes(&b, &h)
		if b != [32]byte{} {
			t.Fatalf("1/%v = %x, want 0", f, b)
		}
	}
}

func TestFieldEncoding(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	two255 := new(big.Int).Lsh(big.NewInt(1), 255)
	check := func(f *fe) {
		t.Helper()
		var b [32]byte
		feToBytes(&b, f)
		want := leBytes(modP(feBig(f)))
		if b != *want {
			t.Fatalf("feToBytes(%v) = %x, want %x", *f, b, *want)
		}
	}
	for _, f := range []fe{{}, feOne, tightMax, looseMax} {
		check(&f)
	}
	// Values around multiples of p, as limbs.
	for _, x := range []*big.Int{
		big.NewInt(0), new(big.Int).Sub(p, big.NewInt(1)), p, new(big.Int).Add(p, big.NewInt(1)),
		new(big.Int).Sub(two255, big.NewInt(1)), two255, new(big.Int).Add(two255, big.NewInt(18)),
		new(big.Int).Add(two255, big.NewInt(19)), new(big.Int).Sub(new(big.Int).Lsh(p, 1), big.NewInt(1)),
	} {
		var f fe
		y := new(big.Int).Set(x)
		for i := 9; i >= 0; i-- {
			l := new(big.Int).Rsh(y, pos[i])
			f[i] = l.Uint64()
			y.Sub(y, new(big.Int).Lsh(l, pos[i]))
		}
		check(&f)
	}
	for range iterations(20000) {
		f := randFe(r, &looseMax)
		check(&f)

		// Decoding: any 32 bytes, top bit ignored, limbs in width.
		var b [32]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		feFromBytes(&f, &b)
		if !isTight(&f) {
			t.Fatalf("feFromBytes(%x) not tight", b)
		}
		u := new(big.Int).SetBytes(reverse(b[:]))
		u.SetBit(u, 255, 0)
		if feBig(&f).Cmp(u) != 0 {
			t.Fatalf("feFromBytes(%x) = %v, want %v", b, feBig(&f), u)
		}
		// Round trip of canonical values.
		b[31] &= 0x7f
		if u.Cmp(p) < 0 {
			var out [32]byte
			feToBytes(&out, &f)
			if out != b {
				t.Fatalf("round trip %x -> %x", b, out)
			}
		}
	}
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func TestFieldCSwap(t *testing.T) {
	r := mrand.New(mrand.NewPCG(7, 8))
	for range 100 {
		f, g := randFe(r, &looseMax), randFe(r, &looseMax)
		a, b := f, g
		feCSwap(&a, &b, 0)
		if a != f || b != g {
			t.Fatal("feCSwap(0) swapped")
		}
		feCSwap(&a, &b, 1)
		if a != g || b != f {
			t.Fatal("feCSwap(1) did not swap")
		}
	}
}
