package x25519

import "encoding/binary"

// Field arithmetic modulo p = 2^255 - 19.
//
// An element is ten unsigned limbs in radix 2^25.5: limb i holds the
// coefficient of 2^ceil(25.5*i), so the limbs are alternately 26 bits
// (even i) and 25 bits (odd i) wide when fully carried:
//
//	x = f[0] + f[1]*2^26 + f[2]*2^51 + f[3]*2^77 + f[4]*2^102
//	  + f[5]*2^128 + f[6]*2^153 + f[7]*2^179 + f[8]*2^204 + f[9]*2^230
//
// Every product is of two values below 2^32, so it is one 64x64->64
// multiplication, which WebAssembly has natively (i64.mul); nothing needs
// the 128-bit products that make 64-bit-limb code slow there.
//
// The limbs are uint64 and never negative, so subtraction adds 2p first.
// Two bounds are used (see the tests, which check them at their limits):
//
//   - tight: what feMul, feSquare, feMulSmall and feFromBytes return.
//     Even limbs < 2^26, odd limbs < 2^25 + 2^18.
//   - loose: the sum of two tight elements, or feSub of two tight ones.
//     Even limbs < 3*2^26, odd limbs < 3*2^25 + 2^18.
//
// feMul, feSquare and feMulSmall accept loose inputs. The largest column
// of feMul/feSquare is h0: f0*g0 + 19*(the four even-even products + twice
// the five odd-odd ones), and an odd limb is half an even one, so at the
// loose bound it is (1 + 19*(4 + 5/2)) * (3*2^26)^2 < 2^62.14; the other
// columns are smaller. That is below 2^63, which carry needs, with 0.86
// bits to spare. feMulSmall's columns stay below 3*2^26 * 2^17 < 2^44.6.
// Every column sum only grows with each limb, so the tests at the bounds
// (TestFieldColumnBounds, TestFieldMulSquareAtBounds, TestCarryAtBounds)
// cover the worst case. feAdd and feSub take tight inputs only.
//
// Nothing here branches on, or indexes memory by, a limb value.
type fe [10]uint64

const (
	mask25 = 1<<25 - 1
	mask26 = 1<<26 - 1
)

// Limbs of 2p, added before a subtraction so that no limb goes negative:
// each is at least the matching tight bound.
const (
	twoP0    = 2 * (1<<26 - 19)
	twoPEven = 2 * (1<<26 - 1)
	twoPOdd  = 2 * (1<<25 - 1)
)

var feOne = fe{1}

// feAdd sets h = f + g. Inputs tight, output loose.
func feAdd(h, f, g *fe) {
	h[0] = f[0] + g[0]
	h[1] = f[1] + g[1]
	h[2] = f[2] + g[2]
	h[3] = f[3] + g[3]
	h[4] = f[4] + g[4]
	h[5] = f[5] + g[5]
	h[6] = f[6] + g[6]
	h[7] = f[7] + g[7]
	h[8] = f[8] + g[8]
	h[9] = f[9] + g[9]
}

// feSub sets h = f - g (as f + 2p - g). Inputs tight, output loose.
func feSub(h, f, g *fe) {
	h[0] = f[0] + twoP0 - g[0]
	h[1] = f[1] + twoPOdd - g[1]
	h[2] = f[2] + twoPEven - g[2]
	h[3] = f[3] + twoPOdd - g[3]
	h[4] = f[4] + twoPEven - g[4]
	h[5] = f[5] + twoPOdd - g[5]
	h[6] = f[6] + twoPEven - g[6]
	h[7] = f[7] + twoPOdd - g[7]
	h[8] = f[8] + twoPEven - g[8]
	h[9] = f[9] + twoPOdd - g[9]
}

