// Command dbharness runs database scenarios written in plain English (Gherkin): it starts
// the databases, collects their metrics, drives the load, checks the expectations and writes
// a report. `dbharness help` lists the commands.
package main

import (
	"os"

	"github.com/dbharness/dbharness/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
