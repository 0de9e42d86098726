package dudect

import (
	"bytes"
	"math"
	"testing"
	"time"
)

// Welch's t against values worked out by hand.
func TestWelch(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		// means 2 and 5, variances 1 and 1, n = 3: t = -3 / sqrt(2/3).
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, -3 / math.Sqrt(2.0/3)},
		// means 2.5 and 2, variances 5/3 and 2, n = 4 and 3.
		{[]float64{1, 2, 3, 4}, []float64{1, 2, 3}, 0.5 / math.Sqrt(5.0/3/4+1.0/3)},
		{[]float64{1, 1}, []float64{1, 1}, 0},
		{[]float64{1}, []float64{2, 3}, 0},
	} {
		if got := Welch(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Welch(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// earlyExit compares like bytes.Equal: class 0 differs in the first
// byte, class 1 in the last: a leak the check must see.
type earlyExit struct {
	a, b [2][]byte
	ok   bool
}

func (*earlyExit) Name() string { return "early-exit compare" }
func (*earlyExit) Batch() int   { return 4 }

func (e *earlyExit) Prepare(int) error {
	for c := range 2 {
		e.a[c] = bytes.Repeat([]byte{7}, 1<<16)
		e.b[c] = bytes.Clone(e.a[c])
	}
	e.b[0][0] ^= 1
	e.b[1][len(e.b[1])-1] ^= 1
	return nil
}

func (e *earlyExit) Run(class, _ int) { e.ok = e.ok != bytes.Equal(e.a[class], e.b[class]) }

func TestMeasureFindsALeak(t *testing.T) {
	res, err := Measure(&earlyExit{}, 300*time.Millisecond, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if !res.Leak || res.Mean[1] < 10*res.Mean[0] {
		t.Fatalf("t = %.2f (cropped %.2f): the early exit was not seen", res.T, res.TCrop)
	}
}

// The targets prepare and run (the timing itself is make timing-check's).
func TestTargetsRun(t *testing.T) {
	for _, tg := range Targets() {
		if err := tg.Prepare(2); err != nil {
			t.Fatalf("%s: %v", tg.Name(), err)
		}
		for c := range 2 {
			for i := range 2 {
				tg.Run(c, i)
			}
		}
	}
}
