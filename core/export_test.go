package core

import "io"

// WithRand makes sealing deterministic; tests only.
func WithRand(o *SealOptions, r io.Reader) *SealOptions {
	if o == nil {
		o = &SealOptions{}
	}
	o.rand = r
	return o
}

// GenerateKeyFrom makes key generation deterministic; tests only.
func GenerateKeyFrom(alg Algorithm, r io.Reader) (*PrivateKey, error) { return generateKey(alg, r) }
