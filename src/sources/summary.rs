//! A `SUMMARY.md` (mdBook's and GitBook's table of contents) → the book's files with their
//! places, read by mdBook's own parser (the `mdbook-summary` crate): prefix, numbered and suffix
//! chapters, nesting, part titles, separators, and draft chapters (`[Name]()`, left out with a
//! note). One difference: mdBook takes only `# Part` headings as part titles and drops deeper
//! ones, but books written for print (the Rust book) and GitBook mark their parts with `##`, so
//! every heading after the summary's title is a part title here.

use mdbook_summary::{Link, SummaryItem};

use super::{Entry, Place, folder_of};
use crate::diagnostics::Diagnostic;
use crate::files;
use crate::source::SourceFile;

/// The files a summary names, in reading order, and what it says besides.
#[derive(Debug, Default, PartialEq)]
pub struct Outline {
    /// The summary's own title (`# Summary`), if any.
    pub title: Option<String>,
    pub entries: Vec<Entry>,
    /// Draft chapters (`[Name]()`), left out.
    pub drafts: Vec<String>,
    /// Part titles.
    pub parts: usize,
    /// Links that leave the book folder, or repeat a file.
    pub warnings: Vec<Diagnostic>,
}

/// Read `file` (the summary, at `path` in the book) as mdBook does.
pub fn read(file: &SourceFile, path: &str) -> Result<Outline, Diagnostic> {
    let (text, groups, labels) = groups_as_drafts(&parts_as_h1(&file.text));
    let summary = mdbook_summary::parse_summary(&text).map_err(|e| error(file, &e))?;
    let mut out = Outline {
        title: summary.title.clone(),
        ..Outline::default()
    };
    let base = folder_of(path).to_string();
    let mut w = Walker {
        out: &mut out,
        base: &base,
        file,
        pending: Vec::new(),
    };
    w.items(&summary.prefix_chapters, 0);
    // chapters before the first part title are not in a part
    let numbered = &summary.numbered_chapters;
    let first_part = numbered
        .iter()
        .position(|i| matches!(i, SummaryItem::PartTitle(_)))
        .unwrap_or(numbered.len());
    w.items(&numbered[..first_part], 0);
    w.items(&numbered[first_part..], 1);
    w.items(&summary.suffix_chapters, 0);
    let trailing = std::mem::take(&mut w.pending);
    w.empty_parts(trailing);
    // a group is not a draft left out, nor a label (warned at its line)
    out.drafts
        .retain(|d| !groups.contains(d) && !labels.iter().any(|(_, l)| l == d));
    for (line, name) in labels {
        let at = file.offset(line, 1);
        out.warnings.push(
            Diagnostic::warning(format!(
                "`{name}` links to no file and has no chapters under it: left out of the book"
            ))
            .at(file, at..at)
            .with_hint(format!(
                "link it to its file, * [{name}](file.md), or nest its chapters under it"
            )),
        );
    }
    Ok(out)
}

/// A list item of plain text over nested items (`* 第一部` then `  * [一](a.md)`), as GitBooks
/// and docsify sidebars group chapters: written as a draft's link (`* [第一部]()`), which holds
/// its chapters under its name; the names of the groups. An item of plain text over nothing
/// (GitBook and docsify show it as a label; mdBook refuses it) is written as a draft too, and
/// returned with its line (1-based) to be warned about. Lines keep their number.
fn groups_as_drafts(text: &str) -> (String, Vec<String>, Vec<(usize, String)>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    fn item(l: &str) -> Option<&str> {
        let t = l.trim_start();
        ["* ", "- ", "+ "]
            .iter()
            .find_map(|m| t.strip_prefix(m))
            .map(|rest| rest.trim_end())
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut groups = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let nested = lines[i + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|next| item(next).is_some() && indent(next) > indent(line));
        match item(line) {
            // (text with a link in it is still an error: mdBook's own)
            Some(name) if !name.is_empty() && !name.starts_with('[') && !name.contains("](") => {
                let name = name.trim_matches('*').trim();
                out.push_str(&line[..indent(line)]);
                out.push_str(&format!("* [{}]()", name.replace(['[', ']'], "")));
                out.push_str(&line[line.trim_end().len()..]);
                if nested {
                    groups.push(name.to_string());
                } else {
                    labels.push((i + 1, name.to_string()));
                }
            }
            _ => out.push_str(line),
        }
    }
    (out, groups, labels)
}

struct Walker<'a> {
    out: &'a mut Outline,
    base: &'a str,
    file: &'a SourceFile,
    /// Parts and draft groups waiting for the next file.
    pending: Vec<(u8, String)>,
}

