package xwing

import "github.com/cloudflare/circl/kem/mlkem/mlkem768"

// q is ML-KEM's modulus.
const q = 3329

// CheckEncapsulationKey runs the ML-KEM-768 encapsulation key check of
// FIPS 203 (section 7.2) on a 1216-byte X-Wing public key: every 12-bit
// coefficient of its encoded vector t̂ is below q. It refuses exactly the
// keys ParsePublicKey refuses, without unpacking them (no matrix
// expansion): for a caller whose encapsulation was done elsewhere and
// that must refuse what this package would. Public keys are public: it
// need not run in constant time.
func CheckEncapsulationKey(pk []byte) error {
	if len(pk) != PublicKeySize {
		return ErrPublicKeySize
	}
	t := pk[:mlkem768.PublicKeySize-32] // then ρ (32 bytes), then the X25519 key
	for i := 0; i+3 <= len(t); i += 3 {
		c0 := uint16(t[i]) | uint16(t[i+1]&0x0f)<<8
		c1 := uint16(t[i+1]>>4) | uint16(t[i+2])<<4
		if c0 >= q || c1 >= q {
			return ErrPublicKey
		}
	}
	return nil
}
