package collectors

import "testing"

// strictDefault is true in test binaries, so a scraper emitting an undeclared metric fails
// its test loudly instead of only reporting dbharness_scrape_success 0.
//
// Note: testing.Testing only reports how the binary was built; importing testing registers
// no flags.
func strictDefault() bool { return testing.Testing() }
