package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/welcome-pointers/wasm/core"
	"github.com/welcome-pointers/wasm/wasip1/host"
)

// A sender seals a Welcome for three installations, a node stores what it
// publishes, and one installation opens its pointer and then the pointee.
// (reactorWasm holds the module: os.ReadFile(host.DefaultArtifact) after
// ./build.sh wasip1, or host.NewFromFile.)
func Example() {
	ctx := context.Background()
	m, err := host.New(ctx, reactorWasm)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close(ctx)

	// Three installations that take pointers, as their key packages say.
	var keys []host.Key
	var installations []core.Installation
	for i := range 3 {
		k, err := m.GenerateKey(ctx, core.AlgorithmXWing)
		if err != nil {
			log.Fatal(err)
		}
		ff03, _ := m.EncodeWrapperEncryption(ctx, k.PublicKey, core.AlgorithmXWing)
		ff04, _ := m.EncodePointeeAEADTypes(ctx, []core.AEADType{core.AEADChaCha20Poly1305})
		in, err := m.InstallationFromExtensions(ctx, []byte{byte(i)}, nil, ff03, ff04)
		if err != nil {
			log.Fatal(err)
		}
		keys, installations = append(keys, k), append(installations, in)
	}

	welcome := []byte{0, 1, 0, 3, 'w', 'e', 'l', 'c', 'o', 'm', 'e'}
	invite, err := m.SealInvite(ctx, welcome, 42, installations, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, msg := range invite.Messages {
		fmt.Println(msg.Kind)
	}

	// What a node returns for the pointee and for the first pointer.
	first, _ := m.ToWelcomeMessage(ctx, invite.Messages[0].Message, 1, uint64(time.Now().UnixNano()))
	pointer, _ := m.ToWelcomeMessage(ctx, invite.Messages[1].Message, 2, uint64(time.Now().UnixNano()))

	rec, err := m.OpenWelcome(ctx, pointer, keys[:1], nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opened a", rec.Kind, "to", rec.Pointer.Topic()[0] == invite.Destination[0])
	got, err := m.OpenPointee(ctx, rec.Pointer, first, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Equal(got.Welcome, welcome), got.Cursor)
	// Output:
	// pointee
	// pointer
	// pointer
	// pointer
	// opened a pointer to true
	// true 42
}

// With the native KEM, the module seals the same invite while the host
// makes the pointers' X-Wing encapsulations natively; the native core
// opens it as any other.
func ExampleWithNativeKEM() {
	ctx := context.Background()
	m, err := host.New(ctx, reactorWasm, host.WithNativeKEM())
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close(ctx)

	var keys []*core.PrivateKey
	var installations []core.Installation
	for i := range 3 {
		k, err := core.GenerateKey(core.AlgorithmXWing)
		if err != nil {
			log.Fatal(err)
		}
		keys = append(keys, k)
		installations = append(installations, core.Installation{
			InstallationKey:  []byte{byte(i)},
			WrapperPublicKey: k.PublicKey(), WrapperAlgorithm: core.AlgorithmXWing,
			PointeeAEADTypes: []core.AEADType{core.AEADChaCha20Poly1305},
		})
	}
	welcome := []byte{0, 1, 0, 3, 'w', 'e', 'l', 'c', 'o', 'm', 'e'}
	invite, err := m.SealInvite(ctx, welcome, 42, installations, nil)
	if err != nil {
		log.Fatal(err)
	}
	pointers, directs := invite.Counts()
	fmt.Println(pointers, "pointers,", directs, "direct welcomes")

	rec, err := core.OpenWelcome(invite.Messages[3].Message, keys[2:], &core.OpenOptions{Form: core.FormInput})
	if err != nil {
		log.Fatal(err)
	}
	got, err := core.OpenPointee(rec.Pointer, invite.Messages[0].Message, &core.OpenOptions{Form: core.FormInput})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Equal(got.Welcome, welcome), got.Cursor)
	// Output:
	// 3 pointers, 0 direct welcomes
	// true 42
}

// A program that loads the module at every start keeps the compiled code
// in a directory: the first start compiles, the next ones read it.
func ExampleWithCacheDir() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "welcome-pointers-cache-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for range 2 {
		m, err := host.New(ctx, reactorWasm, host.WithCacheDir(dir))
		if err != nil {
			log.Fatal(err)
		}
		v, _ := m.ABIVersion(ctx)
		fmt.Println("ABI version", v)
		m.Close(ctx)
	}
	entries, _ := os.ReadDir(dir)
	fmt.Println("cached:", len(entries) > 0)
	// Output:
	// ABI version 1
	// ABI version 1
	// cached: true
}

// The module decides the schedule of a pending pointer, as
// core.RetryPolicy does natively.
func ExampleSchedule() {
	ctx := context.Background()
	m, err := host.New(ctx, reactorWasm)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close(ctx)
	policy, _ := m.DefaultRetryPolicy(ctx)
	s := m.Schedule(policy)

	welcomeTime := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	now := welcomeTime.Add(time.Minute)
	wait, more, _ := s.QuickNext(ctx, 1, 0, 0)
	fmt.Println("after the first quick try:", wait, more)
	state, _ := s.NewPending(ctx, welcomeTime, now)
	fmt.Println("first deferred attempt:", state.NextAttempt.Sub(now))
	state, _ = s.Failed(ctx, state, state.NextAttempt)
	fmt.Println("then, after", state.Attempts, "failure:", state.NextAttempt.Sub(now))
	_, err = s.NewPending(ctx, welcomeTime, welcomeTime.Add(policy.Expiry))
	fmt.Println(errors.Is(err, core.ErrExpired))
	// Output:
	// after the first quick try: 50ms true
	// first deferred attempt: 5m0s
	// then, after 1 failure: 12m30s
	// true
}
