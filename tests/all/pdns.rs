//! A real `PowerDNS` Authoritative server for the DNS tests, from Debian's packages
//! (`pdns-server`, `pdns-backend-sqlite3`; `dig` from `dnsutils`; the `sqlite3` CLI to load the
//! schema). Each test starts its own `pdns_server` on loopback with free high ports (DNS and
//! HTTP API), a fresh sqlite3 database from the schema Debian ships, and a random API key; it
//! is killed when dropped. A pdns service that Debian's postinst may have started on port 53
//! is neither used nor disturbed.
//!
//! When the programs are missing and we run as root with `apt-get`, they are installed;
//! otherwise the test fails with the exact command to run.

#![allow(dead_code, reason = "each test uses a different part of the server")]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where Debian's `pdns-backend-sqlite3` puts the schema.
const SCHEMA: &str = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";
const PACKAGES: &str = "pdns-server pdns-backend-sqlite3 dnsutils sqlite3";

/// A running `pdns_server`.
pub struct PowerDns {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`, the API's base (the node appends `/api/v1/servers/...`).
    pub api_url: String,
    pub api_key: String,
    pub dns_port: u16,
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args([
            "-c",
            &format!("command -v {program} || test -x /usr/sbin/{program}"),
        ])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure `pdns_server`, `pdnsutil`, `dig` and `sqlite3` are there (once per process).
pub fn ensure_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let missing = || {
            ["pdns_server", "pdnsutil", "dig", "sqlite3"]
                .into_iter()
                .any(|p| !have(p))
                || !Path::new(SCHEMA).is_file()
        };
        if !missing() {
            return;
        }
        let command =
            format!("apt-get update && apt-get install -y --no-install-recommends {PACKAGES}");
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        assert!(
            root && have("apt-get"),
            "the DNS tests need PowerDNS, dig and sqlite3; install them with: {command}"
        );
        let status = Command::new("sh")
            .args(["-c", &command])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .expect("run apt-get");
        assert!(
            status.success() && !missing(),
            "installing the DNS test programs failed; run: {command}"
        );
        // The package may start its own service on port 53; ours use other ports.
    });
}

fn program(name: &str) -> PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    if sbin.is_file() {
        sbin
    } else {
        PathBuf::from(name)
    }
}

/// A port free for both TCP and UDP on 127.0.0.1 (DNS listens on both).
fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for both TCP and UDP on 127.0.0.1");
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn random_key() -> String {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

impl PowerDns {
    /// Starts a server with an empty database.
    pub fn start() -> Self {
        ensure_installed();
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("pdns.sqlite3");
        let schema = std::fs::File::open(SCHEMA).expect("open the sqlite3 schema");
        let out = Command::new("sqlite3")
            .arg(&db)
            .stdin(schema)
            .output()
            .expect("run sqlite3");
        assert!(
            out.status.success(),
            "loading the schema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let api_key = random_key();
        let (dns_port, api_port) = (free_port(), free_tcp_port());
        let conf = format!(
            "launch=gsqlite3\ngsqlite3-database={db}\nlocal-address=127.0.0.1\nlocal-port={dns_port}\n\
             webserver=yes\nwebserver-address=127.0.0.1\nwebserver-port={api_port}\nwebserver-allow-from=127.0.0.0/8\n\
             api=yes\napi-key={api_key}\nsocket-dir={dir}\nguardian=no\ndaemon=no\ndisable-syslog=yes\n\
             security-poll-suffix=\ncache-ttl=0\nnegquery-cache-ttl=0\nquery-cache-ttl=0\nzone-cache-refresh-interval=0\nloglevel=4\n",
            db = db.display(),
            dir = dir.path().display()
        );
        std::fs::write(dir.path().join("pdns.conf"), conf).expect("write pdns.conf");
        let log = std::fs::File::create(dir.path().join("pdns.log")).expect("log file");
        let child = Command::new(program("pdns_server"))
            .arg(format!("--config-dir={}", dir.path().display()))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start pdns_server");
        let mut server = Self {
            child,
            dir,
            api_url: format!("http://127.0.0.1:{api_port}"),
            api_key,
            dns_port,
        };
        server.wait_ready();
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pdns.log")).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pdns_server exited ({status}): {}", self.log());
            }
            if self
                .api_get("/api/v1/servers/localhost")
                .is_some_and(|(code, _)| code == 200)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pdns_server did not answer within 20 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A GET on the API: status and body.
    pub fn api_get(&self, path: &str) -> Option<(u16, String)> {
        let authority = self.api_url.strip_prefix("http://")?;
        let mut stream = TcpStream::connect(authority).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let head = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nX-API-Key: {}\r\nConnection: close\r\n\r\n",
            self.api_key
        );
        stream.write_all(head.as_bytes()).ok()?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw).ok()?;
        let status = raw.split(' ').nth(1)?.parse().ok()?;
        let body = raw
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Some((status, body))
    }

    /// Runs `pdnsutil` against this server's database.
    pub fn pdnsutil(&self, args: &[&str]) -> Output {
        let out = Command::new(program("pdnsutil"))
            .arg(format!("--config-dir={}", self.dir.path().display()))
            .args(args)
            .output()
            .expect("run pdnsutil");
        assert!(
            out.status.success(),
            "pdnsutil {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Creates a zone with a name server record.
    pub fn create_zone(&self, zone: &str) {
        self.pdnsutil(&["create-zone", zone, &format!("ns1.{zone}")]);
    }

    /// Adds a record set (`name` relative to the zone, `@` for the apex).
    pub fn add_record(&self, zone: &str, name: &str, rtype: &str, ttl: u32, values: &[&str]) {
        let ttl = ttl.to_string();
        let mut args = vec!["add-record", zone, name, rtype, &ttl];
        args.extend_from_slice(values);
        self.pdnsutil(&args);
    }

    /// What the server answers for `name` `rtype`, as `dig +short` prints it, sorted.
    pub fn dig(&self, name: &str, rtype: &str) -> Vec<String> {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.dns_port.to_string(),
                "+short",
                "+tries=2",
                "+time=2",
                name,
                rtype,
            ])
            .output()
            .expect("run dig");
        assert!(
            out.status.success(),
            "dig {name} {rtype}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    }
}

impl Drop for PowerDns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
