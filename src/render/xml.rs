//! The one XML writer every document goes through: escaping by construction (quick-xml),
//! and characters XML 1.0 forbids never reach the output.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// Writes well-formed XML into a byte buffer.
pub struct Xml {
    w: Writer<Vec<u8>>,
    /// Text's `$` written as [`MARKDOWN_DOLLAR`]: the fragment raw HTML is read back from,
    /// where a formula is looked for in the raw HTML's text only.
    mark_dollars: bool,
}

/// A `$` of the Markdown's text in the fragment raw HTML is read back from (a private-use
/// character, written back as `$`): never a formula's delimiter there.
pub const MARKDOWN_DOLLAR: char = '\u{E024}';

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

impl Xml {
    /// A document starting with the XML declaration.
    pub fn new() -> Self {
        Self::with_capacity(4096)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        let mut w = Writer::new(Vec::with_capacity(capacity));
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .expect("writing to a Vec");
        w.get_mut().push(b'\n');
        Xml {
            w,
            mark_dollars: false,
        }
    }

    /// A fragment: no XML declaration.
    pub fn fragment() -> Self {
        Xml {
            w: Writer::new(Vec::with_capacity(1024)),
            mark_dollars: false,
        }
    }

    /// The fragment raw HTML is read back from ([`MARKDOWN_DOLLAR`]).
    pub fn for_raw_html() -> Self {
        Xml {
            mark_dollars: true,
            ..Self::fragment()
        }
    }

    /// `<!DOCTYPE html>` and a line break.
    pub fn doctype_html(&mut self) {
        self.w.get_mut().extend_from_slice(b"<!DOCTYPE html>\n");
    }

    pub fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.event(Event::Start(tag(name, attrs)));
    }

    /// An element with no content: `<name …/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.event(Event::Empty(tag(name, attrs)));
    }

    pub fn end(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let marked;
        let text = if self.mark_dollars && text.contains('$') {
            marked = text.replace('$', &MARKDOWN_DOLLAR.to_string());
            marked.as_str()
        } else {
            text
        };
        let clean = xml_chars(text);
        let escaped = quick_xml::escape::partial_escape(clean.as_ref());
        // the typesetter's invisible characters, written so that the markup shows them
        if memchr::memmem::find(escaped.as_bytes(), "\u{2005}".as_bytes()).is_some()
            || memchr::memmem::find(escaped.as_bytes(), "\u{2060}".as_bytes()).is_some()
        {
            let shown = escaped
                .replace('\u{2005}', "&#x2005;")
                .replace('\u{2060}', "&#x2060;");
            self.event(Event::Text(BytesText::from_escaped(shown)));
            return;
        }
        self.event(Event::Text(BytesText::from_escaped(escaped)));
    }

    /// `<name attrs>text</name>`.
    pub fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        self.text(text);
        self.end(name);
    }

    /// HTML as it is, unescaped: only for the string [`super::html::rebuild`] parses and
    /// sanitises, never for a document of the EPUB.
    pub fn raw_html(&mut self, html: &str) {
        self.w.get_mut().extend_from_slice(html.as_bytes());
    }

    /// A line break between block elements (insignificant whitespace).
    pub fn newline(&mut self) {
        self.w.get_mut().push(b'\n');
    }

    pub fn finish(self) -> Vec<u8> {
        let mut v = self.w.into_inner();
        if v.last() != Some(&b'\n') {
            v.push(b'\n');
        }
        v
    }

    fn event(&mut self, e: Event<'_>) {
        self.w.write_event(e).expect("writing to a Vec");
    }
}

fn tag<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut t = BytesStart::new(name);
    for (k, v) in attrs {
        let v = xml_chars(v);
        t.push_attribute((*k, v.as_ref()));
    }
    t
}

/// Whether XML 1.0 allows `c` in a document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `text` without the characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF).
pub fn xml_chars(text: &str) -> Cow<'_, str> {
    // bytes, not chars: C0 controls are single bytes, U+FFFE/U+FFFF are EF BF BE/BF
    static NONCHARACTER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\xEF\xBF"));
    let b = text.as_bytes();
    // a fold without early exit: the compiler vectorises it
    let controls = b.iter().fold(0usize, |n, &c| {
        n + usize::from(c < 0x20 && c != b'\t' && c != b'\n' && c != b'\r')
    });
    let clean = controls == 0
        && NONCHARACTER
            .find_iter(b)
            .all(|i| !matches!(b.get(i + 2), Some(0xBE | 0xBF)));
    if clean {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| is_xml_char(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_drops_forbidden_characters() {
        let mut x = Xml::new();
        x.start("p", &[("title", "a\"<&\u{1}b")]);
        x.text("1 < 2 & \u{0}\u{FFFF}中\u{2005}a\u{2060}");
        x.empty("br", &[]);
        x.end("p");
        let out = String::from_utf8(x.finish()).unwrap();
        assert_eq!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<p title=\"a&quot;&lt;&amp;b\">1 &lt; 2 &amp; 中&#x2005;a&#x2060;<br/></p>\n"
        );
    }
}
