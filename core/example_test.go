package core_test

import (
	"crypto/sha256"
	"fmt"
	"log"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/core/xmtpnode"
)

// keyPackage is what a sender reads from a recipient's key package.
type keyPackage struct {
	installationKey   []byte
	initKey           []byte // the HPKE init key (X25519)
	wrapperEncryption []byte // extension 0xff03, or nil
	pointeeAEADTypes  []byte // extension 0xff04, or nil
}

// newInstallation makes a recipient: its private key and the key package
// it publishes. Current clients publish an X-Wing key in 0xff03 and
// 0a 01 03 in 0xff04; older ones have neither.
func newInstallation(name string, current bool) (*core.PrivateKey, keyPackage) {
	id := sha256.Sum256([]byte(name))
	initKey, err := core.GenerateKey(core.AlgorithmCurve25519)
	if err != nil {
		log.Fatal(err)
	}
	kp := keyPackage{installationKey: id[:], initKey: initKey.PublicKey()}
	if !current {
		return initKey, kp
	}
	key, err := core.GenerateKey(core.AlgorithmXWing)
	if err != nil {
		log.Fatal(err)
	}
	if kp.wrapperEncryption, err = core.EncodeWrapperEncryption(key.PublicKey(), core.AlgorithmXWing); err != nil {
		log.Fatal(err)
	}
	kp.pointeeAEADTypes = core.EncodePointeeAEADTypes([]core.AEADType{core.AEADChaCha20Poly1305})
	return key, kp
}

// readKeyPackages is the sender reading its recipients' key packages.
func readKeyPackages(kps ...keyPackage) []core.Installation {
	var ins []core.Installation
	for _, kp := range kps {
		in, err := core.InstallationFromExtensions(kp.installationKey, kp.initKey, kp.wrapperEncryption, kp.pointeeAEADTypes)
		if err != nil {
			log.Fatal(err)
		}
		ins = append(ins, in)
	}
	return ins
}

// exampleNetwork stands in for the XMTP nodes: it applies their rules
// and keeps the messages of each topic in order.
type exampleNetwork map[string][][]byte

func (n exampleNetwork) publish(inv *core.Invite) {
	for i, m := range inv.Messages {
		topic, _, err := xmtpnode.InputTopic(m.Message)
		if err != nil {
			log.Fatal(err)
		}
		msg, err := xmtpnode.ToWelcomeMessage(m.Message, uint64(i+1), uint64(time.Now().UnixNano()))
		if err != nil {
			log.Fatal(err)
		}
		n[string(topic)] = append(n[string(topic)], msg)
	}
}

// A sender adds four installations to a group: three current ones get
// pointers to one shared copy of the Welcome, the older one a direct
// welcome.
func ExampleSealInvite() {
	var installations []core.Installation
	for _, r := range []struct {
		name    string
		current bool
	}{{"alice phone", true}, {"alice laptop", true}, {"bob phone", true}, {"carol old tablet", false}} {
		_, kp := newInstallation(r.name, r.current)
		in, err := core.InstallationFromExtensions(kp.installationKey, kp.initKey, kp.wrapperEncryption, kp.pointeeAEADTypes)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-16s %-23v pointer-capable: %v\n", r.name, in.WrapperAlgorithm, in.PointerCapable())
		installations = append(installations, in)
	}

	welcome := make([]byte, 100_000) // the MLS Welcome, with the group's ratchet tree
	const cursor = 1234              // the group message the new members start reading after

	invite, err := core.SealInvite(welcome, cursor, installations, nil)
	if err != nil {
		log.Fatal(err)
	}
	pointers, direct := invite.Counts()
	fmt.Printf("%d pointers, %d direct welcome; publish in this order:\n", pointers, direct)
	for _, m := range invite.Messages {
		fmt.Printf("  %-7v %6d bytes\n", m.Kind, len(m.Message))
	}
	fmt.Printf("total %d bytes\n", invite.Size())

	// Without pointers, every installation would get the whole Welcome.
	without := 0
	for _, in := range installations {
		msg, err := core.SealDirect(welcome, cursor, in, nil)
		if err != nil {
			log.Fatal(err)
		}
		without += len(msg)
	}
	fmt.Printf("without pointers: %d bytes\n", without)

	// Output:
	// alice phone      XWING_MLKEM_768_DRAFT_6 pointer-capable: true
	// alice laptop     XWING_MLKEM_768_DRAFT_6 pointer-capable: true
	// bob phone        XWING_MLKEM_768_DRAFT_6 pointer-capable: true
	// carol old tablet CURVE25519              pointer-capable: false
	// 3 pointers, 1 direct welcome; publish in this order:
	//   pointee 100081 bytes
	//   pointer   2501 bytes
	//   pointer   2501 bytes
	//   pointer   2501 bytes
	//   direct  100152 bytes
	// total 207736 bytes
	// without pointers: 407430 bytes
}

