//! book.toml and Markdown front matter → typed [`Metadata`] and [`BuildConfig`].
//!
//! Unknown keys are errors that name the key and its line; see README for the schema.

use serde::Deserialize;

use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

/// What the book says about itself; written to the OPF and the opening chapter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub title: String,
    pub subtitle: Option<String>,
    /// A short line above the title (e.g. the column: "AI 產業動態").
    pub kicker: Option<String>,
    pub authors: Vec<String>,
    /// BCP 47 language tag of the text, `zh-Hant` by default.
    pub lang: String,
    /// Publication date: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or an RFC 3339 date-time.
    pub date: Option<String>,
    /// Explicit `dcterms:modified` (RFC 3339, UTC).
    pub modified: Option<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub subjects: Vec<String>,
    pub rights: Option<String>,
    /// Unique identifier; derived from the metadata when absent.
    pub identifier: Option<String>,
    /// What the text is based on (`dc:source`).
    pub source: Option<String>,
    pub series: Option<Series>,
    /// The article's number in its series (`episode`/`position` in an article's front matter).
    pub episode: Option<Number>,
}

/// The collection a book belongs to (`belongs-to-collection`), e.g. a podcast and its episode.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Series {
    pub name: String,
    /// Position in the series (`group-position`), e.g. the episode number.
    pub position: Option<Number>,
    /// `series` (default) or `set`.
    #[serde(default = "default_collection_type", rename = "type")]
    pub kind: String,
}

fn default_collection_type() -> String {
    "series".into()
}

/// An integer or decimal number (`4`, `4.5`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Int(u64),
    Float(f64),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(n) => write!(f, "{n}"),
        }
    }
}

/// Page direction and writing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    #[default]
    Horizontal,
    Vertical,
}

/// How to build the book.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildConfig {
    /// Markdown files in reading order, relative to the book folder.
    pub chapters: Vec<String>,
    /// Headings of this level or above start a new chapter (2 = `##`); 0 = one chapter per file.
    pub split_level: u8,
    pub layout: Layout,
    /// Extra stylesheets appended after hanpub's.
    pub css: Vec<String>,
    /// A font to embed (subset), relative to the book folder.
    pub font: Option<String>,
    /// Cover image (JPEG or PNG), relative to the book folder.
    pub cover: Option<String>,
    /// Latin punctuation in Chinese context becomes full-width.
    pub punctuation: bool,
    /// The folder a path starting with `/` is taken from (a static site's root: `source` for
    /// Hexo, `static` for Hugo); `None`: the book folder.
    pub site_root: Option<String>,
    /// What to do with an image on the web.
    pub remote_images: RemoteImages,
    /// Lines of Rust code blocks starting with `# ` are hidden (rustdoc's and mdBook's
    /// convention), set for mdBooks.
    pub hide_lines: bool,
    /// `$$…$$` within a sentence is an inline formula (GitBook's math plugins show it so; a
    /// paragraph of its own is still displayed), set for GitBooks.
    pub inline_display_math: bool,
    /// The book's formula macros (an mdBook's mdbook-katex `macros` file), for every file.
    pub formula_macros: crate::render::macros::Macros,
    /// Emoji shortcodes (`:sparkles:`) become their emoji (✨): `[build] emoji`, else what the
    /// book's form shows ([`crate::sources`]); `None` until then.
    pub emoji: Option<bool>,
}

/// What becomes of an image whose source is on the web (hanpub never downloads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteImages {
    /// The image is an error.
    Error,
    /// A link to the image, its alt text as the link's text (a warning).
    #[default]
    Link,
    /// Its alt text only (a warning).
    Drop,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            chapters: Vec::new(),
            split_level: 2,
            layout: Layout::Horizontal,
            css: Vec::new(),
            font: None,
            cover: None,
            punctuation: true,
            site_root: None,
            remote_images: RemoteImages::default(),
            hide_lines: false,
            inline_display_math: false,
            formula_macros: Default::default(),
            emoji: None,
        }
    }
}

/// A parsed book.toml or front matter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub meta: Metadata,
    pub build: BuildConfig,
    /// A front matter's `draft: true` (or `published: false`).
    pub draft: bool,
    /// Keys of other tools (Hugo, Hexo, Jekyll, Zola, Astro, their themes) that a front
    /// matter carries and hanpub ignores.
    pub ignored: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BookToml {
    book: BookSection,
    series: Option<Series>,
    #[serde(default)]
    build: BuildSection,
}

/// `[book]` in book.toml.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BookSection {
    title: String,
    subtitle: Option<String>,
    kicker: Option<String>,
    #[serde(default, alias = "author")]
    authors: OneOrMany,
    lang: Option<String>,
    date: Option<DateValue>,
    modified: Option<DateValue>,
    description: Option<String>,
    publisher: Option<String>,
    #[serde(default)]
    subjects: OneOrMany,
    rights: Option<String>,
    identifier: Option<String>,
    source: Option<String>,
    /// Only from an article's front matter.
    #[serde(skip)]
    episode: Option<Number>,
}

