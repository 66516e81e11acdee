//! `hanpub serve`: the watch loop plus a local preview on 127.0.0.1 — a small HTTP/1.1 server
//! on std's `TcpListener`, a thread per connection up to a limit, every request head read
//! within a deadline (so clients that trickle bytes cannot hold the server), answering from the
//! last good build held in memory ([`hanpub::preview`] decides what each path gets).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hanpub::preview::{CONTENT_SECURITY_POLICY, Reply, Site, respond};

use crate::Failure;
use crate::cli::ServeArgs;
use crate::cmd::watch::{BuildResult, Session};

/// Connections served at once, each on its own thread; beyond this, 503 at once. Well under
/// the usual limit of 1024 open files.
const MAX_CONNECTIONS: usize = 512;
/// Stack of a connection thread (it reads a head and writes one reply).
const THREAD_STACK: usize = 256 * 1024;
/// The longest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// The whole request head must arrive within this, however the bytes trickle in.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Each write of the reply must progress within this.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

type Shared = Arc<RwLock<Arc<Site>>>;

/// `hanpub serve`.
pub fn run(args: &ServeArgs, quiet: bool) -> Result<(), Failure> {
    let mut session = Session::new(&args.build, quiet)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port)).map_err(|e| {
        Failure::Io(
            anyhow::Error::new(e).context(format!("cannot listen on 127.0.0.1:{}", args.port)),
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Io(anyhow::Error::new(e)))?;
    let site: Shared = Arc::new(RwLock::new(Arc::new(Site::building())));
    start_server(listener, site.clone(), addr.port());
    // always printed, even with -q: it is how the user (and the tests) find the server; pages
    // say "building…" until the first build is done, then reload themselves
    eprintln!("serving http://{addr}/ (Ctrl-C to stop)");
    session.watch(|result| update(&site, result))
}

/// Put a build's result in front of the browsers: a new site, or the old one with the error.
fn update(site: &Shared, result: &BuildResult) {
    let next = match result {
        Ok(out) => match Site::from_epub(&out.epub, None) {
            Ok(s) => s,
            Err(e) => Site::empty(Some(format!("cannot read the EPUB just built: {e}"))),
        },
        Err(diags) => {
            let text = hanpub::Diagnostics(diags.clone()).to_string();
            let old = site
                .read()
                .map(|s| s.clone())
                .unwrap_or_else(|e| e.into_inner().clone());
            old.with_error(Some(text))
        }
    };
    match site.write() {
        Ok(mut s) => *s = Arc::new(next),
        Err(e) => *e.into_inner() = Arc::new(next),
    }
}

/// An accepting thread that gives each connection a thread of its own, up to
/// [`MAX_CONNECTIONS`] at once (beyond that, 503 at once).
fn start_server(listener: TcpListener, site: Shared, port: u16) {
    let open = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
                open.fetch_sub(1, Ordering::AcqRel);
                busy(stream);
                continue;
            }
            let guard = Open(open.clone());
            let site = site.clone();
            // if no thread can be started, the connection is closed (and counted out) at once
            let _ = std::thread::Builder::new()
                .name("hanpub-serve".into())
                .stack_size(THREAD_STACK)
                .spawn(move || {
                    let _guard = guard;
                    let _ = handle(stream, &site, port);
                });
        }
    });
}

/// Counts a connection as open until dropped.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Answer 503 without reading the request (the accepting thread must never wait on a client).
fn busy(mut s: TcpStream) {
    let _ = s.set_nonblocking(true);
    let _ = write_reply(&mut s, &plain(503, "busy\n"), false);
}

/// Read one request head (all of it within [`HEAD_DEADLINE`]), answer it, close.
fn handle(mut stream: TcpStream, site: &Shared, port: u16) -> std::io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    // where to look for the blank line next: only the bytes not searched yet (and 3 before)
    let mut searched = 0;
    while !head[searched..].windows(4).any(|w| w == b"\r\n\r\n") {
        searched = head.len().saturating_sub(3);
        if head.len() > MAX_HEAD {
            return write_reply(&mut stream, &plain(431, "request head too large\n"), false);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return write_reply(&mut stream, &plain(408, "request head too slow\n"), false);
        }
        stream.set_read_timeout(Some(left))?;
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue; // the deadline decides
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let host = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    let reply = if !matches!(method, "GET" | "HEAD") {
        plain(405, "only GET and HEAD\n")
    } else if !host.as_deref().is_some_and(|h| local_host(h, port)) {
        // another name resolving to 127.0.0.1 (DNS rebinding) is not this preview
        plain(403, "forbidden host\n")
    } else {
        // the build current once the request is read, not when it arrived
        let current = match site.read() {
            Ok(s) => s.clone(),
            Err(e) => e.into_inner().clone(),
        };
        respond(&current, target)
    };
    write_reply(&mut stream, &reply, method == "HEAD")
}

/// `Host:` values that name this server.
fn local_host(host: &str, port: u16) -> bool {
    let Some((name, p)) = host.rsplit_once(':') else {
        return false;
    };
    p.parse::<u16>() == Ok(port) && matches!(name, "127.0.0.1" | "localhost")
        || host
            .parse::<SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback() && a.port() == port)
}

fn plain(status: u16, body: &str) -> Reply {
    Reply {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.as_bytes().to_vec(),
    }
}

fn write_reply(stream: &mut TcpStream, reply: &Reply, head_only: bool) -> std::io::Result<()> {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: {CONTENT_SECURITY_POLICY}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(&reply.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::local_host;

    #[test]
    fn only_local_host_names() {
        assert!(local_host("127.0.0.1:3000", 3000));
        assert!(local_host("localhost:3000", 3000));
        assert!(!local_host("127.0.0.1:3001", 3000));
        assert!(!local_host("evil.example:3000", 3000));
        assert!(!local_host("127.0.0.1", 3000));
    }
}
