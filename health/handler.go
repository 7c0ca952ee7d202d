package health

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// DefaultReportTimeout bounds the reading of the stores for one report over HTTP.
const DefaultReportTimeout = 10 * time.Second

// Handler serves the [Report] of a [Checker] over HTTP: GET (or HEAD) answers 200 OK when it is
// healthy and 503 Service Unavailable when it is not, with the report as JSON (see
// [Report.MarshalJSON]); other methods get 405. Each request reads the stores anew, within the
// request's context and [DefaultReportTimeout]. Mount it where the platform probes, for example
// mux.Handle("GET /health/eventsourcing", h).
type Handler struct {
	c       *Checker
	timeout time.Duration
}

var _ http.Handler = (*Handler)(nil)

// NewHandler returns a Handler of c.
func NewHandler(c *Checker) *Handler { return &Handler{c: c, timeout: DefaultReportTimeout} }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	rep := h.c.Report(ctx)
	body, err := json.Marshal(rep)
	if err != nil {
		http.Error(w, "the health report could not be written as JSON", http.StatusInternalServerError)
		return
	}
	code := http.StatusOK
	if !rep.Healthy {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if r.Method == http.MethodGet {
		_, _ = w.Write(append(body, '\n'))
	}
}
