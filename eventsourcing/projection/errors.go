package projection

import (
	"errors"
)

var (
	// ErrCheckpointMoved reports a checkpoint move that could not commit: between the move and
	// the commit of its transaction another runner moved the checkpoint, a newer lease token
	// fenced this one out, or the checkpoint was reset. The runner treats it as a superseded
	// batch: it reloads the checkpoint and carries on from there.
	ErrCheckpointMoved = errors.New("projection: the checkpoint was moved by another runner")
	// ErrRunning reports a call to [Runner.Run] while the runner is already running.
	ErrRunning = errors.New("projection: the runner is already running")
)
