//! Hostile and broken servers (issue 5): a raw TCP server of the tests' own
//! writes exactly the bytes each test scripts — cut bodies, resets, HTML
//! error pages, a server that never answers, one that drips, one that
//! never stops — and each test asserts the error the user gets, that it
//! arrives within a bounded time, what the server received, and that the API
//! key appears in no error's `Display` or `Debug`.
//!
//! The server stops by itself: its threads poll a stop flag (set on drop)
//! and every wait in a script is bounded, so no thread outlives its test.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kratos_identity::{CreateIdentityBody, Error, IdentityClient, RetryPolicy, TransportErrorKind};
use serde_json::json;

// ------------------------------------------------------------ the raw server

/// The longest any server thread lives, whatever a script does.
const SERVER_LIFETIME: Duration = Duration::from_secs(30);

/// One request as the server received it.
#[derive(Debug, Clone)]
struct Seen {
    /// `GET /admin/identities?page_size=2 HTTP/1.1`
    line: String,
    /// Names lower-cased, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn method(&self) -> &str {
        self.line.split(' ').next().unwrap_or("")
    }

    fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
}

/// What the connection does once a script has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Read the next request on the same connection.
    KeepAlive,
    /// Read the rest of the request, then close (FIN).
    Close,
    /// Close without reading the request: the kernel answers the unread
    /// bytes with a RST, so the client sees a reset, not an end of file.
    Reset,
}

/// One connection, as seen by a script.
struct Conn {
    stream: TcpStream,
    shared: Arc<Shared>,
}

impl Conn {
    /// Writes all of `bytes`, counting what the kernel accepted. `false` when
    /// the client went away (or the server is stopping).
    fn send(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.shared.stopping() {
                return false;
            }
            match self.stream.write(rest) {
                Ok(0) => return false,
                Ok(n) => {
                    self.shared.written.fetch_add(n as u64, Ordering::SeqCst);
                    rest = &rest[n..];
                }
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
        true
    }

    /// A complete response with `Content-Length` and `Connection: close`.
    fn respond(&mut self, status: &str, headers: &[(&str, &str)], body: &[u8]) -> bool {
        let head = head(status, headers, Some(body.len()));
        self.send(format!("{head}connection: close\r\n\r\n").as_bytes()) && self.send(body)
    }

    /// Sleeps `d` in small steps; `false` if the server is stopping.
    fn pause(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.shared.stopping() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10).min(until - Instant::now()));
        }
        !self.shared.stopping()
    }

    /// Says nothing until the server stops (or its lifetime ends).
    fn hang(&self) {
        self.pause(SERVER_LIFETIME);
    }
}

/// A status line and headers, without the blank line that ends the head.
fn head(status: &str, headers: &[(&str, &str)], content_length: Option<usize>) -> String {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = content_length {
        head.push_str(&format!("content-length: {n}\r\n"));
    }
    head
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

type Script = dyn Fn(usize, &Seen, &mut Conn) -> After + Send + Sync;

struct Shared {
    stop: AtomicBool,
    born: Instant,
    requests: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
    /// Bytes the kernel accepted from the scripts' writes, all connections.
    written: AtomicU64,
    /// Scripts that have returned.
    scripts_done: AtomicUsize,
    script: Box<Script>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.born.elapsed() > SERVER_LIFETIME
    }
}