/// `[build]` in book.toml.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct BuildSection {
    #[serde(default)]
    chapters: Vec<String>,
    split_level: Option<u8>,
    layout: Option<Layout>,
    #[serde(default)]
    css: OneOrMany,
    font: Option<String>,
    cover: Option<String>,
    punctuation: Option<bool>,
    site_root: Option<String>,
    remote_images: Option<RemoteImages>,
    emoji: Option<bool>,
}

/// Front matter of a single-file book: the `[book]` keys at top level, plus `series` and `build`
/// (also an article's front matter, and `[output.hanpub]` of an mdBook). Other tools' names for
/// the same things are read too: Hugo, Hexo, Jekyll, Zola and Astro write posts with them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct FrontMatter {
    #[serde(default)]
    title: Option<String>,
    subtitle: Option<String>,
    kicker: Option<String>,
    #[serde(default, alias = "author")]
    authors: OneOrMany,
    lang: Option<String>,
    date: Option<DateValue>,
    modified: Option<DateValue>,
    description: Option<String>,
    publisher: Option<String>,
    #[serde(default)]
    subjects: OneOrMany,
    rights: Option<String>,
    identifier: Option<String>,
    source: Option<String>,
    series: Option<SeriesValue>,
    #[serde(default, alias = "position")]
    episode: Option<Number>,
    #[serde(default)]
    build: BuildSection,
    /// `layout: vertical` beside the metadata, as `build.layout`; another tool's page layout
    /// (`layout: post`) ignored.
    layout: Option<serde_json::Value>,
    // other tools' names
    #[serde(default)]
    tags: Terms,
    #[serde(default)]
    categories: Terms,
    #[serde(default)]
    keywords: Terms,
    #[serde(default)]
    taxonomies: std::collections::BTreeMap<String, Terms>,
    lastmod: Option<DateValue>,
    updated: Option<DateValue>,
    #[serde(rename = "updatedDate")]
    updated_date: Option<DateValue>,
    #[serde(rename = "last_modified_at")]
    last_modified_at: Option<DateValue>,
    #[serde(rename = "pubDate")]
    pub_date: Option<DateValue>,
    #[serde(rename = "publishDate")]
    publish_date: Option<DateValue>,
    summary: Option<String>,
    excerpt: Option<String>,
    draft: Option<bool>,
    published: Option<bool>,
}

/// `series:` of a front matter: hanpub's collection, or a Hugo taxonomy (a list of names).
#[derive(Deserialize)]
#[serde(untagged)]
enum SeriesValue {
    Collection(Series),
    Terms(Terms),
}

/// Tags or categories: one, a list, or Hexo's lists of lists (a category path).
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Terms {
    #[default]
    None,
    One(String),
    Many(Vec<Terms>),
}

impl Terms {
    fn push_into(self, out: &mut Vec<String>) {
        match self {
            Terms::None => {}
            Terms::One(s) => {
                let s = s.trim().to_string();
                if !s.is_empty() && !out.contains(&s) {
                    out.push(s);
                }
            }
            Terms::Many(v) => v.into_iter().for_each(|t| t.push_into(out)),
        }
    }
}

impl FrontMatter {
    /// Fold other tools' names into hanpub's: tags, categories, keywords and taxonomies into
    /// `subjects`; `lastmod`/`updated` into `modified`; `summary`/`excerpt` into
    /// `description`; `pubDate`/`publishDate` into `date`; a Hugo `series` list into
    /// `subjects`.
    fn fold_foreign(mut self) -> (FrontMatter, bool) {
        let mut subjects = Vec::new();
        std::mem::take(&mut self.subjects)
            .into_vec()
            .into_iter()
            .for_each(|s| Terms::One(s).push_into(&mut subjects));
        for t in [
            std::mem::take(&mut self.tags),
            std::mem::take(&mut self.categories),
            std::mem::take(&mut self.keywords),
        ] {
            t.push_into(&mut subjects);
        }
        for (_, t) in std::mem::take(&mut self.taxonomies) {
            t.push_into(&mut subjects);
        }
        if let Some(SeriesValue::Terms(t)) = self.series.take() {
            t.push_into(&mut subjects);
        } else if let Some(SeriesValue::Collection(c)) = self.series.take() {
            self.series = Some(SeriesValue::Collection(c));
        }
        self.subjects = OneOrMany::Many(subjects);
        self.modified = self
            .modified
            .take()
            .or(self.lastmod.take())
            .or(self.updated.take())
            .or(self.updated_date.take())
            .or(self.last_modified_at.take());
        self.date = self
            .date
            .take()
            .or(self.pub_date.take())
            .or(self.publish_date.take());
        self.description = self
            .description
            .take()
            .or(self.summary.take())
            .or(self.excerpt.take());
        let draft = self.draft == Some(true) || self.published == Some(false);
        if self.build.layout.is_none() {
            self.build.layout = match self.layout.take().as_ref().and_then(|v| v.as_str()) {
                Some("vertical") => Some(Layout::Vertical),
                Some("horizontal") => Some(Layout::Horizontal),
                _ => None,
            };
        }
        (self, draft)
    }
}

