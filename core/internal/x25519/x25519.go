// Package x25519 implements the X25519 function of RFC 7748 with 32-bit
// friendly field arithmetic (ten limbs in radix 2^25.5, 32x32->64-bit
// products), for targets such as WebAssembly where the 64x64->128-bit
// multiplications of 64-bit-limb implementations are emulated and slow.
//
// Constant time: no branch and no memory index in this package depends on
// a secret (the scalar, the point, or any intermediate value). The ladder
// runs a fixed 255 iterations; scalar bits are read at public positions
// and only used as 0/1 masks (feCSwap); field operations are straight-line
// code whose only loops have public bounds; inversion is a fixed addition
// chain; encoding reduces with masks and shifts, not comparisons.
// ScalarBaseMult reads its precomputed table at public positions only (the
// step number), never at a scalar-dependent one.
package x25519

// X25519 sets dst to the RFC 7748 X25519 function of scalar and the
// u-coordinate point: the scalar is clamped, the top bit of point is
// ignored, and non-canonical point encodings (>= p) are accepted. If point
// is of low order the result is all zeros; callers that must reject that
// case (as RFC 7748 section 6.1 allows) have to check for it.
//
// dst may alias scalar or point.
func X25519(dst *[32]byte, scalar, point *[32]byte) {
	var x1 fe
	feFromBytes(&x1, point)
	ladder(dst, scalar, &x1)
}

