package engines

import (
	"net/url"
	"regexp"
	"strings"
)

// Note: redaction works on text, not on parsed DSNs only, because passwords also reach us
// inside driver error messages and server log lines that quote the connection string.
var (
	// scheme://user:password@host. The password runs to the last '@' of the token: an
	// unescaped '@' in a password must not leave its tail in clear (redacting too much is
	// the safe side).
	urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):(\S*)@`)
	// password=secret or password='se cret' in libpq key/value strings; api_key=, apikey=,
	// token= and secret= the same way (query parameters of HTTP DSNs carry API keys).
	kvPassword = regexp.MustCompile(`(?i)(\b(?:password|api[_-]?key|access[_-]?token|token|secret)\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s"&]+)`)
)

// Redacted is what a password is replaced with.
const Redacted = "xxxxx"

// RedactDSN returns text with every password in a URL or key=value connection string (and
// every api_key=, token= or secret= value) replaced by Redacted. Use it on anything that may quote a DSN before it is logged,
// reported or returned as an error.
func RedactDSN(text string) string {
	if lower := strings.ToLower(text); !strings.Contains(text, "@") && !strings.Contains(lower, "password") &&
		!strings.Contains(lower, "key") && !strings.Contains(lower, "token") && !strings.Contains(lower, "secret") {
		return text
	}
	text = urlPassword.ReplaceAllString(text, "${1}:"+Redacted+"@")
	return kvPassword.ReplaceAllString(text, "${1}"+Redacted)
}

// DSNAddress returns host:port (or the socket path) of a URL DSN, for messages that must
// name the address without the credentials.
func DSNAddress(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return RedactDSN(dsn)
	}
	return u.Host
}

// Redact returns err with its message redacted (RedactDSN) and its chain kept, so callers
// still find the causes with errors.Is and errors.As.
func Redact(err error) error {
	if err == nil {
		return nil
	}
	return redacted{err}
}

type redacted struct{ err error }

func (r redacted) Error() string { return RedactDSN(r.err.Error()) }
func (r redacted) Unwrap() error { return r.err }
