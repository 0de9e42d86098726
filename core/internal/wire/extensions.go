package wire

import "google.golang.org/protobuf/encoding/protowire"

// This file holds the small messages around the envelope: WelcomeMetadata
// (sealed next to a welcome) and the two key package extension payloads,
// WelcomeWrapperEncryption (0xff03) and
// WelcomePointeeEncryptionAeadTypesExtension (0xff04).

const (
	metadataCursor protowire.Number = 1 // WelcomeMetadata.message_cursor

	wrapperPubKey    protowire.Number = 1 // WelcomeWrapperEncryption.pub_key
	wrapperAlgorithm protowire.Number = 2 // WelcomeWrapperEncryption.algorithm

	aeadTypesField protowire.Number = 1 // supported_aead_types
)

// AppendWelcomeMetadata appends an xmtp.mls.api.v1.WelcomeMetadata with
// message_cursor = cursor. A cursor of 0 appends zero bytes.
func AppendWelcomeMetadata(b []byte, cursor uint64) []byte {
	return appendUint64Field(b, metadataCursor, cursor)
}

// SizeWelcomeMetadata is the size of AppendWelcomeMetadata(nil, cursor).
func SizeWelcomeMetadata(cursor uint64) int {
	return sizeUint64Field(metadataCursor, cursor)
}

func metadataSpec(num protowire.Number) (protowire.Type, bool) {
	return protowire.VarintType, num == metadataCursor
}

// ParseWelcomeMetadata parses a WelcomeMetadata and returns its
// message_cursor (0 for empty input).
func ParseWelcomeMetadata(b []byte) (uint64, error) {
	var cursor uint64
	err := forEachField(b, "WelcomeMetadata", 1, metadataSpec, func(f field) error {
		cursor = f.v
		return nil
	})
	if err != nil {
		return 0, err
	}
	return cursor, nil
}

// AppendWrapperEncryption appends a WelcomeWrapperEncryption (the payload of
// key package extension 0xff03).
func AppendWrapperEncryption(b, pub []byte, alg int32) []byte {
	b = appendBytesField(b, wrapperPubKey, pub)
	return appendEnumField(b, wrapperAlgorithm, alg)
}

func wrapperSpec(num protowire.Number) (protowire.Type, bool) {
	switch num {
	case wrapperPubKey:
		return protowire.BytesType, true
	case wrapperAlgorithm:
		return protowire.VarintType, true
	}
	return 0, false
}

// ParseWrapperEncryption parses a WelcomeWrapperEncryption. pub aliases b; an
// unknown algorithm number is returned as is.
func ParseWrapperEncryption(b []byte) (pub []byte, alg int32, err error) {
	err = forEachField(b, "WelcomeWrapperEncryption", 1, wrapperSpec, func(f field) error {
		if f.num == wrapperPubKey {
			pub = f.b
		} else {
			alg = int32(f.v)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return pub, alg, nil
}

// AppendAEADTypes appends a WelcomePointeeEncryptionAeadTypesExtension (the
// payload of key package extension 0xff04), packed as protoc-gen-go does:
// [3] -> 0a 01 03. An empty list appends nothing.
func AppendAEADTypes(b []byte, types []int32) []byte {
	if len(types) == 0 {
		return b
	}
	n := 0
	for _, t := range types {
		n += protowire.SizeVarint(enumWire(t))
	}
	b = appendMessageHeader(b, aeadTypesField, n)
	for _, t := range types {
		b = protowire.AppendVarint(b, enumWire(t))
	}
	return b
}

// ParseAEADTypes parses a WelcomePointeeEncryptionAeadTypesExtension. It
// accepts the packed and the unpacked encodings of the repeated enum, mixed
// too; values of all occurrences are concatenated in order. Unknown values
// are kept. More than MaxAEADTypes values in all is ErrMalformed, found
// before anything past the limit is read. It returns nil when the list is
// empty.
func ParseAEADTypes(b []byte) ([]int32, error) {
	var types []int32
	const name = "WelcomePointeeEncryptionAeadTypesExtension"
	add := func(v uint64) error {
		if len(types) == MaxAEADTypes {
			return malformed("%s: more than %d AEAD types", name, MaxAEADTypes)
		}
		types = append(types, int32(v))
		return nil
	}
	it := fields{b: b, msg: name}
	for {
		f, ok, err := it.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return types, nil
		}
		if f.num != aeadTypesField {
			continue
		}
		switch f.typ {
		case protowire.VarintType:
			err = add(f.v)
		case protowire.BytesType:
			for p := f.b; len(p) > 0 && err == nil; {
				v, m := protowire.ConsumeVarint(p)
				if m < 0 {
					return nil, malformed("%s: packed field %d: %v", name, f.num, protowire.ParseError(m))
				}
				err = add(v)
				p = p[m:]
			}
		default:
			err = malformed("%s: field %d has wire type %d", name, f.num, f.typ)
		}
		if err != nil {
			return nil, err
		}
	}
}
