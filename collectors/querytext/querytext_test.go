package querytext

import (
	"strings"
	"testing"
)

// Every secret of every dialect is masked, whatever the text around it.
func TestSecretsAreMaskedInEveryDialect(t *testing.T) {
	for _, c := range []struct{ in, secret string }{
		{`ALTER ROLE postgres PASSWORD 'hunter2-SECRET'`, "hunter2"},
		{`alter role bob with encrypted password 'md5abc123' valid until 'infinity'`, "md5abc123"},
		{`CREATE ROLE app LOGIN PASSWORD $$pa ss$$`, "pa ss"},
		{`CREATE USER 'u'@'%' IDENTIFIED BY 'my-sekrit'`, "my-sekrit"},
		{`ALTER USER u IDENTIFIED WITH mysql_native_password BY 'nat1ve'`, "nat1ve"},
		{`SET PASSWORD FOR 'u'@'localhost' = PASSWORD('old-style')`, "old-style"},
		{`ALTER USER scott IDENTIFIED BY tiger REPLACE lion`, "tiger"},
		{`ALTER USER scott IDENTIFIED BY tiger REPLACE lion`, "lion"},
		{`CREATE USER c##app IDENTIFIED BY "Quoted#1"`, "Quoted#1"},
		{`CREATE LOGIN app WITH PASSWORD = 'T-SQL!pw', CHECK_POLICY = OFF`, "T-SQL!pw"},
		{`CREATE ROLE r WITH PASSWORD = 'cql-pw' AND LOGIN = true`, "cql-pw"},
		{`AUTH s3cret`, "s3cret"},
		{`auth default s3cret2`, "s3cret2"},
		{`HELLO 3 AUTH default hellopw`, "hellopw"},
		{`CONFIG SET requirepass newpass`, "newpass"},
		{`config set masterauth mauth`, "mauth"},
		{`ACL SETUSER alice on >p4ss ~* +@all`, "p4ss"},
		{`MIGRATE 127.0.0.1 6380 "" 0 5000 AUTH migpw KEYS a b`, "migpw"},
		{`db.createUser({user: "u", pwd: "mongo-pw", roles: []})`, "mongo-pw"},
		{`{"createUser": "u", "pwd": "json-pw"}`, "json-pw"},
		{`SELECT dblink_connect('host=db password=dbl1nk user=x')`, "dbl1nk"},
		{`COPY t FROM PROGRAM 'curl postgres://u:urlpw@h/db'`, "urlpw"},
		{`{"api_key": "ak-123"}`, "ak-123"},
	} {
		for name, got := range map[string]string{"Secrets": Secrets(c.in), "SQL": SQL(c.in, ANSI), "MySQL": SQL(c.in, MySQL),
			"PostgreSQL": SQL(c.in, PostgreSQL), "Document": Document(c.in)} {
			if strings.Contains(got, c.secret) {
				t.Errorf("%s(%q) = %q: the secret %q is still there", name, c.in, got, c.secret)
			}
		}
	}
}

func TestLiteralsBecomePlaceholders(t *testing.T) {
	for _, c := range []struct {
		in   string
		d    Dialect
		want string
	}{
		{"SELECT * FROM t WHERE a = 'x''y' AND b = 42", ANSI, "SELECT * FROM t WHERE a = ? AND b = ?"},
		{"UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2", PostgreSQL, "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2"},
		{`SELECT "Name", t1.c2 FROM "T" t1 -- a comment` + "\n WHERE x IN (1, 2.5, 3e4)", ANSI, `SELECT "Name", t1.c2 FROM "T" t1 WHERE x IN (?, ?, ?)`},
		{`SELECT * FROM t WHERE name = "bob" # why`, MySQL, "SELECT * FROM t WHERE name = ?"},
		{"SELECT $fn$ body $fn$, /* c */ 7", PostgreSQL, "SELECT ?, ?"},
		{"SELECT :1 FROM dual WHERE x = :2", Oracle, "SELECT :1 FROM dual WHERE x = :2"},
		{"SELECT 'unterminated", ANSI, "SELECT ?"},
	} {
		if got := SQL(c.in, c.d); got != c.want {
			t.Errorf("SQL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got, want := Document(`{"status": "A", "qty": {"$lt": 30}, "tags": ["x", -1.5]}`), `{"status": ?, "qty": {"$lt": ?}, "tags": [?, ?]}`; got != want {
		t.Errorf("Document = %q, want %q", got, want)
	}
}

func FuzzSQL(f *testing.F) {
	for _, s := range []string{"ALTER ROLE x PASSWORD 'y'", "SELECT $1, 'a''b', \"c\" -- d", "$$", "AUTH a b", "'\\", "/*"} {
		f.Add(s, "pw123456")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		for _, d := range []Dialect{ANSI, PostgreSQL, MySQL} {
			_ = SQL(text, d)
		}
		_ = Document(text)
		if len(secret) < 6 || strings.ContainsAny(secret, "'\\\"$ \t\n\r;,)") {
			return
		}
		for _, tmpl := range []string{"ALTER ROLE r PASSWORD '%s'", "CREATE USER u IDENTIFIED BY '%s'", "AUTH %s", "CONFIG SET requirepass %s"} {
			in := strings.Replace(tmpl, "%s", secret, 1)
			if strings.Contains(in, secret) && strings.Contains(SQL(text+"; "+in, PostgreSQL), secret) && !strings.Contains(text, secret) {
				t.Errorf("secret %q survives in %q", secret, SQL(text+"; "+in, PostgreSQL))
			}
		}
	})
}
