package mongodb

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/wiremessage"
)

// An Operation is one command a Recorder relayed: what MongoDB's profiler keeps in
// system.profile for an operation, as far as the wire shows it. The server's own work
// (documents and keys examined, the plan) is not on the wire; explain answers that.
type Operation struct {
	Seq        int64     // 1, 2, ... in the order the answers came back
	At         time.Time // when the command was sent
	Database   string    // $db
	Collection string    // the command's collection, when it names one
	Command    string    // find, aggregate, insert, update, delete, getMore, ...
	Body       bson.Raw  // the command document (nil when longer than maxRecordedBody)
	// First is the first document the command carried (an update's {q, u}, a delete's
	// {q}, an inserted document), nil when there is none or it is too long.
	First     bson.Raw
	Duration  time.Duration // from the command sent to the answer back
	Returned  int64         // documents in the cursor batch, or n of a write
	Documents int64         // documents the command carried (inserted, updated, deleted)
	OK        bool
	Error     string // errmsg of a failed command
	AppName   string // the client's application name, from its handshake
}

// maxRecordedBody bounds the command document an Operation keeps.
const maxRecordedBody = 16 << 10

// recorderSize is how many operations a Recorder keeps; older ones are counted as missed.
const recorderSize = 8192

// notRecorded are the commands of handshakes and monitoring, which MongoDB's profiler does
// not keep either.
var notRecorded = map[string]bool{"hello": true, "ismaster": true, "isMaster": true, "ping": true,
	"saslStart": true, "saslContinue": true, "endSessions": true, "buildInfo": true, "buildinfo": true}

// A Recorder is a wire-protocol relay on a loopback port in front of a server: clients
// connect to it, it passes every message through unchanged, and it keeps the last
// recorderSize commands with their durations (Since). FerretDB has no profiler; the
// embedded engine puts a Recorder in front of it so the collector's profile scraper and the
// slow-query and aggregation analysis have what system.profile gives them on MongoDB.
// Relaying costs a copy and a loopback hop per message (see docs/databases/mongodb.md).
type Recorder struct {
	ln       net.Listener
	upstream string
	log      *slog.Logger
	size     int // operations kept
	slowMS   int

	mu     sync.Mutex
	ring   []Operation
	seq    int64
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Note: the recorder and the collector that reads it live in the same process (the harness
// embeds FerretDB), and the collector only has the URI: recorders are found by address.
var (
	recordersMu sync.Mutex
	recorders   = map[string]*Recorder{}
)

// RecorderAt returns the Recorder listening on addr (host:port) in this process, if any.
func RecorderAt(addr string) (*Recorder, bool) {
	recordersMu.Lock()
	defer recordersMu.Unlock()
	r, ok := recorders[addr]
	return r, ok
}

// newRecorder listens on a free loopback port and relays to upstream; slowMS is the
// threshold readers take as the profiler's slowms.
func newRecorder(upstream string, slowMS int, log *slog.Logger) (*Recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Recorder{ln: ln, upstream: upstream, log: log, size: recorderSize, slowMS: slowMS, conns: map[net.Conn]struct{}{}}
	recordersMu.Lock()
	recorders[r.Addr()] = r
	recordersMu.Unlock()
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// SlowMS is the threshold, in milliseconds, at which an operation counts as slow: the
// engine's slowms setting, as mongod's --slowms is the profiler's.
func (r *Recorder) SlowMS() int { return r.slowMS }

// Addr is the address clients connect to.
func (r *Recorder) Addr() string { return r.ln.Addr().String() }

// Since returns the operations recorded after seq (0: all it still has), the sequence
// number to ask from next time, and how many operations after seq it no longer has.
func (r *Recorder) Since(seq int64) (ops []Operation, next int64, missed int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	oldest := r.seq - int64(len(r.ring)) + 1 // sequence number of the oldest kept
	if seq+1 < oldest {
		missed = oldest - seq - 1
	}
	for _, op := range r.ring {
		if op.Seq > seq {
			ops = append(ops, op)
		}
	}
	sortOps(ops)
	return ops, r.seq, missed
}

func sortOps(ops []Operation) {
	for i := 1; i < len(ops); i++ { // the ring is almost sorted: insertion sort
		for j := i; j > 0 && ops[j].Seq < ops[j-1].Seq; j-- {
			ops[j], ops[j-1] = ops[j-1], ops[j]
		}
	}
}

// Close stops accepting, drops every relayed connection and waits for the relays to end.
func (r *Recorder) Close() {
	recordersMu.Lock()
	if recorders[r.Addr()] == r {
		delete(recorders, r.Addr())
	}
	recordersMu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.ln.Close()
	r.wg.Wait()
}

func (r *Recorder) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.upstream)
		if err != nil {
			r.log.Warn("wire recorder: cannot reach the server", "upstream", r.upstream, "err", err)
			c.Close()
			continue
		}
		if !r.track(c, up) {
			c.Close()
			up.Close()
			return
		}
		r.wg.Add(1)
		go r.relay(c, up)
	}
}

func (r *Recorder) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	for _, c := range conns {
		r.conns[c] = struct{}{}
	}
	return true
}