// feMul sets h = f * g. Inputs loose, output tight; h may alias f or g.
//
// Column k collects f[i]*g[j] for i+j = k, and 19*f[i]*g[j] for
// i+j = k+10 (2^255 = 19 mod p). When i and j are both odd the product
// sits one bit above limb k's position (ceil(25.5i)+ceil(25.5j) =
// ceil(25.5(i+j))+1), hence the doubled f[i]. The wrapped products are
// summed first and multiplied by 19 once per column (fewer live values
// than precomputing 19*g[j], which matters for WebAssembly's register
// allocation).
func feMul(h, f, g *fe) {
	f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]
	g0, g1, g2, g3, g4, g5, g6, g7, g8, g9 := g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9]
	f1_2, f3_2, f5_2, f7_2, f9_2 := 2*f1, 2*f3, 2*f5, 2*f7, 2*f9

	h0 := f0*g0 + 19*(f1_2*g9+f2*g8+f3_2*g7+f4*g6+f5_2*g5+f6*g4+f7_2*g3+f8*g2+f9_2*g1)
	h1 := f0*g1 + f1*g0 + 19*(f2*g9+f3*g8+f4*g7+f5*g6+f6*g5+f7*g4+f8*g3+f9*g2)
	h2 := f0*g2 + f1_2*g1 + f2*g0 + 19*(f3_2*g9+f4*g8+f5_2*g7+f6*g6+f7_2*g5+f8*g4+f9_2*g3)
	h3 := f0*g3 + f1*g2 + f2*g1 + f3*g0 + 19*(f4*g9+f5*g8+f6*g7+f7*g6+f8*g5+f9*g4)
	h4 := f0*g4 + f1_2*g3 + f2*g2 + f3_2*g1 + f4*g0 + 19*(f5_2*g9+f6*g8+f7_2*g7+f8*g6+f9_2*g5)
	h5 := f0*g5 + f1*g4 + f2*g3 + f3*g2 + f4*g1 + f5*g0 + 19*(f6*g9+f7*g8+f8*g7+f9*g6)
	h6 := f0*g6 + f1_2*g5 + f2*g4 + f3_2*g3 + f4*g2 + f5_2*g1 + f6*g0 + 19*(f7_2*g9+f8*g8+f9_2*g7)
	h7 := f0*g7 + f1*g6 + f2*g5 + f3*g4 + f4*g3 + f5*g2 + f6*g1 + f7*g0 + 19*(f8*g9+f9*g8)
	h8 := f0*g8 + f1_2*g7 + f2*g6 + f3_2*g5 + f4*g4 + f5_2*g3 + f6*g2 + f7_2*g1 + f8*g0 + 19*(f9_2*g9)
	h9 := f0*g9 + f1*g8 + f2*g7 + f3*g6 + f4*g5 + f5*g4 + f6*g3 + f7*g2 + f8*g1 + f9*g0

	// The chain of carry, written out: a call is not free in WebAssembly.
	h1, h0 = h1+h0>>26, h0&mask26
	h5, h4 = h5+h4>>26, h4&mask26
	h2, h1 = h2+h1>>25, h1&mask25
	h6, h5 = h6+h5>>25, h5&mask25
	h3, h2 = h3+h2>>26, h2&mask26
	h7, h6 = h7+h6>>26, h6&mask26
	h4, h3 = h4+h3>>25, h3&mask25
	h8, h7 = h8+h7>>25, h7&mask25
	h5, h4 = h5+h4>>26, h4&mask26
	h9, h8 = h9+h8>>26, h8&mask26
	h0, h9 = h0+19*(h9>>25), h9&mask25
	h1, h0 = h1+h0>>26, h0&mask26
	h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9] = h0, h1, h2, h3, h4, h5, h6, h7, h8, h9
}

// feSquare sets h = f * f. Input loose, output tight; h may alias f.
// These are feMul's columns with g = f, each product f[i]*f[j] (i != j)
// taken once and doubled.
func feSquare(h, f *fe) {
	f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]
	f0_2, f1_2, f2_2, f3_2, f4_2, f5_2, f6_2, f7_2, f8_2, f9_2 := 2*f0, 2*f1, 2*f2, 2*f3, 2*f4, 2*f5, 2*f6, 2*f7, 2*f8, 2*f9

	h0 := f0*f0 + 19*(f1_2*f9_2+f2_2*f8+f3_2*f7_2+f4_2*f6+f5_2*f5)
	h1 := f0_2*f1 + 19*(f2_2*f9+f3_2*f8+f4_2*f7+f5_2*f6)
	h2 := f0_2*f2 + f1_2*f1 + 19*(f3_2*f9_2+f4_2*f8+f5_2*f7_2+f6*f6)
	h3 := f0_2*f3 + f1_2*f2 + 19*(f4_2*f9+f5_2*f8+f6_2*f7)
	h4 := f0_2*f4 + f1_2*f3_2 + f2*f2 + 19*(f5_2*f9_2+f6_2*f8+f7_2*f7)
	h5 := f0_2*f5 + f1_2*f4 + f2_2*f3 + 19*(f6_2*f9+f7_2*f8)
	h6 := f0_2*f6 + f1_2*f5_2 + f2_2*f4 + f3_2*f3 + 19*(f7_2*f9_2+f8*f8)
	h7 := f0_2*f7 + f1_2*f6 + f2_2*f5 + f3_2*f4 + 19*(f8_2*f9)
	h8 := f0_2*f8 + f1_2*f7_2 + f2_2*f6 + f3_2*f5_2 + f4*f4 + 19*(f9_2*f9)
	h9 := f0_2*f9 + f1_2*f8 + f2_2*f7 + f3_2*f6 + f4_2*f5

	// The chain of carry, written out: a call is not free in WebAssembly.
	h1, h0 = h1+h0>>26, h0&mask26
	h5, h4 = h5+h4>>26, h4&mask26
	h2, h1 = h2+h1>>25, h1&mask25
	h6, h5 = h6+h5>>25, h5&mask25
	h3, h2 = h3+h2>>26, h2&mask26
	h7, h6 = h7+h6>>26, h6&mask26
	h4, h3 = h4+h3>>25, h3&mask25
	h8, h7 = h8+h7>>25, h7&mask25
	h5, h4 = h5+h4>>26, h4&mask26
	h9, h8 = h9+h8>>26, h8&mask26
	h0, h9 = h0+19*(h9>>25), h9&mask25
	h1, h0 = h1+h0>>26, h0&mask26
	h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9] = h0, h1, h2, h3, h4, h5, h6, h7, h8, h9
}

