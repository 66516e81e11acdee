//! The CommonMark 0.31.2 spec's examples, each built as a chapter of a hanpub book.
//!
//! Every example builds, or is refused for a documented reason (an image file that is not in
//! the book: hanpub never ships a broken image). Built examples are compared with the spec's
//! expected HTML after both are read as a browser reads them and passed through hanpub's own
//! sanitiser, then reduced to element names and text (whitespace collapsed; links, spans and
//! attributes left out: hanpub resolves, rewrites or unwraps destinations, and adds ids,
//! classes and typesetting spans). The examples where hanpub's documented choices still make a
//! difference are listed in [`DEVIATIONS`], each with its reason; the test fails if one of them
//! starts to match (the list must stay honest) or if any other example differs.
//! All built examples then go into one book of one chapter each, kept for EPUBCheck in CI.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use hanpub::{BookEntry, MemFiles, Options, build, load};

/// The spec, in `shared/` beside the repository (or beside the worktrees' folder).
const SPEC: &str = "shared/specs/commonmark-0.31.2-spec.txt";

/// Examples whose structure differs from the spec's on purpose, with the reason.
const DEVIATIONS: &[(usize, &str)] = &[
    (
        79,
        "headings without text are named (`Chapter 1`, `(untitled)`): an empty heading would be an empty title and nav entry",
    ),
    (
        96,
        "a file that starts with `---` … `---` starts with front matter (metadata), not a rule",
    ),
    (
        98,
        "`---` `---` at the start of a file is (empty) front matter",
    ),
    (
        156,
        "a tag left open at the end of an HTML block is closed (an empty <div>); a browser drops it at the end of a document, but elsewhere it would swallow the markup after it",
    ),
    (157, "as 156"),
    (
        180,
        "processing instructions (`<?php … ?>`) are left out whole; a browser reads `<?` as a comment ending at the first `>` and shows the rest",
    ),
    (
        494,
        "inline formatting raw HTML leaves open closes with its paragraph; a browser carries it on (here as an empty <b> after the paragraph)",
    ),
    (
        629,
        "CDATA sections are left out whole; in HTML a browser ends them at the first `>` and shows the rest",
    ),
];

/// (number, Markdown, expected HTML) of every example.
fn examples() -> Vec<(usize, String, String)> {
    let path = ["..", "../.."]
        .iter()
        .map(|up| common::root().join(up).join(SPEC))
        .find(|p| p.exists())
        .unwrap_or_else(|| common::root().join("..").join(SPEC));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fence = "````````````````````````````````";
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !(line.starts_with(fence) && line.ends_with("example")) {
            continue;
        }
        let mut md = String::new();
        let mut html = String::new();
        let mut in_html = false;
        for l in lines.by_ref() {
            if l == fence {
                break;
            }
            if l == "." && !in_html {
                in_html = true;
                continue;
            }
            let l = l.replace('→', "\t");
            let target = if in_html { &mut html } else { &mut md };
            target.push_str(&l);
            target.push('\n');
        }
        out.push((out.len() + 1, md, html));
    }
    out
}

const BOOK_TOML: &str = "[book]\ntitle = \"CommonMark 0.31.2\"\nlang = \"en\"\nauthors = [\"hanpub tests\"]\n[build]\nsplit-level = 0\nchapters = [";

/// A book of an opening chapter and one file per example (`eNNN.md`).
fn book(examples: &[&(usize, String, String)]) -> MemFiles {
    let mut files = BTreeMap::new();
    let names: Vec<String> = examples
        .iter()
        .map(|(n, ..)| format!("e{n:03}.md"))
        .collect();
    let list: Vec<String> = std::iter::once("start.md".to_string())
        .chain(names.iter().cloned())
        .map(|n| format!("\"{n}\""))
        .collect();
    files.insert(
        "book.toml".to_string(),
        format!("{BOOK_TOML}{}]\n", list.join(", ")).into_bytes(),
    );
    files.insert(
        "start.md".to_string(),
        b"# CommonMark 0.31.2\n\nThe spec's examples, one a chapter.\n".to_vec(),
    );
    for ((_, md, _), name) in examples.iter().zip(&names) {
        files.insert(name.clone(), md.clone().into_bytes());
    }
    MemFiles(files)
}

fn opts() -> Options {
    Options {
        no_cover: true,
        ..Options::default()
    }
}

