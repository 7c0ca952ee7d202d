module github.com/gofly/eventsourcing/internal/peerbench

go 1.26.0

require (
	github.com/gofly/eventsourcing v0.0.0
	github.com/hallgren/eventsourcing v0.8.0
	github.com/hallgren/eventsourcing/core v0.4.0
)

replace github.com/gofly/eventsourcing => ../..
