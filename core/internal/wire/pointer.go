package wire

import "google.golang.org/protobuf/encoding/protowire"

// WelcomePointer is xmtp.mls.message_contents.WelcomePointer with its only
// arm, welcome_v1_pointer (WelcomePointer.WelcomeV1Pointer).
type WelcomePointer struct {
	Destination          []byte // 32 bytes: the pointee's topic
	AEADType             int32  // WelcomePointeeEncryptionAeadType (AEAD* constants)
	EncryptionKey        []byte // 32 bytes
	DataNonce            []byte // 12 bytes
	WelcomeMetadataNonce []byte // 12 bytes, != DataNonce
}

const (
	pointerV1 protowire.Number = 1 // WelcomePointer.welcome_v1_pointer

	wpDestination   protowire.Number = 1
	wpAEADType      protowire.Number = 2
	wpEncryptionKey protowire.Number = 3
	wpDataNonce     protowire.Number = 4
	wpMetadataNonce protowire.Number = 5
)

func welcomeV1PointerSize(p *WelcomePointer) int {
	return sizeBytesField(wpDestination, p.Destination) +
		sizeEnumField(wpAEADType, p.AEADType) +
		sizeBytesField(wpEncryptionKey, p.EncryptionKey) +
		sizeBytesField(wpDataNonce, p.DataNonce) +
		sizeBytesField(wpMetadataNonce, p.WelcomeMetadataNonce)
}

// AppendWelcomePointer appends p encoded as a WelcomePointer with the
// welcome_v1_pointer arm set. A nil p appends nothing (a WelcomePointer with
// no version).
func AppendWelcomePointer(b []byte, p *WelcomePointer) []byte {
	if p == nil {
		return b
	}
	b = appendMessageHeader(b, pointerV1, welcomeV1PointerSize(p))
	b = appendBytesField(b, wpDestination, p.Destination)
	b = appendEnumField(b, wpAEADType, p.AEADType)
	b = appendBytesField(b, wpEncryptionKey, p.EncryptionKey)
	b = appendBytesField(b, wpDataNonce, p.DataNonce)
	return appendBytesField(b, wpMetadataNonce, p.WelcomeMetadataNonce)
}

func welcomeV1PointerSpec(num protowire.Number) (protowire.Type, bool) {
	switch num {
	case wpDestination, wpEncryptionKey, wpDataNonce, wpMetadataNonce:
		return protowire.BytesType, true
	case wpAEADType:
		return protowire.VarintType, true
	}
	return 0, false
}

func welcomePointerSpec(num protowire.Number) (protowire.Type, bool) {
	return protowire.BytesType, num == pointerV1
}

// ParseWelcomePointer parses a WelcomePointer; a message without the
// welcome_v1_pointer arm is ErrMalformed ("no version"). The parse is
// structural only: lengths of keys and nonces and the AEAD type are the
// caller's to check. Byte fields alias b.
func ParseWelcomePointer(b []byte) (*WelcomePointer, error) {
	var p *WelcomePointer
	err := forEachField(b, "WelcomePointer", 1, welcomePointerSpec, func(f field) error {
		if p == nil {
			p = new(WelcomePointer) // a repeated arm merges into the first
		}
		return forEachField(f.b, "WelcomePointer.WelcomeV1Pointer", 2, welcomeV1PointerSpec, func(f field) error {
			switch f.num {
			case wpDestination:
				p.Destination = f.b
			case wpAEADType:
				p.AEADType = int32(f.v)
			case wpEncryptionKey:
				p.EncryptionKey = f.b
			case wpDataNonce:
				p.DataNonce = f.b
			case wpMetadataNonce:
				p.WelcomeMetadataNonce = f.b
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, malformed("WelcomePointer: no version")
	}
	return p, nil
}
