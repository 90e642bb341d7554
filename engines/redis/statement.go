package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/dbharness/dbharness/engines"
)

// RunStatement runs one Redis command line (redis-cli quoting: "CONFIG SET maxmemory 10mb",
// `SET greeting "hello world"`) on the instance. On a cluster a command with a key goes to
// the key's primary; a command without one (CONFIG SET, FLUSHALL, SCRIPT LOAD, ...) runs on
// every primary, since a scenario that changes the database means all of it.
func (Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	addr := inst.Info().Address
	t, err := ParseDSN(inst.DSN())
	if err != nil {
		return err
	}
	c := t.NewClient(func(o *goredis.UniversalOptions) { o.DialTimeout = 5 * time.Second })
	defer c.Close()
	if err := runCommand(ctx, c, statement); err != nil {
		return fmt.Errorf("redis at %s: %w", addr, err)
	}
	return nil
}

// runCommand runs one command line through c; a nil reply (GET of a missing key) is no error.
func runCommand(ctx context.Context, c goredis.UniversalClient, line string) error {
	args, err := SplitCommand(line)
	if err != nil {
		return err
	}
	cmd := make([]any, len(args))
	for i, a := range args {
		cmd[i] = a
	}
	if cc, ok := c.(*goredis.ClusterClient); ok && keyless(ctx, cc, cmd) {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
			if err := m.Do(ctx, cmd...).Err(); err != nil && !errors.Is(err, goredis.Nil) {
				return fmt.Errorf("on %s: %w", m.Options().Addr, err)
			}
			return nil
		})
	} else {
		err = c.Do(ctx, cmd...).Err()
	}
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("%s: %s", commandName(args), engines.RedactDSN(err.Error()))
	}
	return nil
}

// keyless says whether a command names no key, as the server's COMMAND GETKEYS says (it
// knows every command and subcommand, EVAL's numkeys included).
func keyless(ctx context.Context, c *goredis.ClusterClient, cmd []any) bool {
	err := c.CommandGetKeys(ctx, cmd...).Err()
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "no key arguments")
}

// commandName names a command in messages without its arguments, which may be secrets
// (AUTH, CONFIG SET requirepass).
func commandName(args []string) string {
	name := strings.ToUpper(args[0])
	if len(args) > 1 && (name == "CONFIG" || name == "CLUSTER" || name == "CLIENT" || name == "ACL" || name == "SCRIPT" || name == "FUNCTION") {
		name += " " + strings.ToUpper(args[1])
	}
	return name
}