impl From<FrontMatter> for BookToml {
    fn from(f: FrontMatter) -> Self {
        let series = match f.series {
            Some(SeriesValue::Collection(s)) => Some(s),
            _ => None,
        };
        BookToml {
            book: BookSection {
                title: f.title.unwrap_or_default(),
                subtitle: f.subtitle,
                kicker: f.kicker,
                authors: f.authors,
                lang: f.lang,
                date: f.date,
                modified: f.modified,
                description: f.description,
                publisher: f.publisher,
                subjects: f.subjects,
                rights: f.rights,
                identifier: f.identifier,
                source: f.source,
                episode: f.episode,
            },
            series,
            build: f.build,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A date as a string (YAML, quoted TOML) or a TOML date literal.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    Toml(toml::value::Datetime),
}

impl DateValue {
    fn into_string(self) -> String {
        match self {
            DateValue::Text(s) => s,
            DateValue::Toml(d) => d.to_string(),
        }
    }
}

/// A parsed configuration and the problems that did not stop parsing (unknown keys).
pub type Parsed = (Config, Vec<Diagnostic>);

/// Parse a book.toml. Unknown keys are all reported, each at its line.
pub fn parse_book_toml(file: &SourceFile) -> Result<Parsed, Vec<Diagnostic>> {
    let mut unknown = Vec::new();
    let raw: BookToml = toml::de::Deserializer::parse(&file.text)
        .and_then(|de| serde_ignored::deserialize(de, |path| unknown.push(path.to_string())))
        .map_err(|e| vec![toml_error(file, &e, 0)])?;
    let config = finish(raw, file, 0, true)?;
    Ok((config, unknown_keys(file, 0, &unknown, false)))
}

/// An mdBook's `book.toml`: mdBook's `[book]` (title, authors, description, language, src),
/// hanpub's settings under `[output.hanpub]` (the keys of front matter), and the rest of
/// mdBook's keys (`[output.*]`, `[preprocessor.*]`, `[rust]`, its `[build]`) left to mdBook.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct MdBookToml {
    #[serde(default)]
    book: MdBookSection,
    #[serde(default)]
    output: MdBookOutput,
    #[serde(default)]
    preprocessor: MdBookPreprocessors,
    /// mdBook's `[build]`, read for its keys only (an ignored table is reported whole).
    build: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct MdBookSection {
    title: Option<String>,
    #[serde(default, alias = "author")]
    authors: OneOrMany,
    description: Option<String>,
    language: Option<String>,
    src: Option<String>,
}

#[derive(Deserialize, Default)]
struct MdBookOutput {
    hanpub: Option<FrontMatter>,
}

/// The preprocessors hanpub reads a setting of (their other keys are left to them).
#[derive(Deserialize, Default)]
struct MdBookPreprocessors {
    katex: Option<KatexSettings>,
}

#[derive(Deserialize, Default)]
struct KatexSettings {
    /// mdbook-katex's file of formula macros, from the book's folder.
    macros: Option<String>,
}

/// mdBook's own keys, which hanpub reads past.
pub const MDBOOK_BOOK_KEYS: &[&str] = &[
    "title",
    "authors",
    "author",
    "description",
    "language",
    "src",
    "multilingual",
    "text-direction",
];
pub const MDBOOK_BUILD_KEYS: &[&str] = &[
    "build-dir",
    "create-missing",
    "use-default-preprocessors",
    "extra-watch-dirs",
];

/// What an mdBook's book.toml says, beside the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MdBookInfo {
    /// `[book] src`: the folder of SUMMARY.md and the chapters (default `src`).
    pub src: String,
    /// `[preprocessor.katex] macros`: mdbook-katex's file of formula macros, and where the
    /// setting is in book.toml.
    pub katex_macros: Option<(String, usize)>,
}

/// Parse an mdBook's `book.toml`. `title`: the title to use when neither `[book]` nor
/// `[output.hanpub]` gives one (mdBook does not need one).
pub fn parse_mdbook_toml(
    file: &SourceFile,
    title: &str,
) -> Result<(Config, Vec<Diagnostic>, MdBookInfo), Vec<Diagnostic>> {
    let mut unknown = Vec::new();
    let raw: MdBookToml = toml::de::Deserializer::parse(&file.text)
        .and_then(|de| serde_ignored::deserialize(de, |path| unknown.push(path.to_string())))
        .map_err(|e| vec![toml_error(file, &e, 0)])?;
    unknown.extend(
        raw.build
            .iter()
            .flat_map(|t| t.keys())
            .filter(|k| !MDBOOK_BUILD_KEYS.contains(&k.as_str()))
            .map(|k| format!("build.{k}")),
    );
    let mut errors = Vec::new();
    let mut hanpub_unknown = Vec::new();
    for path in unknown {
        let mut parts = path.splitn(2, '.');
        let (top, rest) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        match top {
            "output" => {
                if let Some(k) = rest.strip_prefix("hanpub.") {
                    hanpub_unknown.push(k.to_string());
                }
            }
            "preprocessor" | "rust" => {}
            "build" if MDBOOK_BUILD_KEYS.contains(&rest.split('.').next().unwrap_or("")) => {}
            "book" if MDBOOK_BOOK_KEYS.contains(&rest.split('.').next().unwrap_or("")) => {}
            _ => {
                let key = path.rsplit('.').next().unwrap_or(&path);
                let (table, keys) = if top == "build" {
                    ("build", MDBOOK_BUILD_KEYS)
                } else {
                    ("book", MDBOOK_BOOK_KEYS)
                };
                let d = Diagnostic::error(format!("unknown key `{key}` in an mdBook's book.toml"))
                    .with_hint(format!(
                        "mdBook's [{table}] keys are {}; hanpub's settings go under [output.hanpub] (see README)",
                        keys.join(", ")
                    ));
                errors.push(match find_key(&file.text, key) {
                    Some(off) => d.at(file, off..off + key.len()),
                    None => d.in_file(file.name.clone()),
                });
            }
        }
    }
    let (hanpub, _) = raw.output.hanpub.unwrap_or_default().fold_foreign();
    let mut front = hanpub;
    let b = raw.book;
    front.title = front.title.or(b.title).or_else(|| Some(title.to_string()));
    if matches!(front.authors, OneOrMany::None) {
        front.authors = b.authors;
    }
    front.description = front.description.or(b.description);
    front.lang = front
        .lang
        .or_else(|| b.language.as_deref().map(crate::sources::language_tag));
    let config = finish(front.into(), file, 0, true).map_err(|mut e| {
        e.extend(errors.clone());
        e
    })?;
    for d in unknown_keys(file, 0, &hanpub_unknown, true) {
        let mut d = d;
        d.message = d
            .message
            .replace(" in the front matter", " in [output.hanpub]")
            .replace(" in `series`", " in [output.hanpub.series]")
            .replace(" in `build`", " in [output.hanpub.build]");
        if let Some(h) = &mut d.hint {
            *h = h
                .replace(" in the front matter", " in [output.hanpub]")
                .replace(" in `series`", " in [output.hanpub.series]")
                .replace(" in `build`", " in [output.hanpub.build]");
        }
        errors.push(d);
    }
    let info = MdBookInfo {
        src: b
            .src
            .unwrap_or_else(|| "src".into())
            .trim_matches('/')
            .to_string(),
        katex_macros: raw
            .preprocessor
            .katex
            .and_then(|k| k.macros)
            .map(|m| (m, find_key(&file.text, "macros").unwrap_or(0))),
    };
    Ok((config, errors, info))
}

const TOP_KEYS: &[&str] = &["book", "series", "build"];
const BOOK_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "kicker",
    "authors",
    "author",
    "lang",
    "date",
    "modified",
    "description",
    "publisher",
    "subjects",
    "rights",
    "identifier",
    "source",
];
const SERIES_KEYS: &[&str] = &["name", "position", "type"];
const BUILD_KEYS: &[&str] = &[
    "chapters",
    "split-level",
    "layout",
    "css",
    "font",
    "cover",
    "punctuation",
    "site-root",
    "remote-images",
];

