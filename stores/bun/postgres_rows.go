package bunstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	es "github.com/gofly/eventsourcing/eventsourcing"
)

// eventColumnTypes are the types of eventColumns, in order, as pgx receives them: numbers and
// times in binary, text columns in either format (their bytes are the text).
var eventColumnTypes = [...]struct {
	oids   [2]uint32 // the column's type; a second one a schema made elsewhere may use (TEXT for VARCHAR)
	binary bool      // must come in binary format
}{
	{[2]uint32{pgtype.VarcharOID, pgtype.TextOID}, false},           // event_id
	{[2]uint32{pgtype.VarcharOID, pgtype.TextOID}, false},           // aggregate_id
	{[2]uint32{pgtype.VarcharOID, pgtype.TextOID}, false},           // aggregate_type
	{[2]uint32{pgtype.Int8OID, pgtype.Int4OID}, true},               // sequence (INTEGER in pyfly's tables)
	{[2]uint32{pgtype.VarcharOID, pgtype.TextOID}, false},           // event_type
	{[2]uint32{pgtype.TextOID, pgtype.VarcharOID}, false},           // payload
	{[2]uint32{pgtype.TextOID, pgtype.VarcharOID}, false},           // metadata
	{[2]uint32{pgtype.TimestamptzOID, pgtype.TimestamptzOID}, true}, // occurred_at
	{[2]uint32{pgtype.Int4OID, pgtype.Int4OID}, true},               // version
	{[2]uint32{pgtype.VarcharOID, pgtype.TextOID}, false},           // tenant_id
	{[2]uint32{pgtype.Int8OID, pgtype.Int8OID}, true},               // global_position
}

// rawEventRows reports whether rows of eventColumns come in the forms decodeEventRow reads; the
// caller scans them with pgx otherwise.
func rawEventRows(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(eventColumnTypes) {
		return false
	}
	for i, fd := range fds {
		want := eventColumnTypes[i]
		if fd.DataTypeOID != want.oids[0] && fd.DataTypeOID != want.oids[1] {
			return false
		}
		if want.binary && fd.Format != pgtype.BinaryFormatCode {
			return false
		}
	}
	return true
}

// rowStrings hands out the strings that repeat from row to row (aggregate id and type, event
// type) once, instead of allocating them for every row.
type rowStrings struct {
	last [3]string
	seen [3]bool
}

func (c *rowStrings) get(slot int, b []byte) string {
	if c.seen[slot] && c.last[slot] == string(b) {
		return c.last[slot]
	}
	c.last[slot], c.seen[slot] = string(b), true
	return c.last[slot]
}

// pgEpochMicros is 2000-01-01 UTC in Unix microseconds: PostgreSQL's binary timestamps count from it.
var pgEpochMicros = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// decodeEventRow fills e from the raw values of a row of eventColumns (rawEventRows said they
// are in the expected forms) and returns the metadata bytes, valid until the next row. It reads
// the event's id and place first, so that an error about the rest can name them.
func decodeEventRow(raw [][]byte, e *es.Envelope, strs *rowStrings) ([]byte, error) {
	if raw[0] == nil || raw[1] == nil || len(raw[3]) != 8 && len(raw[3]) != 4 || len(raw[10]) != 8 {
		return nil, errors.New("the event id, aggregate id, sequence or global position is NULL or not a number")
	}
	e.EventID = string(raw[0])
	e.AggregateID = strs.get(0, raw[1])
	if len(raw[3]) == 4 {
		e.Sequence = int64(int32(binary.BigEndian.Uint32(raw[3])))
	} else {
		e.Sequence = int64(binary.BigEndian.Uint64(raw[3]))
	}
	e.GlobalPosition = int64(binary.BigEndian.Uint64(raw[10]))
	for i, v := range raw {
		if v == nil && i != 9 {
			return nil, fmt.Errorf("column %d is NULL", i)
		}
	}
	if len(raw[7]) != 8 || len(raw[8]) != 4 {
		return nil, errors.New("a binary number or time of the wrong length")
	}
	e.AggregateType = strs.get(1, raw[2])
	e.EventType = strs.get(2, raw[4])
	e.Payload = append(make([]byte, 0, len(raw[5])), raw[5]...)
	e.Version = int(int32(binary.BigEndian.Uint32(raw[8])))
	if raw[9] != nil {
		e.TenantID = string(raw[9])
	}
	micros := int64(binary.BigEndian.Uint64(raw[7]))
	if micros == 1<<63-1 || micros == -1<<63 {
		return nil, errors.New("occurred_at is infinity")
	}
	e.OccurredAt = time.UnixMicro(pgEpochMicros + micros).UTC()
	return raw[6], nil
}