// feMulSmall sets h = f * c for a constant c < 2^17. Input loose, output
// tight; h may alias f.
func feMulSmall(h, f *fe, c uint64) {
	carry(h, f[0]*c, f[1]*c, f[2]*c, f[3]*c, f[4]*c, f[5]*c, f[6]*c, f[7]*c, f[8]*c, f[9]*c)
}

// carry reduces the column sums h0..h9, each below 2^63, to a tight
// element in h. Two interleaved chains (0->1->2->3->4->5 and
// 4->5->6->7->8->9->0->1) shorten the dependency path. Bounds: every
// carry out of a limb below 2^63 + 2^38 is below 2^38 + 2^13, so no sum
// wraps; h0 + 19*c9 < 2^42.3, so the last carry into h1 is below 2^16.3
// + 1; the second carry out of h4 is below 2^12.1 (h4 < 2^26 + 2^38.01
// before it), so h5 ends below 2^25 + 2^12.1. All other limbs end masked
// to their width. (Sums near 2^64 would wrap: h1 + h0>>26 overflows for
// h1 > 2^64 - 2^38. No caller comes near: feMul and feSquare pass at most
// 2^62.14, feMulSmall 2^44.6, feToBytes and ScalarBaseMult loose limbs.)
func carry(h *fe, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9 uint64) {
	h1, h0 = h1+h0>>26, h0&mask26
	h5, h4 = h5+h4>>26, h4&mask26
	h2, h1 = h2+h1>>25, h1&mask25
	h6, h5 = h6+h5>>25, h5&mask25
	h3, h2 = h3+h2>>26, h2&mask26
	h7, h6 = h7+h6>>26, h6&mask26
	h4, h3 = h4+h3>>25, h3&mask25
	h8, h7 = h8+h7>>25, h7&mask25
	h5, h4 = h5+h4>>26, h4&mask26
	h9, h8 = h9+h8>>26, h8&mask26
	h0, h9 = h0+19*(h9>>25), h9&mask25
	h1, h0 = h1+h0>>26, h0&mask26

	h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9] = h0, h1, h2, h3, h4, h5, h6, h7, h8, h9
}

// feSquareN sets h = f^(2^n), for a public n >= 1.
func feSquareN(h, f *fe, n int) {
	feSquare(h, f)
	for i := 1; i < n; i++ {
		feSquare(h, h)
	}
}

// feInvert sets h = z^(p-2) = 1/z (0 if z = 0), by the fixed addition
// chain for 2^255 - 21: 254 squarings and 11 multiplications.
func feInvert(h, z *fe) {
	var z2, z9, z11, z2_5_0, z2_10_0, z2_20_0, z2_50_0, z2_100_0, t fe

	feSquare(&z2, z)             // 2
	feSquareN(&t, &z2, 2)        // 8
	feMul(&z9, &t, z)            // 9
	feMul(&z11, &z9, &z2)        // 11
	feSquare(&t, &z11)           // 22
	feMul(&z2_5_0, &t, &z9)      // 31 = 2^5 - 1
	feSquareN(&t, &z2_5_0, 5)    // 2^10 - 2^5
	feMul(&z2_10_0, &t, &z2_5_0) // 2^10 - 1
	feSquareN(&t, &z2_10_0, 10)  // 2^20 - 2^10
	feMul(&z2_20_0, &t, &z2_10_0)
	feSquareN(&t, &z2_20_0, 20) // 2^40 - 2^20
	feMul(&t, &t, &z2_20_0)     // 2^40 - 1
	feSquareN(&t, &t, 10)       // 2^50 - 2^10
	feMul(&z2_50_0, &t, &z2_10_0)
	feSquareN(&t, &z2_50_0, 50) // 2^100 - 2^50
	feMul(&z2_100_0, &t, &z2_50_0)
	feSquareN(&t, &z2_100_0, 100) // 2^200 - 2^100
	feMul(&t, &t, &z2_100_0)      // 2^200 - 1
	feSquareN(&t, &t, 50)         // 2^250 - 2^50
	feMul(&t, &t, &z2_50_0)       // 2^250 - 1
	feSquareN(&t, &t, 5)          // 2^255 - 2^5
	feMul(h, &t, &z11)            // 2^255 - 21

	// Powers of a secret: best effort, as in ladder.
	z2, z9, z11, z2_5_0, z2_10_0, z2_20_0, z2_50_0, z2_100_0, t = fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}, fe{}
}

