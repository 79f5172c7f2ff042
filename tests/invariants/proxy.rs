//! A hostile proxy in front of any Kratos (the fake or a real server): it
//! forwards each request and, where a [`Policy`] says so, answers in its
//! place, before the work ("the schema store is down") or after it ("502
//! after the batch was applied"). The same faults for every backend, so the
//! invariant suite runs unchanged against the fake and against real
//! servers.
//!
//! One request per connection (`Connection: close`), HTTP/1.1 with a
//! `Content-Length` body, as the client sends them: nothing more is needed
//! between the client and Kratos on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Forward it and pass the answer on.
    Forward,
    /// Answer this status without forwarding: the work is not done.
    Refuse(u16),
    /// Forward it, let Kratos do the work, then answer this status instead
    /// of Kratos's answer: the answer is lost.
    LoseAnswer(u16),
}

/// Decides the action for a request: its method, its path (without the
/// query) and how many requests of that method and path came before it.
pub type Policy = dyn Fn(&str, &str, usize) -> Action + Send + Sync;

/// A running proxy; stops when dropped.
pub struct Proxy {
    url: String,
    stop: Arc<AtomicBool>,
    /// How many answers it replaced after forwarding.
    pub lost: Arc<AtomicUsize>,
    /// How many requests it received.
    pub requests: Arc<AtomicUsize>,
}

impl Proxy {
    /// Starts a proxy on a loopback port in front of `upstream`
    /// (`http://host:port`, no path).
    pub fn start(upstream: &str, policy: Box<Policy>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let upstream = upstream
            .trim_end_matches('/')
            .trim_start_matches("http://")
            .to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let counts: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> =
            Arc::default();
        let policy: Arc<Policy> = Arc::from(policy);
        {
            let stop = Arc::clone(&stop);
            let lost = Arc::clone(&lost);
            let requests = Arc::clone(&requests);
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    requests.fetch_add(1, Ordering::SeqCst);
                    let upstream = upstream.clone();
                    let policy = Arc::clone(&policy);
                    let counts = Arc::clone(&counts);
                    let lost = Arc::clone(&lost);
                    thread::spawn(move || {
                        let _ = serve(stream, &upstream, &*policy, &counts, &lost);
                    });
                }
            });
        }
        Proxy {
            url,
            stop,
            lost,
            requests,
        }
    }

    /// The proxy's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    policy: &Policy,
    counts: &std::sync::Mutex<std::collections::HashMap<String, usize>>,
    lost: &AtomicUsize,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(300)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut request_line = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if request_line.is_empty() {
            request_line = line.trim_end().to_string();
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            content_length = value.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" || line == "\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        // Hop-by-hop: the proxy speaks one request per connection.
        if lower.starts_with("connection:") || lower.starts_with("keep-alive:") {
            continue;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let seen = {
        let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(format!("{method} {path}")).or_default();
        *count += 1;
        *count - 1
    };
    let action = policy(&method, &path, seen);
    if let Action::Refuse(status) = action {
        return answer(&mut client, status);
    }
    let mut kratos = TcpStream::connect(upstream)?;
    kratos.write_all(&head)?;
    kratos.write_all(&body)?;
    let mut response = Vec::new();
    kratos.read_to_end(&mut response)?;
    match action {
        Action::LoseAnswer(status) => {
            lost.fetch_add(1, Ordering::SeqCst);
            answer(&mut client, status)
        }
        _ => {
            client.write_all(&response)?;
            client.shutdown(Shutdown::Both)
        }
    }
}

/// A proxy's own error page: not Kratos's JSON.
fn answer(client: &mut TcpStream, status: u16) -> std::io::Result<()> {
    let body = format!("<html><body>{status} from the proxy</body></html>");
    write!(
        client,
        "HTTP/1.1 {status} Proxy Says No\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    client.shutdown(Shutdown::Both)
}
