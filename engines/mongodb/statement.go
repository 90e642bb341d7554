package mongodb

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/dbharness/dbharness/engines"
)

// DefaultDatabase is where the datasets and workloads keep their collections, and where a
// statement runs when it names no $db, unless the URI names a database.
const DefaultDatabase = "dbharness"

// RunStatement runs one database command written as MongoDB extended JSON, with the
// database in "$db" (default: the URI's, else dbharness):
//
//	{"$db": "dbharness", "dropIndexes": "orders", "index": "status_1"}
//	{"setParameter": 1, "$db": "admin", "internalQueryExecMaxBlockingSortBytes": 1048576}
func (Engine) RunStatement(ctx context.Context, inst engines.Instance, statement string) error {
	c, err := Connect(ctx, inst.DSN())
	if err != nil {
		return err
	}
	defer c.Disconnect(context.WithoutCancel(ctx))
	if err := runCommandText(ctx, c, statement, Database(inst.DSN(), DefaultDatabase)); err != nil {
		return fmt.Errorf("mongodb at %s: %w", inst.Info().Address, err)
	}
	return nil
}

// runSeeds runs the spec's seed commands, in order.
func runSeeds(ctx context.Context, c *mongo.Client, seeds []string) error {
	for i, s := range seeds {
		if err := runCommandText(ctx, c, s, DefaultDatabase); err != nil {
			return fmt.Errorf("seed command %d: %w", i+1, err)
		}
	}
	return nil
}

// ParseCommand reads a command in extended JSON and takes its "$db" out.
func ParseCommand(text, defaultDB string) (bson.D, string, error) {
	var cmd bson.D
	if err := bson.UnmarshalExtJSON([]byte(strings.TrimSpace(text)), false, &cmd); err != nil {
		return nil, "", fmt.Errorf("a statement is a command in MongoDB extended JSON, like {\"$db\": \"dbharness\", \"dropIndexes\": \"orders\", \"index\": \"status_1\"}: %v", err)
	}
	db := defaultDB
	out := cmd[:0]
	for _, e := range cmd {
		if e.Key == "$db" {
			s, ok := e.Value.(string)
			if !ok || s == "" {
				return nil, "", fmt.Errorf("\"$db\" must name a database")
			}
			db = s
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("the statement names no command")
	}
	return out, db, nil
}

func runCommandText(ctx context.Context, c *mongo.Client, text, defaultDB string) error {
	cmd, db, err := ParseCommand(text, defaultDB)
	if err != nil {
		return err
	}
	if err := c.Database(db).RunCommand(ctx, cmd).Err(); err != nil {
		// Note: the reply may quote a literal of the command; the server's words are kept,
		// passwords in them are not.
		return fmt.Errorf("%s on %s: %s", cmd[0].Key, db, engines.RedactDSN(err.Error()))
	}
	return nil
}
