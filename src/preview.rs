//! The preview site of `hanpub serve`, as pure data: the entries of a built EPUB served by
//! their zip names, an index page with the table of contents, the reload script injected into
//! served XHTML pages (never into the EPUB), and the rules that refuse any other path.
//!
//! ```
//! use hanpub::preview::{Site, respond};
//! # use hanpub::{build, load, BookEntry, MemFiles, Options};
//! # let files = MemFiles::from([("book.md", "---\ntitle: 書\n---\n## 一\n\n你好。\n")]);
//! # let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
//! # let epub = build(&project, &files, &Options::default()).unwrap().epub;
//! let site = Site::from_epub(&epub, None).unwrap();
//! assert_eq!(respond(&site, "/").status, 200);
//! assert_eq!(respond(&site, "/../Cargo.toml").status, 403);
//! assert_eq!(respond(&site, "/EPUB/nope.xhtml").status, 404);
//! ```

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::Read;

use quick_xml::escape::escape;
use quick_xml::events::Event;

/// Where the reload script asks for the build id.
pub const VERSION_PATH: &str = "/__hanpub/version";

/// One build, ready to serve.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Changes whenever the EPUB or the build error changes; pages reload when it does.
    pub version: String,
    /// Zip entry name → bytes.
    entries: BTreeMap<String, Vec<u8>>,
    /// The table of contents: (entry name with fragment, title, depth from 0).
    pub toc: Vec<(String, String, usize)>,
    /// The book title (from nav.xhtml's `<title>`).
    pub title: String,
    /// The errors of the latest build, when it failed (the entries are the last good build).
    pub error: Option<String>,
    /// The first build has not finished: every page says "building…" and reloads when it is done.
    pub building: bool,
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    fn text(status: u16, body: &str) -> Self {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
        }
    }
}

impl Site {
    /// Read the entries of `epub`; `error` is the text of a failed later build, if any.
    pub fn from_epub(epub: &[u8], error: Option<String>) -> Result<Site, zip::result::ZipError> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(epub))?;
        let mut entries = BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i)?;
            if f.is_dir() {
                continue;
            }
            let mut data = Vec::with_capacity(f.size() as usize);
            f.read_to_end(&mut data)?;
            let name = f.name().map(|n| n.to_string()).unwrap_or_default();
            entries.insert(name, data);
        }
        let (title, toc) = entries
            .get("EPUB/nav.xhtml")
            .map(|nav| read_nav(nav, "EPUB/"))
            .unwrap_or_default();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        epub.hash(&mut h);
        error.hash(&mut h);
        Ok(Site {
            version: format!("{:016x}", h.finish()),
            entries,
            toc,
            title,
            error,
            building: false,
        })
    }

    /// A site with nothing built: the first build failed with `error` (or built nothing).
    pub fn empty(error: Option<String>) -> Site {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        error.hash(&mut h);
        Site {
            version: format!("{:016x}", h.finish()),
            entries: BTreeMap::new(),
            toc: Vec::new(),
            title: "hanpub".into(),
            error,
            building: false,
        }
    }

    /// The site while the first build runs.
    pub fn building() -> Site {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        "building".hash(&mut h);
        Site {
            version: format!("{:016x}", h.finish()),
            building: true,
            ..Site::empty(None)
        }
    }

    /// The same build with another error state (a failed rebuild keeps the last good entries).
    pub fn with_error(&self, error: Option<String>) -> Site {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.version.hash(&mut h);
        error.hash(&mut h);
        Site {
            version: format!("{:016x}", h.finish()),
            error,
            building: false,
            ..self.clone()
        }
    }

    /// Names of the served entries.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

/// Why a request path is refused before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an origin-form path (`/…`), or not UTF-8 after decoding: 400.
    Malformed,
    /// `..`, `.`, empty segments, backslashes, encoded slashes, NUL, drive letters: 403.
    Forbidden,
}

/// The entry name a request target asks for: query and fragment dropped, percent-decoded once,
/// and refused when it could mean anything but a plain relative name.
pub fn entry_name(target: &str) -> Result<String, Refusal> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Refusal::Malformed);
    };
    if rest.is_empty() {
        return Ok(String::new());
    }
    let bytes = rest.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(Refusal::Malformed)?;
                let hex = std::str::from_utf8(hex).map_err(|_| Refusal::Malformed)?;
                let b = u8::from_str_radix(hex, 16).map_err(|_| Refusal::Malformed)?;
                // an encoded separator or escape is never part of a name we serve
                if matches!(b, b'/' | b'\\' | b'%' | 0) {
                    return Err(Refusal::Forbidden);
                }
                decoded.push(b);
                i += 3;
            }
            b => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let name = String::from_utf8(decoded).map_err(|_| Refusal::Malformed)?;
    if name.contains(['\\', '\0', ':']) {
        return Err(Refusal::Forbidden);
    }
    if name
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err(Refusal::Forbidden);
    }
    Ok(name)
}

