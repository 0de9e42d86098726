package x25519

import (
	"math/big"
	"testing"
)

// TestBaseTable recomputes ScalarBaseMult's table with math/big:
// mu_s = (u_s - 1)/(u_s + 1), u_s = u(2^s * B), by affine x-only doubling.
func TestBaseTable(t *testing.T) {
	tab := baseTable()
	a := big.NewInt(486662)
	one := big.NewInt(1)
	u := big.NewInt(9)
	for s := range baseSteps {
		num := new(big.Int).Sub(u, one)
		den := new(big.Int).Add(u, one)
		mu := modP(num.Mul(num, den.ModInverse(den, p)))
		if got := modP(feBig(&tab[s])); got.Cmp(mu) != 0 {
			t.Fatalf("table[%d] = %v, want %v", s, got, mu)
		}
		if !isTight(&tab[s]) {
			t.Fatalf("table[%d] not tight", s)
		}
		// u(2P) = (u^2 - 1)^2 / (4u(u^2 + A u + 1)).
		u2 := new(big.Int).Mul(u, u)
		n := new(big.Int).Sub(u2, one)
		n.Mul(n, n)
		d := new(big.Int).Add(u2, new(big.Int).Mul(a, u))
		d.Add(d, one).Mul(d, u).Lsh(d, 2)
		u = modP(n.Mul(n, d.ModInverse(modP(d), p)))
	}
}

// TestBaseMinusS checks u(S - B) with affine arithmetic in math/big, for
// S = (1, +sqrt(486664)) the point of order 4 and B = (9, y_B) (either
// y_B: the other sign gives u(S + B), as valid a start, see base.go).
func TestBaseMinusS(t *testing.T) {
	a := big.NewInt(486662)
	sqrt := func(x *big.Int) *big.Int {
		r := new(big.Int).ModSqrt(x, p)
		if r == nil {
			t.Fatalf("%v is not a square", x)
		}
		return r
	}
	sy := sqrt(big.NewInt(486664)) // S = (1, sy) is on the curve
	by := sqrt(modP(big.NewInt(9*9*9 + 486662*81 + 9)))
	// S + (-B) with -B = (9, -by).
	l := new(big.Int).Sub(new(big.Int).Neg(by), sy)
	l.Mul(l, new(big.Int).ModInverse(big.NewInt(8), p)) // (y2 - y1)/(x2 - x1), x2 - x1 = 9 - 1
	l = modP(l)
	x := new(big.Int).Mul(l, l)
	x.Sub(x, a).Sub(x, big.NewInt(1+9))
	x = modP(x)
	xInv := new(big.Int).ModInverse(x, p)

	var f fe
	feFromBytes(&f, &baseMinusS)
	got := feBig(&f)
	if got.Cmp(x) != 0 && got.Cmp(xInv) != 0 {
		t.Fatalf("baseMinusS = %v, want %v (or %v)", got, x, xInv)
	}
	// S has order 4: u(2S) = 0.
	var x1, z1 = feOne, feOne
	xDouble(&x1, &z1)
	var b [32]byte
	feToBytes(&b, &x1)
	if b != [32]byte{} {
		t.Fatalf("2S = %x, want u = 0", b)
	}
}