/// A TCP server on 127.0.0.1 that runs `script(n, request, conn)` for the
/// n-th request it receives (0-based, across connections).
struct RawServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start(script: impl Fn(usize, &Seen, &mut Conn) -> After + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            born: Instant::now(),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            written: AtomicU64::new(0),
            scripts_done: AtomicUsize::new(0),
            script: Box::new(script),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::spawn(move || accept_loop(listener, thread_shared));
        RawServer {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// Answers every request with the same complete response.
    fn always(status: &'static str, headers: &'static [(&str, &str)], body: &'static str) -> Self {
        Self::start(move |_, _, conn| {
            conn.respond(status, headers, body.as_bytes());
            After::Close
        })
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<Seen> {
        self.shared.requests.lock().unwrap().clone()
    }

    fn written(&self) -> u64 {
        self.shared.written.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until `n` scripts have returned.
    fn wait_scripts(&self, n: usize, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if self.shared.scripts_done.load(Ordering::SeqCst) >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = Vec::new();
    while !shared.stopping() {
        match listener.accept() {
            Ok((stream, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let shared = Arc::clone(&shared);
                connections.push(std::thread::spawn(move || serve(stream, shared)));
            }
            // Nothing pending (or a transient accept error): poll again.
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    for c in connections {
        let _ = c.join();
    }
}

fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_millis(50)));
    let mut conn = Conn {
        stream,
        shared: Arc::clone(&shared),
    };
    loop {
        // The request is only peeked at: a script that resets leaves it
        // unread so that closing sends a RST.
        let Some((seen, len)) = peek_request(&conn.stream, &shared) else {
            return;
        };
        let n = {
            let mut requests = shared.requests.lock().unwrap();
            requests.push(seen.clone());
            requests.len() - 1
        };
        let after = (shared.script)(n, &seen, &mut conn);
        shared.scripts_done.fetch_add(1, Ordering::SeqCst);
        match after {
            After::Reset => return,
            After::Close | After::KeepAlive => {
                if !consume(&mut conn.stream, len, &shared) {
                    return;
                }
                if after == After::Close {
                    let _ = conn.stream.shutdown(std::net::Shutdown::Write);
                    // Let the client read the FIN before the socket goes.
                    drain(&mut conn.stream, &shared);
                    return;
                }
            }
        }
    }
}

/// Peeks until a whole request (head and `Content-Length` body) is
/// buffered; returns it and its length in bytes. `None` when the client
/// closed or the server is stopping.
fn peek_request(stream: &TcpStream, shared: &Shared) -> Option<(Seen, usize)> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut last = 0;
    loop {
        if shared.stopping() {
            return None;
        }
        let n = match stream.peek(&mut buf) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) if is_timeout(&e) => continue,
            Err(_) => return None,
        };
        if let Some(end) = find(&buf[..n], b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let line = lines.next().unwrap_or("").to_string();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let body_len: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let total = end + 4 + body_len;
            if n >= total {
                let body = buf[end + 4..total].to_vec();
                return Some((
                    Seen {
                        line,
                        headers,
                        body,
                    },
                    total,
                ));
            }
        }
        if n == last {
            // Partial request, nothing new yet.
            std::thread::sleep(Duration::from_millis(2));
        }
        last = n;
    }
}

fn consume(stream: &mut TcpStream, mut len: usize, shared: &Shared) -> bool {
    let mut buf = [0u8; 8192];
    while len > 0 {
        if shared.stopping() {
            return false;
        }
        match stream.read(&mut buf[..len.min(8192)]) {
            Ok(0) => return false,
            Ok(n) => len -= n,
            Err(e) if is_timeout(&e) => {}
            Err(_) => return false,
        }
    }
    true
}

/// Reads and drops whatever the client still sends until it closes (at
/// most a second).
fn drain(stream: &mut TcpStream, shared: &Shared) {
    let until = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 8192];
    while Instant::now() < until && !shared.stopping() {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A port nothing listens on: bound, then released.
fn dead_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

// ------------------------------------------------------------ fixtures

const KEY: &str = "ory_pat_SECRET_in_faults";
const ID: &str = "9f425a8d-7efc-4768-8f23-7647a74fdf13";
const IDENTITY: &str = r#"{"id":"9f425a8d-7efc-4768-8f23-7647a74fdf13","schema_id":"default","schema_url":"","traits":{"email":"a@example.com"}}"#;
const JSON: &[(&str, &str)] = &[("content-type", "application/json")];
/// Every error must arrive within this.
const BOUND: Duration = Duration::from_secs(5);

fn identity_json(n: u32) -> String {
    format!(
        r#"{{"id":"{}","schema_id":"default","schema_url":"","traits":{{"email":"user{n}@example.com"}}}}"#,
        identity_id(n)
    )
}

fn identity_id(n: u32) -> String {
    format!("9f425a8d-7efc-4768-8f23-{n:012x}")
}

fn page_json(ns: &[u32]) -> String {
    let items: Vec<String> = ns.iter().map(|&n| identity_json(n)).collect();
    format!("[{}]", items.join(","))
}

/// A client with the key, short timeouts and no retries, so each case
/// shows the one failure it provokes.
fn client(url: &str) -> IdentityClient {
    builder(url).max_retries(0).build().unwrap()
}

fn builder(url: &str) -> kratos_identity::ClientBuilder {
    IdentityClient::builder(url)
        .bearer_token(KEY)
        .timeout(Duration::from_secs(4))
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(3))
}

/// Small backoff so retries are quick.
fn quick_retries(n: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(n)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// The key appears nowhere in the error: `Display`, `Debug` (plain and
/// pretty), nor in any error of its `source` chain.
fn assert_no_key(err: &Error) {
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    for text in texts {
        assert!(
            !text.contains(KEY) && !text.contains("SECRET"),
            "the key leaked: {text}"
        );
    }
}

/// Every request carried the key (so the leak check is not vacuous) and
/// asked for `path`.
fn assert_requests(server: &RawServer, count: usize, method: &str, path: &str) -> Vec<Seen> {
    let seen = server.requests();
    assert_eq!(seen.len(), count, "requests: {seen:#?}");
    let bearer = format!("Bearer {KEY}");
    for s in &seen {
        assert_eq!(s.method(), method, "{s:?}");
        assert!(s.line.ends_with(" HTTP/1.1"), "{s:?}");
        assert_eq!(
            s.target().split('?').next(),
            Some(path),
            "request line {:?}",
            s.line
        );
        assert_eq!(s.header("authorization"), Some(bearer.as_str()), "{s:?}");
    }
    seen
}

fn assert_quick(elapsed: Duration) {
    assert!(elapsed < BOUND, "took {elapsed:?}");
}

fn transport_kind(err: &Error) -> Option<TransportErrorKind> {
    match err {
        Error::Transport { kind, .. } => Some(*kind),
        _ => None,
    }
}

fn get_identity(client: &IdentityClient) -> (Result<kratos_identity::Identity, Error>, Duration) {
    timed(|| client.get_identity(ID).send())
}

// ------------------------------------------------------------ cut bodies

#[test]
fn truncated_json_body_is_a_decode_error() {
    let cut = &IDENTITY[..IDENTITY.len() / 2];
    let server = RawServer::start(move |_, _, conn| {
        // The Content-Length is right for what is sent: only the JSON is cut.
        conn.respond("200 OK", JSON, cut.as_bytes());
        After::Close
    });
    // Default retries: a decode error is not retried.
    let client = builder(&server.url()).build().unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    // Truncated JSON: the error says where it stopped, not what the body held.
    let details = err.decode_error().expect("a decode error");
    assert_eq!(details.status(), 200);
    assert!(details.position().is_some(), "{err:?}");
    assert!(details.body_start().is_none(), "{err:?}");
    assert!(!err.to_string().contains("ada@"), "{err}");
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

/// A body that ends before its `Content-Length`.
fn short_body_server() -> RawServer {
    RawServer::start(|_, _, conn| {
        let head = head("200 OK", JSON, Some(IDENTITY.len()));
        conn.send(format!("{head}\r\n").as_bytes());
        conn.send(&IDENTITY.as_bytes()[..40]);
        After::Close
    })
}

#[test]
fn body_shorter_than_its_content_length_is_a_transport_io_error() {
    let server = short_body_server();
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Io),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn body_shorter_than_its_content_length_is_retried_on_a_get() {
    let server = short_body_server();
    let client = builder(&server.url())
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportErrorKind::Io,
            attempts: 3,
            ..
        } => {}
        other => panic!("expected a transport error after 3 attempts, got {other:?}"),
    }
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 3, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn connection_closed_after_the_headers_is_a_transport_io_error() {
    let server = RawServer::start(|_, _, conn| {
        let head = head("200 OK", JSON, Some(IDENTITY.len()));
        conn.send(format!("{head}\r\n").as_bytes());
        After::Close
    });
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Io),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

/// The harness itself: `After::Reset` really makes the kernel send a RST
/// (seen by a plain socket as `ConnectionReset`), so the test below tests a
/// reset and not an ordinary close.
#[test]
fn harness_reset_sends_a_real_rst() {
    let server = RawServer::start(|_, _, conn| {
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhalf");
        conn.pause(Duration::from_millis(50));
        After::Reset
    });
    let mut socket = TcpStream::connect(server.addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    let mut outcome = None;
    for _ in 0..10 {
        match socket.read(&mut buf) {
            Ok(0) => {
                outcome = Some(ErrorKind::UnexpectedEof);
                break;
            }
            Ok(_) => {}
            Err(e) => {
                outcome = Some(e.kind());
                break;
            }
        }
    }
    assert_eq!(outcome, Some(ErrorKind::ConnectionReset));
}

#[test]
fn connection_reset_mid_body_is_a_transport_io_error() {
    let server = RawServer::start(|_, _, conn| {
        let head = head("200 OK", JSON, Some(IDENTITY.len()));
        conn.send(format!("{head}\r\n").as_bytes());
        conn.send(&IDENTITY.as_bytes()[..IDENTITY.len() / 2]);
        conn.pause(Duration::from_millis(50));
        // The request stays unread: closing now sends a RST.
        After::Reset
    });
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Io),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

// ------------------------------------------------------------ wrong bodies

#[test]
fn html_502_page_is_an_api_error_with_the_raw_body() {
    const PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\r\n</html>\r\n";
    let server = RawServer::always("502 Bad Gateway", &[("content-type", "text/html")], PAGE);
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    match &err {
        Error::Api(api) => {
            assert_eq!(api.status, 502);
            assert!(api.error.is_none(), "{api:?}");
            assert_eq!(api.raw_body.as_deref(), Some(PAGE));
        }
        other => panic!("expected Api, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("502") && shown.contains("nginx"), "{shown}");
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn non_json_200_is_a_decode_error() {
    let server = RawServer::always(
        "200 OK",
        &[("content-type", "text/plain")],
        "everything is fine",
    );
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_eq!(
        err.decode_error().and_then(|d| d.body_start()),
        Some("everything is fine"),
        "a body that is not JSON is shown from its start"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn wrong_json_shape_for_a_list_is_a_decode_error() {
    let server = RawServer::always("200 OK", JSON, r#"{"items":[]}"#);
    let client = client(&server.url());
    let (result, elapsed) = timed(|| client.list_identities().page_size(2).send());
    let err = result.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_quick(elapsed);
    assert_no_key(&err);

    // The iterator yields the error once, then ends: no empty page taken
    // for the end of the listing.
    let mut items = client.list_identities().page_size(2).items();
    let first = items.next().unwrap().unwrap_err();
    assert!(matches!(&first, Error::Decode { .. }), "{first:?}");
    assert!(items.next().is_none());
    assert_no_key(&first);
    assert_requests(&server, 2, "GET", "/admin/identities");
}

#[test]
fn empty_200_body_is_a_decode_error() {
    let server = RawServer::always("200 OK", JSON, "");
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(err.to_string().contains("empty body"), "{err}");
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

// ------------------------------------------------------------ retries

#[test]
fn rate_limit_with_retry_after_then_success() {
    let server = RawServer::start(|n, _, conn| {
        if n == 0 {
            conn.respond(
                "429 Too Many Requests",
                &[
                    ("content-type", "application/json"),
                    ("retry-after", "1"),
                    ("x-ratelimit-remaining", "0"),
                ],
                br#"{"error":{"code":429,"message":"rate limited"}}"#,
            );
        } else {
            conn.respond("200 OK", JSON, IDENTITY.as_bytes());
        }
        After::Close
    });
    // The default retry policy.
    let client = builder(&server.url()).build().unwrap();
    let (result, elapsed) = get_identity(&client);
    let identity = result.unwrap();
    assert_eq!(identity.id.to_string(), ID);
    assert!(elapsed >= Duration::from_secs(1), "waited only {elapsed:?}");
    assert!(elapsed < BOUND, "took {elapsed:?}");
    assert_requests(&server, 2, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn persistent_503_exhausts_the_retries() {
    let server = RawServer::always(
        "503 Service Unavailable",
        JSON,
        r#"{"error":{"code":503,"message":"the database is on fire"}}"#,
    );
    let client = builder(&server.url())
        .retry(
            RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    match &err {
        Error::Api(api) => {
            assert_eq!(api.attempts, 3);
            assert_eq!(api.status, 503);
        }
        other => panic!("expected the 503 after 3 attempts, got {other:?}"),
    }
    assert_eq!(err.status(), Some(503));
    let shown = err.to_string();
    assert!(shown.contains("3 attempts"), "{shown}");
    assert!(
        shown.contains("503") && shown.contains("the database is on fire"),
        "{shown}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 3, "GET", &format!("/admin/identities/{ID}"));
}

fn create_body() -> CreateIdentityBody {
    CreateIdentityBody::new("default", json!({"email": "a@example.com"}))
}

#[test]
fn a_503_on_create_identity_is_not_retried() {
    let server = RawServer::always(
        "503 Service Unavailable",
        JSON,
        r#"{"error":{"code":503,"message":"try later"}}"#,
    );
    let client = builder(&server.url())
        .retry(quick_retries(3))
        .build()
        .unwrap();
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.status == 503),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    let seen = assert_requests(&server, 1, "POST", "/admin/identities");
    let sent: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent["traits"]["email"], "a@example.com");
}

#[test]
fn connection_refused_on_create_identity_is_retried() {
    let client = builder(&dead_port_url())
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    let err = result.unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportErrorKind::Connect,
            attempts: 3,
            ..
        } => {}
        other => panic!("expected a connect error after 3 attempts, got {other:?}"),
    }
    assert!(err.to_string().contains("3 attempts"), "{err}");
    assert_quick(elapsed);
    assert_no_key(&err);
}

#[test]
fn a_reset_on_create_identity_is_not_retried() {
    // The request reached the server: repeating a POST could create twice.
    let server = RawServer::start(|_, _, conn| {
        conn.send(format!("{}\r\n", head("201 Created", JSON, Some(IDENTITY.len()))).as_bytes());
        After::Reset
    });
    let client = builder(&server.url())
        .retry(quick_retries(3))
        .build()
        .unwrap();
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Io),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "POST", "/admin/identities");
}

/// A create whose request reached the server and whose answer never came
/// whole (a reset, a timeout, an answer that is not HTTP) is not retried:
/// it may have been applied. Its message says so, once, and
/// `may_have_been_applied()` says so to a program (issue 25); a GET that
/// fails alike is retried and says neither, and so does a create whose
/// connection was refused (nothing was sent, so it is retried).
#[test]
fn a_create_cut_off_after_sending_says_it_may_have_been_applied() {
    const ADVICE: &str = "; it may have been applied, so look before sending it again";
    let reset = || {
        RawServer::start(|_, _, conn| {
            conn.send(
                format!("{}\r\n", head("201 Created", JSON, Some(IDENTITY.len()))).as_bytes(),
            );
            After::Reset
        })
    };
    let silent = || {
        RawServer::start(|_, _, conn| {
            conn.pause(Duration::from_millis(1500));
            After::Close
        })
    };
    let garbage = || {
        RawServer::start(|_, _, conn| {
            conn.send(b"HELLO\r\n\r\n");
            After::Close
        })
    };
    // What fails, the server that makes it fail, the kind, the message's words.
    type Case = (
        &'static str,
        fn() -> RawServer,
        TransportErrorKind,
        &'static str,
    );
    let cases: [Case; 3] = [
        (
            "reset",
            reset,
            TransportErrorKind::Io,
            "the connection broke with",
        ),
        (
            "timeout",
            silent,
            TransportErrorKind::Timeout,
            "timed out waiting for",
        ),
        (
            "not HTTP",
            garbage,
            TransportErrorKind::BadResponse,
            "was not HTTP",
        ),
    ];
    for (what, start, kind, words) in cases {
        let server = start();
        let client = builder(&server.url())
            .timeout(Duration::from_millis(300))
            .retry(quick_retries(2))
            .build()
            .unwrap();
        let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
        let err = result.unwrap_err();
        assert_eq!(transport_kind(&err), Some(kind), "{what}: {err:?}");
        assert!(err.may_have_been_applied(), "{what}: {err:?}");
        let display = err.to_string();
        assert!(
            display.starts_with("create_identity (POST /admin/identities): ")
                && display.contains(words)
                && display.ends_with(ADVICE),
            "{what}: {display}"
        );
        // anyhow's `{:#}`: the HTTP stack's words after it, the advice once.
        let source = std::error::Error::source(&err).unwrap().to_string();
        let alternate = format!("{display}: {source}");
        assert_eq!(alternate.matches("may have been applied").count(), 1);
        assert_quick(elapsed);
        assert_no_key(&err);
        assert_requests(&server, 1, "POST", "/admin/identities");

        // The same failure of a GET: retried, and nothing to look for.
        let server = start();
        let client = builder(&server.url())
            .timeout(Duration::from_millis(300))
            .retry(quick_retries(1))
            .build()
            .unwrap();
        let err = get_identity(&client).0.unwrap_err();
        assert_eq!(transport_kind(&err), Some(kind), "{what}: {err:?}");
        assert!(!err.may_have_been_applied(), "{what}: {err}");
        assert!(!err.to_string().contains("applied"), "{what}: {err}");
        assert_requests(&server, 2, "GET", &format!("/admin/identities/{ID}"));
    }
    // Nothing sent: retried, and not applied.
    let client = builder(&dead_port_url())
        .retry(quick_retries(1))
        .build()
        .unwrap();
    let err = client.create_identity(create_body()).send().unwrap_err();
    assert_eq!(err.attempts(), 2, "{err}");
    assert!(!err.may_have_been_applied(), "{err}");
    assert!(!err.to_string().contains("applied"), "{err}");
}

/// An import settles what its batches did (it looks its inputs up) and
/// says it input by input: the batch's error inside an outcome does not
/// say it again.
#[test]
fn an_import_says_once_that_an_input_may_exist() {
    let server = RawServer::start(|_, _, conn| {
        conn.send(format!("{}\r\n", head("200 OK", JSON, Some(100))).as_bytes());
        After::Reset
    });
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let report = client
        .import_identities([create_body()])
        .resolve_unknown(false)
        .send();
    let failure = &report.failures[0].error;
    let kratos_identity::ImportError::OutcomeUnknown(request) = failure else {
        panic!("expected OutcomeUnknown, got {failure:?}");
    };
    assert!(!request.may_have_been_applied(), "{request}");
    let display = failure.to_string();
    assert!(
        display.starts_with(
            "outcome unknown, it may have been created: batch_patch_identities (PATCH /admin/identities): the connection broke with "
        ),
        "{display}"
    );
    assert!(!display.contains("applied"), "{display}");
}

/// What a delete found, for each of the four deletes: a 2xx proves it
/// existed (`Deleted`), Kratos's 404 with `missing_ok(true)` says it did
/// not (`NotFound`), and a 404 to a retry after an attempt whose outcome was
/// unknown (a 503, a broken connection) is `GoneOnRetry`, with or without
/// `missing_ok`: deleted by that attempt, or never there. Issue 25: every
/// one was `Ok(())`, so an id that never existed read as deleted.
#[test]
fn a_delete_says_what_it_found() {
    use kratos_identity::Deleted;
    const NOT_FOUND: &str =
        r#"{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}"#;
    #[derive(Clone, Copy)]
    enum Answer {
        NoContent,
        Unavailable,
        Reset,
        NotFound,
    }
    use Answer::*;
    let cases: [(&[Answer], bool, Option<Deleted>); 8] = [
        (&[NoContent], false, Some(Deleted::Deleted)),
        (&[Unavailable, NoContent], false, Some(Deleted::Deleted)),
        (&[NotFound], true, Some(Deleted::NotFound)),
        (&[Unavailable, NotFound], false, Some(Deleted::GoneOnRetry)),
        (&[Unavailable, NotFound], true, Some(Deleted::GoneOnRetry)),
        (&[Reset, NotFound], false, Some(Deleted::GoneOnRetry)),
        // Kratos's 404 at the first attempt is still an error.
        (&[NotFound], false, None),
        (&[Unavailable, Unavailable, Unavailable], true, None),
    ];
    type Delete = fn(&IdentityClient, bool) -> Result<Deleted, Error>;
    let deletes: [(&str, Delete); 4] = [
        ("delete_identity", |c, ok| {
            c.delete_identity(ID).missing_ok(ok).send()
        }),
        ("delete_identity_credentials", |c, ok| {
            c.delete_identity_credentials(ID, "totp")
                .missing_ok(ok)
                .send()
        }),
        ("delete_identity_sessions", |c, ok| {
            c.delete_identity_sessions(ID).missing_ok(ok).send()
        }),
        ("disable_session", |c, ok| {
            c.disable_session(ID).missing_ok(ok).send()
        }),
    ];
    for (name, delete) in deletes {
        for (answers, missing_ok, expected) in cases {
            let server = RawServer::start(move |n, _, conn| {
                match answers.get(n).copied().unwrap_or(NotFound) {
                    NoContent => conn.respond("204 No Content", &[], b""),
                    Unavailable => {
                        conn.respond("503 Service Unavailable", &[], b"proxy: no upstream")
                    }
                    Reset => return After::Reset,
                    NotFound => conn.respond("404 Not Found", JSON, NOT_FOUND.as_bytes()),
                };
                After::Close
            });
            let client = builder(&server.url())
                .retry(quick_retries(2))
                .build()
                .unwrap();
            let result = delete(&client, missing_ok);
            let what = format!(
                "{name}, {} answers, missing_ok({missing_ok})",
                answers.len()
            );
            match expected {
                Some(found) => {
                    assert_eq!(result.as_ref().ok(), Some(&found), "{what}: {result:?}");
                    assert_eq!(found.is_deleted(), found == Deleted::Deleted);
                    assert_eq!(found.is_not_found(), found == Deleted::NotFound);
                    assert_eq!(found.is_gone_on_retry(), found == Deleted::GoneOnRetry);
                }
                None => {
                    let err = result.unwrap_err();
                    assert!(!err.may_have_been_applied(), "{what}: {err}");
                }
            }
            assert_eq!(server.requests().len(), answers.len(), "{what}");
        }
    }
}

// ------------------------------------------------------------ redirects

#[test]
fn redirect_to_another_origin_does_not_carry_the_key() {
    let other = RawServer::always("200 OK", JSON, IDENTITY);
    let location = format!("{}/elsewhere/{ID}?x=1", other.url());
    let home = RawServer::start(move |_, _, conn| {
        conn.respond(
            "307 Temporary Redirect",
            &[("location", location.as_str())],
            b"",
        );
        After::Close
    });
    let client = builder(&home.url())
        .header("x-tenant", "acme")
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let identity = result.unwrap();
    assert_eq!(identity.id.to_string(), ID);
    assert_quick(elapsed);

    let sent_home = assert_requests(&home, 1, "GET", &format!("/admin/identities/{ID}"));
    assert_eq!(sent_home[0].header("x-tenant"), Some("acme"));
    let sent_away = other.requests();
    assert_eq!(sent_away.len(), 1, "{sent_away:#?}");
    assert_eq!(sent_away[0].target(), format!("/elsewhere/{ID}?x=1"));
    assert_eq!(sent_away[0].header("authorization"), None, "{sent_away:?}");
    assert_eq!(sent_away[0].header("x-tenant"), None, "{sent_away:?}");
    for s in &sent_away {
        assert!(
            !s.headers.iter().any(|(_, v)| v.contains("SECRET")),
            "{s:?}"
        );
    }
}

// ------------------------------------------------------------ pagination

#[test]
fn malformed_link_header_is_a_pagination_error() {
    let body = page_json(&[1, 2]);
    let server = RawServer::start(move |_, _, conn| {
        conn.respond(
            "200 OK",
            &[
                ("content-type", "application/json"),
                (
                    "link",
                    r#"</admin/identities?page_size=2&page_token=x; rel="next""#,
                ),
            ],
            body.as_bytes(),
        );
        After::Close
    });
    let client = client(&server.url());
    let (result, elapsed) = timed(|| client.list_identities().page_size(2).send());
    let err = result.unwrap_err();
    assert!(matches!(&err, Error::Pagination { .. }), "{err:?}");
    assert_quick(elapsed);
    assert_no_key(&err);

    // The page's items are not handed out as if the listing were whole.
    let mut items = client.list_identities().page_size(2).items();
    let first = items.next().unwrap().unwrap_err();
    assert!(matches!(&first, Error::Pagination { .. }), "{first:?}");
    assert!(items.next().is_none());
    assert_no_key(&first);
    assert_requests(&server, 2, "GET", "/admin/identities");
}

const PAGE1_LINK: &str = r#"</admin/identities?page_size=2&page_token=t2>; rel="next""#;

/// Page 1 on a kept-alive connection; page 2 cut mid-body on the requests
/// `cut` says, whole otherwise.
fn two_page_server(cut: fn(usize) -> bool) -> RawServer {
    let page1 = page_json(&[1, 2]);
    let page2 = page_json(&[3, 4]);
    RawServer::start(move |n, seen, conn| {
        if !seen.target().contains("page_token=t2") {
            let head = head(
                "200 OK",
                &[("content-type", "application/json"), ("link", PAGE1_LINK)],
                Some(page1.len()),
            );
            conn.send(format!("{head}\r\n").as_bytes());
            conn.send(page1.as_bytes());
            return After::KeepAlive;
        }
        if cut(n) {
            let head = head("200 OK", JSON, Some(page2.len()));
            conn.send(format!("{head}\r\n").as_bytes());
            conn.send(&page2.as_bytes()[..page2.len() / 2]);
            return After::Close;
        }
        // The last page carries Kratos's `first` link only.
        let head = head(
            "200 OK",
            &[
                ("content-type", "application/json"),
                ("link", LAST_PAGE_LINK),
            ],
            Some(page2.len()),
        );
        conn.send(format!("{head}\r\n").as_bytes());
        conn.send(page2.as_bytes());
        After::Close
    })
}

/// The `Link` header of a last page, as Kratos sends it.
const LAST_PAGE_LINK: &str = r#"</admin/identities?page_size=2>; rel="first""#;

#[test]
fn a_page_cut_once_is_retried_and_nothing_is_lost_or_repeated() {
    // Request 0 is page 1, request 1 the first try of page 2.
    let server = two_page_server(|n| n == 1);
    let client = builder(&server.url())
        .retry(quick_retries(3))
        .build()
        .unwrap();
    let (ids, elapsed) = timed(|| {
        client
            .list_identities()
            .page_size(2)
            .items()
            .map(|item| item.map(|i| i.id.to_string()))
            .collect::<Result<Vec<_>, _>>()
    });
    let ids = ids.unwrap();
    assert_eq!(
        ids,
        (1..=4).map(identity_id).collect::<Vec<_>>(),
        "every item once, in order"
    );
    assert_quick(elapsed);
    // Page 1 and the cut page 2 on one kept-alive connection, the retry on a
    // fresh one.
    assert_eq!(server.shared.connections.load(Ordering::SeqCst), 2);
    let seen = assert_requests(&server, 3, "GET", "/admin/identities");
    assert!(!seen[0].target().contains("page_token"), "{seen:?}");
    for s in &seen[1..] {
        assert!(s.target().contains("page_token=t2"), "{s:?}");
        assert!(s.target().contains("page_size=2"), "{s:?}");
    }
}

#[test]
fn a_page_that_always_fails_ends_the_listing_with_one_error() {
    let server = two_page_server(|_| true);
    let client = builder(&server.url())
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let start = Instant::now();
    let mut items = client.list_identities().page_size(2).items();
    let first = items.next().unwrap().unwrap();
    let second = items.next().unwrap().unwrap();
    assert_eq!(first.id.to_string(), identity_id(1));
    assert_eq!(second.id.to_string(), identity_id(2));
    let err = items.next().unwrap().unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportErrorKind::Io,
            attempts: 3,
            ..
        } => {}
        other => panic!("expected a transport error after 3 attempts, got {other:?}"),
    }
    assert!(items.next().is_none());
    assert!(items.next().is_none());
    assert_quick(start.elapsed());
    assert_no_key(&err);
    // Page 1, then page 2 three times; nothing after the error.
    assert_requests(&server, 4, "GET", "/admin/identities");
}

// ------------------------------------------------------------ timeouts

#[test]
fn never_answering_server_times_out_within_the_global_timeout() {
    let server = RawServer::start(|_, _, conn| {
        conn.hang();
        After::Close
    });
    let client = builder(&server.url())
        .timeout(Duration::from_millis(800))
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    eprintln!("never answering, global timeout 800 ms: error after {elapsed:?}: {err}");
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert!(elapsed >= Duration::from_millis(750), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn never_answering_server_times_out_within_the_read_timeout() {
    let server = RawServer::start(|_, _, conn| {
        conn.hang();
        After::Close
    });
    let client = builder(&server.url())
        .timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_millis(500))
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    eprintln!("never answering, read timeout 500 ms: error after {elapsed:?}: {err}");
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_millis(450), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn slow_drip_server_times_out_within_the_global_timeout() {
    let server = RawServer::start(|_, _, conn| {
        let head = head("200 OK", JSON, Some(IDENTITY.len()));
        conn.send(format!("{head}\r\n").as_bytes());
        for byte in IDENTITY.as_bytes() {
            if !conn.pause(Duration::from_millis(200)) || !conn.send(&[*byte]) {
                break;
            }
        }
        After::Close
    });
    // Each read gets a byte well within the read timeout: only the global
    // bound can stop this (the whole body would take ~24 s).
    let client = builder(&server.url())
        .timeout(Duration::from_millis(1000))
        .read_timeout(Duration::from_secs(3))
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    eprintln!("slow drip, global timeout 1 s: error after {elapsed:?}: {err}");
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(3000), "{elapsed:?}");
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

// ------------------------------------------------------------ oversized bodies

const FIFTY_MB: usize = 50 * 1024 * 1024;
const CAP: u64 = 1 << 20;

/// Streams up to 50 MB of a JSON array, framed by `Content-Length` or
/// chunked; stops at the first failed write.
fn oversized_server(chunked: bool) -> RawServer {
    RawServer::start(move |_, _, conn| {
        let framing = if chunked {
            ("transfer-encoding", "chunked")
        } else {
            ("content-length", "52428800")
        };
        let head = head(
            "200 OK",
            &[("content-type", "application/json"), framing],
            None,
        );
        if !conn.send(format!("{head}\r\n").as_bytes()) {
            return After::Close;
        }
        // `[` then `"xxxx…",` repeated: valid JSON as far as it goes.
        let mut block = vec![b' '; 64 * 1024];
        block[0] = b'[';
        let mut sent = 0;
        while sent < FIFTY_MB {
            let data = &block[..];
            let ok = if chunked {
                conn.send(format!("{:x}\r\n", data.len()).as_bytes())
                    && conn.send(data)
                    && conn.send(b"\r\n")
            } else {
                conn.send(data)
            };
            if !ok {
                break;
            }
            sent += data.len();
            block[0] = b' ';
        }
        After::Close
    })
}

fn assert_body_too_large(chunked: bool) {
    let server = oversized_server(chunked);
    let client = builder(&server.url())
        .max_response_bytes(CAP)
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::BodyTooLarge { limit, operation, .. } if *limit == CAP && operation.name() == "get_identity"),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_no_key(&err);
    // The server's writes fail once the client has dropped the connection.
    assert!(
        server.wait_scripts(1, Duration::from_secs(5)),
        "the server kept writing: the client did not close the connection"
    );
    let written = server.written();
    let framing = if chunked { "chunked" } else { "content-length" };
    eprintln!(
        "oversized ({framing}), cap 1 MiB: error after {elapsed:?}; server wrote {written} bytes before its writes failed"
    );
    // Socket buffers (a few MB on loopback) hold what the client never read.
    assert!(
        written < FIFTY_MB as u64 / 2,
        "server wrote {written} bytes"
    );
    assert!(written > CAP, "server wrote only {written} bytes");
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

#[test]
fn oversized_body_with_content_length_stops_at_the_cap() {
    assert_body_too_large(false);
}

#[test]
fn oversized_chunked_body_stops_at_the_cap() {
    assert_body_too_large(true);
}

#[test]
fn an_oversized_error_page_is_still_the_api_error() {
    // A proxy's 50 MB error page: the status is the answer, the page is
    // only evidence, so the client keeps its start and reports HTTP 502.
    let server = RawServer::start(|_, _, conn| {
        let head = head(
            "502 Bad Gateway",
            &[
                ("content-type", "text/html"),
                ("content-length", "52428800"),
            ],
            None,
        );
        if !conn.send(format!("{head}\r\n<html><body><h1>502 Bad Gateway</h1>").as_bytes()) {
            return After::Close;
        }
        let block = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < FIFTY_MB && conn.send(&block) {
            sent += block.len();
        }
        After::Close
    });
    let client = builder(&server.url())
        .max_response_bytes(CAP)
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected the API error, got {err:?}");
    };
    assert_eq!(api.status, 502);
    assert!(
        api.raw_body
            .as_deref()
            .is_some_and(|b| b.starts_with("<html><body><h1>502 Bad Gateway")),
        "{api:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert_no_key(&err);
    assert!(server.wait_scripts(1, Duration::from_secs(5)));
    assert!(server.written() < FIFTY_MB as u64 / 2);
}

#[test]
fn a_timeout_is_per_attempt_and_retried_on_a_get() {
    let server = RawServer::start(|_, _, conn| {
        conn.hang();
        After::Close
    });
    // A deadline beyond the three attempts: this is about each one's timeout.
    let client = builder(&server.url())
        .timeout(Duration::from_millis(300))
        .deadline(Duration::from_secs(10))
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    eprintln!("never answering, timeout 300 ms, 2 retries: error after {elapsed:?}: {err}");
    match &err {
        Error::Transport {
            kind: TransportErrorKind::Timeout,
            attempts: 3,
            ..
        } => {}
        other => panic!("expected a transport error after 3 attempts, got {other:?}"),
    }
    assert!(err.is_timeout());
    // Three attempts of 300 ms each: the timeout bounds one attempt, not the call.
    assert!(elapsed >= Duration::from_millis(850), "{elapsed:?}");
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 3, "GET", &format!("/admin/identities/{ID}"));
}

// ------------------------------------------------------------ broken framing

/// Broken chunked framing is an answer the client cannot read as HTTP: a
/// `BadResponse`, no longer the `Io` of a broken connection (issue 25: the
/// message said the connection broke while the server had answered).
#[test]
fn malformed_chunked_framing_is_a_bad_response() {
    let server = RawServer::start(|_, _, conn| {
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n");
        After::Close
    });
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::BadResponse),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

/// A head without end is not HTTP the client reads: a `BadResponse`, no
/// longer the `Io` of a broken connection (issue 25).
#[test]
fn endless_response_head_is_a_bad_response() {
    let server = RawServer::start(|_, _, conn| {
        conn.send(b"HTTP/1.1 200 OK\r\n");
        for i in 0..200_000 {
            let line = format!("x-junk-{i}: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
            if !conn.send(line.as_bytes()) {
                break;
            }
        }
        After::Close
    });
    let (result, elapsed) = get_identity(&client(&server.url()));
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::BadResponse),
        "{err:?}"
    );
    assert_quick(elapsed);
    assert_no_key(&err);
    assert!(server.wait_scripts(1, Duration::from_secs(5)));
    assert!(server.written() < 4 * 1024 * 1024, "{}", server.written());
    assert_requests(&server, 1, "GET", &format!("/admin/identities/{ID}"));
}

/// A server that answers with something else than HTTP (another protocol
/// on that port, a garbage status line) did answer: the request was sent.
/// The error says so, instead of "the connection broke" (issue 25); a GET
/// is retried as after a broken connection, and a create is not.
#[test]
fn an_answer_that_is_not_http_is_a_bad_response() {
    for answer in [&b"HELLO\r\n\r\n"[..], b"HTTP/9 abc\r\n\r\n"] {
        let server = RawServer::start(move |_, _, conn| {
            conn.send(answer);
            After::Close
        });
        let client = builder(&server.url())
            .retry(quick_retries(2))
            .build()
            .unwrap();
        let (result, elapsed) = get_identity(&client);
        let err = result.unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::BadResponse),
            "{err:?}"
        );
        assert!(!TransportErrorKind::BadResponse.before_request_sent());
        assert!(!err.is_timeout());
        assert_eq!(
            err.to_string(),
            format!(
                "get_identity (GET /admin/identities/{{id}}): the answer from {} was not HTTP (gave up after 3 attempts)",
                server.url()
            )
        );
        // The HTTP stack's words are the cause, said once.
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.starts_with("protocol: "), "{cause}");
        assert!(!err.to_string().contains(&cause));
        assert_quick(elapsed);
        assert_no_key(&err);
        assert_requests(&server, 3, "GET", &format!("/admin/identities/{ID}"));

        let server = RawServer::start(move |_, _, conn| {
            conn.send(answer);
            After::Close
        });
        let client = builder(&server.url())
            .retry(quick_retries(2))
            .build()
            .unwrap();
        let err = client.create_identity(create_body()).send().unwrap_err();
        assert_eq!(
            transport_kind(&err),
            Some(TransportErrorKind::BadResponse),
            "{err:?}"
        );
        assert_requests(&server, 1, "POST", "/admin/identities");
    }
}

// ------------------------------------------------------------ kept-alive connections

#[test]
fn a_kept_alive_connection_the_server_closed_is_not_reused_for_a_post() {
    // The first answer leaves the connection open (no `Connection: close`),
    // then the server closes it while idle. The POST, which is not retried
    // once sent, must go out on a fresh connection.
    let server = RawServer::start(|n, _, conn| {
        if n == 0 {
            let head = head("200 OK", JSON, Some(IDENTITY.len()));
            conn.send(format!("{head}\r\n").as_bytes());
            conn.send(IDENTITY.as_bytes());
            conn.pause(Duration::from_millis(50));
            return After::Close;
        }
        conn.respond("201 Created", JSON, IDENTITY.as_bytes());
        After::Close
    });
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    get_identity(&client).0.unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    assert_eq!(result.unwrap().id.to_string(), ID);
    assert_quick(elapsed);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    assert_eq!(seen[1].method(), "POST");
    assert_eq!(server.shared.connections.load(Ordering::SeqCst), 2);
}

#[test]
fn bytes_after_a_body_do_not_answer_the_next_request() {
    // A response followed by a smuggled second response on a kept-alive
    // connection: the next request must not read it as its answer.
    let server = RawServer::start(|n, _, conn| {
        if n == 0 {
            let head = head("200 OK", JSON, Some(IDENTITY.len()));
            conn.send(format!("{head}\r\n").as_bytes());
            conn.send(IDENTITY.as_bytes());
            conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]");
            return After::KeepAlive;
        }
        conn.respond("201 Created", JSON, IDENTITY.as_bytes());
        After::Close
    });
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    get_identity(&client).0.unwrap();
    // The stray bytes are on the pooled connection before it is reused.
    // (Bytes that arrive only after the next request went out cannot be
    // told from its answer, by any HTTP/1.1 client.)
    std::thread::sleep(Duration::from_millis(200));
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    assert_eq!(result.unwrap().id.to_string(), ID);
    assert_quick(elapsed);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    assert_eq!(seen[1].method(), "POST");
}

// ---------------------------------------------------------------- timeouts that tell the truth

/// The documented bound of a server that never answers is `timeout`: no
/// shorter default read timeout fires first (one used to, at 20 s).
#[test]
fn a_never_answering_server_fails_after_the_timeout_and_not_before() {
    let server = RawServer::start(|_, _, conn| {
        conn.hang();
        After::Close
    });
    let client = IdentityClient::builder(server.url())
        .bearer_token(KEY)
        .timeout(Duration::from_secs(21))
        .max_retries(0)
        .build()
        .unwrap();
    let (result, elapsed) = get_identity(&client);
    let err = result.unwrap_err();
    assert_eq!(
        transport_kind(&err),
        Some(TransportErrorKind::Timeout),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_secs(21), "{elapsed:?}: {err}");
    assert!(elapsed < Duration::from_secs(24), "{elapsed:?}");
}

/// Kratos answers a batch only after hashing its plaintext passwords: the
/// batch call waits for its own, longer default timeout, where any other
/// call would give up after the client's.
#[test]
fn a_batch_waits_past_the_client_timeout_for_the_server_to_hash() {
    let server = RawServer::start(|_, _, conn| {
        // Hashing the chunk's passwords before answering.
        if !conn.pause(Duration::from_millis(1500)) {
            return After::Close;
        }
        conn.respond(
            "200 OK",
            JSON,
            br#"{"identities":[{"action":"create","identity":"9f425a8d-7efc-4768-8f23-7647a74fdf13"}]}"#,
        );
        After::Close
    });
    let client = IdentityClient::builder(server.url())
        .bearer_token(KEY)
        .timeout(Duration::from_millis(700))
        .read_timeout(Duration::from_millis(500))
        .max_retries(0)
        .build()
        .unwrap();
    let report = client
        .import_identities([create_body().password("correct horse battery staple")])
        .send();
    assert!(report.is_success(), "{report:?}");

    let (result, _) = get_identity(&client);
    assert!(
        result.unwrap_err().is_timeout(),
        "other calls keep the client's timeout"
    );

    // A request can be given its own timeout, shorter or longer.
    let (result, elapsed) = timed(|| {
        client
            .get_identity(ID)
            .timeout(Duration::from_millis(300))
            .send()
    });
    assert!(result.unwrap_err().is_timeout());
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
}

/// Connecting timed out, so nothing was sent: even a create is retried.
#[test]
fn a_connect_timeout_is_retried_even_for_a_create() {
    // A listener whose accept queue is full: further connections hang in
    // the handshake until the client gives up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..5000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => queued.push(stream),
            Err(_) => break,
        }
    }
    let client = IdentityClient::builder(format!("http://{addr}"))
        .bearer_token(KEY)
        .connect_timeout(Duration::from_millis(200))
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let (result, elapsed) = timed(|| client.create_identity(create_body()).send());
    let err = result.unwrap_err();
    match &err {
        Error::Transport {
            kind: TransportErrorKind::ConnectTimeout,
            attempts: 3,
            ..
        } => {}
        other => panic!("expected three attempts, got {other:?}"),
    }
    assert!(err.is_timeout());
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_no_key(&err);
    drop(queued);
}
