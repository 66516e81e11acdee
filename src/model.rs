//! The book model: plain data that every stage after parsing reads and writes.
//!
//! A [`Book`] is metadata plus chapters; a [`Chapter`] is a flat list of [`Ev`]ents
//! (a start/end tree in document order, like pulldown-cmark's, but owned and with the
//! few extra inline kinds the typesetter produces). Each event keeps the byte range of
//! the source it came from, so later stages can report `file:line:column`.

use std::ops::Range;

use crate::config::Metadata;

/// A whole book, ready for typesetting and rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub meta: Metadata,
    pub chapters: Vec<Chapter>,
    /// Per source: the metadata of the article it is, in a book of articles.
    pub articles: Vec<Option<Metadata>>,
}

/// One XHTML document of the EPUB.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// Stable ASCII stem of the file name and manifest id (`c000`, `c001`, …).
    pub id: String,
    /// Title shown in the navigation (plain text, typeset).
    pub title: String,
    /// Heading id the title comes from, if any.
    pub anchor: Option<String>,
    /// True for the text before the first split heading of the first file.
    pub opening: bool,
    /// Index of the source file (in [`crate::project::Project::sources`]).
    pub source: usize,
    pub events: Vec<Spanned>,
    /// Index of the Markdown file (in reading order) the chapter comes from.
    pub file_index: usize,
    /// The title comes from the book's form (a SUMMARY.md link, an article's front matter),
    /// not from a heading.
    pub named: bool,
    /// The opening of an article: its own kicker, title and source line
    /// ([`crate::project::Source::article`]).
    pub article: bool,
    /// Nesting depth in the navigation (0: the top level).
    pub depth: u8,
    /// Parts (or groups) that open before the chapter in the navigation: depth and title.
    pub parts: Vec<(u8, String)>,
    /// Raw HTML `<a href>`s as written → where they point in the EPUB (`""`: nowhere, the
    /// link is left out and its text kept).
    pub links: std::collections::BTreeMap<String, String>,
}

/// An event with the byte range of the source text it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub ev: Ev,
    pub span: Range<usize>,
}

/// The events a chapter is made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Ev {
    Start(Tag),
    End(Tag),
    /// Text that the typesetter may transform.
    Text(String),
    /// Inline code: never transformed.
    Code(String),
    /// A formula in TeX (`$…$`, or `$$…$$` with `display`): written as MathML, never
    /// transformed; the typesetter treats it like inline code.
    Math {
        tex: String,
        display: bool,
    },
    /// Raw HTML from the Markdown (`block` for HTML blocks), sanitised on output.
    Html {
        html: String,
        block: bool,
    },
    SoftBreak,
    HardBreak,
    Rule,
    /// A footnote reference `[^label]`.
    FootnoteRef(String),
    TaskMarker(bool),
    /// Typesetter output: characters set upright in vertical text (tate-chu-yoko).
    Tcy(String),
    /// Typesetter output: a run that must not be broken across lines (`——`, `……`).
    NoBreak(String),
    /// Typesetter output: a run set in a style of its own (`<span class="…">`).
    Span(Style, String),
    /// Typesetter output: a line may break here (`<wbr/>`): phrase boundaries in headings.
    Wbr,
    /// Ruby (`{漢字|かんじ}`, `{注音|ㄓㄨˋ|ㄧㄣ}`): one reading for the whole base, or one
    /// per character.
    Ruby {
        base: String,
        readings: Vec<String>,
    },
}

/// What an [`Ev::Span`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A punctuation mark set half-width (its font's `halt`/`vhal` feature): the first or
    /// second of two adjacent marks, so that the pair takes 1.5 em (clreq §3.1.6.2).
    Halt,
    /// Latin words inside emphasis: set in italics, without emphasis dots.
    Latin,
    /// A URL in running text: may break between any two characters.
    Url,
    /// An apostrophe between Latin letters (`HTML’s`): set at its proportional width (the
    /// font's `pwid`), not as the Chinese font's full-width closing quote.
    Apostrophe,
}

