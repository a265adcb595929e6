//! corral: a codemod for Python concurrency.
//!
//! The engine (`engine`, `semantic`, `imports`, `parse`, `source`) knows no particular transform;
//! transforms live in `transforms/<id>/` and are listed in `registry`. The command line (`cli`,
//! `files`, `write`, `git`) is the only part that knows about paths, threads and output formats.

pub mod cli;
pub mod config;
pub mod diff;
pub mod engine;
pub mod files;
pub mod git;
pub mod http;
pub mod imports;
pub mod layout;
pub mod network;
pub mod outline;
pub mod parse;
pub mod pool;
pub mod prefilter;
pub mod regions;
pub mod registry;
pub mod report;
pub mod rule;
pub mod semantic;
pub mod settings;
pub mod source;
pub mod split;
pub mod suppress;
pub mod syntax;
pub mod unused_imports;
pub mod worker;
pub mod write;
