//! `hanpub serve`: the watch loop plus a local preview on 127.0.0.1 — a small HTTP/1.1 server
//! on std's `TcpListener` with a fixed pool of worker threads, answering from the last good
//! build held in memory ([`hanpub::preview`] decides what each path gets).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::time::Duration;

use hanpub::preview::{CONTENT_SECURITY_POLICY, Reply, Site, respond};

use crate::Failure;
use crate::cli::ServeArgs;
use crate::cmd::watch::{BuildResult, Session};

/// Worker threads answering requests; connections beyond these wait in a bounded queue.
const WORKERS: usize = 4;
const QUEUE: usize = 64;
/// The longest request head read.
const MAX_HEAD: usize = 16 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(5);

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
    let site: Shared = Arc::new(RwLock::new(Arc::new(Site::empty(Some("building…".into())))));
    start_server(listener, site.clone(), addr.port());
    let mut announced = false;
    session.watch(|result| {
        update(&site, result);
        if !announced {
            announced = true;
            // always printed, even with -q: it is how the user (and the tests) find the server
            eprintln!("serving http://{addr}/ (Ctrl-C to stop)");
        }
    })
}

/// Put a build's result in front of the browsers: a new site, or the old one with the error.
fn update(site: &Shared, result: &BuildResult) {
    let next = match result {
        Ok(out) => match Site::from_epub(&out.epub, None) {
            Ok(s) => s,
            Err(e) => Site::empty(Some(format!("cannot read the EPUB just built: {e}"))),
        },
        Err(diags) => {
            let text = diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n\n");
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

/// An accepting thread and [`WORKERS`] workers; a full queue answers 503 at once.
fn start_server(listener: TcpListener, site: Shared, port: u16) {
    let (tx, rx) = mpsc::sync_channel::<TcpStream>(QUEUE);
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..WORKERS {
        let rx = rx.clone();
        let site = site.clone();
        std::thread::spawn(move || {
            loop {
                let next = match rx.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                let Ok(stream) = next else { return };
                let current = match site.read() {
                    Ok(s) => s.clone(),
                    Err(e) => e.into_inner().clone(),
                };
                let _ = handle(stream, &current, port);
            }
        });
    }
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if let Err(mpsc::TrySendError::Full(mut s)) = tx.try_send(stream) {
                let _ = s.set_write_timeout(Some(IO_TIMEOUT));
                let _ = write_reply(
                    &mut s,
                    &Reply {
                        status: 503,
                        content_type: "text/plain; charset=utf-8",
                        body: b"busy\n".to_vec(),
                    },
                    false,
                );
            }
        }
    });
}

/// Read one request, answer it, close.
fn handle(mut stream: TcpStream, site: &Site, port: u16) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return write_reply(&mut stream, &plain(431, "request head too large\n"), false);
        }
        let n = stream.read(&mut buf)?;
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
        respond(site, target)
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
