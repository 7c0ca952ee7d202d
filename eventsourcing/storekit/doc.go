// Package storekit is for authors of stores: the checks, copies and upcasting every store of
// github.com/gofly/eventsourcing applies the same way, so that a new store answers bad input with
// the same errors as the memory and Bun stores. Applications do not need it.
//
// A store's Append starts with [ValidateAppend] and stores metadata as [NormalizeMetadata] gives
// it back; its reads run [ApplyUpcasters] on their own copies; its snapshot Save starts with
// [ValidateSnapshot]. Every error here matches es.ErrInvalidArgument or es.ErrDecode.
package storekit
