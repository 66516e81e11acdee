//! One module per subcommand; each does its own I/O and calls the library.

pub mod build;
pub mod serve;
pub mod watch;
