//! What `hanpub check` reports ([`everything`]): besides the build's own findings, source checks
//! that do not stop a build: an explicit heading id (`{#id}`) used twice, chapters with nothing
//! but their heading, and the typesetting changes a build would make; and `check --fix`, which
//! writes those changes back to the source.

use std::collections::BTreeMap;

use crate::chapters::{self, Parsed};
use crate::diagnostics::{Diagnostic, Error};
use crate::model::{Ev, Output, Tag};
use crate::options::{self, Options};
use crate::parse;
use crate::project::Project;
use crate::source::SourceFile;
use crate::typeset::{self, Fix, TypesetOptions};
use crate::verify;

/// Everything `check` reports: the loading problems of `project`, what its build (`built`, of
/// the project [`Project::unchecked`]) found, what would ship broken despite every stage (a
/// safety net: none is known), the book's structure and typesetting, in source order.
pub fn everything(
    project: &Project,
    built: Result<Output, Error>,
    opts: &Options,
) -> Vec<Diagnostic> {
    let mut all = project.warnings.clone();
    all.extend(project.errors.iter().cloned());
    match built {
        Ok(out) => {
            all.extend(verify::verify(&out.epub, "the built EPUB"));
            all.extend(out.warnings);
        }
        Err(Error::Book(d)) => all.extend(d.0),
        // the package's own message says what and why (`Error`'s alone does not)
        Err(Error::Package(e)) => all.push(Diagnostic::error(e.to_string())),
    }
    all.extend(structure(project));
    all.extend(typesetting(project, opts));
    in_source_order(all)
}

/// Duplicate explicit anchors and empty chapters, in source order.
pub fn structure(project: &Project) -> Vec<Diagnostic> {
    let sources: Vec<&SourceFile> = project.sources.iter().map(|s| &s.file).collect();
    let parsed = project.parse();
    let mut out = duplicate_anchors(&parsed, &sources);
    let mut ignored = Vec::new();
    let chapters = chapters::split(parsed, &project.config, &project.sources, &mut ignored);
    for c in &chapters {
        let file = sources[c.source];
        // an article that starts with a heading opens with a chapter of its own (its title, from
        // its front matter), before that heading's
        if c.article && c.events.is_empty() {
            continue;
        }
        let Some(first) = c.events.first() else {
            out.push(
                Diagnostic::warning("the file has no text")
                    .in_file(file.name.clone())
                    .with_hint("write something in it, or remove it from [build] chapters"),
            );
            continue;
        };
        // the opening may be a title page: the title alone is fine there
        if c.opening || !matches!(first.ev, Ev::Start(Tag::Heading { .. })) {
            continue;
        }
        let body = c
            .events
            .iter()
            .skip_while(|s| !matches!(s.ev, Ev::End(Tag::Heading { .. })))
            .skip(1)
            .any(|s| !matches!(s.ev, Ev::Start(Tag::FootnoteDefinition(_))));
        if !body {
            let span = first.span.clone();
            let end = file.text[span.clone()]
                .find('\n')
                .map_or(span.end, |n| span.start + n);
            out.push(
                Diagnostic::warning(format!(
                    "empty chapter `{}`: it has only its heading",
                    chapters::heading_text(&c.events)
                ))
                .at(file, span.start..end)
                .with_hint(
                    "write its text, or make the heading deeper so it does not start a chapter",
                ),
            );
        }
    }
    out
}

/// The typesetting changes a build would make (horizontal text), as warnings at their place.
pub fn typesetting(project: &Project, opts: &Options) -> Vec<Diagnostic> {
    let ts = options::typesetting(&project.config, opts, false);
    let mut out = Vec::new();
    for s in &project.sources {
        let events = parse::parse(&s.file.text, s.body);
        for fix in typeset::lint(&events, &ts) {
            let message = match fix.kind {
                "soft-break" => {
                    "line break between Chinese characters: joined without a space".to_string()
                }
                _ => format!(
                    "`{}` in Chinese text becomes `{}`",
                    fix.from.escape_debug(),
                    fix.to
                ),
            };
            // text a template tag or an include wrote: `--fix` leaves it (it is not there)
            let fixer = if s.file.is_expanded_at(fix.span.start) {
                "the text comes from a template tag or an included file, which `hanpub check --fix` leaves as written"
            } else {
                "`hanpub check --fix` rewrites the source"
            };
            let hint = format!("typesetting ({}); {fixer}", fix.kind);
            out.push(
                Diagnostic::warning(message)
                    .at(&s.file, fix.span.clone())
                    .with_hint(hint),
            );
        }
    }
    out
}

