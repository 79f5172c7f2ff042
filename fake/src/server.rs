//! A small blocking HTTP/1.1 server on a loopback port: one thread accepts,
//! one thread per connection reads requests (request line, headers, and a
//! `Content-Length` or chunked body, as Go's server takes both) and writes
//! answers (always sized, never chunked). Connections are kept alive unless
//! the client says `Connection: close`. A malformed request gets a 400 (411
//! for a transfer coding other than chunked, 431 for a
//! huge head) and the connection is closed.
//!
//! It knows nothing about Kratos: each parsed [`Request`] goes to a
//! [`Handler`], whose [`Response`] is written back (or whose
//! [`Reply::HangUp`] closes the connection without an answer).

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// The largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The largest request body read and discarded before answering, so the client
/// gets to read the answer instead of a reset connection.
const MAX_DRAINED_BYTES: u64 = 64 * 1024 * 1024;
/// How long a connection may sit idle (or a request trickle in) before it is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The self-hosted admin server's cap on request bodies: 5 MiB.
pub(crate) const MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;

/// The reason phrase of a status.
pub(crate) fn status_text(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// One parsed request.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path as sent, still percent-encoded, without the query.
    pub(crate) path: String,
    /// The query as sent, without the `?`.
    pub(crate) raw_query: String,
    /// Header names lower-cased, in the order sent.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Sent as HTTP/1.0, whose connections close unless kept alive.
    pub(crate) http10: bool,
}

impl Request {
    /// The first value of a header (`name` lower-case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One answer.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// An answer with no body.
    pub(crate) fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A JSON answer.
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body,
        }
    }

    /// A plain-text answer, as Go's `http.Error` writes one.
    pub(crate) fn text(status: u16, body: &str) -> Self {
        Response {
            status,
            headers: vec![
                ("Content-Type".into(), "text/plain; charset=utf-8".into()),
                ("X-Content-Type-Options".into(), "nosniff".into()),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// What a handler makes of a request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Write this answer.
    Answer(Response),
    /// Close the connection without an answer (an injected fault).
    HangUp,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Self {
        Reply::Answer(response)
    }
}

/// What turns requests into answers. `parse_error` is called for a request
/// the server could not read (its status: 400, 411, 413 or 431), so that the
/// answer still has a Kratos body and the request log still sees it.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers a request, or says to hang up.
    fn handle(&self, request: Request) -> Reply;
    /// Answers a request that could not be read.
    fn refuse(&self, status: u16, why: &str, head: Option<&Request>) -> Response;
    /// Answers a request whose body is over the cap (not read; `body` is
    /// empty). The connection is closed after it.
    fn too_large(&self, request: Request) -> Response;
}

/// A running server. Dropping it stops it.
pub(crate) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    stopping: AtomicBool,
    /// The open connections, to shut them down on stop.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

impl Shared {
    fn connections(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    /// Binds `127.0.0.1:port` (`0`: a free port) and starts accepting.
    pub(crate) fn start(handler: Arc<dyn Handler>, port: u16) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name("fake-kratos".into())
            .spawn(move || accept_loop(&listener, &accept_shared, &handler))?;
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop, which then sees the flag and closes the listener.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // Connections kept alive by a client's pool: end them now, so a
        // request after the drop fails instead of reaching a dead server.
        for (_, stream) in self.shared.connections().drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, handler: &Arc<dyn Handler>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        if let Ok(clone) = stream.try_clone() {
            shared.connections().insert(id, clone);
        }
        let shared = Arc::clone(shared);
        let handler = Arc::clone(handler);
        let spawned = std::thread::Builder::new()
            .name("fake-kratos-conn".into())
            .spawn(move || {
                serve_connection(stream, &shared, handler.as_ref());
                shared.connections().remove(&id);
            });
        if spawned.is_err() {
            log::warn!("fake Kratos: could not start a connection thread");
        }
    }
}

/// Why a request could not be read.
enum ReadError {
    /// The connection closed (or failed) between requests: nothing to answer.
    Closed,
    /// The request is malformed: answer this status and close.
    Refuse(u16, &'static str, Option<Box<Request>>),
    /// The body is over the 5 MiB cap (its head is here, without the
    /// body): the handler answers as the operation would, then close.
    TooLarge(Box<Request>),
}

fn serve_connection(stream: TcpStream, shared: &Shared, handler: &dyn Handler) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        let request = read_request(&mut reader, &mut writer);
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let (reply, close) = match request {
            Ok(request) => {
                let close = wants_close(&request);
                (handler.handle(request), close)
            }
            Err(ReadError::Closed) => return,
            Err(ReadError::Refuse(status, why, head)) => {
                (handler.refuse(status, why, head.as_deref()).into(), true)
            }
            Err(ReadError::TooLarge(request)) => (handler.too_large(*request).into(), true),
        };
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Reply::Answer(response) = reply else {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        };
        if write_response(&mut writer, &response, close).is_err() || close {
            let _ = writer.shutdown(Shutdown::Write);
            return;
        }
    }
}