/// Hugo's page options (`build:` or `_build:` with `render`, `list`, `publishResources`): a
/// post's front matter may carry them beside hanpub's `build`.
const HUGO_BUILD_KEYS: &[&str] = &["render", "list", "publishResources"];

/// Hugo does not publish the page (its `build`/`_build` says `render` or `list` `never` or
/// `false`): a post the book leaves out.
pub fn hugo_unpublished(
    file: &SourceFile,
    kind: FrontMatterKind,
    range: std::ops::Range<usize>,
) -> bool {
    #[derive(Deserialize, Default)]
    struct Page {
        #[serde(default, rename = "_build")]
        hidden: Option<HugoBuild>,
        #[serde(default)]
        build: Option<HugoBuild>,
    }
    #[derive(Deserialize, Default)]
    struct HugoBuild {
        render: Option<Flag>,
        list: Option<Flag>,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    let src = &file.text[range];
    if !src.contains("build") {
        return false;
    }
    let page: Page = match kind {
        FrontMatterKind::Toml => toml::from_str(src).unwrap_or_default(),
        FrontMatterKind::Yaml => serde_saphyr::from_str(src).unwrap_or_default(),
    };
    let off = |f: &Option<Flag>| match f {
        Some(Flag::Bool(b)) => !b,
        Some(Flag::Text(t)) => t.eq_ignore_ascii_case("never"),
        None => false,
    };
    [page.hidden, page.build]
        .iter()
        .flatten()
        .any(|b| off(&b.render) || off(&b.list))
}

/// Unknown front-matter keys → (other tools' keys, ignored; keys to report). A key near one of
/// hanpub's is always reported (with its "did you mean"); a key of Hugo, Hexo, Jekyll, Zola,
/// Astro or a common theme is ignored; any other key is ignored in a post (`post`) or in a
/// front matter that has other tools' keys, and reported otherwise.
fn sort_foreign_keys(unknown: Vec<String>, post: bool) -> (Vec<String>, Vec<String>) {
    let mut hanpub: Vec<&str> = BOOK_KEYS.to_vec();
    hanpub.extend(["series", "build", "episode"]);
    let top = |p: &str| p.split('.').next().unwrap_or(p).to_string();
    let foreign = |p: &str| crate::sources::posts::FOREIGN_KEYS.contains(&top(p).as_str());
    let near = |p: &str| {
        let t = top(p);
        !p.contains('.') && !foreign(p) && closest(&t, &hanpub).is_some()
    };
    let lenient = post || unknown.iter().any(|p| foreign(p));
    let (mut ignored, mut report) = (Vec::new(), Vec::new());
    for p in unknown {
        let hugo = post
            && p.split_once('.')
                .is_some_and(|(t, k)| t == "build" && HUGO_BUILD_KEYS.contains(&k));
        let hanpub_table =
            matches!(top(&p).as_str(), "series" | "build") && p.contains('.') && !hugo;
        if near(&p) || hanpub_table || !(foreign(&p) || lenient) {
            report.push(p);
        } else if !ignored.contains(&top(&p)) {
            ignored.push(top(&p));
        }
    }
    (ignored, report)
}

/// One error per unknown key: `book.titel` → "unknown key `titel` in [book]", at its line.
fn unknown_keys(
    file: &SourceFile,
    base: usize,
    paths: &[String],
    front_matter: bool,
) -> Vec<Diagnostic> {
    paths
        .iter()
        .map(|path| {
            let (table, key) = match path.rsplit_once('.') {
                Some((t, k)) => (t, k),
                None => ("", path.as_str()),
            };
            let known: Vec<&str> = match (table, front_matter) {
                ("", false) => TOP_KEYS.to_vec(),
                ("", true) | ("book", false) => {
                    let mut k = BOOK_KEYS.to_vec();
                    if front_matter {
                        k.extend(["series", "build"]);
                    }
                    k
                }
                ("series", _) => SERIES_KEYS.to_vec(),
                ("build", _) => BUILD_KEYS.to_vec(),
                _ => Vec::new(),
            };
            let place = if table.is_empty() {
                if front_matter {
                    " in the front matter".to_string()
                } else {
                    " at the top level".to_string()
                }
            } else if front_matter {
                format!(" in `{table}`")
            } else {
                format!(" in [{table}]")
            };
            let list = known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = match closest(key, &known) {
                Some(n) => format!("did you mean `{n}`? The keys{place} are {list}"),
                None => format!("the keys{place} are {list}"),
            };
            let d = Diagnostic::error(format!("unknown key `{key}`{place}")).with_hint(hint);
            match find_key(&file.text[base..], key) {
                Some(off) => d.at(file, base + off..base + off + key.len()),
                None => d.in_file(file.name.clone()),
            }
        })
        .collect()
}

/// The kind of front matter a Markdown file starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontMatterKind {
    Yaml,
    Toml,
}

