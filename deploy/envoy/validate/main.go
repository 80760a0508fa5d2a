// Command validate checks Envoy bootstrap files (YAML) offline, without an
// Envoy binary:
//
//  1. YAML is converted to JSON and strictly unmarshalled (unknown fields are
//     errors) into go-control-plane's envoy.config.bootstrap.v3.Bootstrap;
//     every typed_config "@type" must resolve to a registered message.
//  2. The protoc-gen-validate rules of the Bootstrap and of every message
//     packed in a typed_config (google.protobuf.Any) are run.
//  3. Checks Envoy itself makes at startup that the schema does not express
//     (a filter or transport socket without typed_config, a route pointing at
//     an unknown cluster).
//  4. Lint rules for the reference article's runtime pitfalls (listener
//     without ALPN h2, cluster speaking HTTP/1.1 upstream, the default 15 s
//     route timeout, admin not on loopback). They are warnings by default and
//     errors with --strict.
//
// Usage:
//
//	go -C deploy/envoy/validate run . ../envoy.yaml --strict
//
// It prints "ok <file>" for each valid file and exits 0; otherwise it prints
// the errors (naming the field) and exits 1.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: validate [--strict] FILE.yaml...

Validates Envoy v3 bootstrap files offline (schema, protoc-gen-validate
rules, Envoy startup checks). Lint rules for gRPC pitfalls are printed as
warnings, or fail the file with --strict.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	strict := false
	var files []string
	for _, a := range args {
		switch a {
		case "--strict", "-strict":
			strict = true
		case "-h", "--help", "-help":
			fmt.Fprint(stdout, usage)
			return 0
		default:
			if len(a) > 1 && a[0] == '-' {
				fmt.Fprintf(stderr, "validate: unknown flag %s\n%s", a, usage)
				return 2
			}
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}

	status := 0
	for _, f := range files {
		rep, err := ValidateFile(f, strict)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", f, err)
			status = 1
			continue
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(stderr, "%s: warning: %s\n", f, w)
		}
		if len(rep.Errors) > 0 {
			for _, e := range rep.Errors {
				fmt.Fprintf(stderr, "%s: error: %s\n", f, e)
			}
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "ok %s\n", f)
	}
	return status
}