// feCSwap swaps f and g if b == 1 and leaves them if b == 0, by masking;
// b must be 0 or 1.
func feCSwap(f, g *fe, b uint64) {
	m := -b
	for i := range f {
		t := m & (f[i] ^ g[i])
		f[i] ^= t
		g[i] ^= t
	}
}

// feFromBytes decodes a little-endian u-coordinate, ignoring the top bit
// (RFC 7748 section 5). Values in [p, 2^255) are accepted as they are:
// the arithmetic is mod p, so they act as their reduction. Output tight.
func feFromBytes(h *fe, b *[32]byte) {
	w0 := binary.LittleEndian.Uint64(b[0:8])
	w1 := binary.LittleEndian.Uint64(b[8:16])
	w2 := binary.LittleEndian.Uint64(b[16:24])
	w3 := binary.LittleEndian.Uint64(b[24:32]) & (1<<63 - 1)

	h[0] = w0 & mask26                // bits   0..25
	h[1] = (w0 >> 26) & mask25        // bits  26..50
	h[2] = (w0>>51 | w1<<13) & mask26 // bits  51..76
	h[3] = (w1 >> 13) & mask25        // bits  77..101
	h[4] = (w1 >> 38) & mask26        // bits 102..127
	h[5] = w2 & mask25                // bits 128..152
	h[6] = (w2 >> 25) & mask26        // bits 153..178
	h[7] = (w2>>51 | w3<<13) & mask25 // bits 179..203
	h[8] = (w3 >> 12) & mask26        // bits 204..229
	h[9] = (w3 >> 38) & mask25        // bits 230..254
}

// feToBytes encodes f (loose) as the canonical little-endian value in
// [0, p).
func feToBytes(b *[32]byte, f *fe) {
	var h fe
	carry(&h, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9])
	// Now h is tight, so h < 2^255 + 2^143 < 2p. q = floor((h+19) / 2^255),
	// computed by propagating only the carries of h + 19, is 1 if h >= p
	// and 0 otherwise.
	q := (h[0] + 19) >> 26
	q = (h[1] + q) >> 25
	q = (h[2] + q) >> 26
	q = (h[3] + q) >> 25
	q = (h[4] + q) >> 26
	q = (h[5] + q) >> 25
	q = (h[6] + q) >> 26
	q = (h[7] + q) >> 25
	q = (h[8] + q) >> 26
	q = (h[9] + q) >> 25

	// h - q*p = h + 19q - q*2^255: add 19q, carry through, and drop bit 255.
	h[0] += 19 * q
	h[1] += h[0] >> 26
	h[0] &= mask26
	h[2] += h[1] >> 25
	h[1] &= mask25
	h[3] += h[2] >> 26
	h[2] &= mask26
	h[4] += h[3] >> 25
	h[3] &= mask25
	h[5] += h[4] >> 26
	h[4] &= mask26
	h[6] += h[5] >> 25
	h[5] &= mask25
	h[7] += h[6] >> 26
	h[6] &= mask26
	h[8] += h[7] >> 25
	h[7] &= mask25
	h[9] += h[8] >> 26
	h[8] &= mask26
	h[9] &= mask25

	binary.LittleEndian.PutUint64(b[0:8], h[0]|h[1]<<26|h[2]<<51)
	binary.LittleEndian.PutUint64(b[8:16], h[2]>>13|h[3]<<13|h[4]<<38)
	binary.LittleEndian.PutUint64(b[16:24], h[5]|h[6]<<25|h[7]<<51)
	binary.LittleEndian.PutUint64(b[24:32], h[7]>>13|h[8]<<12|h[9]<<38)
	h = fe{}
}
