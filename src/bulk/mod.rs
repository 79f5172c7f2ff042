//! Bulk work on top of the single calls: the chunked import.

pub(crate) mod import;
