//! Bulk work on top of the single calls: the chunked import, and the
//! conversion of an exported identity for a migration.

pub(crate) mod import;
pub(crate) mod migrate;
