package sqlserver

import (
	"crypto/rand"
	"errors"
	"fmt"
	"unicode"
)

// CheckPassword says whether SQL Server's password policy takes a password for sa: 8 to
// 128 characters from at least three of upper case letters, lower case letters, digits and
// symbols. The image refuses any other, and the container stops before it is ready; this
// check says why before anything starts.
func CheckPassword(pw string) error {
	if n := len([]rune(pw)); n < 8 || n > 128 {
		return fmt.Errorf("the SA password has %d characters: SQL Server's password policy wants 8 to 128", n)
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			symbol = true
		}
	}
	sets := 0
	for _, ok := range []bool{upper, lower, digit, symbol} {
		if ok {
			sets++
		}
	}
	if sets < 3 {
		return errors.New("the SA password uses fewer than three of upper case letters, lower case letters, digits and symbols: SQL Server's password policy wants three")
	}
	return nil
}

// newPassword makes a random SA password that the policy takes: letters of both cases,
// digits and a symbol that needs no escaping in a URL.
func newPassword() string {
	const alnum = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("sqlserver: no random source: " + err.Error())
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	// Note: the fixed tail makes every class present whatever the random part drew.
	return string(b) + "-Aa1"
}
