package main

import (
	"fmt"
	"math"
	"strings"
)

// chartSVG draws bytes per invite against installations, both axes
// logarithmic: direct welcomes, pointers and the floor for each Welcome
// model.
func chartSVG(models []bytesModel) string {
	const (
		W, H                  = 820, 480
		left, right, top, bot = 84, 250, 48, 56
	)
	pw, ph := float64(W-left-right), float64(H-top-bot)
	var ns []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, m := range models {
		for _, r := range m.Rows {
			for _, v := range []int{r.Direct, r.Pointers, r.Floor} {
				lo = math.Min(lo, float64(v))
				hi = math.Max(hi, float64(v))
			}
		}
	}
	if len(models) > 0 {
		for _, r := range models[0].Rows {
			ns = append(ns, r.N)
		}
	}
	if len(ns) == 0 {
		return ""
	}
	xlo, xhi := math.Log10(float64(ns[0])), math.Log10(float64(ns[len(ns)-1]))
	if xhi == xlo {
		xhi = xlo + 1
	}
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yhi == ylo {
		yhi = ylo + 1
	}
	x := func(n int) float64 { return float64(left) + pw*(math.Log10(float64(n))-xlo)/(xhi-xlo) }
	y := func(v int) float64 { return float64(top) + ph*(1-(math.Log10(float64(v))-ylo)/(yhi-ylo)) }

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, W, H, W, H)
	p(`<title>Bytes uploaded per invite: direct welcomes, pointers and the floor</title>`)
	p(`<rect width="%d" height="%d" fill="#fff"/>`, W, H)
	p(`<text x="%d" y="24" font-size="15" font-weight="bold">Bytes uploaded per invite (both axes logarithmic)</text>`, left)
	// Grid and axes.
	for e := ylo; e <= yhi; e++ {
		v := int(math.Pow(10, e))
		yy := y(v)
		p(`<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, left, yy, float64(left)+pw, yy)
		p(`<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, left-8, yy, decadeLabel(e))
	}
	for _, n := range ns {
		xx := x(n)
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, xx, top, xx, float64(top)+ph)
		p(`<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, xx, float64(top)+ph+18, thousands(n))
	}
	p(`<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#444"/>`, left, top, pw, ph)
	p(`<text x="%.1f" y="%d" text-anchor="middle">installations invited (N)</text>`, float64(left)+pw/2, H-12)
	p(`<text transform="translate(18 %.1f) rotate(-90)" text-anchor="middle">bytes uploaded</text>`, float64(top)+ph/2)

	type series struct {
		label, color, dash string
		width              float64
		val                func(bytesRow) int
		marker             bool
	}
	styles := map[string]struct{ dash, suffix string }{
		"growing": {"", "growing Welcome"},
		"fixed":   {"6 4", "fixed Welcome"},
	}
	ly := top + 8
	for _, m := range models {
		st := styles[m.Model.Name]
		for _, s := range []series{
			{"direct welcomes", "#c0392b", st.dash, 2.2, func(r bytesRow) int { return r.Direct }, true},
			{"pointers", "#2167ae", st.dash, 2.2, func(r bytesRow) int { return r.Pointers }, true},
			{"floor", "#111", "2 3", 1.2, func(r bytesRow) int { return r.Floor }, false},
		} {
			var pts []string
			for _, r := range m.Rows {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.N), y(s.val(r))))
			}
			p(`<polyline fill="none" stroke="%s" stroke-width="%.1f" stroke-dasharray="%s" points="%s"/>`, s.color, s.width, s.dash, strings.Join(pts, " "))
			if s.marker {
				for _, r := range m.Rows {
					p(`<circle cx="%.1f" cy="%.1f" r="2.8" fill="%s"><title>%s, %s, N=%s: %s bytes</title></circle>`,
						x(r.N), y(s.val(r)), s.color, s.label, st.suffix, thousands(r.N), thousands(s.val(r)))
				}
			}
			lx := float64(W-right) + 18
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%.1f" stroke-dasharray="%s"/>`, lx, ly, lx+28, ly, s.color, s.width, s.dash)
			p(`<text x="%.1f" y="%d" dominant-baseline="middle">%s, %s</text>`, lx+36, ly, s.label, st.suffix)
			ly += 20
		}
		ly += 8
	}
	lx := float64(W-right) + 18
	for _, m := range models {
		p(`<text x="%.1f" y="%d" fill="#555">%s</text>`, lx, ly+6, m.Model.Short)
		ly += 18
	}
	p(`<text x="%.1f" y="%d" fill="#555">floor: one pointee +</text>`, lx, ly+14)
	p(`<text x="%.1f" y="%d" fill="#555">N × the smallest pointer</text>`, lx, ly+30)
	onFloor := true
	for _, m := range models {
		for _, r := range m.Rows {
			if r.PointerMsgs > 0 && r.Pointers != r.Floor {
				onFloor = false
			}
		}
	}
	if onFloor {
		p(`<text x="%.1f" y="%d" fill="#555">(pointers are on the floor</text>`, lx, ly+52)
		p(`<text x="%.1f" y="%d" fill="#555">from N = 3 on)</text>`, lx, ly+68)
	}
	p(`</svg>`)
	return b.String()
}

func decadeLabel(e float64) string {
	units := []string{"1 B", "10 B", "100 B", "1 kB", "10 kB", "100 kB", "1 MB", "10 MB", "100 MB", "1 GB", "10 GB", "100 GB", "1 TB"}
	if i := int(e); i >= 0 && i < len(units) {
		return units[i]
	}
	return fmt.Sprintf("1e%d B", int(e))
}
