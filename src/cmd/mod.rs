//! One module per subcommand; each does its own I/O and calls the library.

pub mod build;
pub mod cache;
pub mod check;
pub mod completions;
pub mod init;
pub mod output;
pub mod serve;
pub mod watch;
