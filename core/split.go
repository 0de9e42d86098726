package core

import "fmt"

// The split path: SealInvite in pieces, so that the pointers (one X-Wing
// encapsulation each, the bulk of the work) can be sealed in parallel by
// several callers, for example one per Web Worker. SealPointee makes the
// pointee and its pointer; SealPointers seals that pointer for a list of
// pointer-capable installations. Concatenated in order (pointee, the
// pointers in installation order, then the direct welcomes), the
// messages are exactly what SealInvite returns.

// CheckInstallations runs SealInvite's checks on installations (not
// empty, every key well-formed, no installation key twice) and reports
// which are pointer-capable.
func CheckInstallations(installations []Installation) ([]bool, error) {
	if len(installations) == 0 {
		return nil, fmt.Errorf("%w: no installations", ErrInvalidArgument)
	}
	seen := make(map[string]int, len(installations))
	capable := make([]bool, len(installations))
	for i := range installations {
		in := &installations[i]
		if err := checkInstallation(i, in); err != nil {
			return nil, err
		}
		if j, dup := seen[string(in.InstallationKey)]; dup {
			return nil, fmt.Errorf("%w: installations %d and %d share an installation key", ErrInvalidArgument, j, i)
		}
		seen[string(in.InstallationKey)] = i
		capable[i] = in.PointerCapable()
	}
	return capable, nil
}

// SealPointee encrypts welcome and its cursor under a fresh pointer: the
// pointee message (KindPointee, addressed to the pointer's destination)
// and the pointer to seal for each installation with SealPointers. The
// pointer holds the pointee's key: keep it secret.
func SealPointee(welcome []byte, cursor uint64, opts *SealOptions) (OutgoingMessage, *Pointer, error) {
	if _, err := opts.kem(); err != nil {
		return OutgoingMessage{}, nil, err
	}
	if len(welcome) == 0 {
		return OutgoingMessage{}, nil, fmt.Errorf("%w: empty welcome", ErrInvalidArgument)
	}
	msg, ptr, err := sealPointee(welcome, cursor, opts.random(), opts.maxSize())
	if err != nil {
		return OutgoingMessage{}, nil, err
	}
	return OutgoingMessage{Kind: KindPointee, InstallationKey: clone(ptr.Destination), Message: msg}, ptr, nil
}

// SealPointers seals ptr for each installation: one KindPointer message
// per installation, in order. Every installation must be pointer-capable
// and pass SealInvite's checks; nothing is returned unless all were
// sealed. opts.Progress counts these installations only; opts.Context
// stops it between two of them.
func SealPointers(ptr *Pointer, installations []Installation, opts *SealOptions) ([]OutgoingMessage, error) {
	xwingID, err := opts.kem()
	if err != nil {
		return nil, err
	}
	if ptr == nil {
		return nil, fmt.Errorf("%w: no pointer", ErrInvalidArgument)
	}
	if err := ptr.validate(); err != nil {
		return nil, err
	}
	capable, err := CheckInstallations(installations)
	if err != nil {
		return nil, err
	}
	maxSize := opts.maxSize()
	plain := ptr.Marshal()
	for i, ok := range capable {
		if !ok {
			return nil, fmt.Errorf("%w: installation %d is not pointer-capable", ErrInvalidArgument, i)
		}
		if err := checkPointerSize(len(plain), &installations[i], xwingID, maxSize); err != nil {
			return nil, fmt.Errorf("installation %d: %w", i, err)
		}
	}
	rnd := opts.random()
	out := make([]OutgoingMessage, 0, len(installations))
	for i := range installations {
		in := &installations[i]
		if err := opts.stopped(); err != nil {
			return nil, err
		}
		msg, err := sealPointer(plain, in, xwingID, rnd, maxSize)
		if err != nil {
			return nil, fmt.Errorf("installation %d: %w", i, err)
		}
		out = append(out, OutgoingMessage{Kind: KindPointer, InstallationKey: clone(in.InstallationKey), Message: msg})
		if opts != nil && opts.Progress != nil {
			opts.Progress(i+1, len(installations))
		}
	}
	return out, nil
}
