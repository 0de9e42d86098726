package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// timing is one timed figure: nanoseconds per operation, one sample per
// run. N is how many operations each sample covers (installations of an
// invite, opens in a batch).
type timing struct {
	Samples []float64
	N       int
	Note    string
}

func (t *timing) ok() bool { return t != nil && len(t.Samples) > 0 }

func (t *timing) median() float64 {
	if !t.ok() {
		return math.NaN()
	}
	s := slices.Clone(t.Samples)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (t *timing) min() float64 { return slices.Min(t.Samples) }
func (t *timing) max() float64 { return slices.Max(t.Samples) }

// measure runs fn once to warm up, then runs times, and returns the
// time per operation of each run (fn returns how many operations it did).
func measure(runs int, fn func() (ops int, err error)) (*timing, error) {
	if _, err := fn(); err != nil {
		return nil, err
	}
	t := &timing{}
	for range runs {
		start := time.Now()
		ops, err := fn()
		d := time.Since(start)
		if err != nil {
			return nil, err
		}
		t.Samples = append(t.Samples, float64(d.Nanoseconds())/float64(ops))
		t.N = ops
	}
	return t, nil
}

func fromSamples(ns []float64, n int) *timing {
	return &timing{Samples: ns, N: n}
}

// fmtDur prints nanoseconds with three significant digits.
func fmtDur(ns float64) string {
	if math.IsNaN(ns) {
		return "—"
	}
	switch {
	case ns >= 1e9:
		return sig3(ns/1e9) + " s"
	case ns >= 1e6:
		return sig3(ns/1e6) + " ms"
	case ns >= 1e3:
		return sig3(ns/1e3) + " µs"
	}
	return sig3(ns) + " ns"
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "—"
	}
	if r >= 10 {
		return strconv.FormatFloat(r, 'f', 0, 64) + "×"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "×"
}

// thousands formats n with comma separators.
func thousands[T ~int | ~int64 | ~uint32 | ~uint64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtBytes prints a size in bytes with a human-readable unit alongside.
func fmtBytes[T ~int | ~int64 | ~uint32 | ~uint64](n T) string {
	v := float64(n)
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%s GB", sig3(v/1e9))
	case v >= 1e6:
		return fmt.Sprintf("%s MB", sig3(v/1e6))
	case v >= 1e3:
		return fmt.Sprintf("%s kB", sig3(v/1e3))
	}
	return fmt.Sprintf("%d B", int64(n))
}

func fmtMiB[T ~int | ~int64 | ~uint32 | ~uint64](n T) string {
	return fmt.Sprintf("%s MiB", sig3(float64(n)/(1<<20)))
}
