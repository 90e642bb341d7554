package mongodb

import (
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The member states of replSetGetStatus (MongoDB's documented stateStr values by number).
const (
	StatePrimary   = 1
	StateSecondary = 2
	StateRecovery  = 3
	StateStartup2  = 5
	StateArbiter   = 7
	StateDown      = 8
	StateRollback  = 9
)

// A Member is one entry of replSetGetStatus's members.
type Member struct {
	ID         int       `bson:"_id"`
	Name       string    `bson:"name"`
	Health     float64   `bson:"health"`
	State      int       `bson:"state"`
	StateStr   string    `bson:"stateStr"`
	Uptime     int64     `bson:"uptime"`
	OptimeDate time.Time `bson:"optimeDate"`
	Optime     struct {
		TS bson.Timestamp `bson:"ts"`
	} `bson:"optime"`
	PingMs     int64  `bson:"pingMs"`
	SyncSource string `bson:"syncSourceHost"`
	Self       bool   `bson:"self"`
	// LastHeartbeatMessage is why a member is unreachable, as its peers see it.
	LastHeartbeatMessage string `bson:"lastHeartbeatMessage"`
}

// A ReplStatus is what replSetGetStatus answers, the parts dbharness reads.
type ReplStatus struct {
	Set     string    `bson:"set"`
	Date    time.Time `bson:"date"`
	MyState int       `bson:"myState"`
	Term    int64     `bson:"term"`
	Members []Member  `bson:"members"`
}

// ParseReplStatus reads a replSetGetStatus answer.
func ParseReplStatus(doc bson.Raw) (ReplStatus, error) {
	var s ReplStatus
	if err := bson.Unmarshal(doc, &s); err != nil {
		return s, fmt.Errorf("replSetGetStatus: %w", err)
	}
	if s.Set == "" || len(s.Members) == 0 {
		return s, fmt.Errorf("replSetGetStatus: no set name or members in the answer")
	}
	return s, nil
}

// Primary is the member in state PRIMARY, if one is.
func (s ReplStatus) Primary() (Member, bool) {
	for _, m := range s.Members {
		if m.State == StatePrimary {
			return m, true
		}
	}
	return Member{}, false
}

// Lag is how far a member's last applied operation is behind the primary's, as
// replSetGetStatus's optimeDate says (rs.printSecondaryReplicationInfo reads the same); ok is
// false without a primary or for a member that reports no optime (an arbiter, one that is
// down).
func (s ReplStatus) Lag(m Member) (time.Duration, bool) {
	p, ok := s.Primary()
	// Note: a member that is down reports the epoch as its optimeDate, not nothing.
	if !ok || m.Health != 1 || m.State == StateArbiter || m.OptimeDate.Unix() <= 0 || p.OptimeDate.Unix() <= 0 {
		return 0, false
	}
	if d := p.OptimeDate.Sub(m.OptimeDate); d > 0 {
		return d, true
	}
	return 0, true
}

// Problems lists what keeps the set from serving fully: no primary, or a member that is
// not a healthy primary, secondary or arbiter. Empty means healthy.
func (s ReplStatus) Problems() []string {
	var out []string
	primaries := 0
	for _, m := range s.Members {
		switch {
		case m.Health != 1:
			why := ""
			if m.LastHeartbeatMessage != "" {
				why = ": " + m.LastHeartbeatMessage
			}
			out = append(out, fmt.Sprintf("%s is unreachable (%s%s)", m.Name, m.StateStr, why))
		case m.State == StatePrimary:
			primaries++
		case m.State == StateSecondary || m.State == StateArbiter:
		default:
			out = append(out, fmt.Sprintf("%s is %s", m.Name, m.StateStr))
		}
	}
	if primaries == 0 {
		out = append([]string{"no member is primary"}, out...)
	}
	return out
}

// A Hello is what the hello command answers, the parts dbharness reads.
type Hello struct {
	IsWritablePrimary bool     `bson:"isWritablePrimary"`
	Secondary         bool     `bson:"secondary"`
	ArbiterOnly       bool     `bson:"arbiterOnly"`
	SetName           string   `bson:"setName"`
	Hosts             []string `bson:"hosts"`
	Passives          []string `bson:"passives"`
	Arbiters          []string `bson:"arbiters"`
	Primary           string   `bson:"primary"`
	Me                string   `bson:"me"`
	// Msg is "isdbgrid" on a mongos.
	Msg string `bson:"msg"`
}

// ParseHello reads a hello answer.
func ParseHello(doc bson.Raw) (Hello, error) {
	var h Hello
	if err := bson.Unmarshal(doc, &h); err != nil {
		return h, fmt.Errorf("hello: %w", err)
	}
	return h, nil
}

// Router says whether the server is a mongos.
func (h Hello) Router() bool { return h.Msg == "isdbgrid" }

// Role is the role a member's hello says it has, in engines' words.
func (h Hello) Role() string {
	switch {
	case h.Router():
		return RoleRouter
	case h.IsWritablePrimary:
		return RolePrimary
	case h.Secondary:
		return RoleReplica
	case h.ArbiterOnly:
		return RoleArbiter
	}
	return RoleOther
}

// Members are every host of the set the hello names (data-bearing, passive and arbiters).
func (h Hello) Members() []string {
	out := append(append(append([]string(nil), h.Hosts...), h.Passives...), h.Arbiters...)
	return out
}

// The roles Nodes reports besides engines' primary, replica, down and paused.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
	RoleRouter  = "router"  // mongos
	RoleArbiter = "arbiter" // votes, holds no data
	RoleOther   = "other"   // starting up, recovering, removed
)

// A Shard is one document of config.shards.
type Shard struct {
	ID       string `bson:"_id"`
	Host     string `bson:"host"` // "set/host:port,host:port"
	State    int    `bson:"state"`
	Draining bool   `bson:"draining"`
}

// SetName is the replica set of the shard's host string.
func (s Shard) SetName() string {
	name, _, _ := strings.Cut(s.Host, "/")
	return name
}

// Hosts are the members the shard's host string names.
func (s Shard) Hosts() []string {
	_, hosts, ok := strings.Cut(s.Host, "/")
	if !ok {
		hosts = s.Host
	}
	return strings.Split(hosts, ",")
}
