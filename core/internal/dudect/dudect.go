// Package dudect is a timing-leak check in the manner of dudect (Reparaz,
// Balasch, Verbauwhede, "Dude, is my code constant time?", 2017): a
// function runs on inputs of two classes of a secret, a fixed one and
// random ones, in random order; each measurement times a batch of calls
// (to beat a coarse clock, as a browser's is); Welch's t-test then asks
// whether the two classes' timings have different means. |t| above
// Threshold is a leak; a constant-time function stays well below it.
//
// The targets (targets.go) are the secret-dependent code of welcome
// pointers: the X25519 ladder, X-Wing decapsulation and pointee opening.
// cmd/timing runs them; make timing-check runs that as WebAssembly in
// Node and in headless Chromium, and natively.
package dudect

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Threshold is the |t| above which a difference is a leak (dudect's and
// TVLA's 4.5: a false alarm once in about 150,000 tests of a
// constant-time function).
const Threshold = 4.5

// Target is a function under test with its inputs prepared.
type Target interface {
	// Name names the function.
	Name() string
	// Batch is the number of calls per measurement.
	Batch() int
	// Prepare makes n inputs of each class: n copies of one fixed input
	// for class 0 and n random ones for class 1, in as many separate
	// objects allocated in turn, so that both classes touch as much
	// memory laid out alike (otherwise the caches and the TLB favour one).
	Prepare(n int) error
	// Run calls the function once on input i of the class.
	Run(class, i int)
}

// Result is one target's outcome.
type Result struct {
	Name   string     `json:"name"`
	Batch  int        `json:"batch"`
	N      [2]int     `json:"n"`           // measurements per class
	Mean   [2]float64 `json:"ns_per_call"` // mean time per call, per class
	T      float64    `json:"t"`           // Welch's t over all measurements
	TCrop  float64    `json:"t_cropped"`   // the largest |t| over the measurements below a percentile
	Leak   bool       `json:"leak"`        // |t| or |t_cropped| above Threshold
	Clock  float64    `json:"clock_ns"`    // the clock's resolution, measured
	Millis int64      `json:"ms"`          // time spent measuring
}

// poolSize is the number of random inputs of class 1.
const poolSize = 64

// Measure runs t for about d and returns the statistics.
func Measure(t Target, d time.Duration, seed uint64) (Result, error) {
	res := Result{Name: t.Name(), Batch: t.Batch(), Clock: clockResolution()}
	if err := t.Prepare(poolSize); err != nil {
		return res, err
	}
	r := rand.New(rand.NewPCG(seed, 0x64756465637421))
	batch := t.Batch()
	measure := func(class, i int) float64 {
		start := time.Now()
		for range batch {
			t.Run(class, i)
		}
		return float64(time.Since(start).Nanoseconds()) / float64(batch)
	}
	// Warm up both classes (caches, the JIT tiers of a wasm engine).
	for i := range 20 {
		measure(i%2, i%poolSize)
	}
	var xs [2][]float64
	start := time.Now()
	for time.Since(start) < d {
		for range 32 {
			class := r.IntN(2)
			xs[class] = append(xs[class], measure(class, r.IntN(poolSize)))
		}
	}
	res.Millis = time.Since(start).Milliseconds()
	res.N = [2]int{len(xs[0]), len(xs[1])}
	res.Mean = [2]float64{mean(xs[0]), mean(xs[1])}
	res.T = Welch(xs[0], xs[1])
	res.TCrop = cropped(xs)
	res.Leak = math.Abs(res.T) > Threshold || math.Abs(res.TCrop) > Threshold
	return res, nil
}

// Welch returns Welch's t statistic of two samples (0 if either has
// fewer than two values).
func Welch(a, b []float64) float64 {
	if len(a) < 2 || len(b) < 2 {
		return 0
	}
	ma, mb := mean(a), mean(b)
	va, vb := variance(a, ma), variance(b, mb)
	se := math.Sqrt(va/float64(len(a)) + vb/float64(len(b)))
	if se == 0 {
		if ma == mb {
			return 0
		}
		return math.Inf(int(math.Copysign(1, ma-mb)))
	}
	return (ma - mb) / se
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(max(len(x), 1))
}

// variance is the unbiased sample variance.
func variance(x []float64, m float64) float64 {
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}

// cropPercentiles are dudect's crops: timings above a percentile of both
// classes together are dropped (interrupts, garbage collection, other
// processes), and the test is repeated on what is left.
var cropPercentiles = []float64{0.5, 0.75, 0.9, 0.95, 0.99}

// cropped returns the t of largest magnitude over the crops.
func cropped(xs [2][]float64) float64 {
	all := slices.Concat(xs[0], xs[1])
	slices.Sort(all)
	worst := 0.0
	for _, p := range cropPercentiles {
		if len(all) == 0 {
			break
		}
		limit := all[min(len(all)-1, int(p*float64(len(all))))]
		var c [2][]float64
		for k := range xs {
			for _, v := range xs[k] {
				if v <= limit {
					c[k] = append(c[k], v)
				}
			}
		}
		if t := Welch(c[0], c[1]); math.Abs(t) > math.Abs(worst) {
			worst = t
		}
	}
	return worst
}

// clockResolution is the smallest step time.Now takes, in nanoseconds:
// tens of nanoseconds natively, a microsecond or less in Node, 5 µs in a
// cross-origin isolated page, 100 µs in other pages.
func clockResolution() float64 {
	best := math.Inf(1)
	for range 20 {
		t0 := time.Now()
		t1 := t0
		for t1 == t0 {
			t1 = time.Now()
		}
		best = min(best, float64(t1.Sub(t0).Nanoseconds()))
	}
	return best
}
