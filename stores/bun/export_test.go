package bunstore

// CopyEveryAppend makes s append every batch through COPY on PostgreSQL with pgx, however small,
// so the suites run that path too.
func CopyEveryAppend(s *EventStore) *EventStore {
	if d, ok := s.dl.(postgresDialect); ok && d.pgx {
		d.copyMin = 1
		s.dl = d
	}
	return s
}
