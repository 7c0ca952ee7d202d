package projection

import es "github.com/gofly/eventsourcing/eventsourcing"

// pages are the events one commit applies: pages read back to back, in order, none empty. They
// are kept apart rather than joined, so a catch-up that commits several pages at once copies no
// event.
type pages [][]es.Envelope

// len is the number of events.
func (p pages) len() int {
	n := 0
	for _, pg := range p {
		n += len(pg)
	}
	return n
}

// at returns the i-th event, 0 ≤ i < p.len().
func (p pages) at(i int) *es.Envelope {
	for _, pg := range p {
		if i < len(pg) {
			return &pg[i]
		}
		i -= len(pg)
	}
	return nil
}

// last returns the last event of non-empty p.
func (p pages) last() *es.Envelope {
	pg := p[len(p)-1]
	return &pg[len(pg)-1]
}

// head returns the first n events, 0 < n ≤ p.len().
func (p pages) head(n int) pages {
	var out pages
	for _, pg := range p {
		if n <= len(pg) {
			return append(out, pg[:n])
		}
		out = append(out, pg)
		n -= len(pg)
	}
	return out
}
