package wire

import "fmt"

// TLS presentation language encodings of MLS (RFC 9420): the variable-length
// integer of section 2.1.2 and HPKE's
//
//	struct { opaque kem_output<V>; opaque ciphertext<V>; } HpkeCiphertext;
//
// used for V1.data of direct welcomes and for WelcomePointer.welcome_pointer.

// MaxVarint is the first value an MLS varint cannot hold (2^30): no
// HpkeCiphertext field may be that long.
const MaxVarint = 1 << 30

func varintSize(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	default:
		return 4
	}
}

// AppendVarint appends n as a minimal MLS variable-length integer: 1 byte
// 00xxxxxx below 64, 2 bytes 01xxxxxx.. below 16384, 4 bytes 10xxxxxx...
// below 2^30. The caller guarantees 0 <= n < 2^30; anything else is a
// programming error and panics.
func AppendVarint(b []byte, n int) []byte {
	switch {
	case n < 0 || n >= MaxVarint:
		panic(fmt.Sprintf("wire: MLS varint out of range: %d", n))
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, 0x40|byte(n>>8), byte(n))
	default:
		return append(b, 0x80|byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// ParseVarint reads an MLS variable-length integer from the start of b and
// returns it with the rest of b. It rejects the reserved 0b11 prefix,
// non-minimal encodings and truncated input.
func ParseVarint(b []byte) (n int, rest []byte, err error) {
	if len(b) == 0 {
		return 0, nil, malformed("MLS varint: empty input")
	}
	prefix := b[0] >> 6
	if prefix == 3 {
		return 0, nil, malformed("MLS varint: reserved prefix 0b11")
	}
	size := 1 << prefix // 1, 2 or 4
	if len(b) < size {
		return 0, nil, malformed("MLS varint: need %d bytes, have %d", size, len(b))
	}
	v := uint32(b[0] & 0x3f)
	for _, c := range b[1:size] {
		v = v<<8 | uint32(c)
	}
	if size > 1 && varintSize(int(v)) != size {
		return 0, nil, malformed("MLS varint: non-minimal %d-byte encoding of %d", size, v)
	}
	return int(v), b[size:], nil
}

// HpkeCiphertextSize is the exact size of
// AppendHpkeCiphertext(nil, kemOutput, ciphertext) for inputs of these lengths.
func HpkeCiphertextSize(kemOutputLen, ciphertextLen int) int {
	return varintSize(kemOutputLen) + kemOutputLen + varintSize(ciphertextLen) + ciphertextLen
}

// AppendHpkeCiphertext appends the TLS HpkeCiphertext { kem_output<V>;
// ciphertext<V> }. Both lengths must be below 2^30 (see AppendVarint).
func AppendHpkeCiphertext(b, kemOutput, ciphertext []byte) []byte {
	b = AppendVarint(b, len(kemOutput))
	b = append(b, kemOutput...)
	b = AppendVarint(b, len(ciphertext))
	return append(b, ciphertext...)
}

func parseOpaque(b []byte, what string) (v, rest []byte, err error) {
	n, rest, err := ParseVarint(b)
	if err != nil {
		return nil, nil, fmt.Errorf("HpkeCiphertext.%s length: %w", what, err)
	}
	if n > len(rest) {
		return nil, nil, malformed("HpkeCiphertext.%s: length %d beyond input (%d bytes left)", what, n, len(rest))
	}
	return rest[:n:n], rest[n:], nil
}

// ParseHpkeCiphertext parses a TLS HpkeCiphertext that fills b exactly
// (trailing bytes are an error). The returned slices alias b, capped to their
// length.
func ParseHpkeCiphertext(b []byte) (kemOutput, ciphertext []byte, err error) {
	kemOutput, rest, err := parseOpaque(b, "kem_output")
	if err != nil {
		return nil, nil, err
	}
	ciphertext, rest, err = parseOpaque(rest, "ciphertext")
	if err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, malformed("HpkeCiphertext: %d trailing bytes", len(rest))
	}
	return kemOutput, ciphertext, nil
}
