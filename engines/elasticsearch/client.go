package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dbharness/dbharness/engines"
)

// Note: one small REST layer for Elasticsearch 7, 8 and OpenSearch 2 instead of
// go-elasticsearch and opensearch-go. go-elasticsearch v8 refuses OpenSearch (its product
// check fails on OpenSearch's answers) and its Info() fails on the 8.x integ-test zip (GET /
// answers 405 there); opensearch-go would be a second client with a second set of types for
// the same JSON. What the harness sends (bulk NDJSON, _search bodies, _cluster/health,
// _nodes/stats) is plain JSON over HTTP, so one http.Client with keep-alive, basic auth or an
// API key, and the answers decoded into maps or small structs serves all three.

// A Target is a parsed DSN: http(s)://[user:password@]host:port[,host:port...][?api_key=...].
// Several hosts name the nodes of one cluster; requests go to the first that answers.
type Target struct {
	Scheme   string   // http or https
	Hosts    []string // host:port
	User     string
	Password string
	APIKey   string            // sent as Authorization: ApiKey <key>
	Params   map[string]string // other query parameters, kept for the collector (slowlog=...)
}

// ParseDSN reads a DSN; the error never quotes the password.
//
// Note: parsed by hand, not with url.Parse, which refuses several hosts in one authority
// ("host:9200,host:9201" is not a valid port).
func ParseDSN(dsn string) (Target, error) {
	const want = "want http://[user:password@]host:port[,host:port...][?api_key=KEY]"
	rest := strings.TrimSpace(dsn)
	t := Target{Scheme: "http", Params: map[string]string{}}
	if scheme, after, ok := strings.Cut(rest, "://"); ok {
		switch scheme {
		case "http", "https":
			t.Scheme = scheme
		case "elasticsearch", "opensearch":
		default:
			return Target{}, fmt.Errorf("elasticsearch DSN %q: scheme %q: %s", engines.RedactDSN(dsn), scheme, want)
		}
		rest = after
	}
	rest, query, _ := strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "/")
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		user, pass, _ := strings.Cut(rest[:i], ":")
		var err1, err2 error
		t.User, err1 = url.PathUnescape(user)
		t.Password, err2 = url.PathUnescape(pass)
		if err1 != nil || err2 != nil {
			return Target{}, errors.New("the elasticsearch DSN's user or password has a bad %-escape: " + want)
		}
		rest = rest[i+1:]
	}
	for _, h := range strings.Split(rest, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, port, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "9200")
		} else if _, err := strconv.Atoi(port); err != nil {
			return Target{}, fmt.Errorf("elasticsearch DSN %q: port %q is not a number: %s", engines.RedactDSN(dsn), port, want)
		}
		t.Hosts = append(t.Hosts, h)
	}
	if len(t.Hosts) == 0 {
		return Target{}, fmt.Errorf("elasticsearch DSN %q names no host: %s", engines.RedactDSN(dsn), want)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Target{}, errors.New("the elasticsearch DSN's parameters are not a query string: " + want)
	}
	for k, v := range q {
		if len(v) == 0 {
			continue
		}
		if k == "api_key" {
			t.APIKey = v[0]
			continue
		}
		t.Params[k] = v[0]
	}
	return t, nil
}

// String is the DSN, with the credentials.
func (t Target) String() string {
	var b strings.Builder
	b.WriteString(t.Scheme + "://")
	if t.User != "" {
		b.WriteString(url.UserPassword(t.User, t.Password).String() + "@")
	}
	b.WriteString(strings.Join(t.Hosts, ","))
	q := url.Values{}
	for k, v := range t.Params {
		q.Set(k, v)
	}
	if t.APIKey != "" {
		q.Set("api_key", t.APIKey)
	}
	if len(q) > 0 {
		b.WriteString("/?" + q.Encode())
	}
	return b.String()
}

// Address is the hosts, comma-separated, without credentials.
func (t Target) Address() string { return strings.Join(t.Hosts, ",") }

// A Client sends requests to a Target. It is safe for concurrent use.
type Client struct {
	t    Target
	http *http.Client
	next atomic.Uint32 // the host that answered last
}