func (r *Recorder) untrack(conns ...net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range conns {
		delete(r.conns, c)
		c.Close()
	}
}

// relay passes one client's requests to the server and the answers back, in order: the
// wire protocol has one request in flight per connection, save exhaust replies (several
// answers) and moreToCome requests (none).
func (r *Recorder) relay(client, server net.Conn) {
	defer r.wg.Done()
	defer r.untrack(client, server)
	var req, resp []byte
	app := ""
	for {
		var err error
		if req, err = readMessage(client, req); err != nil {
			r.ended(err)
			return
		}
		at := time.Now()
		if _, err := server.Write(req); err != nil {
			return
		}
		if moreToCome(req) {
			continue
		}
		for {
			if resp, err = readMessage(server, resp); err != nil {
				r.ended(err)
				return
			}
			// Note: recorded before the client has its answer, so whoever reads the recorder
			// after an operation returned finds it there.
			last := !moreToCome(resp)
			if last {
				app = r.record(req, resp, at, time.Since(at), app)
			}
			if _, err := client.Write(resp); err != nil {
				return
			}
			if last {
				break
			}
		}
	}
}

func (r *Recorder) ended(err error) {
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		r.log.Debug("wire recorder: connection ended", "err", err)
	}
}

// record keeps one command with its answer; it returns the connection's application name,
// which the handshake announces.
func (r *Recorder) record(req, resp []byte, at time.Time, took time.Duration, app string) string {
	body, ok := msgBody(req)
	if !ok {
		return appName(req, app)
	}
	first, err := body.IndexErr(0)
	if err != nil {
		return app
	}
	cmd := first.Key()
	if notRecorded[cmd] {
		if a := clientApp(body); a != "" {
			app = a
		}
		return app
	}
	n, carried := sequenceCount(req)
	op := Operation{At: at, Command: cmd, Duration: took, AppName: app, Documents: int64(n)}
	if carried != nil && len(carried) <= maxRecordedBody {
		op.First = bson.Raw(append([]byte(nil), carried...))
	}
	if v, err := body.LookupErr("$db"); err == nil {
		op.Database, _ = v.StringValueOK()
	}
	if coll, ok := first.Value().StringValueOK(); ok {
		op.Collection = coll
	} else if cmd == "getMore" {
		if v, err := body.LookupErr("collection"); err == nil {
			op.Collection, _ = v.StringValueOK()
		}
	}
	if len(body) <= maxRecordedBody {
		op.Body = bson.Raw(append([]byte(nil), body...))
	}
	if ans, ok := msgBody(resp); ok {
		op.OK, op.Returned, op.Error = answer(ans)
	}
	r.mu.Lock()
	r.seq++
	op.Seq = r.seq
	if len(r.ring) < r.size {
		r.ring = append(r.ring, op)
	} else {
		r.ring[(op.Seq-1)%int64(r.size)] = op
	}
	r.mu.Unlock()
	return app
}

// answer reads ok, the documents returned (a cursor's batch, or n) and errmsg.
func answer(doc bsoncore.Document) (ok bool, returned int64, errmsg string) {
	if v, err := doc.LookupErr("ok"); err == nil {
		if f, isNum := v.AsFloat64OK(); isNum {
			ok = f == 1
		}
	}
	for _, batch := range []string{"firstBatch", "nextBatch"} {
		if v, err := doc.LookupErr("cursor", batch); err == nil {
			if arr, isArr := v.ArrayOK(); isArr {
				vals, _ := arr.Values()
				returned = int64(len(vals))
			}
			break
		}
	}
	if returned == 0 {
		if v, err := doc.LookupErr("n"); err == nil {
			if n, isNum := v.AsInt64OK(); isNum {
				returned = n
			}
		}
	}
	if v, err := doc.LookupErr("errmsg"); err == nil {
		errmsg, _ = v.StringValueOK()
	}
	return ok, returned, errmsg
}

// clientApp is client.application.name of a handshake document.
func clientApp(doc bsoncore.Document) string {
	v, err := doc.LookupErr("client", "application", "name")
	if err != nil {
		return ""
	}
	s, _ := v.StringValueOK()
	return s
}

// appName reads the application name from a legacy OP_QUERY handshake (the driver's first
// message on a connection), keeping app when there is none.
func appName(wm []byte, app string) string {
	_, _, _, op, rem, ok := wiremessage.ReadHeader(wm)
	if !ok || op != wiremessage.OpQuery {
		return app
	}
	// Note: the legacy OP_QUERY readers are deprecated, and still how the handshake comes.
	_, rem, ok = wiremessage.ReadQueryFlags(rem)
	if ok {
		_, rem, ok = wiremessage.ReadQueryFullCollectionName(rem)
	}
	if ok {
		_, rem, ok = wiremessage.ReadQueryNumberToSkip(rem)
	}
	if ok {
		_, rem, ok = wiremessage.ReadQueryNumberToReturn(rem)
	}
	if !ok {
		return app
	}
	doc, _, ok := wiremessage.ReadQueryQuery(rem)
	if !ok {
		return app
	}
	if a := clientApp(doc); a != "" {
		return a
	}
	return app
}