/// Split `---` YAML or `+++` TOML front matter off a Markdown text.
///
/// Returns the kind, the front matter's byte range and the byte offset where the body starts.
pub fn split_front_matter(text: &str) -> Option<(FrontMatterKind, std::ops::Range<usize>, usize)> {
    let text_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[text_start..];
    let (fence, kind) = if rest.starts_with("---") {
        ("---", FrontMatterKind::Yaml)
    } else if rest.starts_with("+++") {
        ("+++", FrontMatterKind::Toml)
    } else {
        return fenceless_front_matter(text, text_start);
    };
    let first_nl = rest.find('\n')?;
    if rest[..first_nl].trim_end() != fence {
        return None;
    }
    let start = text_start + first_nl + 1;
    let mut pos = start;
    for line in text[start..].split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == fence || (kind == FrontMatterKind::Yaml && trimmed == "...") {
            return Some((kind, start..pos, pos + line.len()));
        }
        pos += line.len();
    }
    None
}

/// Hexo's front matter without its opening `---` (the scaffold of Hexo 2, which old posts
/// keep): `title:` on the first line, YAML lines (`key: value`, list items, indented lines),
/// then `---`. [`split_front_matter`]'s answer for it.
fn fenceless_front_matter(
    text: &str,
    start: usize,
) -> Option<(FrontMatterKind, std::ops::Range<usize>, usize)> {
    if !text[start..].starts_with("title:") {
        return None;
    }
    let mut pos = start;
    for line in text[start..].split_inclusive('\n').take(100) {
        let trimmed = line.trim_end();
        if trimmed == "---" {
            return Some((FrontMatterKind::Yaml, start..pos, pos + line.len()));
        }
        let key = trimmed.split_once(':').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if !(key || trimmed.is_empty() || trimmed.starts_with([' ', '\t', '-'])) {
            return None;
        }
        pos += line.len();
    }
    None
}

/// Parse front matter of a single-file book. `range` is its byte range in `file`.
///
/// Other tools' keys are read ([`FrontMatter`]) or ignored (listed in [`Config::ignored`]); a
/// key near one of hanpub's is an error with its "did you mean"; any other unknown key is an
/// error too, unless the front matter is recognisably another tool's (it has one of their
/// keys), where it is a theme's and ignored.
pub fn parse_front_matter(
    file: &SourceFile,
    kind: FrontMatterKind,
    range: std::ops::Range<usize>,
) -> Result<Parsed, Vec<Diagnostic>> {
    parse_front_matter_as(file, kind, range, false)
}

