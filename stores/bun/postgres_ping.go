package bunstore

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// explain puts the server's refusal first when the server answered: with sslmode=prefer pgx
// first tries TLS, and a server without TLS makes that attempt's error ("server refused TLS
// connection") come before the one that matters.
func (postgresDialect) explain(_ Source, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil
	}
	if strings.HasPrefix(pgErr.Code, "28") { // invalid authorization specification, invalid password
		return &reworded{msg: "authentication failed: " + pgErr.Error() + "; check the user name and password of the URL", err: err}
	}
	return &reworded{msg: "the server refused the connection: " + pgErr.Error(), err: err}
}
