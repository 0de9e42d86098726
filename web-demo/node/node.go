// Package node is an XMTP node for welcome messages: it serves the
// network's own API, xmtp.mls.api.v1.MlsApi (SendWelcomeMessages,
// QueryWelcomeMessages) and the decentralized network's publish and query
// RPCs for welcome topics, over gRPC, gRPC-Web and Connect on one port
// (connectrpc.com/connect), with CORS for browsers.
//
// It keeps messages in memory, applies the node's acceptance rules and
// deduplication (xmtpnode.InputTopic, xmtpnode.ToWelcomeMessage), bounds request
// size, stored bytes and message count, and can hold pointees back or
// drop them to show what receivers do when a pointer arrives first. What
// it mirrors of the deployed nodes, and where it differs:
// docs/xmtp-api.md.
package node

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
)

// Config bounds the node and sets the pointee behavior. Zero values take
// the defaults below.
type Config struct {
	// MaxRequest caps one request message, in bytes: larger requests get
	// RESOURCE_EXHAUSTED. Default: the network's 25 MiB.
	MaxRequest int64
	// MaxStored caps the bytes of all messages held. Default 512 MiB.
	MaxStored int64
	// MaxMessages caps the number of messages held. Default 200,000.
	MaxMessages int
	// PointeeDelay holds each pointee back this long after its
	// publication; it reaches its topic then, with the id and time of
	// that moment, like a late message.
	PointeeDelay time.Duration
	// DropPointees accepts pointees and never delivers them.
	DropPointees bool
	// NodeID is the originator id of the decentralized envelopes. Default 100.
	NodeID uint32
}

// Defaults of Config.
const (
	DefaultMaxRequest  = core.DefaultMaxMessageSize
	DefaultMaxStored   = 512 << 20
	DefaultMaxMessages = 200000
	DefaultNodeID      = 100
	// MaxPointeeDelay bounds PointeeDelay.
	MaxPointeeDelay = 24 * time.Hour
)

// Query bounds of the deployed nodes.
const (
	// maxPageSize is the v3 node's largest QueryWelcomeMessages page;
	// a limit of 0 or above it means maxPageSize.
	maxPageSize = 100
	// maxEnvelopeRows is xmtpd's largest QueryEnvelopes answer.
	maxEnvelopeRows = 1000
	// maxTopicLength is xmtpd's longest topic.
	maxTopicLength = 128
	// maxPageBytes keeps an answer under the clients' 25 MiB decoding
	// limit: a page ends early rather than exceed it (at least one
	// message is always sent).
	maxPageBytes = core.DefaultMaxMessageSize
)

// network tells the two APIs' message spaces apart: the v3 node and the
// decentralized network are separate networks with their own ids.
type network int

const (
	v3 network = iota
	decentralized
	networks
)

// entry is one message readable on a topic.
type entry struct {
	id      uint64
	payload []byte // what a query returns: a WelcomeMessage or an OriginatorEnvelope
}

// item is one message of a publish request that passed the rules.
type item struct {
	topic   string
	input   []byte // the encoded WelcomeMessageInput
	client  []byte // decentralized: the encoded ClientEnvelope
	pointee bool
	dedup   [32]byte
}

// held is a pointee waiting for its delay.
type held struct {
	seq       uint64
	net       network
	item      item
	visibleAt time.Time
}

type space struct {
	topics  map[string][]entry
	seen    map[[32]byte]struct{}
	dropped map[string]struct{} // topics of dropped pointees, for Pointee
	nextID  uint64
}

// Node is an in-memory welcome node. It is safe for concurrent use.
type Node struct {
	now func() time.Time

	mu      sync.Mutex
	cfg     Config
	spaces  [networks]space
	held    []held
	heldSeq uint64
	bytes   int64
	count   int
	dropped int
}

// New returns an empty node.
func New(cfg Config) (*Node, error) {
	if cfg.MaxRequest == 0 {
		cfg.MaxRequest = DefaultMaxRequest
	}
	if cfg.MaxStored == 0 {
		cfg.MaxStored = DefaultMaxStored
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = DefaultMaxMessages
	}
	if cfg.NodeID == 0 {
		cfg.NodeID = DefaultNodeID
	}
	switch {
	case cfg.MaxRequest < 0 || cfg.MaxRequest > 1<<31-1:
		return nil, fmt.Errorf("node: MaxRequest %d out of range", cfg.MaxRequest)
	case cfg.MaxStored < 0 || cfg.MaxMessages < 0:
		return nil, fmt.Errorf("node: negative bound")
	case cfg.PointeeDelay < 0 || cfg.PointeeDelay > MaxPointeeDelay:
		return nil, fmt.Errorf("node: pointee delay must be between 0 and %v", MaxPointeeDelay)
	}
	n := &Node{now: time.Now, cfg: cfg}
	n.resetLocked()
	return n, nil
}