// A recipient opens what arrives on its installation's topic. A pointer
// says where the Welcome is: the first message on the pointer's topic.
func ExampleOpenWelcome() {
	// The sender's side, as in the SealInvite example.
	key, kp := newInstallation("dave phone", true)
	_, kp2 := newInstallation("erin phone", true)
	_, kp3 := newInstallation("frank laptop", true)
	installations := readKeyPackages(kp, kp2, kp3)
	invite, err := core.SealInvite([]byte("the MLS Welcome of group 42"), 1234, installations, nil)
	if err != nil {
		log.Fatal(err)
	}
	network := exampleNetwork{}
	network.publish(invite)

	// The recipient's side.
	msg := network[string(kp.installationKey)][0]
	received, err := core.OpenWelcome(msg, []*core.PrivateKey{key}, nil)
	if err != nil {
		log.Fatal(err) // final: drop the welcome
	}
	switch received.Kind {
	case core.KindDirect:
		fmt.Printf("direct welcome: %s, cursor %d\n", received.Welcome, received.Cursor)
	case core.KindPointer:
		fmt.Println("a pointer to a", len(received.Pointer.Topic()), "byte topic")
		onTopic := network[string(received.Pointer.Topic())]
		if len(onTopic) == 0 {
			fmt.Println("not there yet: retry on the RetryPolicy schedule")
			return
		}
		// Only the first message counts: anyone can publish on the topic.
		pointee, err := core.OpenPointee(received.Pointer, onTopic[0], nil)
		if err != nil {
			log.Fatal(err) // final: drop the welcome
		}
		fmt.Printf("welcome: %s, cursor %d\n", pointee.Welcome, pointee.Cursor)
	}

	// Output:
	// a pointer to a 32 byte topic
	// welcome: the MLS Welcome of group 42, cursor 1234
}

// A pointer that arrives before its pointee is stored and retried on the
// deployed client's schedule. The clock is the caller's: here, fixed times.
func ExampleOpenPointee() {
	key, kp := newInstallation("grace phone", true)
	_, kp2 := newInstallation("heidi phone", true)
	_, kp3 := newInstallation("ivan phone", true)
	installations := readKeyPackages(kp, kp2, kp3)
	invite, err := core.SealInvite([]byte("the MLS Welcome of group 7"), 99, installations, nil)
	if err != nil {
		log.Fatal(err)
	}
	// Only the pointers are delivered so far; the pointee is late.
	pointerMsg, err := xmtpnode.ToWelcomeMessage(invite.Messages[1].Message, 2, 0)
	if err != nil {
		log.Fatal(err)
	}
	received, err := core.OpenWelcome(pointerMsg, []*core.PrivateKey{key}, nil)
	if err != nil {
		log.Fatal(err)
	}

	// The quick retries found nothing: store the pointer under its ID.
	policy := core.DefaultRetryPolicy()
	welcomeTime := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) // the pointer's created_ns
	now := welcomeTime.Add(3 * time.Second)
	pending, err := policy.NewPending(welcomeTime, now)
	if err != nil {
		log.Fatal(err)
	}
	stored, id := received.Pointer.Marshal(), received.Pointer.ID()
	fmt.Printf("stored %d bytes under a %d-byte id; next attempt in %v, expires in %v\n",
		len(stored), len(id), pending.NextAttempt.Sub(now), pending.ExpiresAt.Sub(now))

	// Five minutes later the attempt is due and the pointee has arrived.
	now = pending.NextAttempt
	if !policy.IsDue(pending, now) || policy.Check(pending, now) != nil {
		log.Fatal("not due")
	}
	ptr, err := core.ParsePointer(stored)
	if err != nil {
		log.Fatal(err)
	}
	firstOnTopic, err := xmtpnode.ToWelcomeMessage(invite.Messages[0].Message, 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	pointee, err := core.OpenPointee(ptr, firstOnTopic, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("welcome: %s, cursor %d\n", pointee.Welcome, pointee.Cursor)

	// Output:
	// stored 100 bytes under a 32-byte id; next attempt in 5m0s, expires in 71h59m57s
	// welcome: the MLS Welcome of group 7, cursor 99
}

// The deferred attempts of a pending pointer back off from 5 minutes to
// at most 2 hours, for at most 3 days or 100 attempts.
func ExampleRetryPolicy_Delay() {
	policy := core.DefaultRetryPolicy()
	for attempts := 0; attempts <= 8; attempts++ {
		fmt.Printf("after %d failed attempts: wait %v\n", attempts, policy.Delay(attempts))
	}
	// Output:
	// after 0 failed attempts: wait 5m0s
	// after 1 failed attempts: wait 7m30s
	// after 2 failed attempts: wait 11m15s
	// after 3 failed attempts: wait 16m52.5s
	// after 4 failed attempts: wait 25m18.75s
	// after 5 failed attempts: wait 37m58.125s
	// after 6 failed attempts: wait 56m57.1875s
	// after 7 failed attempts: wait 1h25m25.78125s
	// after 8 failed attempts: wait 2h0m0s
}