impl Walker<'_> {
    fn items(&mut self, items: &[SummaryItem], depth: u8) {
        for item in items {
            match item {
                SummaryItem::Link(link) => self.link(link, depth),
                SummaryItem::PartTitle(t) => {
                    self.out.parts += 1;
                    // a part holds the chapters after it, one level deeper
                    let (kept, empty) = std::mem::take(&mut self.pending)
                        .into_iter()
                        .partition(|(d, _)| *d < depth.saturating_sub(1));
                    self.pending = kept;
                    self.empty_parts(empty);
                    self.pending
                        .push((depth.saturating_sub(1), t.trim().to_string()));
                }
                SummaryItem::Separator => {}
                _ => {}
            }
        }
    }

    /// Parts that hold no chapter: not in the navigation (an entry there needs chapters under
    /// it), each with a warning at its heading.
    fn empty_parts(&mut self, parts: Vec<(u8, String)>) {
        for (_, title) in parts {
            let d = Diagnostic::warning(format!(
                "part `{title}` has no chapters: left out of the navigation"
            ))
            .with_hint("list its chapters under it, or remove its heading");
            let at = self.file.text.lines().position(|l| {
                let t = l.trim_start();
                t.starts_with('#') && t.trim_start_matches('#').trim() == title
            });
            self.out.warnings.push(match at {
                Some(line) => {
                    let at = self.file.offset(line + 1, 1);
                    d.at(self.file, at..at)
                }
                None => d.in_file(self.file.name.clone()),
            });
        }
    }

    fn link(&mut self, link: &Link, depth: u8) {
        match &link.location {
            Some(loc) => {
                let loc = loc.to_string_lossy().replace('\\', "/");
                let loc = loc.split('#').next().unwrap_or("").to_string();
                match files::resolve(&format!("{}/x", self.base), &loc, "") {
                    Ok(path) if self.out.entries.iter().any(|e| e.path == path) => {}
                    Ok(path) => self.out.entries.push(Entry {
                        path,
                        place: Place {
                            depth,
                            title: Some(link.name.trim().to_string()),
                            parts: std::mem::take(&mut self.pending),
                            permalink: None,
                            date: None,
                        },
                    }),
                    Err(why) => {
                        let d = Diagnostic::warning(format!("chapter `{loc}` {why}: left out"));
                        self.out.warnings.push(match self.file.text.find(&loc) {
                            Some(at) => d.at(self.file, at..at + loc.len()),
                            None => d.in_file(self.file.name.clone()),
                        });
                    }
                }
                self.items(&link.nested_items, depth + 1);
            }
            None => {
                self.out.drafts.push(link.name.clone());
                // a draft's own chapters are still there, under its name
                if link.nested_items.iter().any(has_file) {
                    self.pending.push((depth, link.name.trim().to_string()));
                }
                self.items(&link.nested_items, depth + 1);
            }
        }
    }
}

fn has_file(item: &SummaryItem) -> bool {
    match item {
        SummaryItem::Link(l) => l.location.is_some() || l.nested_items.iter().any(has_file),
        _ => false,
    }
}

/// Headings after the summary's title become `#` headings of the same length (so mdBook's
/// line and column numbers stay right): the parts of print books and GitBooks.
fn parts_as_h1(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut seen_content = false;
    let mut fence = false;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = !fence;
        }
        let hashes = t.bytes().take_while(|&b| b == b'#').count();
        let heading = !fence
            && (2..=6).contains(&hashes)
            && matches!(t.as_bytes().get(hashes), Some(b' ' | b'\t' | b'\n' | b'\r'));
        if heading && seen_content {
            let indent = line.len() - t.len();
            out.push_str(&line[..indent]);
            out.push('#');
            out.push_str(&" ".repeat(hashes - 1));
            out.push_str(&t[hashes..]);
        } else {
            out.push_str(line);
        }
        if !t.trim().is_empty() {
            seen_content = true;
        }
    }
    out
}

