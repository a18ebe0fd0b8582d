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
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64

.PHONY: all build test demo fixtures fuzz bench dist vet fmt clean

all: build

build:
	$(GOFLAGS_STATIC) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) $(PKG)

demo: build
	./$(BIN) demo

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

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
