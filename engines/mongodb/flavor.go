package mongodb

import (
	"context"
	"fmt"
	"runtime/debug"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A Server is what buildInfo says about the server a client talks to.
type Server struct {
	Flavor string // FlavorMongoDB or FlavorFerretDB
	// Version is the server's version: MongoDB's, or FerretDB's own.
	Version string
	// Compatible is the MongoDB version FerretDB says it is compatible with ("" on MongoDB).
	Compatible string
}

// Detect asks the server's buildInfo which flavor it is: FerretDB adds ferretdbVersion.
func Detect(ctx context.Context, c *mongo.Client) (Server, error) {
	info, err := RunCommand(ctx, c, "admin", bson.D{{Key: "buildInfo", Value: 1}})
	if err != nil {
		return Server{}, fmt.Errorf("buildInfo: %w", err)
	}
	return serverOf(info), nil
}

func serverOf(info bson.M) Server {
	version, _ := info["version"].(string)
	if fv, ok := info["ferretdbVersion"].(string); ok {
		s := Server{Flavor: FlavorFerretDB, Version: fv, Compatible: version}
		if fv == "" || fv == "unknown" {
			// Note: embedded FerretDB is built without its version file; the module's
			// version in our build says what runs.
			s.Version = FerretDBModuleVersion()
		}
		return s
	}
	return Server{Flavor: FlavorMongoDB, Version: version}
}

// ferretdbRequired is the FerretDB version go.mod requires (a test keeps the two equal).
//
// Note: test binaries carry no module list in their build information, so the binary's own
// answer cannot be the only one.
const ferretdbRequired = "v1.24.2"

// FerretDBModuleVersion is the version of the FerretDB module linked into this binary.
func FerretDBModuleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/FerretDB/FerretDB" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return ferretdbRequired
}
