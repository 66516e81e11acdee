//! book.toml and front matter parsing never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::config_parsers(data);
});