func (n *Node) resetLocked() {
	for i := range n.spaces {
		n.spaces[i] = space{topics: make(map[string][]entry), seen: make(map[[32]byte]struct{}), dropped: make(map[string]struct{}), nextID: 1}
	}
	n.held = nil
	n.bytes, n.count, n.dropped = 0, 0, 0
}

// Reset forgets every message; the configuration stays.
func (n *Node) Reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resetLocked()
}

// Config returns the current configuration.
func (n *Node) Config() Config {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cfg
}

// SetPointeeBehavior changes the pointee delay and dropping (either may
// be nil) for pointees published from now on.
func (n *Node) SetPointeeBehavior(delay *time.Duration, drop *bool) error {
	if delay != nil && (*delay < 0 || *delay > MaxPointeeDelay) {
		return fmt.Errorf("node: pointee delay must be between 0 and %v", MaxPointeeDelay)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if delay != nil {
		n.cfg.PointeeDelay = *delay
	}
	if drop != nil {
		n.cfg.DropPointees = *drop
	}
	return nil
}

// ReleaseHeld makes every held pointee visible now and returns how many.
func (n *Node) ReleaseHeld() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	c := len(n.held)
	for i := range n.held {
		n.held[i].visibleAt = now
	}
	n.releaseLocked(now)
	return c
}

// Stats counts what the node holds.
type Stats struct {
	Messages int   `json:"messages"` // stored and held
	Bytes    int64 `json:"bytes"`
	Held     int   `json:"held"`
	Dropped  int   `json:"dropped"`
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(n.now())
	return Stats{Messages: n.count, Bytes: n.bytes, Held: len(n.held), Dropped: n.dropped}
}

// HeldUntil returns when each held pointee becomes visible, soonest first.
func (n *Node) HeldUntil() []time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(n.now())
	out := make([]time.Time, len(n.held))
	for i, h := range n.held {
		out[i] = h.visibleAt
	}
	return out
}

// What Pointee says of a topic of the v3 network.
const (
	PointeeVisible = "visible" // the topic has a message
	PointeeHeld    = "held"    // a pointee waits for its delay
	PointeeDropped = "dropped" // a pointee was accepted and dropped
	PointeeUnknown = "unknown" // nothing was published there, or the node was reset since
)

// PointeeState is what became of the pointee published to a topic.
type PointeeState struct {
	State     string
	VisibleAt time.Time // when a held pointee becomes visible
}

// Pointee says what became of the pointee published to a v3 topic: the
// demo labels pointers whose pointee will not arrive.
func (n *Node) Pointee(topic []byte) PointeeState {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(n.now())
	sp := &n.spaces[v3]
	if len(sp.topics[string(topic)]) > 0 {
		return PointeeState{State: PointeeVisible}
	}
	for _, h := range n.held {
		if h.net == v3 && h.item.topic == string(topic) {
			return PointeeState{State: PointeeHeld, VisibleAt: h.visibleAt}
		}
	}
	if _, ok := sp.dropped[string(topic)]; ok {
		return PointeeState{State: PointeeDropped}
	}
	return PointeeState{State: PointeeUnknown}
}

// errFull reports a publish over MaxStored or MaxMessages.
type errFull struct{ msg string }

func (e errFull) Error() string { return e.msg }

// checkInput applies the node's acceptance rules to one
// WelcomeMessageInput and returns its topic and dedup key.
func checkInput(input []byte) (item, error) {
	topic, dedup, err := xmtpnode.InputTopic(input)
	if err != nil {
		return item{}, err
	}
	return item{topic: string(topic), input: input, dedup: dedup}, nil
}