/// [`parse_front_matter`]; `post`: the file is a post of a static site, whose theme may add
/// keys of its own (they are ignored unless they look like a misspelt hanpub key).
pub fn parse_front_matter_as(
    file: &SourceFile,
    kind: FrontMatterKind,
    range: std::ops::Range<usize>,
    post: bool,
) -> Result<Parsed, Vec<Diagnostic>> {
    let src = &file.text[range.clone()];
    let mut unknown = Vec::new();
    let raw: FrontMatter = match kind {
        FrontMatterKind::Toml => toml::de::Deserializer::parse(src)
            .and_then(|de| serde_ignored::deserialize(de, |path| unknown.push(path.to_string())))
            .map_err(|e| vec![toml_error(file, &e, range.start)])?,
        FrontMatterKind::Yaml => serde_saphyr::with_deserializer_from_str(src, |de| {
            serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
        })
        .map_err(|e| {
            let message = yaml_message(&e);
            let d = Diagnostic::error(format!("invalid front matter: {message}"));
            vec![match e.location() {
                Some(loc) if loc.line() > 0 => {
                    let (line0, _) = file.line_col(range.start);
                    let offset =
                        file.offset(line0 + loc.line() as usize - 1, loc.column() as usize);
                    d.at(file, offset..offset + 1)
                }
                _ => d.in_file(file.name.clone()),
            }]
        })?,
    };
    let (raw, draft) = raw.fold_foreign();
    let (ignored, unknown) = sort_foreign_keys(unknown, post);
    // a post without a title is named by its first heading or its file ([`crate::sources::posts`])
    let mut config = finish(raw.into(), file, range.start, !post)?;
    config.draft = draft;
    config.ignored = ignored;
    Ok((config, unknown_keys(file, range.start, &unknown, true)))
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    let opts = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
    let text = e.without_snippet().render_with_options(opts);
    // drop a trailing " at line X, column Y" that we print ourselves
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn toml_error(file: &SourceFile, e: &toml::de::Error, base: usize) -> Diagnostic {
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => Diagnostic::error(format!("invalid TOML: {message}"))
            .at(file, base + span.start..base + span.end),
        None => Diagnostic::error(message).in_file(file.name.clone()),
    }
}

