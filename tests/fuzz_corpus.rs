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