/// Diagnostics sorted by file, line and column, each once.
pub fn in_source_order(mut all: Vec<Diagnostic>) -> Vec<Diagnostic> {
    all.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        key(a).cmp(&key(b))
    });
    all.dedup();
    all
}

/// An explicit `{#id}` given to two headings: links reach only the first.
fn duplicate_anchors(parsed: &[Parsed], sources: &[&SourceFile]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut out = Vec::new();
    for p in parsed {
        let file = &sources[p.source];
        for s in p.chunks.iter().flatten() {
            let Ev::Start(Tag::Heading { id, .. }) = &s.ev else {
                continue;
            };
            if id.is_empty() {
                continue;
            }
            let heading = &file.text[s.span.clone()];
            let span = match heading.rfind(&format!("#{id}")) {
                Some(at) => s.span.start + at..s.span.start + at + id.len() + 1,
                None => s.span.clone(),
            };
            match seen.get(id.as_str()) {
                Some(&(src, off)) => {
                    let first = &sources[src];
                    let (line, col) = first.line_col(off);
                    out.push(
                        Diagnostic::warning(format!("duplicate anchor `#{id}`"))
                            .at(file, span)
                            .with_hint(format!(
                                "first used at {}:{line}:{col}; links to #{id} go there, so give this heading another id",
                                first.name
                            )),
                    );
                }
                None => {
                    seen.insert(id, (p.source, span.start));
                }
            }
        }
    }
    out
}

/// The result of [`fix_source`]: the new text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub text: String,
    /// Applied changes, with spans in the *original* text.
    pub applied: Vec<Fix>,
    /// Changes the typesetter makes but that cannot be written back safely (a line break
    /// inside a block quote, text with entities or escapes): left for the reader to do.
    pub skipped: Vec<Fix>,
}

/// Apply the typesetting changes ([`typeset::lint`]) to a Markdown source. Code spans, code
/// blocks and URLs are never touched (the lint does not see them), nor the `protected` ranges
/// (template tags, [`crate::sources::tags::protected`]); applying the result again changes
/// nothing.
pub fn fix_source(
    text: &str,
    body: usize,
    ts: &TypesetOptions,
    protected: &[std::ops::Range<usize>],
) -> Fixed {
    let events = parse::parse(text, body);
    // where the text after each line break starts, so a join removes the indentation too
    let next_start: BTreeMap<usize, usize> = events
        .windows(2)
        .filter(|w| matches!(w[0].ev, Ev::SoftBreak))
        .map(|w| (w[0].span.start, w[1].span.start))
        .collect();
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut last_end = 0;
    let untouchable = untouchable(text, &events);
    for fix in typeset::lint(&events, ts) {
        let range = if fix.kind == "soft-break" {
            join_range(text, &fix.span, next_start.get(&fix.span.start).copied())
        } else {
            (text.get(fix.span.clone()) == Some(fix.from.as_str())).then(|| fix.span.clone())
        };
        // on a line with a tag (the build's text there is what the tag became), or in code a
        // tag holds
        let near_tag = |r: &std::ops::Range<usize>| {
            let line_start = text[..r.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[r.start..]
                .find('\n')
                .map_or(text.len(), |i| r.start + i);
            protected.iter().any(|p| {
                p.start <= line_end && line_start <= p.end || r.start < p.end && p.start < r.end
            })
        };
        // what other tools read differently once changed (a heading's id, a reference's
        // label, a URL, emphasis that no longer closes), or where the next line is a tag
        let unsafe_edit = |r: &std::ops::Range<usize>| {
            untouchable
                .iter()
                .any(|u| r.start < u.end && u.start < r.end.max(r.start + 1))
                || breaks_emphasis(text, r, &fix.to)
                || (fix.kind == "soft-break" && text[r.end..].trim_start().starts_with(['{', '<']))
        };
        match range {
            Some(r) if near_tag(&r) || unsafe_edit(&r) => skipped.push(fix),
            Some(r) if r.start >= last_end => {
                last_end = r.end;
                edits.push((r, fix.to.clone()));
                applied.push(fix);
            }
            _ => skipped.push(fix),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (r, to) in &edits {
        out.push_str(&text[pos..r.start]);
        out.push_str(to);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    Fixed {
        text: out,
        applied,
        skipped,
    }
}

/// The ranges of a source `check --fix` leaves as written although its lint sees text there,
/// because another tool reads them by their exact bytes: headings (their ids, which links use,
/// are made from their text), reference links (`[甲,乙]` names its definition), URLs as GitHub
/// finds them (up to a space, Chinese and all), autolinks, mdBook's `{{#…}}` (escaped too).
fn untouchable(text: &str, events: &[crate::model::Spanned]) -> Vec<std::ops::Range<usize>> {
    use crate::model::{Ev, Tag};
    static PATTERNS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?:https?|ftp)://[^\s<>]+|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|\\?\{\{#[^}\n]*\}\}",
        )
        .expect("valid pattern")
    });
    let mut out: Vec<std::ops::Range<usize>> = events
        .iter()
        .filter(|s| match &s.ev {
            Ev::Start(Tag::Heading { .. }) => true,
            Ev::Start(Tag::Link { .. }) => text
                .get(s.span.clone())
                .is_some_and(|l| l.starts_with('[') && !l.contains("](")),
            _ => false,
        })
        .map(|s| s.span.clone())
        .collect();
    // a URL ends at a `)` it did not open (a link's destination, `](http://a/b)吧`)
    out.extend(PATTERNS.find_iter(text).map(|m| {
        let mut depth = 0usize;
        let end = m
            .as_str()
            .char_indices()
            .find(|&(_, c)| match c {
                '(' => {
                    depth += 1;
                    false
                }
                ')' if depth == 0 => true,
                ')' => {
                    depth -= 1;
                    false
                }
                _ => false,
            })
            .map_or(m.end(), |(k, _)| m.start() + k);
        m.start()..end
    }));
    out
}

