// Command actrescue finds, backs up and explains Windows activation
// evidence on an offline disk, read-only.
package main

import (
	"context"
	"os"
	"os/signal"
)

// Set by the linker: -X main.version=… -X main.commit=… -X main.date=….
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err))
}