/// `true` when the connection must close after this answer.
fn wants_close(request: &Request) -> bool {
    let connection = request.header("connection").unwrap_or("");
    let says = |token: &str| {
        connection
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    says("close") || (request.http10 && !says("keep-alive"))
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Result<Request, ReadError> {
    let head = read_head(reader)?;
    let text = String::from_utf8(head)
        .map_err(|_| ReadError::Refuse(400, "the request head is not UTF-8", None))?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Refuse(400, "malformed request line", None));
    };
    let valid_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    if !valid_method || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(ReadError::Refuse(400, "malformed request line", None));
    }
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        raw_query: raw_query.to_string(),
        headers: Vec::new(),
        body: Vec::new(),
        http10: version == "HTTP/1.0",
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Refuse(
                400,
                "malformed header line",
                Some(Box::new(request)),
            ));
        };
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(ReadError::Refuse(
                400,
                "malformed header name",
                Some(Box::new(request)),
            ));
        }
        request
            .headers
            .push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    if let Some(encoding) = request.header("transfer-encoding") {
        // Go's server takes chunked bodies (ureq sends an empty PATCH body
        // that way), and chunked wins over a Content-Length (RFC 9112
        // §6.3); other transfer codings are refused.
        if !encoding.eq_ignore_ascii_case("chunked") {
            return Err(ReadError::Refuse(
                411,
                "only chunked transfer coding is supported; or send a Content-Length",
                Some(Box::new(request)),
            ));
        }
        if request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        return match read_chunked(reader) {
            Ok(body) => Ok(Request { body, ..request }),
            Err(413) => Err(ReadError::TooLarge(Box::new(request))),
            Err(status) => Err(ReadError::Refuse(
                status,
                "malformed chunked body",
                Some(Box::new(request)),
            )),
        };
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    let length = match lengths.as_slice() {
        [] => 0,
        [one] => match one.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                return Err(ReadError::Refuse(
                    400,
                    "invalid Content-Length",
                    Some(Box::new(request)),
                ));
            }
        },
        _ => {
            return Err(ReadError::Refuse(
                400,
                "more than one Content-Length",
                Some(Box::new(request)),
            ));
        }
    };
    let expects_continue = request
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if length > MAX_BODY_BYTES {
        // Read what was sent (up to a bound), so the client sees the answer.
        if length <= MAX_DRAINED_BYTES {
            if expects_continue {
                let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            let _ = io::copy(&mut reader.take(length), &mut io::sink());
        }
        return Err(ReadError::TooLarge(Box::new(request)));
    }
    if expects_continue && length > 0 {
        let _ = writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let mut body = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    match reader.take(length).read_to_end(&mut body) {
        Ok(n) if n as u64 == length => {}
        _ => return Err(ReadError::Closed),
    }
    request.body = body;
    Ok(request)
}

/// Reads a chunked body; the error is the status to answer (400 for a
/// malformed body, 413 beyond the cap).
fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, u16> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        (&mut *reader)
            .take(1024)
            .read_line(&mut line)
            .map_err(|_| 400u16)?;
        let size = line.trim_end().split(';').next().unwrap_or("").trim();
        // Hex digits only: `from_str_radix` would also take a sign.
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(400);
        }
        let size = usize::from_str_radix(size, 16).map_err(|_| 400u16)?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                line.clear();
                let n = (&mut *reader)
                    .take(8192)
                    .read_line(&mut line)
                    .map_err(|_| 400u16)?;
                if n == 0 || line == "\r\n" || line == "\n" {
                    return Ok(body);
                }
            }
        }
        if body.len().saturating_add(size) as u64 > MAX_BODY_BYTES {
            return Err(413);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).map_err(|_| 400u16)?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).map_err(|_| 400u16)?;
        if &crlf != b"\r\n" {
            return Err(400);
        }
    }
}