/// mdBook's error (`failed to parse SUMMARY.md line 3, column 1: …`) at its place.
fn error(file: &SourceFile, e: &anyhow::Error) -> Diagnostic {
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    let last = chain.last().cloned().unwrap_or_default();
    let at = last
        .strip_prefix("failed to parse SUMMARY.md line ")
        .and_then(|r| {
            let (line, rest) = r.split_once(", column ")?;
            let (col, msg) = rest.split_once(": ")?;
            Some((line.parse::<usize>().ok()?, col.parse::<usize>().ok()?, msg))
        });
    match at {
        Some((line, col, msg)) => {
            let off = file.offset(line, col.max(1));
            Diagnostic::error(format!("invalid SUMMARY.md: {msg}")).at(file, off..off + 1)
        }
        None => Diagnostic::error(format!("invalid SUMMARY.md: {last}")).in_file(file.name.clone()),
    }
    .with_hint("SUMMARY.md lists the chapters as [Title](file.md), nested lists for sub-chapters, # headings for parts")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(text: &str) -> Vec<String> {
        let file = SourceFile::new("src/SUMMARY.md", text);
        let o = read(&file, "src/SUMMARY.md").unwrap();
        o.entries
            .iter()
            .map(|e| {
                let parts: Vec<String> = e
                    .place
                    .parts
                    .iter()
                    .map(|(d, t)| format!("[{d} {t}]"))
                    .collect();
                format!(
                    "{}{} {} {}",
                    parts.concat(),
                    e.place.depth,
                    e.path,
                    e.place.title.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn parts_nesting_prefix_suffix_drafts() {
        let text = "# 書名\n\n[前言](foreword.md)\n\n## 第一部\n\n- [一](ch1.md)\n    - [一之一](ch1-1.md)\n    - [草稿]()\n- [二](./ch2.md)\n\n---\n\n# 第二部\n\n- [三](sub/ch3.md)\n\n[附錄](appendix.md)\n";
        assert_eq!(
            outline(text),
            [
                "0 src/foreword.md 前言",
                "[0 第一部]1 src/ch1.md 一",
                "2 src/ch1-1.md 一之一",
                "1 src/ch2.md 二",
                "[0 第二部]1 src/sub/ch3.md 三",
                "0 src/appendix.md 附錄"
            ]
        );
        let file = SourceFile::new("src/SUMMARY.md", text);
        assert_eq!(read(&file, "src/SUMMARY.md").unwrap().drafts, ["草稿"]);
    }

    /// A GitBook's group: an item of plain text over its chapters.
    #[test]
    fn groups_of_plain_text() {
        let text =
            "# Summary\n\n* [簡介](README.md)\n* **第一部**\n  * [一](a.md)\n  * [二](b.md)\n";
        assert_eq!(
            outline(text),
            [
                "0 src/README.md 簡介",
                "[0 第一部]1 src/a.md 一",
                "1 src/b.md 二"
            ]
        );
        let file = SourceFile::new("src/SUMMARY.md", text);
        assert!(read(&file, "src/SUMMARY.md").unwrap().drafts.is_empty());
    }

    /// A part without chapters, between parts or at the end, is warned about at its heading.
    #[test]
    fn empty_parts() {
        let text =
            "# Summary\n\n# 一部\n\n- [一](a.md)\n\n# 空部\n\n# 二部\n\n- [二](b.md)\n\n# 尾部\n";
        assert_eq!(
            outline(text),
            ["[0 一部]1 src/a.md 一", "[0 二部]1 src/b.md 二"]
        );
        let file = SourceFile::new("src/SUMMARY.md", text);
        let out = read(&file, "src/SUMMARY.md").unwrap();
        let w: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("warning: part `空部` has no chapters: left out of the navigation\n --> src/SUMMARY.md:7:1"), "{}", w[0]);
        assert!(
            w[1].contains("part `尾部`") && w[1].contains("src/SUMMARY.md:13:1"),
            "{}",
            w[1]
        );
    }

    /// A plain item over nothing, which GitBook shows as a label, is left out with a warning
    /// at its line, not refused.
    #[test]
    fn label_without_chapters() {
        let text = "# Summary\n\n* [一](a.md)\n* 附錄\n* [二](b.md)\n";
        assert_eq!(outline(text), ["0 src/a.md 一", "0 src/b.md 二"]);
        let file = SourceFile::new("src/SUMMARY.md", text);
        let out = read(&file, "src/SUMMARY.md").unwrap();
        assert!(out.drafts.is_empty());
        let w: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("warning: `附錄` links to no file and has no chapters under it: left out of the book\n --> src/SUMMARY.md:4:1"), "{}", w[0]);
    }

    #[test]
    fn gitbook_summary_and_errors() {
        let text = "# Summary\n\n* [Introduction](README.md)\n* [Chapter](ch/README.md)\n    * [Section](ch/s.md)\n";
        assert_eq!(
            outline(text),
            [
                "0 src/README.md Introduction",
                "0 src/ch/README.md Chapter",
                "1 src/ch/s.md Section"
            ]
        );
        let file = SourceFile::new("SUMMARY.md", "- [a](a.md)\n- see [b](b.md)\n");
        let e = read(&file, "SUMMARY.md").unwrap_err();
        assert!(e.message.starts_with("invalid SUMMARY.md: "), "{e}");
        assert_eq!(e.location.unwrap().line, 2);
    }
}