// ClientOption changes a Client.
type ClientOption func(*http.Transport, *http.Client)

// WithConnections bounds the idle connections kept per host (default 16).
func WithConnections(n int) ClientOption {
	return func(tr *http.Transport, _ *http.Client) { tr.MaxIdleConnsPerHost = n; tr.MaxConnsPerHost = 0 }
}

// WithTimeout bounds each request (default 30s); ctx may end it sooner.
func WithTimeout(d time.Duration) ClientOption {
	return func(_ *http.Transport, c *http.Client) { c.Timeout = d }
}

// NewClient makes a client for t; it connects on the first request.
func NewClient(t Target, opts ...ClientOption) *Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	for _, o := range opts {
		o(tr, c)
	}
	return &Client{t: t, http: c}
}

// Target is what the client talks to.
func (c *Client) Target() Target { return c.t }

// Close releases the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// An Error is an answer with an error status. Type and Reason come from the body's
// error.type and error.reason (version_conflict_engine_exception, es_rejected_execution_exception, ...).
type Error struct {
	Method, Path string
	Host         string
	Status       int
	Type, Reason string
	Body         string // the start of an answer without an error object
}

func (e *Error) Error() string {
	if e.Type != "" {
		return fmt.Sprintf("%s %s at %s: %d %s: %s", e.Method, e.Path, e.Host, e.Status, e.Type, e.Reason)
	}
	if e.Reason != "" {
		return fmt.Sprintf("%s %s at %s: %d: %s", e.Method, e.Path, e.Host, e.Status, e.Reason)
	}
	if e.Body != "" {
		return fmt.Sprintf("%s %s at %s: status %d: %s", e.Method, e.Path, e.Host, e.Status, e.Body)
	}
	return fmt.Sprintf("%s %s at %s: status %d", e.Method, e.Path, e.Host, e.Status)
}

// errDial marks a request no node received: the connection was refused or timed out.
var errDial = errors.New("no connection")

// Do sends a request to a node of the target and returns the body of a 2xx answer. body is
// nil, a []byte (sent as is: NDJSON for _bulk) or anything json.Marshal takes. A node that
// refuses the connection is skipped for the next one; a request that reached a node is
// never sent again. An error status is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body any) ([]byte, error) {
	return c.DoOn(ctx, "", method, path, body)
}

