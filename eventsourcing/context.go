package eventsourcing

import (
	"context"

	"github.com/gofly/eventsourcing/internal/jsoncopy"
)

// Metadata keys the context carriers fill.
const (
	MetadataCorrelationID = "correlation_id"
	MetadataCausationID   = "causation_id"
)

type ctxKey int

const (
	ctxMetadata ctxKey = iota
	ctxTenant
)

// WithMetadata returns a context whose saves add md to every envelope's metadata. Calls nest:
// later keys win over earlier ones.
func WithMetadata(ctx context.Context, md map[string]any) context.Context {
	if len(md) == 0 {
		return ctx
	}
	prev, _ := ctx.Value(ctxMetadata).(map[string]any)
	merged := make(map[string]any, len(prev)+len(md))
	for k, v := range prev {
		merged[k] = v
	}
	for k, v := range md {
		merged[k] = jsoncopy.Value(v)
	}
	return context.WithValue(ctx, ctxMetadata, merged)
}

// WithCorrelationID sets the metadata key "correlation_id" for saves under ctx.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return WithMetadata(ctx, map[string]any{MetadataCorrelationID: id})
}

// WithCausationID sets the metadata key "causation_id" for saves under ctx.
func WithCausationID(ctx context.Context, id string) context.Context {
	return WithMetadata(ctx, map[string]any{MetadataCausationID: id})
}

// WithTenantID sets the tenant id of the envelopes saved under ctx.
func WithTenantID(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, ctxTenant, tenant)
}

// MetadataFrom returns a copy of the metadata carried by ctx (never nil).
func MetadataFrom(ctx context.Context) map[string]any {
	md, _ := ctx.Value(ctxMetadata).(map[string]any)
	out := jsoncopy.Map(md)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// TenantIDFrom returns the tenant id carried by ctx, "" when none.
func TenantIDFrom(ctx context.Context) string {
	t, _ := ctx.Value(ctxTenant).(string)
	return t
}