/// Whether an edit takes away the space beside an emphasis delimiter (`**注意:** 升級` →
/// `**注意：**升級`): after a full-width mark, a `**` with no space after it no longer closes,
/// and GitHub, mdBook and Hugo show the asterisks.
fn breaks_emphasis(text: &str, r: &std::ops::Range<usize>, to: &str) -> bool {
    let Some(from) = text.get(r.clone()) else {
        return false;
    };
    let spaces = |s: &str| s.chars().filter(|c| c.is_whitespace()).count();
    if spaces(from) <= spaces(to) {
        return false;
    }
    let b = text.as_bytes();
    let delimiter = |i: usize| b.get(i).is_some_and(|c| matches!(c, b'*' | b'_'));
    (r.start > 0 && delimiter(r.start - 1)) || delimiter(r.end) || from.contains(['*', '_'])
}

/// The bytes to remove to join two lines: spaces, the line break, and the next line's
/// indentation — only when nothing else (a `>` of a block quote) stands between them.
fn join_range(
    text: &str,
    span: &std::ops::Range<usize>,
    next: Option<usize>,
) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut a = span.start;
    while a > 0 && matches!(bytes[a - 1], b' ' | b'\t') {
        a -= 1;
    }
    let mut b = span.end.max(a);
    while b < bytes.len() && matches!(bytes[b], b' ' | b'\t') {
        b += 1;
    }
    let gap = text.get(a..b)?.trim_matches([' ', '\t']);
    let ok = (gap == "\n" || gap == "\r\n") && next.is_none_or(|n| n == b);
    ok.then_some(a..b)
}

#[cfg(test)]
mod tests {
    use crate::files::{BookEntry, MemFiles};
    use crate::project::load;

