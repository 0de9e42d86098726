package main

import (
	"fmt"
	"sync"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/internal/fixtures"
)

// welcomeModel is how big the MLS Welcome is for an invite of n
// installations.
type welcomeModel struct {
	Name  string
	Short string // for the chart
	Desc  string
	Size  func(n int) int
}

// perLeaf is the bytes one installation adds to the Welcome's ratchet
// tree: 436,092 bytes of tree for 800 members in the client's issue
// tracker is 545 bytes each (spec section 7).
const perLeaf = 550

var welcomeModels = []welcomeModel{
	{
		Name:  "growing",
		Short: "growing: 1,024 + 550·N bytes",
		Desc:  "Welcome = 1,024 + 550 × N bytes: a 1 KiB fixed part (group context, secrets, extensions) and about 550 bytes per installation in the group's ratchet tree, the group being the N installations invited",
		Size:  func(n int) int { return 1024 + perLeaf*n },
	},
	{
		Name:  "fixed",
		Short: "fixed: 2,048 bytes",
		Desc:  "Welcome = 2,048 bytes whatever N is (a small group that the invite does not grow much)",
		Size:  func(int) int { return 2048 },
	},
}

// messageCursor is the cursor sealed with every Welcome: a realistic,
// non-zero one (its varint is part of the metadata's size).
const messageCursor = 1 << 33

type bytesRow struct {
	N, Welcome                    int
	Direct, DirectMessages        int
	Pointers, PointerMsgs, Others int
	Pointee, Floor                int
	CheckedAgainstSealInvite      bool
}

type bytesModel struct {
	Model welcomeModel
	Rows  []bytesRow
}

// pointerParts is what one pointer message is made of.
type pointerParts struct {
	Message        int // the encoded WelcomeMessageInput.WelcomePointer
	Plaintext      int // the WelcomePointer protobuf inside
	PublicKey      int
	Encapsulation  int
	Tag            int
	InstallationID int
}

func (p pointerParts) Framing() int {
	return p.Message - p.Plaintext - p.PublicKey - p.Encapsulation - p.Tag - p.InstallationID
}

// parties are recipient installations with their keys (package
// fixtures): the same installations pointer-capable (0xff03 X-Wing key
// and 0xff04) and not (no 0xff04: still X-Wing wrapped, as the released
// client does).
type parties struct {
	keys    []*core.PrivateKey
	capable []core.Installation
	direct  []core.Installation
}

func makeParties(n int) (*parties, error) {
	ps, err := fixtures.Parties(fmt.Sprint("bench parties ", n), fixtures.Repeat(fixtures.Capable, n)...)
	if err != nil {
		return nil, err
	}
	p := &parties{keys: fixtures.Keys(ps), capable: fixtures.Installations(ps)}
	for _, in := range p.capable {
		in.PointeeAEADTypes = nil
		p.direct = append(p.direct, in)
	}
	return p, nil
}

func (c *config) bytesSizes() []int {
	if c.quick {
		return []int{1, 3, 10}
	}
	return []int{1, 3, 10, 100, 1000, 2500}
}