/// Answer a GET for `target` (the request line's path) from `site`.
pub fn respond(site: &Site, target: &str) -> Reply {
    let name = match entry_name(target) {
        Ok(n) => n,
        Err(Refusal::Malformed) => return Reply::text(400, "bad request\n"),
        Err(Refusal::Forbidden) => return Reply::text(403, "forbidden\n"),
    };
    if format!("/{name}") != VERSION_PATH && (site.building || site.entries.is_empty()) {
        // every page, chapter or not, until there is a build to show: "building…" or the
        // errors of the first build (it reloads itself when that changes)
        return Reply {
            status: 503,
            content_type: "text/html; charset=utf-8",
            body: index_page(site).into_bytes(),
        };
    }
    if name.is_empty() || name == "index.html" {
        return Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: index_page(site).into_bytes(),
        };
    }
    if format!("/{name}") == VERSION_PATH {
        return Reply::text(200, &site.version);
    }
    let Some(data) = site.entries.get(&name) else {
        return Reply::text(404, "not found\n");
    };
    let content_type = content_type(&name);
    let body = if content_type.starts_with("application/xhtml+xml") {
        inject(data, site)
    } else {
        data.clone()
    };
    Reply {
        status: 200,
        content_type,
        body,
    }
}

/// The media type of an entry, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "xhtml" => "application/xhtml+xml; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "opf" | "ncx" | "xml" => "application/xml; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The reload script: it polls for a new build id and reloads the page when it changes. The same
/// text on every page (the build id it compares with is its element's `data-v`), so
/// [`CONTENT_SECURITY_POLICY`] can allow exactly this script by its hash. It holds no `<` or
/// `&`, so it needs no CDATA section in XHTML.
pub const RELOAD_SCRIPT: &str = "(function(){var v=document.currentScript.getAttribute(\"data-v\");function poll(){fetch(\"/__hanpub/version\",{cache:\"no-store\"}).then(function(r){return r.text()}).then(function(t){if(t!==v){location.reload()}else{setTimeout(poll,250)}},function(){setTimeout(poll,1000)})}setTimeout(poll,250)})();";

/// The `Content-Security-Policy` of every answer of the preview: no script runs but
/// [`RELOAD_SCRIPT`] (by its SHA-256), so a script, event handler or `javascript:` link that
/// got into a book (an SVG, raw HTML) cannot run on the preview's origin; nothing is loaded
/// from elsewhere, and no page may frame it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'sha256-c/KNCcyyYqmN+Fqb+yKaUC9dVJ8xpbtydMyWdJBsJrM='; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn reload_script(version: &str) -> String {
    format!(
        "<script data-v=\"{}\">{RELOAD_SCRIPT}</script>\n",
        escape(version)
    )
}

/// A served copy of an XHTML page: the build error (if any) on top, the reload script at the end.
fn inject(page: &[u8], site: &Site) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    let mut add = String::new();
    if let Some(e) = &site.error {
        add.push_str(&format!(
            "<pre id=\"hanpub-error\" style=\"position:fixed;top:0;left:0;right:0;max-height:50%;overflow:auto;margin:0;padding:1em;background:#fee;color:#600;z-index:9999;writing-mode:horizontal-tb;white-space:pre-wrap\">{}</pre>\n",
            escape(e.as_str())
        ));
    }
    add.push_str(&reload_script(&site.version));
    match text.rfind("</body>") {
        Some(at) => {
            let mut out = String::with_capacity(text.len() + add.len());
            out.push_str(&text[..at]);
            out.push_str(&add);
            out.push_str(&text[at..]);
            out.into_bytes()
        }
        None => page.to_vec(),
    }
}

/// The index page: the title, the build error if any, and links to every chapter.
pub fn index_page(site: &Site) -> String {
    let title = escape(site.title.as_str());
    let mut s = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>{title} — hanpub preview</title>\n<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;line-height:1.6}}pre{{background:#fee;color:#600;padding:1em;white-space:pre-wrap}}</style></head>\n<body>\n<h1>{title}</h1>\n"
    );
    if site.building {
        s.push_str("<p id=\"hanpub-building\">building…</p>\n");
    }
    if let Some(e) = &site.error {
        let state = if site.entries.is_empty() {
            "The build failed; there is nothing to show until it succeeds."
        } else {
            "The latest build failed; showing the last good one."
        };
        s.push_str(&format!(
            "<p>{state}</p>\n<pre id=\"hanpub-error\">{}</pre>\n",
            escape(e.as_str())
        ));
    }
    s.push_str("<nav><ol>\n");
    for (href, text, depth) in &site.toc {
        s.push_str(&format!(
            "<li style=\"margin-left:{}em\"><a href=\"/{}\">{}</a></li>\n",
            depth * 2,
            escape(href.as_str()),
            escape(text.as_str())
        ));
    }
    s.push_str("</ol></nav>\n");
    s.push_str(&reload_script(&site.version));
    s.push_str("</body></html>\n");
    s
}