// publish stores a batch, all or nothing: duplicates (of stored messages
// or within the batch) are accepted and not stored, as the nodes do; a
// batch that would exceed the bounds changes nothing. It returns the
// stored entries, one per item, nil for duplicates, held and dropped
// pointees.
func (n *Node) publish(net network, items []item) ([]*entry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	n.releaseLocked(now)
	sp := &n.spaces[net]

	fresh := make([]bool, len(items))
	batch := make(map[[32]byte]struct{}, len(items))
	var newBytes int64
	newCount := 0
	for i, it := range items {
		if _, ok := sp.seen[it.dedup]; ok {
			continue
		}
		if _, ok := batch[it.dedup]; ok {
			continue
		}
		batch[it.dedup] = struct{}{}
		fresh[i] = true
		if it.pointee && n.cfg.DropPointees {
			continue
		}
		newBytes += int64(len(it.input))
		newCount++
	}
	if n.bytes+newBytes > n.cfg.MaxStored {
		return nil, errFull{fmt.Sprintf("storing %d more bytes would exceed the node's cap of %d (it holds %d)", newBytes, n.cfg.MaxStored, n.bytes)}
	}
	if n.count+newCount > n.cfg.MaxMessages {
		return nil, errFull{fmt.Sprintf("storing %d more messages would exceed the node's cap of %d (it holds %d)", newCount, n.cfg.MaxMessages, n.count)}
	}

	out := make([]*entry, len(items))
	for i, it := range items {
		if !fresh[i] {
			continue
		}
		sp.seen[it.dedup] = struct{}{}
		switch {
		case it.pointee && n.cfg.DropPointees:
			n.dropped++
			if len(sp.dropped) < n.cfg.MaxMessages {
				sp.dropped[it.topic] = struct{}{}
			}
			continue
		case it.pointee && n.cfg.PointeeDelay > 0:
			n.heldSeq++
			n.held = append(n.held, held{seq: n.heldSeq, net: net, item: it, visibleAt: now.Add(n.cfg.PointeeDelay)})
			n.bytes += int64(len(it.input))
			n.count++
			continue
		}
		e, err := n.storeLocked(net, it, now)
		if err != nil {
			// The rules accepted it, so rendering cannot fail; report
			// rather than panic all the same.
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// storeLocked gives a message its id and creation time and makes it
// readable on its topic.
func (n *Node) storeLocked(net network, it item, at time.Time) (*entry, error) {
	sp := &n.spaces[net]
	payload, err := n.render(net, it, sp.nextID, at)
	if err != nil {
		return nil, err
	}
	e := entry{id: sp.nextID, payload: payload}
	sp.nextID++
	sp.topics[it.topic] = append(sp.topics[it.topic], e)
	n.bytes += int64(len(it.input))
	n.count++
	return &e, nil
}

// render builds what a query returns for a stored message.
func (n *Node) render(net network, it item, id uint64, at time.Time) ([]byte, error) {
	if net == v3 {
		return xmtpnode.ToWelcomeMessage(it.input, id, uint64(at.UnixNano()))
	}
	return originatorEnvelope(n.cfg.NodeID, id, at, it.client)
}

// releaseLocked delivers the held pointees whose time has come, in the
// order they become visible.
func (n *Node) releaseLocked(now time.Time) {
	if len(n.held) == 0 {
		return
	}
	sort.SliceStable(n.held, func(i, j int) bool {
		if !n.held[i].visibleAt.Equal(n.held[j].visibleAt) {
			return n.held[i].visibleAt.Before(n.held[j].visibleAt)
		}
		return n.held[i].seq < n.held[j].seq
	})
	done := 0
	for _, h := range n.held {
		if h.visibleAt.After(now) {
			break
		}
		// Counted once already: storeLocked counts it again.
		n.bytes -= int64(len(h.item.input))
		n.count--
		if _, err := n.storeLocked(h.net, h.item, h.visibleAt); err != nil {
			// Cannot happen (checked at publication).
			n.bytes += int64(len(h.item.input))
			n.count++
		}
		done++
	}
	n.held = append(n.held[:0], n.held[done:]...)
}

// page is one answer of a query: messages in the order asked, and
// whether more may follow (the page is full, or was cut short to stay
// under maxPageBytes): then the last id is the cursor to continue from.
type page struct {
	entries []entry
	more    bool
}

// query reads a v3 topic: ascending from after cursor, or descending
// from before it (cursor 0: from the start or the end).
func (n *Node) query(topic []byte, ascending bool, cursor uint64, limit int) page {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(n.now())
	msgs := n.spaces[v3].topics[string(topic)]
	var p page
	size := 0
	take := func(e entry) bool {
		if len(p.entries) == limit || (len(p.entries) > 0 && size+len(e.payload) > maxPageBytes) {
			p.more = true
			return false
		}
		size += len(e.payload)
		p.entries = append(p.entries, e)
		return true
	}
	if ascending {
		i := sort.Search(len(msgs), func(i int) bool { return msgs[i].id > cursor })
		for ; i < len(msgs) && take(msgs[i]); i++ {
		}
	} else {
		i := len(msgs) - 1
		if cursor > 0 {
			i = sort.Search(len(msgs), func(i int) bool { return msgs[i].id >= cursor }) - 1
		}
		for ; i >= 0 && take(msgs[i]); i-- {
		}
	}
	// The v3 node sets the cursor whenever the page is full, even when
	// nothing follows.
	p.more = p.more || len(p.entries) == limit
	return p
}

// queryEnvelopes reads decentralized topics: the envelopes after the
// cursor, in sequence order (one originator here), at most limit.
func (n *Node) queryEnvelopes(topics [][]byte, after uint64, limit int) [][]byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.releaseLocked(n.now())
	var all []entry
	seen := make(map[string]bool, len(topics))
	for _, t := range topics {
		if seen[string(t)] {
			continue
		}
		seen[string(t)] = true
		msgs := n.spaces[decentralized].topics[string(t)]
		i := sort.Search(len(msgs), func(i int) bool { return msgs[i].id > after })
		all = append(all, msgs[i:]...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	var out [][]byte
	size := 0
	for _, e := range all {
		if len(out) == limit || (len(out) > 0 && size+len(e.payload) > maxPageBytes) {
			break
		}
		size += len(e.payload)
		out = append(out, e.payload)
	}
	return out
}