/// The known name nearest to a misspelt one (edit distance ≤ 2).
fn closest<'a>(key: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (edit_distance(key, n), *n))
        .filter(|&(d, _)| d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The configuration a book.toml or front matter gives, every problem reported at its key;
/// `titled`: a title is required.
fn finish(
    raw: BookToml,
    file: &SourceFile,
    base: usize,
    titled: bool,
) -> Result<Config, Vec<Diagnostic>> {
    let mut raw = raw;
    for d in [&mut raw.book.date, &mut raw.book.modified]
        .into_iter()
        .flatten()
    {
        if let DateValue::Text(t) = d
            && let Some(n) = crate::dates::normalize(t)
        {
            *t = n;
        }
    }
    let mut errors = Vec::new();
    let find = |key: &str| -> Diagnostic {
        let d = Diagnostic::error(String::new());
        match find_key(&file.text[base..], key) {
            Some(off) => d.at(file, base + off..base + off + key.len()),
            None => d.in_file(file.name.clone()),
        }
    };
    let mut err = |key: &str, message: String, hint: Option<&str>| {
        let mut d = find(key);
        d.message = message;
        d.hint = hint.map(str::to_string);
        errors.push(d);
    };
    let b = raw.book;
    let title = b.title.trim().to_string();
    if title.is_empty() && titled {
        err("title", "the title is empty".into(), None);
    }
    let lang = b.lang.unwrap_or_else(|| "zh-Hant".into());
    if let Some((message, hint)) = lang_problem(&lang) {
        err("lang", message, Some(hint));
    }
    let lang = crate::sources::canonical_case(&lang);
    let date = b.date.map(DateValue::into_string);
    if let Some(d) = &date
        && !valid_date(d)
    {
        err(
            "date",
            format!("`{d}` is not a date"),
            Some("write YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time"),
        );
    }
    let modified = b.modified.map(DateValue::into_string);
    let modified = match modified {
        Some(m) => match normalize_modified(&m) {
            Some(m) => Some(m),
            None => {
                err(
                    "modified",
                    format!("`{m}` is not a date-time"),
                    Some("write YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
                );
                None
            }
        },
        None => None,
    };
    if let Some((message, hint)) = b.identifier.as_deref().and_then(identifier_problem) {
        err("identifier", message, hint);
    }
    let authors: Vec<String> = b.authors.into_vec();
    for text in [Some(&title), b.subtitle.as_ref(), b.kicker.as_ref()]
        .into_iter()
        .flatten()
        .chain(authors.iter())
    {
        if text.chars().any(|c| c.is_control()) {
            err(
                "title",
                "metadata contains control characters".into(),
                Some("remove tabs, line breaks and other control characters from titles and names"),
            );
            break;
        }
    }
    if let Some(s) = &raw.series
        && s.kind != "series"
        && s.kind != "set"
    {
        err(
            "type",
            format!("unknown collection type `{}`", s.kind),
            Some("use \"series\" or \"set\""),
        );
    }
    let build = raw.build;
    let split_level = build.split_level.unwrap_or(2);
    if split_level > 6 {
        err(
            "split-level",
            format!("split-level {split_level} is not a heading level"),
            Some("use 1–6, or 0 for one chapter per file"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Config {
        meta: Metadata {
            title,
            subtitle: b.subtitle,
            kicker: b.kicker,
            authors,
            lang,
            date,
            modified,
            description: b.description,
            publisher: b.publisher,
            subjects: b.subjects.into_vec(),
            rights: b.rights,
            identifier: b.identifier,
            source: b.source,
            series: raw.series,
            episode: b.episode,
        },
        build: BuildConfig {
            chapters: build.chapters,
            split_level,
            layout: build.layout.unwrap_or_default(),
            css: build.css.into_vec(),
            font: build.font,
            cover: build.cover,
            punctuation: build.punctuation.unwrap_or(true),
            site_root: build.site_root,
            remote_images: build.remote_images.unwrap_or_default(),
            hide_lines: false,
            inline_display_math: false,
            formula_macros: Default::default(),
            emoji: build.emoji,
        },
        draft: false,
        ignored: Vec::new(),
    })
}

/// What is wrong with a language tag, if anything: the message and a hint.
fn lang_problem(lang: &str) -> Option<(String, &'static str)> {
    if !valid_lang(lang) {
        Some((
            format!("`{lang}` is not a language tag"),
            "use a BCP 47 tag such as zh-Hant, zh-Hans or en",
        ))
    } else if lang.eq_ignore_ascii_case("zh") {
        Some((
            "`zh` does not say which script the book uses".into(),
            "use zh-Hant (Traditional) or zh-Hans (Simplified)",
        ))
    } else {
        None
    }
}

/// What is wrong with a configured identifier, if anything: the message and a hint.
fn identifier_problem(id: &str) -> Option<(String, Option<&'static str>)> {
    if id.trim().is_empty() {
        Some(("the identifier is empty".into(), None))
    } else if id
        .chars()
        .any(|c| c.is_control() || !crate::render::xml::is_xml_char(c))
    {
        Some((
            "the identifier contains control characters".into(),
            Some("use a URN such as urn:uuid:…, urn:isbn:… or a URL"),
        ))
    } else if let Some(uuid) = id
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("urn:uuid:"))
        .map(|_| &id[9..])
        && uuid::Uuid::try_parse(uuid).is_err()
    {
        Some((
            format!("`{id}` is not a valid UUID URN"),
            Some(
                "write urn:uuid: and 32 hex digits (8-4-4-4-12), or leave identifier out to derive one",
            ),
        ))
    } else {
        None
    }
}

/// Byte offset of `key` at the start of a line (`key =` or `key:`), for pointing at it.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with(['=', ':'])
        {
            return Some(pos + indent);
        }
        pos += line.len();
    }
    None
}

fn valid_lang(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm:ss` with an optional fraction and zone.
pub fn valid_date(s: &str) -> bool {
    let (day, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = day.split('-').collect();
    let ok_day = match parts.as_slice() {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && in_range(m, 1, 12),
        [y, m, d] => {
            digits(y, 4)
                && digits(m, 2)
                && digits(d, 2)
                && in_range(m, 1, 12)
                && in_range(
                    d,
                    1,
                    days_in_month(y.parse().unwrap_or(0), m.parse().unwrap_or(0)),
                )
        }
        _ => false,
    };
    ok_day && time.is_none_or(|t| parts.len() == 3 && valid_time(t))
}

fn valid_time(t: &str) -> bool {
    let t = t.strip_suffix(['Z', 'z']).unwrap_or(t);
    let t = match t.rfind(['+', '-']) {
        Some(i) if i >= 8 => {
            let zone = &t[i + 1..];
            let ok = zone.len() == 5
                && digits(&zone[..2], 2)
                && &zone[2..3] == ":"
                && digits(&zone[3..], 2);
            if !ok {
                return false;
            }
            &t[..i]
        }
        _ => t,
    };
    let t = t.split('.').next().unwrap_or("");
    let p: Vec<&str> = t.split(':').collect();
    matches!(p.as_slice(), [h, m, s] if digits(h, 2) && digits(m, 2) && digits(s, 2)
        && in_range(h, 0, 23) && in_range(m, 0, 59) && in_range(s, 0, 60))
}

fn in_range(s: &str, lo: u32, hi: u32) -> bool {
    s.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A date or date-time → `YYYY-MM-DDThh:mm:ssZ` (dates at midnight UTC, offsets applied).
pub fn normalize_modified(s: &str) -> Option<String> {
    if !valid_date(s) {
        return None;
    }
    crate::dates::to_utc(s)
}

/// The package's modification date: the book's `modified`, else `SOURCE_DATE_EPOCH`, else its
/// `date`, else 2000-01-01.
pub fn modified(meta: &Metadata, source_date_epoch: Option<i64>) -> String {
    meta.modified
        .clone()
        .or_else(|| source_date_epoch.map(epoch_to_rfc3339))
        .or_else(|| meta.date.as_deref().and_then(normalize_modified))
        .unwrap_or_else(|| "2000-01-01T00:00:00Z".into())
}

/// `urn:uuid:` + UUIDv5 of the metadata that names the book.
pub fn derive_identifier(meta: &Metadata) -> String {
    let key = format!(
        "hanpub:{}\u{1f}{}\u{1f}{}\u{1f}{}",
        meta.title,
        meta.authors.join("\u{1e}"),
        meta.lang,
        meta.date.as_deref().unwrap_or("")
    );
    format!(
        "urn:uuid:{}",
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes())
    )
}

/// Seconds since 1970 → `YYYY-MM-DDThh:mm:ssZ`.
pub fn epoch_to_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        match parse_book_toml(&SourceFile::new("book.toml", text)) {
            Ok((c, e)) if e.is_empty() => Ok(c),
            Ok((_, e)) | Err(e) => Err(e),
        }
    }

    #[test]
    fn parses_a_full_book_toml() {
        let c = parse(
            r#"
[book]
title = "書名"
author = "作者"
date = 2024-05-01
subjects = ["AI", "開源"]
[series]
name = "WhynotTV Podcast"
position = 4
[build]
chapters = ["a.md"]
layout = "vertical"
"#,
        )
        .unwrap();
        assert_eq!(c.meta.title, "書名");
        assert_eq!(c.meta.authors, ["作者"]);
        assert_eq!(c.meta.lang, "zh-Hant");
        assert_eq!(c.meta.date.as_deref(), Some("2024-05-01"));
        assert_eq!(c.meta.series.unwrap().position, Some(Number::Int(4)));
        assert_eq!(c.build.layout, Layout::Vertical);
        assert_eq!(c.build.split_level, 2);
        assert!(c.build.punctuation);
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let e = parse("[book]\ntitle = \"x\"\ntitel = \"y\"\n[build]\nlayot = \"vertical\"\n")
            .unwrap_err();
        assert_eq!(e[0].message, "unknown key `titel` in [book]");
        assert_eq!(e[0].location.as_ref().unwrap().line, 3);
        assert_eq!(e[1].message, "unknown key `layot` in [build]");
        assert_eq!(e[1].location.as_ref().unwrap().line, 5);
        assert!(
            e[1].hint
                .as_ref()
                .unwrap()
                .starts_with("did you mean `layout`?")
        );
    }

    #[test]
    fn dates_are_validated() {
        for (d, ok) in [
            ("2024", true),
            ("2024-02", true),
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2024-13-01", false),
            ("2024-01-01T10:00:00Z", true),
            ("2024-01-01T10:00:00+08:00", true),
            ("2024-01-01T25:00:00Z", false),
            ("yesterday", false),
            ("", false),
        ] {
            assert_eq!(valid_date(d), ok, "{d}");
        }
        assert_eq!(
            normalize_modified("2024-01-02").as_deref(),
            Some("2024-01-02T00:00:00Z")
        );
        assert_eq!(epoch_to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(epoch_to_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn bad_values_are_reported_together() {
        let e = parse("[book]\ntitle = \" \"\nlang = \"zh\"\ndate = \"soon\"\n").unwrap_err();
        let lines: Vec<usize> = e
            .iter()
            .map(|d| d.location.as_ref().unwrap().line)
            .collect();
        assert_eq!(lines, [2, 3, 4]);
    }

    #[test]
    fn front_matter_is_split() {
        let text = "---\ntitle: x\n---\n# body\n";
        let (kind, range, body) = split_front_matter(text).unwrap();
        assert_eq!(kind, FrontMatterKind::Yaml);
        assert_eq!(&text[range], "title: x\n");
        assert_eq!(&text[body..], "# body\n");
        assert!(split_front_matter("--- no\n").is_none());
        let text = "+++\ntitle = \"x\"\n+++\nbody";
        assert_eq!(split_front_matter(text).unwrap().0, FrontMatterKind::Toml);
        // Hexo 2's scaffold: no opening `---`, `title:` first
        let text = "title: 舊文\ndate: 2013/7/13 20:46:25\ntags:\n- a\n  - b\n\n---\n\n內文\n";
        let (kind, range, body) = split_front_matter(text).unwrap();
        assert_eq!(kind, FrontMatterKind::Yaml);
        assert_eq!(
            &text[range],
            "title: 舊文\ndate: 2013/7/13 20:46:25\ntags:\n- a\n  - b\n\n"
        );
        assert_eq!(&text[body..], "\n內文\n");
        // not front matter: a line that is no YAML before the rule, no rule, another first key
        assert!(split_front_matter("title: 一段話\n接著的句子。\n---\n").is_none());
        assert!(split_front_matter("title: x\ndate: y\n").is_none());
        assert!(split_front_matter("Version: 1.0\n---\n").is_none());
    }

    #[test]
    fn yaml_front_matter_with_author() {
        let file = SourceFile::new(
            "b.md",
            "---\ntitle: 書\nauthor: 彭定求 等 編\nlang: zh-Hant\n---\n",
        );
        let (kind, range, _) = split_front_matter(&file.text).unwrap();
        let (c, _) = parse_front_matter(&file, kind, range).unwrap();
        assert_eq!(c.meta.authors, ["彭定求 等 編"]);
        let file = SourceFile::new("b.md", "---\ntitle: 書\nwho: x\n---\n");
        let (kind, range, _) = split_front_matter(&file.text).unwrap();
        let (_, e) = parse_front_matter(&file, kind, range).unwrap();
        assert_eq!(e[0].message, "unknown key `who` in the front matter");
        assert_eq!(e[0].location.as_ref().unwrap().line, 3, "{}", e[0]);
    }
}