/// Element names and text, whitespace collapsed; links, spans and attributes left out.
fn canonical(html: &str) -> String {
    let mut x = hanpub::render::xml::Xml::fragment();
    let mut ids = BTreeSet::new();
    let mut warnings = Vec::new();
    let image = |s: &str| Some(s.to_string());
    hanpub::render::html::rebuild(
        html,
        &mut x,
        &mut hanpub::render::html::HtmlContext {
            ids: &mut ids,
            image: &image,
            spans: &[],
            links: &Default::default(),
            warnings: &mut warnings,
            formula_defs: &|_, _| String::new(),
        },
    );
    let xml = String::from_utf8(x.finish()).unwrap();
    let wrapped = format!("<root>{xml}</root>");
    let doc = common::parse_xml(&wrapped);
    let mut out = String::new();
    walk(doc.root_element(), &mut out);
    // whitespace: collapsed, and none next to a tag
    let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace(" <", "<").replace("> ", ">")
}

fn walk(n: roxmltree::Node<'_, '_>, out: &mut String) {
    for c in n.children() {
        if c.is_text() {
            out.push_str(c.text().unwrap_or(""));
        } else if c.is_element() {
            let name = c.tag_name().name();
            let transparent = matches!(name, "a" | "span" | "tbody");
            if !transparent {
                out.push_str(&format!("<{name}>"));
            }
            walk(c, out);
            if !transparent {
                out.push_str(&format!("</{name}>"));
            }
        }
    }
}

/// The body of chapter `id` (inside its `<section>`).
fn body(xhtml: &str) -> String {
    let start = xhtml.find("<section").expect("a section");
    let start = start + xhtml[start..].find('>').unwrap() + 1;
    let end = xhtml.rfind("</section>").unwrap();
    xhtml[start..end].to_string()
}

#[test]
fn commonmark_spec_examples() {
    let all = examples();
    assert_eq!(all.len(), 652, "the 0.31.2 spec has 652 examples");
    let mut built = Vec::new();
    let mut refused = Vec::new();
    let mut differ: Vec<(usize, String, String)> = Vec::new();
    for ex in &all {
        let files = book(&[ex]);
        let project = load(&files, &BookEntry::Dir).expect("loads");
        match build(&project, &files, &opts()) {
            Ok(out) => {
                let entries = common::unzip_map(&out.epub);
                let xhtml = &entries["EPUB/text/c001.xhtml"];
                common::parse_xml(xhtml);
                let ours = canonical(&body(xhtml));
                let theirs = canonical(&ex.2);
                if ours != theirs {
                    differ.push((ex.0, theirs, ours));
                }
                built.push(ex);
            }
            Err(hanpub::Error::Book(d)) => {
                let only_images = d.0.iter().all(|d| {
                    d.severity == hanpub::Severity::Warning
                        || d.message.starts_with("image `")
                        || d.message.starts_with("remote image `")
                });
                assert!(only_images, "example {} refused: {d}", ex.0);
                refused.push(ex.0);
            }
            Err(e) => panic!("example {}: {e}", ex.0),
        }
    }
    let listed: BTreeSet<usize> = DEVIATIONS.iter().map(|(n, _)| *n).collect();
    let unexpected: Vec<String> = differ
        .iter()
        .filter(|(n, ..)| !listed.contains(n))
        .map(|(n, want, got)| format!("example {n}:\n  spec:   {want}\n  hanpub: {got}"))
        .collect();
    let now_matching: Vec<usize> = listed
        .iter()
        .filter(|n| !differ.iter().any(|(d, ..)| d == *n))
        .copied()
        .collect();
    eprintln!(
        "CommonMark 0.31.2: {} examples, {} built, {} refused (missing images), {} match the spec's structure, {} documented deviations",
        all.len(),
        built.len(),
        refused.len(),
        built.len() - differ.len(),
        differ.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} examples differ from the spec:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        now_matching.is_empty(),
        "listed as deviations but matching: {now_matching:?}"
    );

    // every built example in one book, for EPUBCheck
    let files = book(&built);
    let project = load(&files, &BookEntry::Dir).expect("loads");
    let out = build(&project, &files, &opts()).expect("the combined book builds");
    assert_eq!(out.chapters.len(), built.len() + 1);
    for (name, text) in common::unzip_map(&out.epub) {
        if name.ends_with(".xhtml") {
            common::parse_xml(&text);
        }
    }
    // one chapter per example: Ace would take many minutes; EPUBCheck checks it
    common::keep_epub("commonmark-big-spec", &out.epub);
}