impl Style {
    /// The class the span is written with.
    pub fn class(self) -> &'static str {
        match self {
            Style::Halt => "halt",
            Style::Latin => "latin",
            Style::Url => "url",
            Style::Apostrophe => "apos",
        }
    }
}

impl Ev {
    /// Call `f` with each piece of text a reader sees in this event (a ruby's base and its
    /// readings); nothing for tags, breaks and raw HTML.
    pub fn each_text(&self, mut f: impl FnMut(&str)) {
        match self {
            Ev::Text(t) | Ev::Code(t) | Ev::Tcy(t) | Ev::NoBreak(t) | Ev::Span(_, t) => f(t),
            Ev::Ruby { base, readings } => {
                f(base);
                readings.iter().for_each(|r| f(r));
            }
            _ => {}
        }
    }
}

/// Block and inline containers.
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    Paragraph,
    Heading {
        level: u8,
        /// The final, unique, ASCII id written to the XHTML.
        id: String,
        classes: Vec<String>,
    },
    BlockQuote,
    /// A fenced or indented code block; `lang` is the info string's first word.
    CodeBlock {
        lang: Option<String>,
    },
    List {
        start: Option<u64>,
    },
    Item,
    Table {
        align: Vec<Align>,
    },
    TableHead,
    TableRow,
    TableCell,
    Emphasis,
    Strong,
    Strikethrough,
    Link {
        dest: String,
        title: String,
    },
    Image {
        dest: String,
        title: String,
    },
    /// The body of a footnote, moved to the end of the chapter that cites it.
    FootnoteDefinition(String),
    /// A block of raw HTML (its lines come as [`Ev::Html`] with `block: true`).
    HtmlBlock,
    /// A GFM alert (`> [!NOTE]` …): a titled aside.
    Alert(Alert),
    /// A definition list (`term` then `: definition`), its terms and its definitions.
    DefinitionList,
    DefinitionTerm,
    DefinitionDetails,
    /// `^上標^`.
    Superscript,
    /// `~下標~`.
    Subscript,
}

/// The kinds of GFM alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    Note,
    Tip,
    Important,
    Warning,
    Caution,
}

impl Alert {
    /// The CSS class and the title of the aside, in Chinese or English.
    pub fn class_and_title(self, chinese: bool) -> (&'static str, &'static str) {
        let (class, zh, en) = match self {
            Alert::Note => ("note", "注意", "Note"),
            Alert::Tip => ("tip", "提示", "Tip"),
            Alert::Important => ("important", "重要", "Important"),
            Alert::Warning => ("warning", "警告", "Warning"),
            Alert::Caution => ("caution", "小心", "Caution"),
        };
        (class, if chinese { zh } else { en })
    }
}

/// Column alignment in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

impl Spanned {
    pub fn new(ev: Ev, span: Range<usize>) -> Self {
        Spanned { ev, span }
    }
}

/// The result of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub epub: Vec<u8>,
    pub warnings: Vec<crate::Diagnostic>,
    /// Titles of the chapters, in order.
    pub chapters: Vec<String>,
    pub identifier: String,
    /// The embedded font, if any.
    pub font: Option<crate::font::FontReport>,
    /// What the cover is (`generated 1600×2560 PNG` / the given file), if any.
    pub cover: Option<String>,
    /// The generated cover, for the CLI to keep for the next build ([`crate::Options::kept_cover`]).
    pub drawn_cover: Option<crate::cover::Drawn>,
}

/// A build written as a stream ([`crate::build_to`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    /// The report of the build; its `epub` is empty: the EPUB is `head`, the spool, `tail`.
    pub output: Output,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    /// How many bytes went to the spool.
    pub spooled: u64,
}

impl Streamed {
    /// The size of the EPUB.
    pub fn len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.spooled
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}
