package x25519

import "sync"

// Fixed-base scalar multiplication: a right-to-left, x-only ladder (in the
// spirit of Joye's right-to-left double-add ladder) that adds the
// precomputed multiples Q_s = 2^s * B of the base point B.
//
// With k = 8*(k_3 + 2 k_4 + ... + 2^251 k_254) the clamped scalar, two
// points are kept:
//
//	A = S + (k_3 + ... + 2^(s-1) k_(s+2)) * B,   R = A - Q_s,
//
// where S is the point of order 4 with u = 1. At step s, if k_(s+3) = 1,
// A becomes A + Q_s (a differential addition, A - Q_s = R being known)
// and R stays A_new - Q_(s+1); otherwise R becomes R - Q_s (difference
// R + Q_s = A) and A stays. At the end 8*A = 8*S + k*B = k*B. Starting
// from S rather than the neutral element keeps every difference away from
// the neutral point and the point of order 2, where x-only differential
// addition breaks down.
//
// Each step costs 3 multiplications and 2 squarings, against 5 and 4 for
// a ladder step; the table has 252 field elements.

// baseMinusS is u(S - B), for S = (1, +sqrt(486664)). (u(S + B) =
// 1/u(S - B) would do as well, with -S in place of S.)
var baseMinusS = [32]byte{
	0x90, 0x82, 0xd4, 0x37, 0x01, 0x1e, 0x6b, 0x81, 0x07, 0x12, 0x4d, 0xeb, 0x51, 0x6a, 0x0f, 0x44,
	0x1d, 0xb7, 0xa2, 0xdc, 0x46, 0x5f, 0x38, 0x52, 0xcb, 0x54, 0x83, 0x1d, 0x11, 0x32, 0x51, 0x21,
}

const baseSteps = 252

// baseTable holds mu_s = (u_s - 1)/(u_s + 1) for u_s = u(2^s * B), the
// form in which the affine Q_s enters the differential addition. It is
// computed on first use (252 doublings and a batched inversion, about the
// cost of one ScalarBaseMult) rather than stored in the binary.
var baseTable = sync.OnceValue(computeBaseTable)

func computeBaseTable() *[baseSteps]fe {
	var num, den, prefix [baseSteps]fe
	x, z := fe{9}, feOne
	for s := range baseSteps {
		feSub(&num[s], &x, &z) // u_s - 1, projectively
		feAdd(&den[s], &x, &z) // u_s + 1
		xDouble(&x, &z)
	}
	// Invert all the den[s] with one inversion (Montgomery's trick).
	prefix[0] = den[0]
	for s := 1; s < baseSteps; s++ {
		feMul(&prefix[s], &prefix[s-1], &den[s])
	}
	var inv, t fe
	feInvert(&inv, &prefix[baseSteps-1])
	tab := new([baseSteps]fe)
	for s := baseSteps - 1; s > 0; s-- {
		feMul(&t, &inv, &prefix[s-1]) // 1/den[s]
		feMul(&tab[s], &num[s], &t)
		feMul(&inv, &inv, &den[s]) // 1/(den[0]...den[s-1])
	}
	feMul(&tab[0], &num[0], &inv)
	return tab
}

// xDouble sets (x:z) to the double of the point (x:z); inputs and outputs
// tight.
func xDouble(x, z *fe) {
	var a, b, e fe
	feAdd(&a, x, z)
	feSub(&b, x, z)
	feSquare(&a, &a) // AA
	feSquare(&b, &b) // BB
	feSub(&e, &a, &b)
	feMul(x, &a, &b)
	feMulSmall(z, &e, 121665)
	feAdd(z, &a, z)
	feMul(z, &e, z)
}

