//go:build unix

package testserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Watchdog describes a shell script that looks after a throwaway server: it runs in its own
// process group, so that signals sent to the test binary's group do not reach it, and does its
// cleanup when its stdin reaches EOF, which happens when the test binary closes the write end or
// exits, even by SIGKILL.
type Watchdog struct {
	Name   string              // names the process (es-<name>-watchdog) and prefixes errors
	Script string              // the shell script; Args are its $1, $2, ...
	Args   []string            // the script's arguments
	Dir    string              // working directory, where watchdog.log is appended to
	Env    []string            // the environment; nil inherits this process's
	Cred   *syscall.Credential // the user to run as; nil for this process's
}

// Start starts the watchdog and returns the write end of its stdin, which the caller keeps open
// for as long as the server must live.
func (wd Watchdog) Start() (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%s watchdog: %w", wd.Name, err)
	}
	defer func() { _ = r.Close() }()
	logFile, err := os.OpenFile(filepath.Join(wd.Dir, "watchdog.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("%s watchdog: %w", wd.Name, err)
	}
	defer func() { _ = logFile.Close() }()
	argv := append([]string{"-c", wd.Script, "es-" + wd.Name + "-watchdog"}, wd.Args...)
	cmd := exec.Command("/bin/sh", argv...)
	cmd.Dir = wd.Dir
	cmd.Env = wd.Env
	cmd.Stdin = r
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: wd.Cred}
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("%s watchdog: %w", wd.Name, err)
	}
	// The watchdog outlives this process by design; reap it if it ends earlier.
	go func() { _ = cmd.Wait() }()
	return w, nil
}
