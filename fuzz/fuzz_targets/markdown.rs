//! Markdown → EPUB: any input either fails cleanly or gives well-formed XHTML/OPF/NCX.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::markdown_to_epub(data);
});
