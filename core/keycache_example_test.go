package core_test

import (
	"fmt"
	"log"

	"github.com/welcome-pointers/wasm/core"
)

// A bridge that gets a key's bytes with every call keeps the expanded
// keys in a KeyCache, and clears it at logout.
func ExampleKeyCache() {
	k, err := core.GenerateKey(core.AlgorithmXWing)
	if err != nil {
		log.Fatal(err)
	}
	var cache core.KeyCache
	first, err := cache.Load(core.AlgorithmXWing, k.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	again, err := cache.Load(core.AlgorithmXWing, k.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expanded once:", first == again, cache.Len())
	fmt.Printf("printed: %v %x\n", first, first)

	cache.Clear() // the keys it held are zeroed: first must not be used any more
	reloaded, err := cache.Load(core.AlgorithmXWing, k.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Clear:", reloaded != first, cache.Len())
	// Output:
	// expanded once: true 1
	// printed: PrivateKey(XWING_MLKEM_768_DRAFT_6) PrivateKey(XWING_MLKEM_768_DRAFT_6)
	// after Clear: true 1
}
