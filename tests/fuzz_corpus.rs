//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and the crash reproducers
//! (`fuzz/regressions/<target>/`) through the fuzz targets' own assertions, on stable Rust and
//! without cargo-fuzz: `cargo test --test fuzz_corpus`.

#[path = "common/fuzz_check.rs"]
mod fuzz_check;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for p in paths {
            let data = std::fs::read(&p).unwrap();
            let r = std::panic::catch_unwind(|| check(&data));
            assert!(r.is_ok(), "{} failed", p.display());
            n += 1;
        }
    }
    n
}

#[test]
fn markdown_corpus() {
    let n = replay("markdown", |d| {
        fuzz_check::markdown_to_epub(d);
    });
    assert!(n > 0, "no corpus under fuzz/corpus/markdown");
}

#[test]
fn config_corpus() {
    let n = replay("config", fuzz_check::config_parsers);
    assert!(n > 0, "no corpus under fuzz/corpus/config");
}

/// A large file is parsed in pieces on every core: on every corpus input, and on the input
/// repeated as chapters, the events equal those of one whole parse.
#[test]
fn parsing_in_pieces_gives_the_whole_parse() {
    use hanpub::parse::{parse_chunks_from, pieces, trim_spans};
    let mut cut = 0;
    let n = replay("markdown", |d| {
        let text = String::from_utf8_lossy(d);
        let book: String = (1..=3)
            .map(|i| format!("## 第{i}章\n\n{text}\n\n"))
            .collect();
        for t in [text.as_ref(), book.as_str()] {
            for level in 1..=3 {
                assert_eq!(
                    trim_spans(t, parse_chunks_from(t, 0, level, 0)),
                    trim_spans(t, parse_chunks_from(t, 0, level, usize::MAX)),
                    "{t:?} at split level {level}"
                );
            }
        }
        let _ = pieces(&book, 0, 2);
    });
    // count the inputs that were cut at all, so the test cannot pass by never cutting
    for p in ["corpus", "regressions"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(p)
            .join("markdown");
        for e in std::fs::read_dir(dir).into_iter().flatten() {
            let text =
                String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned();
            let book: String = (1..=3)
                .map(|i| format!("## 第{i}章\n\n{text}\n\n"))
                .collect();
            if pieces(&book, 0, 2).len() > 1 {
                cut += 1;
            }
        }
    }
    assert!(n > 0);
    assert!(
        cut * 2 > n,
        "only {cut} of {n} inputs were parsed in pieces"
    );
}

/// A build splits the book's outlines, then parses every chapter's piece again and fills in what
/// splitting decided (`chapters::fill`): on every corpus input, alone and repeated as chapters
/// (cut into pieces), at split levels 1–3, this gives the chapters and warnings that splitting
/// the full text gives.
#[test]
fn outlines_split_and_filled_give_the_chapters_of_the_full_text() {
    use hanpub::chapters::{Parsed, fill, split};
    use hanpub::parse::{parse_chunks_from, parse_piece, piece_ranges_from};
    use hanpub::{BookEntry, MemFiles, load, stream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    static OUTLINED: AtomicUsize = AtomicUsize::new(0);
    let n = replay("markdown", |d| {
        let text = String::from_utf8_lossy(d);
        let book: String = (1..=3)
            .map(|i| format!("## 第{i}章\n\n{text}\n\n"))
            .collect();
        for t in [text.as_ref(), book.as_str()] {
            for level in 1..=3 {
                let src = format!("---\ntitle: 書\nbuild:\n  split-level: {level}\n---\n{t}");
                let files = MemFiles::from([("book.md", src.clone())]);
                let Ok(project) = load(&files, &BookEntry::File("book.md".into())) else {
                    continue;
                };
                let body = project.sources[0].body;
                // the text as the stages see it (lone CRs read as line breaks)
                let src = project.sources[0].file.text.to_string();
                let config = &project.config;
                // the full text, cut in the same pieces
                let mut want_warnings = Vec::new();
                let full = Parsed {
                    source: 0,
                    chunks: parse_chunks_from(&src, body, level, 0),
                };
                let want = split(vec![full], config, &project.sources, &mut want_warnings);
                // outlines, split, then filled from the pieces parsed again
                let ranges = vec![piece_ranges_from(&src, body, level, 0)];
                let pieces = stream::outlines(&project, &ranges, |_, _| None);
                let s = stream::for_split(&project, pieces);
                let mut warnings = Vec::new();
                let mut got = split(s.parsed, config, &project.sources, &mut warnings);
                assert_eq!(got.len(), s.origins.len(), "{src:?}");
                for (c, o) in got.iter_mut().zip(&s.origins) {
                    if let Some(o) = o.filter(|o| o.outlined) {
                        let (f, p) = o.piece();
                        let range = s.pieces[f][p].clone();
                        let chunk = parse_piece(&src, range, level).swap_remove(o.chunk());
                        c.events = fill(&c.events, chunk);
                        OUTLINED.fetch_add(1, Ordering::Relaxed);
                    }
                }
                assert_eq!(got, want, "{src:?}");
                assert_eq!(warnings, want_warnings, "{src:?}");
            }
        }
    });
    let outlined = OUTLINED.load(Ordering::Relaxed);
    assert!(n > 0);
    assert!(outlined > n, "only {outlined} chapters were outlined");
}