func measureBytes(c *config, rep *report) error {
	sizes := c.bytesSizes()
	ps, err := makeParties(sizes[len(sizes)-1])
	if err != nil {
		return err
	}
	// The smallest possible pointer message, encoded by the core: a
	// pointer's size does not depend on the Welcome, so one invite of
	// three gives it; every pointer below is checked against it.
	small, err := core.SealInvite([]byte{0, 1, 0, 3}, messageCursor, ps.capable[:3], nil)
	if err != nil {
		return err
	}
	minPointer := 0
	for _, m := range small.Messages {
		if m.Kind == core.KindPointer && (minPointer == 0 || len(m.Message) < minPointer) {
			minPointer = len(m.Message)
		}
	}
	rec, err := core.OpenWelcome(small.Messages[1].Message, ps.keys[:1], &core.OpenOptions{Form: core.FormInput})
	if err != nil {
		return fmt.Errorf("opening a pointer: %w", err)
	}
	rep.pointer = pointerParts{
		Message: minPointer, Plaintext: len(rec.Pointer.Marshal()),
		PublicKey: core.XWingPublicKeySize, Encapsulation: 1120, Tag: 16, InstallationID: 32,
	}

	for _, model := range welcomeModels {
		bm := bytesModel{Model: model}
		for _, n := range sizes {
			row, err := bytesFor(ps, n, model.Size(n), minPointer)
			if err != nil {
				return fmt.Errorf("%s Welcome, N=%d: %w", model.Name, n, err)
			}
			bm.Rows = append(bm.Rows, row)
			logf("  bytes: %-7s N=%-5d welcome %9d  direct %12d  pointers %10d  floor %10d", model.Name, n, row.Welcome, row.Direct, row.Pointers, row.Floor)
		}
		rep.bytes = append(rep.bytes, bm)
	}
	return nil
}

func bytesFor(ps *parties, n, welcomeSize, minPointer int) (bytesRow, error) {
	welcome := fixtures.Welcome(welcomeSize)
	row := bytesRow{N: n, Welcome: welcomeSize}

	// With pointers (below three installations the core sends direct
	// welcomes: the threshold rule).
	inv, err := core.SealInvite(welcome, messageCursor, ps.capable[:n], nil)
	if err != nil {
		return row, err
	}
	row.Pointers = inv.Size()
	row.PointerMsgs, row.Others = inv.Counts()
	for _, m := range inv.Messages {
		if m.Kind == core.KindPointer && len(m.Message) < minPointer {
			return row, fmt.Errorf("a pointer of %d bytes is smaller than the %d-byte minimum", len(m.Message), minPointer)
		}
	}
	// The floor: one pointee for this Welcome plus n smallest pointers.
	pointee := inv
	if n < core.MinPointerInstallations {
		if pointee, err = core.SealInvite(welcome, messageCursor, ps.capable[:core.MinPointerInstallations], nil); err != nil {
			return row, err
		}
	}
	if pointee.Messages[0].Kind != core.KindPointee {
		return row, fmt.Errorf("the first message is a %v, not the pointee", pointee.Messages[0].Kind)
	}
	row.Pointee = len(pointee.Messages[0].Message)
	row.Floor = row.Pointee + n*minPointer
	inv, pointee = nil, nil

	// Direct welcomes for the same installations, sealed one at a time
	// and counted (2,500 copies of a large Welcome do not fit in memory).
	total, count, err := sealDirectAll(welcome, ps.direct[:n])
	if err != nil {
		return row, err
	}
	row.Direct, row.DirectMessages = total, count
	// For small invites, the same through SealInvite (nobody
	// pointer-capable: all direct).
	if n*welcomeSize <= 64<<20 {
		inv, err := core.SealInvite(welcome, messageCursor, ps.direct[:n], nil)
		if err != nil {
			return row, err
		}
		p, d := inv.Counts()
		if p != 0 || d != n || inv.Size() != total {
			return row, fmt.Errorf("SealInvite without capable installations: %d pointers, %d direct, %d bytes; SealDirect one by one: %d bytes", p, d, inv.Size(), total)
		}
		row.CheckedAgainstSealInvite = true
	}
	return row, nil
}

// sealDirectAll seals one direct welcome per installation on every CPU
// and returns the total size and count.
func sealDirectAll(welcome []byte, ins []core.Installation) (total, count int, err error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next int
	)
	workers := 2
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(ins) || err != nil {
					mu.Unlock()
					return
				}
				in := ins[next]
				next++
				mu.Unlock()
				msg, e := core.SealDirect(welcome, messageCursor, in, nil)
				mu.Lock()
				if e != nil && err == nil {
					err = e
				}
				total += len(msg)
				count++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, count, err
}
