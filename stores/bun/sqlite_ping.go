package bunstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// explain names the directory of the file when it is missing or not a directory: SQLite says
// only "unable to open database file".
func (sqliteDialect) explain(src Source, err error) error {
	if src.Memory() {
		return nil
	}
	dir := filepath.Dir(src.dsn)
	shown := writtenDir(src.written)
	if shown != dir {
		shown += " (" + dir + ")"
	}
	info, serr := os.Stat(dir)
	switch {
	case errors.Is(serr, fs.ErrNotExist):
		return &reworded{msg: fmt.Sprintf("directory %s does not exist; create it, or change the URL", shown), err: err}
	case serr == nil && !info.IsDir():
		return &reworded{msg: fmt.Sprintf("%s is not a directory; change the URL", shown), err: err}
	}
	return nil
}

// writtenDir is the directory part of a path as the URL wrote it ("./nodir/sub" for
// "./nodir/sub/app.db").
func writtenDir(path string) string {
	i := strings.LastIndexByte(path, '/')
	switch {
	case i > 0:
		return path[:i]
	case i == 0:
		return "/"
	}
	return "."
}