/// Reads up to and including the blank line after the headers; returns the
/// head without that final `\r\n\r\n`.
fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut head = Vec::new();
    loop {
        if head.is_empty() {
            // A request line starts with a method. Anything else (a TLS
            // ClientHello from an https:// URL, say) is refused at once, as
            // nginx or Kratos's proxy would, instead of waiting for a line
            // end that may never come.
            let first = reader.fill_buf().map_err(|_| ReadError::Closed)?;
            match first.first() {
                None => return Err(ReadError::Closed),
                Some(b) if b.is_ascii_uppercase() || *b == b'\r' || *b == b'\n' => {}
                Some(_) => return Err(ReadError::Refuse(400, "malformed request line", None)),
            }
        }
        let mut line = Vec::new();
        let limit = (MAX_HEAD_BYTES + 1).saturating_sub(head.len()) as u64;
        let n = (&mut *reader)
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(|_| ReadError::Closed)?;
        if n == 0 {
            return Err(if head.is_empty() {
                ReadError::Closed
            } else {
                ReadError::Refuse(400, "the request head ended early", None)
            });
        }
        if head.is_empty() && (line == b"\r\n" || line == b"\n") {
            // Stray line breaks between requests are allowed (RFC 9112 §2.2).
            continue;
        }
        if !line.ends_with(b"\n") {
            return Err(ReadError::Refuse(
                431,
                "the request head is too large",
                None,
            ));
        }
        if line == b"\r\n" || line == b"\n" {
            return Ok(head);
        }
        let line = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"))
            .unwrap_or(&line);
        if !head.is_empty() {
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(line);
        if head.len() > MAX_HEAD_BYTES {
            return Err(ReadError::Refuse(
                431,
                "the request head is too large",
                None,
            ));
        }
    }
}

/// `Wed, 02 Dec 2026 02:24:52 GMT`, as a `Date` header writes it.
fn http_date(at: time::OffsetDateTime) -> Option<String> {
    let format = time::format_description::parse_borrowed::<2>(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT",
    )
    .ok()?;
    at.to_offset(time::UtcOffset::UTC).format(&format).ok()
}

