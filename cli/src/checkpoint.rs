//! A job's progress kept in a file as it goes (`--checkpoint FILE`), so the
//! same command after a crash, even `kill -9`, continues where it stopped.
//!
//! A save is atomic: the state goes to a temporary file beside the
//! checkpoint, is synced to disk, and is renamed over it. A crash leaves the
//! previous checkpoint or the new one, never a part of one.
//!
//! An output file is kept consistent with the checkpoint by recording its
//! length in the state: [`open_output`] cuts what was written after the last
//! save (the resumed job writes it again), so no line comes twice and none
//! is missing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use kratos_identity::ImportError;
use kratos_identity::uuid::Uuid;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The file a job's progress is kept in.
#[derive(Debug)]
pub struct Checkpoint {
    path: PathBuf,
}

impl Checkpoint {
    /// The checkpoint at `path` (nothing is read or written yet).
    pub fn new(path: impl Into<PathBuf>) -> Checkpoint {
        Checkpoint { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state, or `None` when there is no checkpoint yet (a first
    /// run). A file that holds no state of this job is an error that names
    /// the file, never a fresh start that would redo the work.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>, String> {
        let text = match fs::read(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(format!(
                    "cannot read the checkpoint {}: {error}",
                    self.path.display()
                ));
            }
        };
        serde_json::from_slice(&text).map(Some).map_err(|error| {
            format!(
                "the checkpoint {} holds no state of this job ({error}); remove it to start over",
                self.path.display()
            )
        })
    }

    /// Saves `state`, atomically.
    pub fn save<T: Serialize>(&self, state: &T) -> io::Result<()> {
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut file = File::create(&tmp)?;
            serde_json::to_writer(&mut file, state)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        // The rename itself is durable once the folder is synced (best
        // effort: not every platform lets a folder be opened).
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = File::open(dir)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// Opens the output file of a job: created empty on a first run
/// (`resume_at` `None`), or cut to the length the checkpoint recorded and
/// opened for appending at it. A file shorter than that length means it is
/// not this job's output: an error, never a silent gap.
pub fn open_output(path: &Path, resume_at: Option<u64>) -> io::Result<File> {
    let Some(len) = resume_at else {
        return File::create(path);
    };
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let found = file.metadata()?.len();
    if found < len {
        return Err(io::Error::other(format!(
            "{} holds {found} bytes, but the checkpoint says {len} were written: \
             it is not the output of this job",
            path.display()
        )));
    }
    file.set_len(len)?;
    file.seek(SeekFrom::Start(len))?;
    Ok(file)
}

/// A job's progress and the checkpoint it is kept in, shared by the job's
/// loop and the import's checkpoint callback (which runs inside the loop's
/// `next()`): a clone is the same progress.
pub struct Saved<P> {
    file: Arc<Checkpoint>,
    progress: Arc<Mutex<P>>,
}

impl<P> Clone for Saved<P> {
    fn clone(&self) -> Self {
        Saved {
            file: Arc::clone(&self.file),
            progress: Arc::clone(&self.progress),
        }
    }
}

impl<P: Serialize + Clone> Saved<P> {
    /// `progress`, to be kept in `file`.
    pub fn new(file: Checkpoint, progress: P) -> Self {
        Saved {
            file: Arc::new(file),
            progress: Arc::new(Mutex::new(progress)),
        }
    }

    /// The progress as it is now.
    pub fn get(&self) -> P {
        self.lock().clone()
    }

    /// Changes the progress in memory; [`save`](Self::save) writes it.
    pub fn change(&self, change: impl FnOnce(&mut P)) {
        change(&mut self.lock());
    }

    /// Changes the progress and writes it. A checkpoint that cannot be
    /// written stops the process at once with exit status 3: it is called
    /// just before a chunk is sent, and sending it could not be resumed
    /// exactly (the last checkpoint written is still valid).
    pub fn save(&self, change: impl FnOnce(&mut P)) {
        let mut progress = self.lock();
        change(&mut progress);
        if let Err(e) = self.file.save(&*progress) {
            eprintln!(
                "error: cannot write the checkpoint {}: {e}; stopping (the last one written is still valid: run the same command again to continue)",
                self.file.path().display()
            );
            std::process::exit(3);
        }
    }

    fn lock(&self) -> MutexGuard<'_, P> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How many inputs an import or migration settled, over all its runs.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Counts {
    pub created: u64,
    pub existed: u64,
    pub failed: u64,
}

impl Counts {
    /// Counts one outcome; one left unsettled is not counted: the next run
    /// settles it again.
    pub fn count(&mut self, result: &Result<Uuid, ImportError>) {
        match result {
            Ok(_) => self.created += 1,
            Err(e) if e.is_conflict() => self.existed += 1,
            Err(e) if e.is_final() => self.failed += 1,
            Err(_) => {}
        }
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} already existed, {} failed",
            self.created, self.existed, self.failed
        )
    }
}

/// A file's size, to tell a checkpoint's input from another file.
pub fn file_len(path: &Path) -> Result<u64, String> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