// DoOn is Do on one host (host:port) of the target, or any of them when host is "".
func (c *Client) DoOn(ctx context.Context, host, method, path string, body any) ([]byte, error) {
	var payload []byte
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		payload = b
		if strings.HasPrefix(path, "/_bulk") || strings.Contains(path, "/_bulk") || strings.Contains(path, "/_msearch") {
			ctype = "application/x-ndjson"
		}
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
	}
	hosts := c.t.Hosts
	if host != "" {
		hosts = []string{host}
	}
	start := int(c.next.Load())
	var lastErr error
	for i := range hosts {
		h := hosts[(start+i)%len(hosts)]
		out, err := c.once(ctx, h, method, path, ctype, payload)
		if err == nil {
			if host == "" && i > 0 {
				c.next.Store(uint32((start + i) % len(hosts)))
			}
			return out, nil
		}
		// Note: only a refused connection moves on to the next node: a request that may have
		// reached a node is not sent twice (a load generator that retries hides errors).
		if !errors.Is(err, errDial) || ctx.Err() != nil {
			return out, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (c *Client) once(ctx context.Context, host, method, path, ctype string, payload []byte) ([]byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.t.Scheme+"://"+host+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s at %s: %w", method, path, host, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case c.t.APIKey != "":
		req.Header.Set("Authorization", "ApiKey "+c.t.APIKey)
	case c.t.User != "":
		req.SetBasicAuth(c.t.User, c.t.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, fmt.Errorf("%s %s at %s: %w: %w", method, path, host, errDial, engines.Redact(err))
		}
		return nil, fmt.Errorf("%s %s at %s: %w", method, path, host, engines.Redact(err))
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s at %s: read answer: %w", method, path, host, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Method: method, Path: path, Host: host, Status: resp.StatusCode}
		var body struct {
			Error json.RawMessage `json:"error"`
		}
		if json.Unmarshal(out, &body) == nil && len(body.Error) > 0 {
			var obj struct{ Type, Reason string }
			if json.Unmarshal(body.Error, &obj) == nil && obj.Type != "" {
				e.Type, e.Reason = obj.Type, obj.Reason
			} else {
				var s string
				_ = json.Unmarshal(body.Error, &s)
				e.Reason = s
			}
		} else if method != http.MethodHead && len(out) > 0 {
			e.Body = engines.RedactDSN(string(out[:min(len(out), 300)]))
		}
		return out, e
	}
	return out, nil
}

// JSON sends a request and decodes a 2xx answer into out.
func (c *Client) JSON(ctx context.Context, method, path string, body, out any) error {
	return c.JSONOn(ctx, "", method, path, body, out)
}

// JSONOn is JSON on one host.
func (c *Client) JSONOn(ctx context.Context, host, method, path string, body, out any) error {
	b, err := c.DoOn(ctx, host, method, path, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// Health is _cluster/health.
type Health struct {
	ClusterName         string  `json:"cluster_name"`
	Status              string  `json:"status"`
	TimedOut            bool    `json:"timed_out"`
	Nodes               int     `json:"number_of_nodes"`
	DataNodes           int     `json:"number_of_data_nodes"`
	ActivePrimaryShards int     `json:"active_primary_shards"`
	ActiveShards        int     `json:"active_shards"`
	RelocatingShards    int     `json:"relocating_shards"`
	InitializingShards  int     `json:"initializing_shards"`
	UnassignedShards    int     `json:"unassigned_shards"`
	DelayedUnassigned   int     `json:"delayed_unassigned_shards"`
	PendingTasks        int     `json:"number_of_pending_tasks"`
	InFlightFetch       int     `json:"number_of_in_flight_fetch"`
	MaxTaskWaitMillis   float64 `json:"task_max_waiting_in_queue_millis"`
	ActiveShardsPercent float64 `json:"active_shards_percent_as_number"`
}

// ClusterHealth asks for _cluster/health; query is appended as is ("wait_for_status=green&timeout=1s").
func (c *Client) ClusterHealth(ctx context.Context, query string) (Health, error) {
	var h Health
	path := "/_cluster/health"
	if query != "" {
		path += "?" + query
	}
	b, err := c.Do(ctx, http.MethodGet, path, nil)
	// Note: a wait that times out answers 408 with the health in the body.
	var esErr *Error
	if err != nil && !(errors.As(err, &esErr) && esErr.Status == http.StatusRequestTimeout) {
		return h, err
	}
	if jerr := json.Unmarshal(b, &h); jerr != nil {
		return h, fmt.Errorf("_cluster/health: decode answer: %w", jerr)
	}
	return h, nil
}

// Server is what a node says it runs.
type Server struct {
	Flavor  string // elasticsearch or opensearch
	Version string // 8.19.21
}

// ServerInfo finds the distribution and version. GET / is the usual way, but the
// Elasticsearch 8 integ-test zip answers it with 405 (the module that serves it is not in
// the zip), so then the version comes from _nodes/_local. OpenSearch always serves GET /
// (its version.distribution says "opensearch"), so a server that does not is Elasticsearch.
func (c *Client) ServerInfo(ctx context.Context) (Server, error) {
	var root struct {
		Version struct {
			Number       string `json:"number"`
			Distribution string `json:"distribution"`
		} `json:"version"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/", nil, &root); err == nil && root.Version.Number != "" {
		s := Server{Flavor: FlavorElasticsearch, Version: root.Version.Number}
		if root.Version.Distribution == FlavorOpenSearch {
			s.Flavor = FlavorOpenSearch
		}
		return s, nil
	}
	var nodes struct {
		Nodes map[string]struct {
			Version string `json:"version"`
		} `json:"nodes"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/_nodes/_local?filter_path=nodes.*.version", nil, &nodes); err != nil {
		return Server{}, fmt.Errorf("find the server's version: %w", err)
	}
	for _, n := range nodes.Nodes {
		return Server{Flavor: FlavorElasticsearch, Version: n.Version}, nil
	}
	return Server{}, errors.New("find the server's version: _nodes/_local listed no node")
}
