package riskcloud

// idPlacer places the pages of a listing whose entries carry ids.
type idPlacer struct {
	first, size int
}

func newIDPlacer(first, size int) *idPlacer { return &idPlacer{first: first, size: size} }

func (p *idPlacer) next() (int, bool)            { return 0, false }
func (p *idPlacer) advance(v view) (step, error) { return yieldNone(v), nil }
func (p *idPlacer) stop()                        {}
func (p *idPlacer) failure() error               { return nil }
func (p *idPlacer) pageSize() int64              { return int64(p.size) }
