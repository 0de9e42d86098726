package main

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/welcome-pointers/wasm/core"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		tm := &timing{Samples: c.in}
		if got := tm.median(); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN((&timing{}).median()) {
		t.Error("the median of nothing is not NaN")
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(1000), "1,000"},
		{thousands(-1234567), "-1,234,567"},
		{fmtDur(950), "950 ns"},
		{fmtDur(1500), "1.50 µs"},
		{fmtDur(93_100), "93.1 µs"},
		{fmtDur(350e6), "350 ms"},
		{fmtDur(1.21e9), "1.21 s"},
		{fmtRatio(3.84), "3.8×"},
		{fmtRatio(37.2), "37×"},
		{fmtBytes(3_052_108), "3.05 MB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestBytes checks the byte accounting on a small invite: pointers sit on
// the floor, the direct welcomes add up to what SealInvite makes.
func TestBytes(t *testing.T) {
	ps, err := makeParties(4)
	if err != nil {
		t.Fatal(err)
	}
	small, err := core.SealInvite([]byte{0, 1, 0, 3}, messageCursor, ps.capable[:3], nil)
	if err != nil {
		t.Fatal(err)
	}
	minPointer := len(small.Messages[1].Message)
	row, err := bytesFor(ps, 4, 3000, minPointer)
	if err != nil {
		t.Fatal(err)
	}
	if row.PointerMsgs != 4 || row.Pointers != row.Floor || !row.CheckedAgainstSealInvite || row.DirectMessages != 4 {
		t.Errorf("row = %+v", row)
	}
	if row.Direct < 4*3000 {
		t.Errorf("4 direct welcomes of a 3,000-byte Welcome are only %d bytes", row.Direct)
	}
	row, err = bytesFor(ps, 1, 3000, minPointer)
	if err != nil {
		t.Fatal(err)
	}
	if row.PointerMsgs != 0 || row.Pointers != row.Direct {
		t.Errorf("one installation: %+v (below the threshold: one direct welcome)", row)
	}
}

func TestChartIsXML(t *testing.T) {
	models := []bytesModel{{Model: welcomeModels[0], Rows: []bytesRow{
		{N: 1, Direct: 4000, Pointers: 4000, Floor: 4100},
		{N: 3, Direct: 15000, Pointers: 10000, Floor: 10000, PointerMsgs: 3},
		{N: 1000, Direct: 553e6, Pointers: 3e6, Floor: 3e6, PointerMsgs: 1000},
	}}}
	svg := chartSVG(models)
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v", err)
		}
	}
	if !strings.Contains(svg, "pointers are on the floor") {
		t.Error("the chart does not say that pointers are on the floor")
	}
}
