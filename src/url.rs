//! The one URL policy for every link and source in a book: Markdown links, autolinks, raw HTML
//! `href`s and `src`s. A destination either becomes a valid URL (percent-encoded as CommonMark
//! renderers do) or is refused with the reason, so no script URL is ever shipped.

/// Schemes a reading system can follow (IANA-registered, no code, no local files).
const ALLOWED: &[&str] = &[
    "http", "https", "mailto", "tel", "sms", "ftp", "ftps", "sftp", "irc", "ircs", "news", "nntp",
    "urn", "geo", "xmpp", "magnet", "doi", "isbn",
];

/// Schemes that run code or reach outside the book: refused, with a warning.
const REFUSED: &[&str] = &[
    "javascript",
    "vbscript",
    "data",
    "file",
    "blob",
    "about",
    "chrome",
    "jar",
    "view-source",
    "filesystem",
];

/// Why a destination is not written as a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A scheme that runs code or reads local files (`javascript:`, `data:`, `file:` …).
    Unsafe,
    /// A scheme no reading system knows (`made-up-scheme:`).
    Unknown,
    /// Not a URL at all (`https://../`: no host).
    Invalid,
}

impl Refused {
    /// The warning's wording, after the quoted URL.
    pub fn why(self) -> &'static str {
        match self {
            Refused::Unsafe => "is not allowed in an EPUB (scripts and local files never ship)",
            Refused::Unknown => "has a scheme reading systems do not know",
            Refused::Invalid => "is not a valid URL",
        }
    }
}

/// The scheme of `dest` as a browser reads it: ASCII tab and line breaks removed anywhere,
/// leading C0 controls and spaces ignored, lowercased. None for relative references.
pub fn scheme(dest: &str) -> Option<String> {
    let cleaned: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(40)
        .collect();
    let colon = cleaned.find(':')?;
    let s = &cleaned[..colon];
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then(|| s.to_ascii_lowercase())
}

/// Check a link destination or source: the URL to write, or why it is refused.
/// Relative references (`other.md#x`, `#id`, `images/a.png`) pass, percent-encoded.
pub fn check(dest: &str) -> Result<String, Refused> {
    let dest = dest.trim_matches(|c: char| c <= ' ');
    // control characters inside a URL only ever hide something (`java&#x09;script:`)
    if dest.chars().any(|c| c < ' ' || c == '\u{7f}') {
        return Err(Refused::Unsafe);
    }
    match scheme(dest) {
        Some(s) if REFUSED.contains(&s.as_str()) => Err(Refused::Unsafe),
        Some(s) if !ALLOWED.contains(&s.as_str()) => Err(Refused::Unknown),
        Some(s)
            if matches!(s.as_str(), "http" | "https" | "ftp" | "ftps" | "sftp")
                && !valid_host(dest) =>
        {
            Err(Refused::Invalid)
        }
        _ => Ok(encode(dest)),
    }
}

/// `scheme://host…`: a host of non-empty labels (a name, IPv4 or a bracketed IPv6 address).
fn valid_host(dest: &str) -> bool {
    let Some((_, rest)) = dest.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port.contains(']');
    }
    let host = host_port.split(':').next().unwrap_or("");
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && !l
                    .chars()
                    .any(|c| c.is_ascii_whitespace() || "<>\\^`{|}\"".contains(c))
        })
}

/// Percent-encode what may not appear in a URL, as cmark does: every byte outside ASCII
/// letters, digits and `-_.!~*'();/?:@&=+$,%#` (so spaces, `[`, `]`, `\`, `"`, `<`, `>`, `` ` ``,
/// `{`, `}`, `|`, `^` and non-ASCII); an existing `%XX` is kept.
pub fn encode(dest: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"-_.!~*'();/?:@&=+$,%#".contains(&b);
    if dest.bytes().all(safe) {
        return dest.to_string();
    }
    let mut out = String::with_capacity(dest.len() + 8);
    for &b in dest.as_bytes() {
        if safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_destinations() {
        for (dest, want) in [
            (
                "https://例子.tw/路 徑?q=[1]",
                Ok("https://%E4%BE%8B%E5%AD%90.tw/%E8%B7%AF%20%E5%BE%91?q=%5B1%5D"),
            ),
            ("foo\\bar", Ok("foo%5Cbar")),
            ("a%20b", Ok("a%20b")),
            ("mailto:a@b.tw", Ok("mailto:a@b.tw")),
            ("other.md#x", Ok("other.md#x")),
            ("javascript:alert(1)", Err(Refused::Unsafe)),
            ("JaVaScRiPt:alert(1)", Err(Refused::Unsafe)),
            ("java\tscript:alert(1)", Err(Refused::Unsafe)),
            ("jav\nascript:alert(1)", Err(Refused::Unsafe)),
            ("\u{1}javascript:alert(1)", Err(Refused::Unsafe)),
            (" javascript:alert(1)", Err(Refused::Unsafe)),
            ("data:text/html,<script>", Err(Refused::Unsafe)),
            ("file:///etc/passwd", Err(Refused::Unsafe)),
            ("made-up-scheme://foo,bar", Err(Refused::Unknown)),
            ("java\u{0}script:x", Err(Refused::Unsafe)),
            ("https://../", Err(Refused::Invalid)),
            ("https://%E4%BE%8B.tw/", Ok("https://%E4%BE%8B.tw/")),
        ] {
            assert_eq!(check(dest).as_deref().map_err(|e| *e), want, "{dest:?}");
        }
    }
}
