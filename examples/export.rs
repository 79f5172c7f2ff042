//! Exports every identity as NDJSON, and resumes after any stop: the
//! listing's `ListPosition` is saved beside the output's length after each
//! page, and a re-run continues after the last identity written.
//!
//! ```text
//! cargo run --example export                     # a local demo server, to stdout
//! KRATOS_ADMIN_URL=http://127.0.0.1:4434 cargo run --example export -- \
//!     --output all.ndjson --checkpoint export.ckpt  # run it again after any stop
//! ```
//!
//! The operators' tool does this and more (filters, credentials, progress,
//! exit codes): `kratos-identity export` (`cargo install --path cli`).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use kratos_identity::{IdentityClient, ListPosition};
use kratos_identity_fake::FakeKratos;
use serde::{Deserialize, Serialize};

/// What the checkpoint holds: where the listing stands, and how many bytes
/// of the output belong to it.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    position: ListPosition,
    output_len: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut page_size, mut output, mut checkpoint) = (500u32, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--page-size" => page_size = value.parse()?,
            "--output" => output = Some(value),
            "--checkpoint" => checkpoint = Some(value),
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    // Without a server, a local demo one (kept alive by `_demo`).
    let (client, _demo) = match IdentityClient::from_env() {
        Ok(client) => (client, None),
        Err(_) => {
            let demo = FakeKratos::builder().identities(3000).start();
            eprintln!(
                "KRATOS_ADMIN_URL is not set: exporting from a local demo server at {}",
                demo.base_url()
            );
            (demo.client(), Some(demo))
        }
    };

    // A saved checkpoint: cut the output to what it recorded, resume after it.
    let saved: Option<Checkpoint> = match &checkpoint {
        Some(path) => std::fs::read(path)
            .ok()
            .map(|text| serde_json::from_slice(&text))
            .transpose()?,
        None => None,
    };
    let mut out: Box<dyn Write> = match (&output, &saved) {
        (Some(path), Some(saved)) => {
            let mut file = OpenOptions::new().write(true).open(path)?;
            file.set_len(saved.output_len)?;
            file.seek(SeekFrom::Start(saved.output_len))?;
            Box::new(BufWriter::new(file))
        }
        (Some(path), None) => Box::new(BufWriter::new(File::create(path)?)),
        (None, _) => Box::new(BufWriter::new(io::stdout().lock())),
    };

    let mut request = client.list_identities().page_size(page_size);
    if let Some(saved) = &saved {
        request = request.resume(&saved.position);
    }
    // `raw()`: each identity exactly as the server sent it.
    let mut identities = request.raw().items().prefetch(true);
    // The lines to disk first, then the position: the checkpoint never
    // says more than the output holds.
    let save = |out: &mut Box<dyn Write>, position: ListPosition| -> io::Result<()> {
        out.flush()?;
        if let (Some(path), Some(output)) = (&checkpoint, &output) {
            let output_len = std::fs::metadata(output)?.len();
            let state = serde_json::to_vec(&Checkpoint {
                position,
                output_len,
            })?;
            // Atomically: a temporary file, renamed over the last one.
            std::fs::write(format!("{path}.tmp"), state)?;
            std::fs::rename(format!("{path}.tmp"), path)?;
        }
        Ok(())
    };
    let mut count = 0u64;
    while let Some(identity) = identities.next() {
        writeln!(out, "{}", identity?.get())?;
        count += 1;
        if count.is_multiple_of(u64::from(page_size)) {
            save(&mut out, identities.resume_position())?;
        }
    }
    save(&mut out, identities.resume_position())?;
    eprintln!("exported {count} identities");
    Ok(())
}
