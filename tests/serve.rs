//! `hanpub serve` on a temp copy of `book/`: the index lists the chapters, chapters are served
//! as XHTML with the reload script, nothing outside the build is served, pages say "building…"
//! (never "failed") until the first build is done, slow clients do not starve the others, and a
//! real browser (headless chromium, when installed) reloads and shows an edit.

mod common;
mod live;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use live::{Running, WebSocket, get, get_with_host, until};

const OLD: &str = "翁家翌的故事要從小學一年級開始說";
const NEW: &str = "翁家翌的故事要從小學二年級開始說";

/// Start `hanpub serve` on a free port on a copy of `book/`, and wait for its first build;
/// returns the guard and the port.
fn serve(dir: &Path) -> (Running, u16) {
    common::copy_dir(&common::root().join("book"), &dir.join("book"));
    let (s, port) = start(dir, "book");
    // the site has the build once the index stops saying "building…" (503)
    until(Duration::from_secs(30), "the first build", || {
        (get(port, "/").status == 200).then_some(())
    });
    (s, port)
}

/// Start `hanpub serve BOOK` in `dir` on a free port; returns as soon as it says where it is.
fn start(dir: &Path, book: &str) -> (Running, u16) {
    let mut s = Running::hanpub(dir, &["serve", book, "--port", "0", "-o", "out/book.epub"]);
    let port = s.wait_stderr(Duration::from_secs(30), "the server address", |t| {
        let at = t.find("serving http://127.0.0.1:")? + "serving http://127.0.0.1:".len();
        let digits: String = t[at..].chars().take_while(char::is_ascii_digit).collect();
        let rest = &t[at + digits.len()..];
        rest.starts_with('/').then(|| digits.parse::<u16>().ok())?
    });
    (s, port)
}

#[test]
fn pages_say_building_until_the_first_build_is_done() {
    // a book whose first build takes a while (about a second of CPU in a debug build); the
    // server answers from the start
    let dir = tempfile::tempdir().unwrap();
    let article = std::fs::read_to_string(common::root().join("book/article.md")).unwrap();
    let body: String = (0..600).map(|_| article.as_str()).collect();
    std::fs::write(
        dir.path().join("big.md"),
        format!("---\ntitle: 大書\nlang: zh-Hant\n---\n\n{body}"),
    )
    .unwrap();
    let (mut server, port) = start(dir.path(), "big.md");
    for target in ["/", "/EPUB/text/c001.xhtml"] {
        let r = get(port, target);
        let page = r.text();
        assert_eq!(r.status, 503, "{target}: {page}");
        assert!(page.contains("building…"), "{target}: {page}");
        assert!(!page.contains("failed"), "{target}: {page}");
        assert!(
            page.contains("/__hanpub/version"),
            "no reload script: {page}"
        );
    }
    let building = get(port, "/__hanpub/version").text();
    // until the build is done the pages never claim a failure; then they list the chapters
    let index = until(Duration::from_secs(120), "the first build", || {
        let page = get(port, "/").text();
        assert!(!page.contains("failed"), "{page}");
        (!page.contains("building…")).then_some(page)
    });
    // 2,700 chapters: ids of four digits
    assert!(
        index.contains("<a href=\"/EPUB/text/c0001.xhtml\">"),
        "{index}"
    );
    assert_ne!(get(port, "/__hanpub/version").text(), building);
    assert_eq!(get(port, "/EPUB/text/c0001.xhtml").status, 200);
    server.wait_stderr(Duration::from_secs(10), "the build line", |t| {
        t.contains("built out/book.epub").then_some(())
    });
}

#[test]
fn slow_clients_do_not_starve_a_normal_one() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = serve(dir.path());
    // eight clients trickle their request a byte at a time, two hundred more say nothing
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickling: Vec<_> = (0..8)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                let head = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ");
                for b in head.bytes().chain(std::iter::repeat(b'x')) {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) || s.write_all(&[b]).is_err()
                    {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        })
        .collect();
    let silent: Vec<std::net::TcpStream> = (0..200)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // a normal client is answered at once (get() gives up after 10 s without an answer)
    for target in ["/", "/EPUB/text/c001.xhtml", "/__hanpub/version"] {
        let r = get(port, target);
        assert_eq!(r.status, 200, "{target}: {}", r.text());
    }
    assert!(get(port, "/").text().contains("清華：打破資訊差"));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in trickling {
        t.join().unwrap();
    }
    drop(silent);
}