// ladder is the Montgomery ladder of RFC 7748 section 5 for the clamped
// scalar and the u-coordinate x1 (tight).
func ladder(dst, scalar *[32]byte, x1 *fe) {
	var k [32]byte
	copy(k[:], scalar[:])
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64

	x2 := feOne
	var z2 fe
	x3 := *x1
	z3 := feOne
	var a, aa, b, bb, e, c, d, da, cb fe
	var swap uint64

	// The conditional swap, additions and subtractions are written out
	// rather than calls to feCSwap, feAdd and feSub: a Go call is not free
	// in WebAssembly, and the ladder would make 255*10 of them. Bounds:
	// x2, z2, x3, z3, AA, BB, DA, CB are tight (outputs of feMul, feSquare
	// or feMulSmall, or the initial values), so the sums and differences
	// are loose, as feMul and feSquare accept.
	for t := 254; t >= 0; t-- {
		kt := uint64(k[t>>3]>>(t&7)) & 1
		swap ^= kt
		m := -swap // all ones to swap (x2, z2) with (x3, z3), else zero
		swap = kt
		// A = x2 + z2, B = x2 - z2, C = x3 + z3, D = x3 - z3.
		var tx, tz uint64
		tx, tz = m&(x2[0]^x3[0]), m&(z2[0]^z3[0])
		x2[0], x3[0], z2[0], z3[0] = x2[0]^tx, x3[0]^tx, z2[0]^tz, z3[0]^tz
		a[0], b[0] = x2[0]+z2[0], x2[0]+twoP0-z2[0]
		c[0], d[0] = x3[0]+z3[0], x3[0]+twoP0-z3[0]
		tx, tz = m&(x2[1]^x3[1]), m&(z2[1]^z3[1])
		x2[1], x3[1], z2[1], z3[1] = x2[1]^tx, x3[1]^tx, z2[1]^tz, z3[1]^tz
		a[1], b[1] = x2[1]+z2[1], x2[1]+twoPOdd-z2[1]
		c[1], d[1] = x3[1]+z3[1], x3[1]+twoPOdd-z3[1]
		tx, tz = m&(x2[2]^x3[2]), m&(z2[2]^z3[2])
		x2[2], x3[2], z2[2], z3[2] = x2[2]^tx, x3[2]^tx, z2[2]^tz, z3[2]^tz
		a[2], b[2] = x2[2]+z2[2], x2[2]+twoPEven-z2[2]
		c[2], d[2] = x3[2]+z3[2], x3[2]+twoPEven-z3[2]
		tx, tz = m&(x2[3]^x3[3]), m&(z2[3]^z3[3])
		x2[3], x3[3], z2[3], z3[3] = x2[3]^tx, x3[3]^tx, z2[3]^tz, z3[3]^tz
		a[3], b[3] = x2[3]+z2[3], x2[3]+twoPOdd-z2[3]
		c[3], d[3] = x3[3]+z3[3], x3[3]+twoPOdd-z3[3]
		tx, tz = m&(x2[4]^x3[4]), m&(z2[4]^z3[4])
		x2[4], x3[4], z2[4], z3[4] = x2[4]^tx, x3[4]^tx, z2[4]^tz, z3[4]^tz
		a[4], b[4] = x2[4]+z2[4], x2[4]+twoPEven-z2[4]
		c[4], d[4] = x3[4]+z3[4], x3[4]+twoPEven-z3[4]
		tx, tz = m&(x2[5]^x3[5]), m&(z2[5]^z3[5])
		x2[5], x3[5], z2[5], z3[5] = x2[5]^tx, x3[5]^tx, z2[5]^tz, z3[5]^tz
		a[5], b[5] = x2[5]+z2[5], x2[5]+twoPOdd-z2[5]
		c[5], d[5] = x3[5]+z3[5], x3[5]+twoPOdd-z3[5]
		tx, tz = m&(x2[6]^x3[6]), m&(z2[6]^z3[6])
		x2[6], x3[6], z2[6], z3[6] = x2[6]^tx, x3[6]^tx, z2[6]^tz, z3[6]^tz
		a[6], b[6] = x2[6]+z2[6], x2[6]+twoPEven-z2[6]
		c[6], d[6] = x3[6]+z3[6], x3[6]+twoPEven-z3[6]
		tx, tz = m&(x2[7]^x3[7]), m&(z2[7]^z3[7])
		x2[7], x3[7], z2[7], z3[7] = x2[7]^tx, x3[7]^tx, z2[7]^tz, z3[7]^tz
		a[7], b[7] = x2[7]+z2[7], x2[7]+twoPOdd-z2[7]
		c[7], d[7] = x3[7]+z3[7], x3[7]+twoPOdd-z3[7]
		tx, tz = m&(x2[8]^x3[8]), m&(z2[8]^z3[8])
		x2[8], x3[8], z2[8], z3[8] = x2[8]^tx, x3[8]^tx, z2[8]^tz, z3[8]^tz
		a[8], b[8] = x2[8]+z2[8], x2[8]+twoPEven-z2[8]
		c[8], d[8] = x3[8]+z3[8], x3[8]+twoPEven-z3[8]
		tx, tz = m&(x2[9]^x3[9]), m&(z2[9]^z3[9])
		x2[9], x3[9], z2[9], z3[9] = x2[9]^tx, x3[9]^tx, z2[9]^tz, z3[9]^tz
		a[9], b[9] = x2[9]+z2[9], x2[9]+twoPOdd-z2[9]
		c[9], d[9] = x3[9]+z3[9], x3[9]+twoPOdd-z3[9]
		feSquare(&aa, &a)  // AA = A^2
		feSquare(&bb, &b)  // BB = B^2
		feMul(&da, &d, &a) // DA = D * A
		feMul(&cb, &c, &b) // CB = C * B
		// DA + CB, DA - CB, E = AA - BB.
		x3[0], z3[0], e[0] = da[0]+cb[0], da[0]+twoP0-cb[0], aa[0]+twoP0-bb[0]
		x3[1], z3[1], e[1] = da[1]+cb[1], da[1]+twoPOdd-cb[1], aa[1]+twoPOdd-bb[1]
		x3[2], z3[2], e[2] = da[2]+cb[2], da[2]+twoPEven-cb[2], aa[2]+twoPEven-bb[2]
		x3[3], z3[3], e[3] = da[3]+cb[3], da[3]+twoPOdd-cb[3], aa[3]+twoPOdd-bb[3]
		x3[4], z3[4], e[4] = da[4]+cb[4], da[4]+twoPEven-cb[4], aa[4]+twoPEven-bb[4]
		x3[5], z3[5], e[5] = da[5]+cb[5], da[5]+twoPOdd-cb[5], aa[5]+twoPOdd-bb[5]
		x3[6], z3[6], e[6] = da[6]+cb[6], da[6]+twoPEven-cb[6], aa[6]+twoPEven-bb[6]
		x3[7], z3[7], e[7] = da[7]+cb[7], da[7]+twoPOdd-cb[7], aa[7]+twoPOdd-bb[7]
		x3[8], z3[8], e[8] = da[8]+cb[8], da[8]+twoPEven-cb[8], aa[8]+twoPEven-bb[8]
		x3[9], z3[9], e[9] = da[9]+cb[9], da[9]+twoPOdd-cb[9], aa[9]+twoPOdd-bb[9]
		feSquare(&x3, &x3) // x3 = (DA + CB)^2
		feSquare(&z3, &z3) // z3 = x1 * (DA - CB)^2
		feMul(&z3, x1, &z3)
		feMul(&x2, &aa, &bb) // x2 = AA * BB

		feMulSmall(&z2, &e, 121665) // z2 = E * (AA + a24 * E)
		z2[0], z2[1], z2[2], z2[3], z2[4] = z2[0]+aa[0], z2[1]+aa[1], z2[2]+aa[2], z2[3]+aa[3], z2[4]+aa[4]
		z2[5], z2[6], z2[7], z2[8], z2[9] = z2[5]+aa[5], z2[6]+aa[6], z2[7]+aa[7], z2[8]+aa[8], z2[9]+aa[9]
		feMul(&z2, &e, &z2)
	}
	feCSwap(&x2, &x3, swap)
	feCSwap(&z2, &z3, swap)

	feInvert(&z2, &z2)
	feMul(&x2, &x2, &z2)
	feToBytes(dst, &x2)

	// Best effort: the scalar and the ladder's state. The field
	// functions' spills and the registers are out of reach.
	clear(k[:])
	x2, z2, x3, z3 = fe{}, fe{}, fe{}, fe{}
	a, aa, b, bb, e, c, d, da, cb = fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}
}
