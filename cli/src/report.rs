//! The items a job could not do: with `--report FILE`, one NDJSON line per
//! failed item (its line or index, its id when known, and the reason);
//! without, one line each on stderr. A reason never holds a secret: the
//! client's messages hold no key, no password hash and no identifier value.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::exit::Fail;

/// One failed item, as its report line says it.
#[derive(Debug, Default, Serialize)]
pub struct Failed {
    /// The input line (1-based), for jobs that read a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The input's 0-based index, for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The identity's id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why it failed.
    pub error: String,
}

/// Where the failed items go.
pub struct Report {
    out: Option<(PathBuf, BufWriter<File>)>,
    count: u64,
}

impl Report {
    /// A report into `path` (created now, emptied if it exists), or on stderr.
    pub fn open(path: Option<&Path>) -> Result<Report, Fail> {
        let out = match path {
            Some(path) => {
                let file = File::create(path).map_err(|e| {
                    Fail::usage(format!("cannot create the report {}: {e}", path.display()))
                })?;
                Some((path.to_path_buf(), BufWriter::new(file)))
            }
            None => None,
        };
        Ok(Report { out, count: 0 })
    }

    /// Names one failed item.
    pub fn add(&mut self, failed: &Failed) {
        self.count += 1;
        match &mut self.out {
            Some((_, out)) => {
                let line = serde_json::to_string(failed).unwrap_or_default();
                // A report that cannot be written is said once, at the end.
                let _ = writeln!(out, "{line}");
            }
            None => {
                let mut place = Vec::new();
                if let Some(line) = failed.line {
                    place.push(format!("line {line}"));
                } else if let Some(index) = failed.index {
                    place.push(format!("input {index}"));
                }
                if let Some(id) = &failed.id {
                    place.push(format!("identity {id}"));
                }
                eprintln!("failed: {}: {}", place.join(", "), failed.error);
            }
        }
    }

    /// Writes the report out; says where it is when it names any item.
    pub fn close(self) -> Result<(), Fail> {
        if let Some((path, mut out)) = self.out {
            out.flush().map_err(|e| {
                Fail::failed(format!("cannot write the report {}: {e}", path.display()))
            })?;
            if self.count > 0 {
                eprintln!(
                    "{} named in {}",
                    match self.count {
                        1 => "1 failed item is".to_string(),
                        n => format!("{n} failed items are"),
                    },
                    path.display()
                );
            }
        }
        Ok(())
    }
}
