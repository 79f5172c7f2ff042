//! Bulk work on top of the single calls: the chunked import, the
//! conversion of an exported identity for a migration, and bounded
//! concurrency for independent calls.

pub(crate) mod fan_out;
pub(crate) mod import;
pub(crate) mod migrate;
