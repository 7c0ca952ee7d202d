package benchkit

import "encoding/json"

// MetadataJSON is the JSON of [Metadata], as a raw baseline writes it.
func MetadataJSON() (string, error) {
	md, err := json.Marshal(Metadata())
	return string(md), err
}

// DecodeMetadata decodes stored metadata as a raw baseline reads it.
func DecodeMetadata(raw []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(raw) == 0 || string(raw) == "{}" {
		return m, nil
	}
	return m, json.Unmarshal(raw, &m)
}

// RowScanner is what pgx.Rows and *sql.Rows have in common for the baselines' loops.
type RowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// FoldPayloadRows folds rows of one payload column into st.
func FoldPayloadRows(rows RowScanner, st *State) error {
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&payload); err != nil {
			return err
		}
		if err := st.Fold(payload); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FoldPositionRows folds rows of (position, payload) into st; it returns the last position
// (after when there is none) and the count.
func FoldPositionRows(rows RowScanner, after int64, st *State) (int64, int, error) {
	n := 0
	var payload []byte
	for rows.Next() {
		if err := rows.Scan(&after, &payload); err != nil {
			return after, 0, err
		}
		if err := st.Fold(payload); err != nil {
			return after, 0, err
		}
		n++
	}
	return after, n, rows.Err()
}
