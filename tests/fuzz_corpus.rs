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
