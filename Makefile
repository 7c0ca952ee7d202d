GO ?= go
PKGS := ./...

.PHONY: test bench lint run

## test: every test, with the race detector (PostgreSQL tests start their own server)
test:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## bench: every store next to its raw baselines (limit, minimal) and, from the modules internal/peerbench (memory) and internal/peerbench/sqlstores, other libraries (peer-<name>), as one markdown table of medians
bench:
	$(GO) run ./internal/cmd/benchreport -count 5 -peers internal/peerbench,internal/peerbench/sqlstores ./stores/...

## lint: gofmt, go vet here and in the peer modules (internal/peerbench, internal/peerbench/sqlstores), and go vet for Windows and macOS (everything builds on every platform)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=windows $(GO) vet $(PKGS)
	GOOS=darwin $(GO) vet $(PKGS)
	cd internal/peerbench && $(GO) vet ./...
	cd internal/peerbench/sqlstores && $(GO) vet ./...

## run: the example application (SQLite file orders.db in the working directory; run it twice; it says how to start over)
run:
	$(GO) run ./examples/orders
