//! Where the index writer keeps what exceeds its memory budget (sorted runs
//! of postings, finished payloads waiting for the build id): in memory up to
//! a limit, then in one temporary file in a directory beside the staging
//! directory. The file is unlinked as soon as it is open where the system
//! allows it, and its directory is named like a staging directory, so a
//! build that dies leaves nothing the next build does not clean up.

use mcdewey_search_core::{SpillId, SpillStore};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct FileSpill {
    dir: PathBuf,
    memory_limit: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    file: Option<File>,
    file_len: u64,
    blobs: Vec<Blob>,
    in_memory: usize,
}

enum Blob {
    Memory(Vec<u8>),
    File { offset: u64, len: usize },
    Taken,
}

impl FileSpill {
    /// A store that keeps up to `memory_limit` bytes in memory and the rest
    /// in a file under `dir` (created when first needed).
    pub fn new(dir: PathBuf, memory_limit: usize) -> FileSpill {
        FileSpill {
            dir,
            memory_limit,
            inner: Mutex::default(),
        }
    }

    /// Bytes written to the file so far.
    pub fn spilled(&self) -> u64 {
        self.inner.lock().map(|i| i.file_len).unwrap_or(0)
    }

    fn open(&self) -> std::io::Result<File> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.dir.join("index.spill");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        // On Unix an open file lives on without its name: nothing to clean
        // up even if the build is killed.
        #[cfg(unix)]
        std::fs::remove_file(&path)?;
        Ok(file)
    }

    fn describe(&self, e: std::io::Error) -> String {
        format!("{}: {e}", self.dir.join("index.spill").display())
    }
}

impl SpillStore for FileSpill {
    fn put(&self, bytes: Vec<u8>) -> Result<SpillId, String> {
        let mut inner = self.inner.lock().map_err(|_| "spill store poisoned")?;
        let id = SpillId(inner.blobs.len() as u64);
        if inner.in_memory + bytes.len() <= self.memory_limit {
            inner.in_memory += bytes.len();
            inner.blobs.push(Blob::Memory(bytes));
            return Ok(id);
        }
        if inner.file.is_none() {
            inner.file = Some(self.open().map_err(|e| self.describe(e))?);
        }
        let offset = inner.file_len;
        let file = inner.file.as_mut().expect("opened above");
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.write_all(&bytes))
            .map_err(|e| self.describe(e))?;
        inner.file_len += bytes.len() as u64;
        inner.blobs.push(Blob::File {
            offset,
            len: bytes.len(),
        });
        Ok(id)
    }

    fn take(&self, id: SpillId) -> Result<Vec<u8>, String> {
        let mut inner = self.inner.lock().map_err(|_| "spill store poisoned")?;
        let blob = inner
            .blobs
            .get_mut(id.0 as usize)
            .map(|b| std::mem::replace(b, Blob::Taken))
            .unwrap_or(Blob::Taken);
        match blob {
            Blob::Memory(bytes) => {
                inner.in_memory -= bytes.len();
                Ok(bytes)
            }
            Blob::File { offset, len } => {
                let file = inner.file.as_mut().expect("a file blob has a file");
                let mut bytes = vec![0; len];
                file.seek(SeekFrom::Start(offset))
                    .and_then(|_| file.read_exact(&mut bytes))
                    .map_err(|e| self.describe(e))?;
                Ok(bytes)
            }
            Blob::Taken => Err(format!("spill blob {} missing or already read", id.0)),
        }
    }
}

impl Drop for FileSpill {
    fn drop(&mut self) {
        if let Ok(inner) = self.inner.get_mut() {
            inner.file = None;
        }
        if self.dir.exists() {
            if let Err(e) = std::fs::remove_dir_all(&self.dir) {
                tracing::warn!(path = %self.dir.display(), error = %e, "cannot remove spill directory");
            }
        }
    }
}

/// The spill directory of the build that stages into `staging`.
pub fn spill_dir(staging: &Path) -> PathBuf {
    let mut name = staging.file_name().unwrap_or_default().to_os_string();
    name.push("-spill");
    staging.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_past_the_memory_limit_go_to_the_file_and_come_back() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s-spill");
        let store = FileSpill::new(dir.clone(), 10);
        let a = store.put(vec![1; 8]).unwrap();
        let b = store.put(vec![2; 8]).unwrap();
        let c = store.put(vec![3; 5]).unwrap();
        assert_eq!(store.spilled(), 13, "the second and third blob do not fit");
        assert_eq!(store.take(b).unwrap(), vec![2; 8]);
        assert_eq!(store.take(a).unwrap(), vec![1; 8]);
        assert_eq!(store.take(c).unwrap(), vec![3; 5]);
        assert!(store.take(c).is_err(), "a blob is read once");
        // Memory freed by a read is used again.
        let d = store.put(vec![4; 10]).unwrap();
        assert_eq!(store.spilled(), 13);
        assert_eq!(store.take(d).unwrap(), vec![4; 10]);
        drop(store);
        assert!(!dir.exists(), "the spill directory goes with the store");
    }
}