fn write_response(writer: &mut TcpStream, response: &Response, close: bool) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + response.body.len());
    let reason = status_text(response.status);
    out.extend_from_slice(format!("HTTP/1.1 {} {reason}\r\n", response.status).as_bytes());
    for (name, value) in &response.headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    // Go's server dates every answer.
    if let Some(date) = http_date(time::OffsetDateTime::now_utc()) {
        out.extend_from_slice(format!("Date: {date}\r\n").as_bytes());
    }
    // A 204 carries no body and, per RFC 9110, no Content-Length either.
    if response.status != 204 && response.status != 304 {
        out.extend_from_slice(format!("Content-Length: {}\r\n", response.body.len()).as_bytes());
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if response.status != 204 && response.status != 304 {
        out.extend_from_slice(&response.body);
    }
    writer.write_all(&out)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use crate::FakeKratos;

    fn connect(kratos: &FakeKratos) -> TcpStream {
        let addr = kratos.base_url().trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    /// Sends raw bytes, then reads until the server closes the connection.
    fn exchange(kratos: &FakeKratos, raw: &[u8]) -> String {
        let mut stream = connect(kratos);
        stream.write_all(raw).unwrap();
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Reads one answer with a Content-Length body off a kept-alive connection.
    fn read_answer(stream: &mut TcpStream) -> String {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |v| v.trim().parse().unwrap());
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
        head + &String::from_utf8(body).unwrap()
    }

    #[test]
    fn keeps_connections_alive_and_honours_close() {
        let kratos = FakeKratos::builder().identities(1).start();
        let mut stream = connect(&kratos);
        for _ in 0..2 {
            stream
                .write_all(b"GET /admin/identities HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let answer = read_answer(&mut stream);
            assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
            assert!(answer.contains("Link: </admin/identities?"), "{answer}");
        }
        let answer = exchange(
            &kratos,
            b"GET /version HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert!(answer.contains("Connection: close\r\n"), "{answer}");
        assert!(answer.ends_with('}'), "closed after the body: {answer}");
    }

    #[test]
    fn takes_chunked_bodies() {
        let kratos = FakeKratos::start();
        let body = br#"{"schema_id":"default","traits":{"email":"chunk@example.com"}}"#;
        let mut raw = b"POST /admin/identities HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        raw.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
        raw.extend_from_slice(body);
        raw.extend_from_slice(b"\r\n0\r\n\r\n");
        let answer = exchange(&kratos, &raw);
        assert!(answer.starts_with("HTTP/1.1 201 Created"), "{answer}");
        assert_eq!(kratos.identity_count(), 1);
    }

    #[test]
    fn refuses_malformed_requests_without_dying() {
        let kratos = FakeKratos::start();
        for (raw, status) in [
            (&b"NONSENSE\r\n\r\n"[..], "400"),
            // The start of a TLS ClientHello: answered at once, no line end
            // awaited.
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "400"),
            (b"GET /admin/identities HTTP/1.1\r\nContent-Length: x\r\n\r\n", "400"),
            (b"GET /admin/identities HTTP/1.1\r\nBroken header\r\n\r\n", "400"),
            (b"POST /admin/identities HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "411"),
            (b"POST /admin/identities HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
            (b"POST /admin/identities HTTP/1.1\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{{{", "400"),
            (b"PATCH /admin/identities HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n[]", "400"),
            (b"PATCH /admin/identities/x HTTP/1.1\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnull", "404"),
        ] {
            let answer = exchange(&kratos, raw);
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status} ")),
                "{}: {answer}",
                String::from_utf8_lossy(raw)
            );
            assert!(answer.contains(r#"{"error":{"code":"#), "{answer}");
        }
        // What no route serves is answered as Go's router does, in plain
        // text.
        for (raw, answer_start, body) in [
            (
                &b"GET /nowhere HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
                "HTTP/1.1 404 ",
                "\r\n\r\n404 page not found\n",
            ),
            (
                b"DELETE /schemas HTTP/1.1\r\nConnection: close\r\n\r\n",
                "HTTP/1.1 405 ",
                "\r\n\r\nMethod Not Allowed\n",
            ),
        ] {
            let answer = exchange(&kratos, raw);
            assert!(answer.starts_with(answer_start), "{answer}");
            assert!(answer.ends_with(body), "{answer}");
            assert!(answer.contains("text/plain; charset=utf-8"), "{answer}");
        }
        let mut huge =
            b"PATCH /admin/identities HTTP/1.1\r\nContent-Length: 6000000\r\n\r\n".to_vec();
        huge.resize(huge.len() + 6_000_000, b' ');
        let answer = exchange(&kratos, &huge);
        // Never a 413: Kratos's handler reads what it can and answers as
        // the operation does (here a batch: 400, its body saying 500).
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(answer.contains("http: request body too large"), "{answer}");
        // Still serving.
        let answer = exchange(
            &kratos,
            b"GET /version HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    }
}