#[test]
fn serve_lists_chapters_serves_xhtml_and_refuses_other_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = serve(dir.path());

    let index = get(port, "/");
    assert_eq!(index.status, 200);
    let page = index.text();
    for (href, title) in [
        ("/EPUB/text/c001.xhtml", "一個從小就在「投資未來」的人"),
        ("/EPUB/text/c002.xhtml", "清華：打破資訊差"),
        ("/EPUB/text/c008.xhtml", "我的觀察"),
    ] {
        assert!(
            page.contains(&format!("<a href=\"{href}\">{title}</a>")),
            "{page}"
        );
    }

    let chapter = get(port, "/EPUB/text/c001.xhtml");
    assert_eq!(chapter.status, 200);
    assert_eq!(
        chapter.header("content-type"),
        Some("application/xhtml+xml; charset=utf-8")
    );
    let xhtml = chapter.text();
    assert!(xhtml.contains(OLD), "{xhtml}");
    assert!(xhtml.contains("/__hanpub/version"), "no reload script");
    // no script runs on the preview's origin but the reload script, whatever the book holds
    for target in [
        "/",
        "/EPUB/text/c001.xhtml",
        "/EPUB/styles/hanpub.css",
        "/nope",
    ] {
        assert_eq!(
            get(port, target).header("content-security-policy"),
            Some(hanpub::preview::CONTENT_SECURITY_POLICY),
            "{target}"
        );
    }
    common::parse_xml(&xhtml);
    // the EPUB itself has no script
    let epub = std::fs::read(dir.path().join("out/book.epub")).unwrap();
    let zipped = live::chapter_text(&epub, "c001.xhtml").unwrap();
    assert!(!zipped.contains("<script"), "script leaked into the EPUB");
    assert_eq!(get(port, "/EPUB/styles/hanpub.css").status, 200);

    for target in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/..%5cCargo.toml",
        "/..\\Cargo.toml",
        "/EPUB/../../Cargo.toml",
        "/EPUB/text/../../../book/book.toml",
        "/%252e%252e/Cargo.toml",
        "//etc/passwd",
        "/etc/passwd",
        "/book.toml",
        "/article.md",
        "/book/article.md",
        "/out/book.epub",
    ] {
        let r = get(port, target);
        assert!(
            r.status == 403 || r.status == 404,
            "{target} → {} {}",
            r.status,
            r.text()
        );
        assert!(!r.text().contains("[book]") && !r.text().contains("root:"));
    }
    // only GET and HEAD
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    std::io::Write::write_all(
        &mut s,
        format!("POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut s, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 405 "), "{answer}");
    // another host name that resolves here (DNS rebinding) is refused
    assert_eq!(
        get_with_host(port, "/EPUB/text/c001.xhtml", "evil.example").status,
        403
    );

    // an edit changes the build id and the served chapter
    let version = get(port, "/__hanpub/version").text();
    let article = dir.path().join("book/article.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace(OLD, NEW)).unwrap();
    until(Duration::from_secs(2), "a new build id", || {
        (get(port, "/__hanpub/version").text() != version).then_some(())
    });
    assert!(get(port, "/EPUB/text/c001.xhtml").text().contains(NEW));

    // a broken book: the last good pages stay, with the error shown
    let toml = dir.path().join("book/book.toml");
    let good = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, good.replace("[book]", "[book]\ntitel = 1")).unwrap();
    until(Duration::from_secs(2), "the error on the index", || {
        get(port, "/").text().contains("unknown key").then_some(())
    });
    let chapter = get(port, "/EPUB/text/c001.xhtml").text();
    assert!(chapter.contains(NEW) && chapter.contains("hanpub-error"));
    common::parse_xml(&chapter);
}

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

#[test]
fn browser_reloads_and_shows_the_edit() {
    let Some(browser) = chromium() else {
        common::skip("no chromium (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = serve(dir.path());
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-dev-shm-usage",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .arg(format!("http://127.0.0.1:{port}/EPUB/text/c001.xhtml"));
    let mut chrome = Running::spawn(cmd, true);
    let devtools = chrome.wait_stderr(Duration::from_secs(60), "DevTools", |t| {
        let at = t.find("DevTools listening on ws://")? + "DevTools listening on ws://".len();
        let hostport = t[at..].split('/').next()?;
        Some(hostport.to_string())
    });
    let dport: u16 = devtools.rsplit(':').next().unwrap().parse().unwrap();
    // the page's DevTools socket
    let ws_url = until(Duration::from_secs(30), "the page target", || {
        // DevTools may not answer HTTP yet: only try once it accepts connections
        std::net::TcpStream::connect(("127.0.0.1", dport)).ok()?;
        let list = get(dport, "/json/list").text();
        list.split("}, {")
            .filter(|entry| {
                entry.contains("\"type\": \"page\"") && entry.contains("/EPUB/text/c001.xhtml")
            })
            .find_map(|entry| {
                let at = entry.find("\"webSocketDebuggerUrl\"")?;
                entry[at..].split('"').nth(3).map(str::to_string)
            })
    });
    let mut ws = WebSocket::connect(&ws_url);
    let mut id = 0;
    let mut shows = |ws: &mut WebSocket, text: &str| -> bool {
        id += 1;
        let js = text
            .chars()
            .map(|c| format!("\\\\u{:04x}", c as u32))
            .collect::<String>();
        let expr = format!(
            "{{\"expression\":\"document.readyState === 'complete' && document.body !== null && document.body.textContent.includes('{js}') && document.querySelector('script') !== null\",\"returnByValue\":true}}"
        );
        ws.call(id, "Runtime.evaluate", &expr)
            .contains("\"value\":true")
    };
    until(
        Duration::from_secs(30),
        "the chapter in the browser",
        || shows(&mut ws, OLD).then_some(()),
    );
    let article = dir.path().join("book/article.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace(OLD, NEW)).unwrap();
    // the page polls the build id and reloads itself: nothing here navigates
    until(Duration::from_secs(20), "the edit in the browser", || {
        std::thread::sleep(Duration::from_millis(100));
        shows(&mut ws, NEW).then_some(())
    });
    assert!(!shows(&mut ws, OLD));
    // the Content-Security-Policy lets the reload script run (above) and nothing else: an
    // inline script or a javascript: link put into the page does not run
    id += 1;
    let injected = ws.call(
        id,
        "Runtime.evaluate",
        "{\"expression\":\"(function(){var s=document.createElement('script');s.textContent='window.ran=1';document.body.appendChild(s);var a=document.createElement('a');a.href='javascript:void(window.ran=2)';document.body.appendChild(a);a.click();return String(window.ran)})()\",\"returnByValue\":true}",
    );
    assert!(injected.contains("\"value\":\"undefined\""), "{injected}");
    std::thread::sleep(Duration::from_millis(500));
    id += 1;
    let later = ws.call(
        id,
        "Runtime.evaluate",
        "{\"expression\":\"String(window.ran)\",\"returnByValue\":true}",
    );
    assert!(later.contains("\"value\":\"undefined\""), "{later}");
}
