//! How `import` and `migrate` send their batches: the flags both take.

use kratos_identity::{CreateIdentityBody, ImportIdentities};

/// The batch requests of an import (flattened into `import` and `migrate`).
#[derive(Debug, Clone, clap::Args)]
pub struct Batches {
    /// Identities per batch request (1 to 1000).
    #[arg(long, value_name = "N", default_value_t = 1000,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    chunk_size: u16,

    /// Batch requests in flight at once (one at a time against Ory Network,
    /// which refuses concurrent writes).
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=16))]
    concurrency: u16,

    /// Look up every conflict: an identity that is another person holding the
    /// same email is a failure, not "already existed".
    #[arg(long)]
    verify_conflicts: bool,
}

impl Batches {
    /// `import` with these settings.
    pub fn apply<I>(&self, import: ImportIdentities<I>) -> ImportIdentities<I>
    where
        I: Iterator<Item = CreateIdentityBody>,
    {
        import
            .chunk_size(usize::from(self.chunk_size))
            .concurrency(usize::from(self.concurrency))
            .verify_conflicts(self.verify_conflicts)
    }
}
