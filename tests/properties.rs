//! Properties of generated Markdown (proptest, 64 cases each):
//!
//! 1. every XML document of the EPUB is well-formed;
//! 2. building twice gives identical bytes;
//! 3. no text is lost. With punctuation off (the only typesetting step that rewrites
//!    characters), the *visible text* of the book — the text nodes under `<body>` of every
//!    chapter document, in spine order — equals the *Markdown text* — the concatenated
//!    `Event::Text` and `Event::Code` of pulldown-cmark with hanpub's options — once all
//!    whitespace is removed from both. Whitespace is ignored because soft breaks become a
//!    space or vanish between CJK characters, Han–Latin spaces become U+2005, and the
//!    renderer adds line breaks between blocks; so are the typesetter's word joiners. The generator writes no footnotes, images, task lists or HTML blocks (their
//!    output has generated text: back links, alt text, check boxes) and starts every book with
//!    a `#` heading (so the opening page's title is the book's own text).

#[path = "common/fuzz_check.rs"]
mod fuzz_check;

use hanpub::{BookEntry, MemFiles, Options};
use proptest::prelude::*;

/// Text without Markdown syntax: CJK, ASCII letters and digits, spaces, safe punctuation.
fn text() -> impl Strategy<Value = String> {
    "[天地玄黃宇宙洪荒日月盈昃辰宿列張寒來暑往秋收冬藏。，、：「」《》—…a-zA-Z0-9 ,.;:?()'\"-]{1,24}"
        .prop_map(|s| format!("中{}", s.trim_end()))
}

fn inline() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => text(),
        1 => text().prop_map(|t| format!("*{t}*")),
        1 => text().prop_map(|t| format!("**{t}**")),
        1 => "[a-z 中文]{1,10}".prop_map(|t| format!("`{t}`")),
        1 => text().prop_map(|t| format!("[{t}](#nowhere)")),
        1 => text().prop_map(|t| format!("[{t}](https://example.com/{})", t.len())),
        1 => text().prop_map(|t| format!("<b>{t}</b>")),
        1 => text().prop_map(|t| format!("<span class=\"x\">{t}</span>")),
        1 => Just("<br>".to_string()),
        1 => text().prop_map(|t| format!("<em>{t}")),
        1 => Just("~~刪~~".to_string()),
    ]
}

fn paragraph() -> impl Strategy<Value = String> {
    prop::collection::vec(inline(), 1..6).prop_map(|parts| {
        // a CJK character first: the line never starts a block (list, heading, HTML block)
        let mut p = String::from("段");
        for (i, part) in parts.iter().enumerate() {
            p.push_str(part);
            p.push_str(if i % 3 == 2 { "\n" } else { " " });
        }
        p.trim_end().to_string()
    })
}

fn block() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => paragraph(),
        1 => (1u8..=4, text()).prop_map(|(l, t)| format!("{} {t}", "#".repeat(l as usize + 1))),
        1 => prop::collection::vec(paragraph(), 1..4)
            .prop_map(|items| items.iter().map(|i| format!("- {}", i.replace('\n', " "))).collect::<Vec<_>>().join("\n")),
        1 => paragraph().prop_map(|p| format!("> {}", p.replace('\n', "\n> "))),
        1 => "[a-z 中文;{}]{0,30}".prop_map(|c| format!("```\n{c}\n```")),
    ]
}

fn markdown() -> impl Strategy<Value = String> {
    (text(), prop::collection::vec(block(), 0..8)).prop_map(|(title, blocks)| {
        let mut md = format!("---\ntitle: 書\nlang: zh-Hant\ndate: 2024-01-01\n---\n# {title}\n\n");
        for b in blocks {
            md.push_str(&b);
            md.push_str("\n\n");
        }
        md
    })
}

fn build(md: &str, punctuation: bool) -> Vec<u8> {
    let files = MemFiles::from([("book.md", md)]);
    let mut project = hanpub::load(&files, &BookEntry::File("book.md".into())).unwrap();
    if !punctuation {
        // the text as written: `:m:` stays, not Ⓜ️
        project.config.build.emoji = Some(false);
    }
    let opts = Options {
        punctuation: Some(punctuation),
        ..Options::default()
    };
    hanpub::build(&project, &files, &opts)
        .unwrap_or_else(|e| panic!("{e}\n{md}"))
        .epub
}

fn markdown_text(md: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let body = md.splitn(3, "---\n").nth(2).unwrap();
    Parser::new_ext(body, hanpub::parse::options())
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.into_string()),
            _ => None,
        })
        .collect()
}

fn visible_text(epub: &[u8]) -> String {
    let entries = unzip(epub);
    let opf = &entries
        .iter()
        .find(|(n, _)| n == "EPUB/content.opf")
        .unwrap()
        .1;
    let opf = roxmltree::Document::parse(opf).unwrap();
    let hrefs: std::collections::BTreeMap<&str, &str> = opf
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|n| (n.attribute("id").unwrap(), n.attribute("href").unwrap()))
        .collect();
    let mut out = String::new();
    for itemref in opf.descendants().filter(|n| n.has_tag_name("itemref")) {
        let href = hrefs[itemref.attribute("idref").unwrap()];
        if !href.starts_with("text/") {
            continue;
        }
        let xhtml = &entries
            .iter()
            .find(|(n, _)| *n == format!("EPUB/{href}"))
            .unwrap()
            .1;
        let doc = roxmltree::Document::parse_with_options(
            xhtml,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        let body = doc.descendants().find(|n| n.has_tag_name("body")).unwrap();
        for n in body.descendants().filter(|n| n.is_text()) {
            out.push_str(n.text().unwrap());
        }
    }
    out
}

fn unzip(epub: &[u8]) -> Vec<(String, String)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(epub)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = Vec::new();
            f.read_to_end(&mut s).unwrap();
            (
                f.name().unwrap().to_string(),
                String::from_utf8_lossy(&s).into_owned(),
            )
        })
        .collect()
}

/// Without whitespace, and without the word joiners the typesetter puts before the last
/// character of a paragraph and before `——` (invisible; they only forbid a line break).
fn no_space(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{2060}')
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn well_formed_and_deterministic(md in markdown()) {
        let a = build(&md, true);
        fuzz_check::assert_well_formed(&a);
        let b = build(&md, true);
        prop_assert!(a == b, "two builds differ:\n{md}");
    }

    #[test]
    fn no_text_is_lost(md in markdown()) {
        let epub = build(&md, false);
        fuzz_check::assert_well_formed(&epub);
        prop_assert_eq!(no_space(&visible_text(&epub)), no_space(&markdown_text(&md)), "{}", md);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Parsing in pieces (as for large files, on every core) gives the events of one parse.
    #[test]
    fn parsing_in_pieces_gives_the_whole_parse(md in markdown()) {
        use hanpub::parse::{parse_chunks_from, trim_spans};
        for level in 1..=3 {
            prop_assert_eq!(
                trim_spans(&md, parse_chunks_from(&md, 0, level, 0)),
                trim_spans(&md, parse_chunks_from(&md, 0, level, usize::MAX)),
                "{}", md
            );
        }
    }
}