/// The title and the `toc` nav's links (resolved against `base`) of a nav document.
fn read_nav(nav: &[u8], base: &str) -> (String, Vec<(String, String, usize)>) {
    let mut reader = quick_xml::Reader::from_reader(nav);
    let mut buf = Vec::new();
    let (mut title, mut toc) = (String::new(), Vec::new());
    let (mut in_title, mut in_toc, mut depth) = (false, false, 0usize);
    let mut nav_depth = 0usize;
    let mut link: Option<(String, String)> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().into_inner() {
                "title" => in_title = true,
                "nav" => {
                    nav_depth += 1;
                    let is_toc = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.into_inner() == "epub:type" && a.value.as_ref() == "toc");
                    if is_toc {
                        in_toc = true;
                    }
                }
                "ol" if in_toc => depth += 1,
                "a" if in_toc => {
                    let href = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.into_inner() == "href")
                        .map(|a| {
                            quick_xml::escape::unescape(&a.value)
                                .map_or_else(|_| a.value.to_string(), |v| v.into_owned())
                        })
                        .unwrap_or_default();
                    link = Some((href, String::new()));
                }
                _ => {}
            },
            Ok(Event::End(e)) => match e.local_name().into_inner() {
                "title" => in_title = false,
                "nav" => {
                    nav_depth = nav_depth.saturating_sub(1);
                    in_toc = false;
                }
                "ol" if in_toc => depth = depth.saturating_sub(1),
                "a" => {
                    if let Some((href, text)) = link.take() {
                        toc.push((format!("{base}{href}"), text, depth.saturating_sub(1)));
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) => {
                let t = t.xml10_content().into_owned();
                if let Some((_, text)) = &mut link {
                    text.push_str(&t);
                } else if in_title {
                    title.push_str(&t);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                let raw = format!("&{};", r.into_inner());
                let ch = quick_xml::escape::unescape(&raw)
                    .map(|c| c.into_owned())
                    .unwrap_or_default();
                if let Some((_, text)) = &mut link {
                    text.push_str(&ch);
                } else if in_title {
                    title.push_str(&ch);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    (title, toc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_refused_unless_plain() {
        let cases: &[(&str, Result<&str, Refusal>)] = &[
            ("/", Ok("")),
            ("/EPUB/text/c001.xhtml", Ok("EPUB/text/c001.xhtml")),
            ("/EPUB/text/c001.xhtml?x=1#top", Ok("EPUB/text/c001.xhtml")),
            ("/EPUB/text/%63001.xhtml", Ok("EPUB/text/c001.xhtml")),
            ("/%E4%B8%AD.png", Ok("中.png")),
            ("/../Cargo.toml", Err(Refusal::Forbidden)),
            ("/EPUB/../../Cargo.toml", Err(Refusal::Forbidden)),
            ("/%2e%2e/Cargo.toml", Err(Refusal::Forbidden)),
            ("/%2E%2E/Cargo.toml", Err(Refusal::Forbidden)),
            ("/.%2e/Cargo.toml", Err(Refusal::Forbidden)),
            ("/..%2fCargo.toml", Err(Refusal::Forbidden)),
            ("/..%2FCargo.toml", Err(Refusal::Forbidden)),
            ("/%2e%2e%2fCargo.toml", Err(Refusal::Forbidden)),
            ("/..%5cCargo.toml", Err(Refusal::Forbidden)),
            ("/..\\Cargo.toml", Err(Refusal::Forbidden)),
            ("/%252e%252e/Cargo.toml", Err(Refusal::Forbidden)),
            ("//etc/passwd", Err(Refusal::Forbidden)),
            ("/C:/Windows/win.ini", Err(Refusal::Forbidden)),
            ("/./EPUB/nav.xhtml", Err(Refusal::Forbidden)),
            ("/EPUB/%00", Err(Refusal::Forbidden)),
            ("/%zz", Err(Refusal::Malformed)),
            ("/%e4", Err(Refusal::Malformed)),
            ("Cargo.toml", Err(Refusal::Malformed)),
            ("http://127.0.0.1/Cargo.toml", Err(Refusal::Malformed)),
        ];
        for (target, want) in cases {
            assert_eq!(
                entry_name(target).as_deref().map_err(|e| *e),
                *want,
                "{target}"
            );
        }
    }

    fn site() -> Site {
        use crate::{BookEntry, MemFiles, Options, build, load};
        let files = MemFiles::from([(
            "book.md",
            "---\ntitle: 書 & 文\nlang: zh-Hant\n---\n## 第一章\n\n你好。\n\n## 第二章 &lt; 三\n\n再見。\n",
        )]);
        let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
        let epub = build(&project, &files, &Options::default()).unwrap().epub;
        Site::from_epub(&epub, None).unwrap()
    }

    #[test]
    fn index_lists_the_nav_titles_with_links() {
        let site = site();
        assert_eq!(site.title, "書 & 文");
        let titles: Vec<&str> = site.toc.iter().map(|(_, t, _)| t.as_str()).collect();
        assert!(titles.contains(&"第一章"), "{titles:?}");
        assert!(titles.contains(&"第二章 < 三"), "{titles:?}");
        let r = respond(&site, "/");
        assert_eq!(r.status, 200);
        let page = String::from_utf8(r.body).unwrap();
        assert!(page.contains("書 &amp; 文"), "{page}");
        assert!(page.contains("第二章 &lt; 三"), "{page}");
        for (href, _, _) in &site.toc {
            assert!(page.contains(&format!("href=\"/{href}\"")), "{page}");
            let name = href.split('#').next().unwrap();
            assert_eq!(respond(&site, &format!("/{name}")).status, 200, "{name}");
        }
    }

    #[test]
    fn served_xhtml_gets_the_script_and_stays_well_formed() {
        let site = site().with_error(Some("error: <bad> & worse".into()));
        let name = site.names().find(|n| n.ends_with("c001.xhtml")).unwrap();
        let r = respond(&site, &format!("/{name}"));
        assert_eq!(r.content_type, "application/xhtml+xml; charset=utf-8");
        let page = String::from_utf8(r.body).unwrap();
        assert!(RELOAD_SCRIPT.contains(VERSION_PATH));
        assert!(page.contains(&format!("<script data-v=\"{}\">", site.version)));
        assert!(page.contains("error: &lt;bad&gt; &amp; worse"));
        let mut reader = quick_xml::Reader::from_str(&page);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{page}"),
            }
        }
        let css = respond(&site, "/EPUB/styles/hanpub.css");
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert!(!String::from_utf8(css.body).unwrap().contains("<script"));
        assert_eq!(respond(&site, VERSION_PATH).body, site.version.as_bytes());
    }

    #[test]
    fn the_policy_allows_the_reload_script_by_its_hash_and_nothing_else() {
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(RELOAD_SCRIPT.as_bytes()));
        let scripts: Vec<&str> = CONTENT_SECURITY_POLICY
            .split(';')
            .filter(|d| d.trim().starts_with("script-src"))
            .collect();
        assert_eq!(scripts, [format!(" script-src 'sha256-{hash}'")]);
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-eval"));
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none'"));
        // the pages carry the script exactly as hashed
        let site = site();
        let name = site.names().find(|n| n.ends_with("c001.xhtml")).unwrap();
        for page in [
            respond(&site, "/").body,
            respond(&site, &format!("/{name}")).body,
        ] {
            let page = String::from_utf8(page).unwrap();
            assert!(
                page.contains(&format!(">{RELOAD_SCRIPT}</script>")),
                "{page}"
            );
        }
    }

    #[test]
    fn while_building_every_page_says_so_and_never_claims_a_failure() {
        let building = Site::building();
        for target in ["/", "/EPUB/text/c001.xhtml", "/EPUB/styles/hanpub.css"] {
            let r = respond(&building, target);
            assert_eq!(r.status, 503, "{target}");
            let page = String::from_utf8(r.body).unwrap();
            assert!(page.contains("building…"), "{page}");
            assert!(!page.contains("failed"), "{page}");
            assert!(page.contains(VERSION_PATH), "no reload script: {page}");
        }
        assert_eq!(
            respond(&building, VERSION_PATH).body,
            building.version.as_bytes()
        );
        // the first build failed: no "last good one" to speak of
        let failed = Site::building().with_error(Some("error: x".into()));
        assert!(!failed.building);
        assert_ne!(failed.version, building.version);
        for target in ["/", "/EPUB/text/c001.xhtml"] {
            let page = String::from_utf8(respond(&failed, target).body).unwrap();
            assert!(
                page.contains("nothing to show") && !page.contains("last good"),
                "{page}"
            );
            assert!(!page.contains("building…") && page.contains(VERSION_PATH));
        }
        let later = site().with_error(Some("error: y".into()));
        let page = String::from_utf8(respond(&later, "/").body).unwrap();
        assert!(page.contains("showing the last good one"), "{page}");
    }

    #[test]
    fn version_follows_content_and_error() {
        let a = site();
        let b = site();
        assert_eq!(a.version, b.version);
        let c = a.with_error(Some("x".into()));
        assert_ne!(a.version, c.version);
    }
}
