package projection

import (
	"strconv"
	"strings"

	"github.com/gofly/eventsourcing/internal/errs"
)

// Versions of a projection ([WithVersion]).
const (
	// DefaultVersion is a projection's version when none is set.
	DefaultVersion = 1
	// MaxVersion is the highest version.
	MaxVersion = 99999
)

// The kinds of records a projection keeps in its checkpoint store, as [SplitCheckpointName]
// tells them.
const (
	// RecordCheckpoint is a version's checkpoint: "NAME" for version 1, "NAME@vN" for version N.
	RecordCheckpoint = "checkpoint"
	// RecordLive is a version's live-from position, "NAME@vN.live": the events above it are
	// live for that version (see [IsReplay]).
	RecordLive = "live"
	// RecordActive is the projection's active version, "NAME@active" (its position field holds
	// the version number; 1 while the record is missing).
	RecordActive = "active"
)

// CheckpointName is the checkpoint store's key of version of the projection named name: name
// itself for version 1 (so a projection that never changed version keeps its checkpoint), else
// name + "@v" + version ("orders_view@v2"). The version's lease is "pyfly.projection." followed
// by it, and its dead letters are filed under it.
func CheckpointName(name string, version int) string {
	if version == DefaultVersion {
		return name
	}
	return name + "@v" + strconv.Itoa(version)
}

// LiveRecordName is the checkpoint store's key of version's live-from record: name + "@v" +
// version + ".live" (see [IsReplay]).
func LiveRecordName(name string, version int) string {
	return name + "@v" + strconv.Itoa(version) + "." + RecordLive
}

// ActiveRecordName is the checkpoint store's key of the record of the projection's active
// version: name + "@active"; its position field holds the version (1 while it is missing).
func ActiveRecordName(name string) string { return name + "@" + RecordActive }

// SplitCheckpointName reads a key of the checkpoint store: the projection's name, the version
// and the kind of record ([RecordCheckpoint], [RecordLive] or [RecordActive]; version is 0 for
// the active-version record). A key without a version suffix is version 1's checkpoint.
func SplitCheckpointName(key string) (name string, version int, record string) {
	if base, ok := strings.CutSuffix(key, "@"+RecordActive); ok && base != "" {
		return base, 0, RecordActive
	}
	if rest, ok := strings.CutSuffix(key, "."+RecordLive); ok {
		if base, v, ok := cutVersion(rest); ok {
			return base, v, RecordLive
		}
	}
	if base, v, ok := cutVersion(key); ok && v != DefaultVersion {
		return base, v, RecordCheckpoint
	}
	return key, DefaultVersion, RecordCheckpoint
}

// cutVersion splits "NAME@vN" into NAME and N.
func cutVersion(key string) (string, int, bool) {
	i := strings.LastIndex(key, "@v")
	if i <= 0 {
		return "", 0, false
	}
	digits := key[i+2:]
	if digits == "" || digits[0] == '0' || len(digits) > len(strconv.Itoa(MaxVersion)) {
		return "", 0, false
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v < 1 || v > MaxVersion || strconv.Itoa(v) != digits {
		return "", 0, false
	}
	return key[:i], v, true
}

// versionedName checks that name does not read as a record of another projection (it ends
// neither in "@active" nor in "@vN" nor in "@vN.live") and that every key of its versions fits
// in [MaxNameBytes]; withLease adds the lease's prefix.
func versionedName(name string, version int, withLease bool) error {
	if base, _, record := SplitCheckpointName(name); base != name || record != RecordCheckpoint {
		return errs.Invalid("projection name %q: names ending in \"@active\", \"@vN\" or \"@vN.live\" are reserved for the records of versions", name)
	}
	longest := len(LiveRecordName(name, version))
	if withLease {
		longest = max(longest, len(leasePrefix+CheckpointName(name, version)))
	}
	if longest > MaxNameBytes {
		return errs.Invalid("projection name %q: with version %d its records' keys take %d bytes, at most %d", name, version, longest, MaxNameBytes)
	}
	return nil
}

// versionProblem is what is wrong with a version, "" when nothing.
func versionProblem(v int) string {
	if v < 1 || v > MaxVersion {
		return "must be from 1 to " + strconv.Itoa(MaxVersion) + ", got " + strconv.Itoa(v)
	}
	return ""
}
