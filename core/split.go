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

// CheckInvite runs every check of SealInvite, in its order and with its
// errors, for a Welcome of welcomeLen bytes: the installations
// (CheckInstallations) and the size of every message, so that a split
// sealing that passes it fails nowhere after (short of the random source),
// and reports which installations are pointer-capable.
func CheckInvite(welcomeLen int, cursor uint64, installations []Installation, opts *SealOptions) ([]bool, error) {
	xwingID, err := opts.kem()
	if err != nil {
		return nil, err
	}
	if len(installations) == 0 {
		return nil, fmt.Errorf("%w: no installations", ErrInvalidArgument)
	}
	if welcomeLen <= 0 {
		return nil, fmt.Errorf("%w: empty welcome", ErrInvalidArgument)
	}
	isCapable, err := CheckInstallations(installations)
	if err != nil {
		return nil, err
	}
	capable := 0
	for _, ok := range isCapable {
		if ok {
			capable++
		}
	}
	usePointers := capable >= MinPointerInstallations
	maxSize := opts.maxSize()
	// Every message is sized before anything is encrypted: an invite that
	// cannot be published costs no cryptography.
	if usePointers {
		if err := checkPointeeSize(welcomeLen, cursor, maxSize); err != nil {
			return nil, err
		}
	}
	for i := range installations {
		in := &installations[i]
		var err error
		if usePointers && isCapable[i] {
			err = checkPointerSize(pointerPlainSize, in, xwingID, maxSize)
		} else {
			err = checkDirectSize(welcomeLen, cursor, in, xwingID, maxSize)
		}
		if err != nil {
			return nil, fmt.Errorf("installation %d: %w", i, err)
		}
	}
	return isCapable, nil
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
// sealed. opts.Progress counts these installations only.
func SealPointers(ptr *Pointer, installations []Installation, opts *SealOptions) ([]OutgoingMessage, error) {
	return sealPointers(ptr, installations, nil, opts)
}

// sealPointers is SealPointers with, when encs is not nil, the X-Wing
// encapsulations done by the caller (SealPointersEncapsulated).
func sealPointers(ptr *Pointer, installations []Installation, encs []Encapsulation, opts *SealOptions) ([]OutgoingMessage, error) {
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
	if err := checkEncapsulations(encs, installations); err != nil {
		return nil, err
	}
	rnd := opts.random()
	out := make([]OutgoingMessage, 0, len(installations))
	for i := range installations {
		in := &installations[i]
		msg, err := sealPointer(plain, in, xwingID, encapsulationFor(encs, i), rnd, maxSize)
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