// ScalarBaseMult sets dst to X25519(scalar, 9), the public key of scalar.
// dst may alias scalar.
func ScalarBaseMult(dst, scalar *[32]byte) {
	var k [32]byte
	copy(k[:], scalar[:])
	k[0] &= 248
	k[31] &= 127
	k[31] |= 64

	tab := baseTable()
	// Slot 1 is the point to update, slot 2 the difference. swap = 1 when
	// slot 1 holds A (and slot 2 R), 0 when it holds R.
	x1, z1 := feOne, feOne // A = S
	var x2 fe
	feFromBytes(&x2, &baseMinusS) // R = S - B
	z2 := feOne
	swap := uint64(1)
	var t0, t1 fe
	for s := range baseSteps {
		bit := uint64(k[(s+3)>>3]>>((s+3)&7)) & 1
		m := -(swap ^ bit)
		swap = bit

		// (x1:z1) += Q_s, with (x2:z2) = (x1:z1) - Q_s:
		// x = z2 * ((x1 - z1) + (x1 + z1) mu)^2,
		// z = x2 * ((x1 - z1) - (x1 + z1) mu)^2.
		// The swap and the additions are written out (see ladder).
		var tx, tz uint64
		tx, tz = m&(x1[0]^x2[0]), m&(z1[0]^z2[0])
		x1[0], x2[0], z1[0], z2[0] = x1[0]^tx, x2[0]^tx, z1[0]^tz, z2[0]^tz
		t0[0], t1[0] = x1[0]+twoP0-z1[0], x1[0]+z1[0]
		tx, tz = m&(x1[1]^x2[1]), m&(z1[1]^z2[1])
		x1[1], x2[1], z1[1], z2[1] = x1[1]^tx, x2[1]^tx, z1[1]^tz, z2[1]^tz
		t0[1], t1[1] = x1[1]+twoPOdd-z1[1], x1[1]+z1[1]
		tx, tz = m&(x1[2]^x2[2]), m&(z1[2]^z2[2])
		x1[2], x2[2], z1[2], z2[2] = x1[2]^tx, x2[2]^tx, z1[2]^tz, z2[2]^tz
		t0[2], t1[2] = x1[2]+twoPEven-z1[2], x1[2]+z1[2]
		tx, tz = m&(x1[3]^x2[3]), m&(z1[3]^z2[3])
		x1[3], x2[3], z1[3], z2[3] = x1[3]^tx, x2[3]^tx, z1[3]^tz, z2[3]^tz
		t0[3], t1[3] = x1[3]+twoPOdd-z1[3], x1[3]+z1[3]
		tx, tz = m&(x1[4]^x2[4]), m&(z1[4]^z2[4])
		x1[4], x2[4], z1[4], z2[4] = x1[4]^tx, x2[4]^tx, z1[4]^tz, z2[4]^tz
		t0[4], t1[4] = x1[4]+twoPEven-z1[4], x1[4]+z1[4]
		tx, tz = m&(x1[5]^x2[5]), m&(z1[5]^z2[5])
		x1[5], x2[5], z1[5], z2[5] = x1[5]^tx, x2[5]^tx, z1[5]^tz, z2[5]^tz
		t0[5], t1[5] = x1[5]+twoPOdd-z1[5], x1[5]+z1[5]
		tx, tz = m&(x1[6]^x2[6]), m&(z1[6]^z2[6])
		x1[6], x2[6], z1[6], z2[6] = x1[6]^tx, x2[6]^tx, z1[6]^tz, z2[6]^tz
		t0[6], t1[6] = x1[6]+twoPEven-z1[6], x1[6]+z1[6]
		tx, tz = m&(x1[7]^x2[7]), m&(z1[7]^z2[7])
		x1[7], x2[7], z1[7], z2[7] = x1[7]^tx, x2[7]^tx, z1[7]^tz, z2[7]^tz
		t0[7], t1[7] = x1[7]+twoPOdd-z1[7], x1[7]+z1[7]
		tx, tz = m&(x1[8]^x2[8]), m&(z1[8]^z2[8])
		x1[8], x2[8], z1[8], z2[8] = x1[8]^tx, x2[8]^tx, z1[8]^tz, z2[8]^tz
		t0[8], t1[8] = x1[8]+twoPEven-z1[8], x1[8]+z1[8]
		tx, tz = m&(x1[9]^x2[9]), m&(z1[9]^z2[9])
		x1[9], x2[9], z1[9], z2[9] = x1[9]^tx, x2[9]^tx, z1[9]^tz, z2[9]^tz
		t0[9], t1[9] = x1[9]+twoPOdd-z1[9], x1[9]+z1[9]
		carry(&t0, t0[0], t0[1], t0[2], t0[3], t0[4], t0[5], t0[6], t0[7], t0[8], t0[9]) // tight, for the sums below
		feMul(&t1, &t1, &tab[s])
		x1[0], z1[0] = t0[0]+t1[0], t0[0]+twoP0-t1[0]
		x1[1], z1[1] = t0[1]+t1[1], t0[1]+twoPOdd-t1[1]
		x1[2], z1[2] = t0[2]+t1[2], t0[2]+twoPEven-t1[2]
		x1[3], z1[3] = t0[3]+t1[3], t0[3]+twoPOdd-t1[3]
		x1[4], z1[4] = t0[4]+t1[4], t0[4]+twoPEven-t1[4]
		x1[5], z1[5] = t0[5]+t1[5], t0[5]+twoPOdd-t1[5]
		x1[6], z1[6] = t0[6]+t1[6], t0[6]+twoPEven-t1[6]
		x1[7], z1[7] = t0[7]+t1[7], t0[7]+twoPOdd-t1[7]
		x1[8], z1[8] = t0[8]+t1[8], t0[8]+twoPEven-t1[8]
		x1[9], z1[9] = t0[9]+t1[9], t0[9]+twoPOdd-t1[9]
		feSquare(&x1, &x1)
		feSquare(&z1, &z1)
		feMul(&x1, &x1, &z2)
		feMul(&z1, &z1, &x2)
	}
	// k_254 = 1, so slot 1 holds A. Clear the order-4 part: 8*A = k*B.
	xDouble(&x1, &z1)
	xDouble(&x1, &z1)
	xDouble(&x1, &z1)

	feInvert(&z1, &z1)
	feMul(&x1, &x1, &z1)
	feToBytes(dst, &x1)

	// Best effort, as in ladder.
	clear(k[:])
	x1, z1, x2, z2, t0, t1 = fe{}, fe{}, fe{}, fe{}, fe{}, fe{}
}