    fn lint(md: &str) -> Vec<String> {
        let text = format!("---\ntitle: 書\n---\n{md}");
        let files = MemFiles::from([("a.md", text.as_str())]);
        let project = load(&files, &BookEntry::File("a.md".into())).unwrap();
        super::structure(&project)
            .iter()
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                format!("{}:{}: {}", l.line, l.column, d.message)
            })
            .collect()
    }

    #[test]
    fn a_package_error_is_reported_with_its_cause() {
        let files = MemFiles::from([("a.md", "---\ntitle: 書\n---\n文。\n")]);
        let project = load(&files, &BookEntry::File("a.md".into())).unwrap();
        let failed = crate::package::PackageError::Changed("images/a.png".into());
        let all = super::everything(&project, Err(failed.into()), &Default::default());
        let messages: Vec<&str> = all.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["`images/a.png` changed while the book was being built: build it again"]
        );
    }

    #[test]
    fn duplicate_anchors_and_empty_chapters() {
        assert_eq!(
            lint("## 一 {#a}\n\n文。\n\n## 二 {#a}\n\n### 三 {#b}\n\n字。\n"),
            ["8:7: duplicate anchor `#a`"]
        );
        assert_eq!(
            lint("## 一\n\n文。\n\n## 二\n\n## 三\n\n字。[^1]\n\n[^1]: 注。\n\n## 四\n"),
            [
                "8:1: empty chapter `二`: it has only its heading",
                "16:1: empty chapter `四`: it has only its heading"
            ]
        );
        assert!(lint("開場。\n\n## 一\n\n文。\n").is_empty());
        // a post that starts with a heading: its opening is its title, not an empty file
        let files = MemFiles::from([
            ("_config.yml", "title: 部落格\n"),
            (
                "source/_posts/a.md",
                "---\ntitle: 一篇\ndate: 2024-01-01\n---\n\n## 前言\n\n文。\n",
            ),
        ]);
        let project = load(&files, &BookEntry::Dir).unwrap();
        let all = super::structure(&project);
        assert!(
            all.iter().all(|d| !d.message.contains("no text")),
            "{all:?}"
        );
        assert!(lint("# 書名\n\n## 一\n\n文。\n").is_empty());
    }

    #[test]
    fn fixes_are_exact_and_idempotent() {
        let ts = crate::typeset::TypesetOptions::default();
        let cases = [
            ("你好,世界。`a,b`\n", "你好，世界。`a,b`\n"),
            ("中文\n接著\n", "中文接著\n"),
            ("- 清單\n  續行,完\n", "- 清單續行，完\n"),
            ("> 引文\n> 續行\n", "> 引文\n> 續行\n"),
            (
                "見[連結](http://a.b/c,d)吧,好\n\n```\n程式,碼\n```\n",
                "見[連結](http://a.b/c,d)吧，好\n\n```\n程式,碼\n```\n",
            ),
        ];
        for (src, want) in cases {
            let once = super::fix_source(src, 0, &ts, &[]);
            assert_eq!(once.text, want, "{src:?}");
            let twice = super::fix_source(&once.text, 0, &ts, &[]);
            assert_eq!(twice.text, once.text, "{src:?}");
            assert!(twice.applied.is_empty(), "{src:?}");
        }
        assert_eq!(
            super::fix_source("> 引文\n> 續行\n", 0, &ts, &[])
                .skipped
                .len(),
            1
        );
    }

    /// What other tools read by its exact bytes is left as written, the rest of the line
    /// fixed: a heading (its id), a reference link's label, a URL up to a space, an autolink,
    /// mdBook's `{{#…}}`, the space that lets `**` close, a line break before a tag's line.
    #[test]
    fn fixes_leave_what_other_tools_read_by_its_bytes() {
        let ts = crate::typeset::TypesetOptions::default();
        let cases = [
            (
                "## 安裝 (Linux)\n\n見(下),好\n",
                "## 安裝 (Linux)\n\n見（下），好\n",
            ),
            ("**注意:** 升級前,請備份\n", "**注意：** 升級前，請備份\n"),
            (
                "[甲,乙],丙\n\n[甲,乙]: https://a.example/\n",
                "[甲,乙]，丙\n\n[甲,乙]: https://a.example/\n",
            ),
            (
                "網址 https://zh.wikipedia.org/wiki/漢字(消歧義) 與 <mailto:服務@example.com>,好\n",
                "網址 https://zh.wikipedia.org/wiki/漢字(消歧義) 與 <mailto:服務@example.com>，好\n",
            ),
            (
                "範例 \\{{#include 檔案,行號}} 好,嗎\n",
                "範例 \\{{#include 檔案,行號}} 好，嗎\n",
            ),
            ("小心上面。\n{% endhint %}\n", "小心上面。\n{% endhint %}\n"),
            ("很開心 :)\n", "很開心 :)\n"),
        ];
        for (src, want) in cases {
            let once = super::fix_source(src, 0, &ts, &[]);
            assert_eq!(once.text, want, "{src:?}");
            let twice = super::fix_source(&once.text, 0, &ts, &[]);
            assert_eq!(twice.text, once.text, "{src:?}");
        }
    }
}
