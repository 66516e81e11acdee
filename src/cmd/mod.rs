//! One module per subcommand; each does its own I/O and calls the library.

pub mod build;
