//! Helpers for tests of long-running commands (`watch`, `serve`): children killed on drop,
//! their stderr collected in the background, every wait bounded by time, a raw HTTP client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `hanpub` (or other) process, killed when dropped; its stderr kept as text.
pub struct Running {
    pub child: Child,
    pub stderr: Arc<Mutex<String>>,
    /// Kill the whole process group (browsers start helpers of their own).
    pub group: bool,
}

impl Running {
    pub fn spawn(mut cmd: Command, group: bool) -> Running {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        if group {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().expect("start the process");
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(pipe);
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Running {
            child,
            stderr,
            group,
        }
    }

    /// `hanpub ARGS` in `cwd`.
    pub fn hanpub(cwd: &Path, args: &[&str]) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hanpub"));
        cmd.args(args)
            .current_dir(cwd)
            .env_remove("SOURCE_DATE_EPOCH")
            .env("RUST_BACKTRACE", "1");
        Running::spawn(cmd, false)
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait until stderr satisfies `cond` (returns what it matched), or panic after `limit`.
    pub fn wait_stderr<T>(
        &mut self,
        limit: Duration,
        what: &str,
        cond: impl Fn(&str) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            let text = self.stderr();
            assert!(!text.contains("panicked"), "the process panicked:\n{text}");
            if let Some(t) = cond(&text) {
                return t;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("exited ({status}) before {what}:\n{}", self.stderr());
            }
            assert!(
                start.elapsed() < limit,
                "no {what} within {limit:?}; stderr:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// How many times `needle` occurs in stderr so far.
    pub fn count(&self, needle: &str) -> usize {
        self.stderr().matches(needle).count()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        #[cfg(unix)]
        if self.group {
            // ask the group to stop, then make sure
            let pgid = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill").args(["-KILL", "--", &pgid]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Poll `f` until it returns `Some`, or panic after `limit`.
pub fn until<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(start.elapsed() < limit, "no {what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A response: status, headers (lowercase names), body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET target` sent as written (no normalisation of `..` or `%2e`), with a `Host:` header.
pub fn get_with_host(port: u16, target: &str, host: &str) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // read the head, then Content-Length bytes (DevTools keeps the connection open)
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = s.read(&mut buf).expect("read the response");
        assert!(n > 0, "connection closed before the response head");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    match headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        Some(len) => {
            while body.len() < len {
                let n = s.read(&mut buf).expect("read the body");
                assert!(n > 0, "connection closed inside the body");
                body.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut body).expect("read the body");
        }
    }
    Response {
        status,
        headers,
        body,
    }
}

pub fn get(port: u16, target: &str) -> Response {
    get_with_host(port, target, &format!("127.0.0.1:{port}"))
}

/// The text of `EPUB/text/<chapter>` in an EPUB, if the EPUB reads.
pub fn chapter_text(epub: &[u8], chapter: &str) -> Option<String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(epub)).ok()?;
    let mut f = z.by_name(&format!("EPUB/text/{chapter}")).ok()?;
    let mut s = String::new();
    f.read_to_string(&mut s).ok()?;
    Some(s)
}

/// A minimal WebSocket client (text frames, client frames masked), enough for the DevTools
/// protocol.
pub struct WebSocket {
    stream: TcpStream,
}

impl WebSocket {
    /// Connect to `ws://host:port/path`.
    pub fn connect(url: &str) -> WebSocket {
        let rest = url.strip_prefix("ws://").expect("a ws:// URL");
        let (hostport, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut stream = TcpStream::connect(hostport).expect("connect to DevTools");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: aGFucHViLWRldnRvb2xzIQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("handshake");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "handshake refused: {head}"
        );
        WebSocket { stream }
    }

    pub fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81u8];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        let mask = [0x1f, 0x2e, 0x3d, 0x4c];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).expect("send a frame");
    }

    /// The next text message (continuation frames joined; pings and others skipped).
    pub fn recv(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut h = [0u8; 2];
            self.stream.read_exact(&mut h).expect("read a frame");
            let (fin, opcode) = (h[0] & 0x80 != 0, h[0] & 0x0f);
            let mut len = u64::from(h[1] & 0x7f);
            if len == 126 {
                let mut b = [0u8; 2];
                self.stream.read_exact(&mut b).unwrap();
                len = u64::from(u16::from_be_bytes(b));
            } else if len == 127 {
                let mut b = [0u8; 8];
                self.stream.read_exact(&mut b).unwrap();
                len = u64::from_be_bytes(b);
            }
            let mut mask = [0u8; 4];
            if h[1] & 0x80 != 0 {
                self.stream.read_exact(&mut mask).unwrap();
            }
            let mut payload = vec![0u8; len as usize];
            self.stream.read_exact(&mut payload).unwrap();
            if h[1] & 0x80 != 0 {
                for (i, b) in payload.iter_mut().enumerate() {
                    *b ^= mask[i % 4];
                }
            }
            match opcode {
                0x0 | 0x1 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return String::from_utf8_lossy(&message).into_owned();
                    }
                }
                0x8 => panic!("DevTools closed the connection"),
                _ => {}
            }
        }
    }

    /// Send a DevTools command with `id` and return its answer (events in between skipped).
    pub fn call(&mut self, id: u64, method: &str, params: &str) -> String {
        self.send(&format!(
            "{{\"id\":{id},\"method\":\"{method}\",\"params\":{params}}}"
        ));
        let tag = format!("\"id\":{id},");
        let tag_end = format!("\"id\":{id}}}");
        loop {
            let m = self.recv();
            if m.contains(&tag) || m.contains(&tag_end) {
                return m;
            }
        }
    }
}
