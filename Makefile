# actrescue — see README.md. Everything here works with only Go installed,
# except `fixtures` (Debian tools, see testdata/README.md).
GO        ?= go
BIN       ?= bin/actrescue
PKG       := ./cmd/actrescue
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DATE      := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
LDFLAGS   := -s -w -buildid= -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
GOFLAGS_STATIC := CGO_ENABLED=0
FUZZTIME  ?= 10s
# The large generated fixture (make bigfixture; docs/performance.md).
BIGFIXTURE_DIR ?= /tmp/actrescue-bigfixture
TORTURE_COUNT  ?= 2000
TORTURE_SEED   ?= 1
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64

.PHONY: all build test demo fixtures fuzz bench bigfixture torture dist vet fmt clean

all: build

build:
	$(GOFLAGS_STATIC) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) $(PKG)

demo: build
	./$(BIN) demo

test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 8m ./...

fmt:
	gofmt -l -w .

# Regenerate the committed fixtures (needs the Debian
# tools listed in testdata/README.md), then refresh the embedded demo disk.
fixtures:
	bash testdata/gen/make-fixtures.sh testdata
	cp testdata/gpt-win11.img.d2.zst cmd/actrescue/demo.img.d2.zst
	cd testdata && sha256sum -- *.d2.zst acpi/* > SHA256SUMS

# Run every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg; \
	  done; \
	done

# Benchmarks; with the big fixture present, also the scale report
# (docs/performance.md), written to $(BIGFIXTURE_DIR)/bench-results.md.
bench:
	ACTRESCUE_BIGFIXTURE=$(BIGFIXTURE_DIR)/disk.img $(GO) test -run '^$$' -bench . -benchmem ./...
	@if [ -f $(BIGFIXTURE_DIR)/disk.img ]; then \
	  ACTRESCUE_BIGFIXTURE=$(BIGFIXTURE_DIR)/disk.img ACTRESCUE_BENCH_REPORT=1 \
	    $(GO) test -count=1 -run '^TestBigFixtureReport$$' -v -timeout 30m ./rescue/; \
	else \
	  echo "bench: no big fixture in $(BIGFIXTURE_DIR): run 'make bigfixture' for the scale figures"; \
	fi

# A sparse 500 GiB GPT disk with a full-size Windows layout, generated
# (never committed) into $(BIGFIXTURE_DIR). Needs python3, ntfs-3g,
# wimtools, dosfstools and sleuthkit; about a minute.
bigfixture:
	bash testdata/gen/bigfixture.sh $(BIGFIXTURE_DIR)

# Corruption campaign over the committed fixtures (rescue/torture_test.go):
# TORTURE_COUNT mutants from TORTURE_SEED, each scanned under a watchdog.
torture:
	TORTURE_COUNT=$(TORTURE_COUNT) TORTURE_SEED=$(TORTURE_SEED) \
	  $(GO) test -count=1 -run '^TestTorture$$' -v -timeout 60m ./rescue/

dist:
	@rm -rf dist && mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  out=dist/actrescue-$$os-$$arch$$ext; \
	  $(GOFLAGS_STATIC) GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $$out $(PKG); \
	done
	cd dist && sha256sum actrescue-* > SHA256SUMS && cat SHA256SUMS
	@ls -l dist

clean:
	rm -rf bin dist
