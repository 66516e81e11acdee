//! Where the time goes, stage by stage, on a make-corpus book (set HANPUB_BENCH_BOOK to a
//! single-file book; default: the medium corpus if present, else the shipped article); and the
//! pathological inputs (`tests/common/pathological.rs`), each built at two sizes: with linear
//! work the throughput (bytes per second) of both is about the same.
//!
//! `cargo bench --bench stages` (`-- pathological` for those alone)

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hanpub::{BookEntry, MemFiles, Options, parse, typeset};

#[path = "../tests/common/pathological.rs"]
mod pathological;

fn book_text() -> (String, String) {
    let candidates = [
        std::env::var("HANPUB_BENCH_BOOK").unwrap_or_default(),
        "../corpus/medium/single/book.md".into(),
        "book/article.md".into(),
    ];
    for c in candidates {
        if !c.is_empty()
            && let Ok(t) = std::fs::read_to_string(&c)
        {
            return (c, t);
        }
    }
    panic!("no book to measure");
}

fn stages(c: &mut Criterion) {
    let (name, text) = book_text();
    let body = hanpub::config::split_front_matter(&text).map_or(0, |(_, _, b)| b);
    let text = if body == 0 {
        format!("---\ntitle: bench\nlang: zh-Hant\n---\n{text}")
    } else {
        text
    };
    let body = hanpub::config::split_front_matter(&text).map_or(0, |(_, _, b)| b);
    eprintln!("book: {name} ({} bytes)", text.len());
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(10);

    g.bench_function("parse", |b| {
        b.iter(|| parse::parse_chunks(black_box(&text), body, 2))
    });
    let chunks = parse::parse_chunks(&text, body, 2);
    let ts = typeset::TypesetOptions::default();
    g.bench_function("typeset", |b| {
        b.iter(|| {
            chunks
                .iter()
                .map(|c| typeset::typeset(c.clone(), &ts).len())
                .sum::<usize>()
        })
    });
    let files = MemFiles::from([("book.md", text.clone())]);
    let project = hanpub::load(&files, &BookEntry::File("book.md".into())).unwrap();
    g.bench_function("whole build (parallel)", |b| {
        b.iter(|| {
            hanpub::build(&project, &files, &Options::default())
                .unwrap()
                .epub
                .len()
        })
    });

    // the deflate trade-off: the book's XHTML entries, compressed one by one as in the EPUB,
    // by zlib-rs (flate2) and by libdeflate (hanpub's choice) at several levels
    let entries: Vec<Vec<u8>> = {
        let out = hanpub::build(&project, &files, &Options::default()).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(out.epub)).unwrap();
        let mut all = Vec::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            if f.name().unwrap().ends_with(".xhtml") {
                let mut v = Vec::new();
                std::io::copy(&mut f, &mut v).unwrap();
                all.push(v);
            }
        }
        all
    };
    let total: usize = entries.iter().map(Vec::len).sum();
    g.throughput(Throughput::Bytes(total as u64));
    let backends: [(&str, Compress); 2] = [("zlib-rs", zlib_rs), ("libdeflate", libdeflate)];
    for (name, compress) in backends {
        for level in [1, 3, 6, 9] {
            let size: usize = entries.iter().map(|e| compress(e, level)).sum();
            eprintln!(
                "{name} level {level}: {total} → {size} bytes ({:.1}%)",
                100.0 * size as f64 / total as f64
            );
            g.bench_function(format!("deflate {name} level {level}"), |b| {
                b.iter(|| {
                    entries
                        .iter()
                        .map(|e| compress(black_box(e), level))
                        .sum::<usize>()
                })
            });
        }
    }
    g.finish();
}

/// Compress one entry at a level; the compressed size.
type Compress = fn(&[u8], i32) -> usize;

fn zlib_rs(data: &[u8], level: i32) -> usize {
    let mut e =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(level as u32));
    e.write_all(data).unwrap();
    e.finish().unwrap().len()
}

fn libdeflate(data: &[u8], level: i32) -> usize {
    let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
    let mut out = vec![0; c.deflate_compress_bound(data.len())];
    c.deflate_compress(data, &mut out).unwrap()
}

/// Each pathological class built (load + build, no cover) at scale 1 and 4: the throughput of
/// the two should be about the same.
fn pathological(c: &mut Criterion) {
    let mut g = c.benchmark_group("pathological");
    g.sample_size(10);
    let opts = Options {
        no_cover: true,
        ..Options::default()
    };
    for (name, what) in pathological::CLASSES {
        for scale in [1, 4] {
            let files = MemFiles(pathological::book_of(name, scale).into_iter().collect());
            let bytes: usize = files.0.values().map(Vec::len).sum();
            eprintln!("{name} ×{scale}: {what}, {bytes} bytes");
            g.throughput(Throughput::Bytes(bytes as u64));
            g.bench_function(format!("{name} ×{scale}"), |b| {
                b.iter(|| {
                    let project = hanpub::load(&files, &BookEntry::Dir).unwrap();
                    hanpub::build(&project, &files, &opts).unwrap().epub.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, stages, pathological);
criterion_main!(benches);
