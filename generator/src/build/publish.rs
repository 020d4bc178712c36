//! The publish stage and the output directory's neighbours: the build lock,
//! staging directories, the swap of a finished site into place, and what
//! interrupted builds left behind. All of them sit beside `out` (never
//! inside it, since `out` is replaced by a rename) and are named after it:
//! `.site.mcdewey-lock`, `.site.mcdewey-staging-<pid>-<n>`,
//! `.site.mcdewey-old-<pid>-<n>`.
//!
//! One build at a time holds the lock (an OS file lock, released by the
//! kernel when the process ends however it ends), so a second build into the
//! same directory stops before touching anything, and leftovers found while
//! holding the lock belong to builds that are gone.

use anyhow::Context;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const LOCK: &str = "mcdewey-lock";
const STAGING: &str = "mcdewey-staging";
const OLD: &str = "mcdewey-old";

/// `out`'s parent (`.` for a bare name) and file name.
fn split(out: &Path) -> (PathBuf, String) {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "site".into());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    (parent, name)
}

/// Path of the lock file for builds into `out`.
pub fn lock_path(out: &Path) -> PathBuf {
    let (parent, name) = split(out);
    parent.join(format!(".{name}.{LOCK}"))
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another build holds it; `holder` is what that build wrote (pid, start).
    #[error("another build into {out} is running ({holder}); wait for it to finish")]
    Held { out: String, holder: String },
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// Exclusive right to build into one output directory, held until dropped.
/// The lock file stays on disk: deleting it on release would let a build
/// that opened the old file and one that creates a new file both "hold" it.
#[derive(Debug)]
pub struct BuildLock {
    _file: File,
    path: PathBuf,
}

impl BuildLock {
    /// Takes the lock without waiting, creating `out`'s parent if needed.
    pub fn acquire(out: &Path) -> Result<BuildLock, LockError> {
        let path = lock_path(out);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the build lock {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Held {
                    out: out.display().to_string(),
                    holder: if holder.is_empty() {
                        format!("lock file {}", path.display())
                    } else {
                        format!("{holder}, lock file {}", path.display())
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(LockError::Io(anyhow::Error::new(e).context(format!(
                    "cannot lock {} (does the file system support locks?)",
                    path.display()
                ))))
            }
        }
        // Who holds it, for the message a second build prints.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let info = format!("pid {}, started {}", std::process::id(), utc(now));
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(info.as_bytes()))
            .and_then(|()| file.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(BuildLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` for seconds since the epoch.
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A name no other build uses: pid, a per-process counter and clock bits.
fn unique_suffix() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{nanos:08x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Directory a build writes into before it is swapped in. Removed when
/// dropped, so a failed build leaves nothing behind; after a successful
/// publish it no longer exists and dropping it does nothing.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
}

impl Staging {
    /// A fresh staging directory beside `out`. Requires the lock.
    pub fn create(out: &Path, _lock: &BuildLock) -> anyhow::Result<Staging> {
        if out.exists() && !out.is_dir() {
            anyhow::bail!(
                "output path {} exists and is not a directory",
                out.display()
            );
        }
        let (parent, name) = split(out);
        let path = parent.join(format!(".{name}.{STAGING}-{}", unique_suffix()));
        std::fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Staging { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.path.exists() {
            if let Err(e) = std::fs::remove_dir_all(&self.path) {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot remove staging directory");
            }
        }
    }
}

/// Name for the previous site while the new one is swapped in.
pub fn old_dir(out: &Path) -> PathBuf {
    let (parent, name) = split(out);
    parent.join(format!(".{name}.{OLD}-{}", unique_suffix()))
}

/// Removes staging and old-site directories of earlier builds into `out`
/// that never finished (killed, power loss). Safe only under the lock, which
/// guarantees no running build owns them. When a build died between moving
/// the old site aside and moving the new one in, the old site is put back
/// first. Returns what was done, one line per directory.
pub fn clean_leftovers(out: &Path, _lock: &BuildLock) -> anyhow::Result<Vec<String>> {
    let (parent, name) = split(out);
    let staging = format!(".{name}.{STAGING}");
    let old = format!(".{name}.{OLD}");
    let mut found: Vec<PathBuf> = Vec::new();
    let entries = match std::fs::read_dir(&parent) {
        Ok(e) => e,
        Err(_) => return Ok(Vec::new()),
    };
    for e in entries {
        let e = e.with_context(|| format!("cannot list {}", parent.display()))?;
        let n = e.file_name().to_string_lossy().to_string();
        // Only directories (never followed links) with exactly our names.
        if (n.starts_with(&staging) || n.starts_with(&old))
            && e.file_type().is_ok_and(|t| t.is_dir())
        {
            found.push(e.path());
        }
    }
    found.sort();
    let mut done = Vec::new();
    if !out.exists() {
        let marker = crate::site::MARKER;
        if let Some(prev) = found.iter().position(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&old))
                && p.join(marker).is_file()
        }) {
            let prev = found.remove(prev);
            std::fs::rename(&prev, out).with_context(|| {
                format!(
                    "cannot restore the previous site {} to {}",
                    prev.display(),
                    out.display()
                )
            })?;
            done.push(format!(
                "restored the previous site from {} (an earlier build was interrupted)",
                prev.display()
            ));
        }
    }
    for p in found {
        std::fs::remove_dir_all(&p)
            .with_context(|| format!("cannot remove {} left by an earlier build", p.display()))?;
        done.push(format!(
            "removed {} left by an interrupted build",
            p.display()
        ));
    }
    Ok(done)
}

/// Refuses an output directory that holds files McDewey did not write.
pub fn check_out_dir(out: &Path) -> anyhow::Result<()> {
    if out.is_dir()
        && std::fs::read_dir(out)?.next().is_some()
        && !out.join(crate::site::MARKER).is_file()
    {
        anyhow::bail!(
            "output directory {} is not empty and was not written by McDewey; refusing to overwrite it",
            out.display()
        );
    }
    Ok(())
}

/// Replaces `out` (a previous McDewey site, an empty directory, or nothing)
/// with the finished `staging` directory. Building into a new directory and
/// swapping it in keeps the old site whole until the new one is complete, and
/// avoids ext4's slow inode allocation right after deleting a large tree (a
/// rebuild in place measured 14x slower). The caller holds the build lock.
pub fn publish(staging: &Path, out: &Path) -> anyhow::Result<()> {
    if let Some(old) = swap(staging, out)? {
        std::fs::remove_dir_all(&old)
            .with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// [`publish`], leaving the previous site, renamed aside, for the caller to
/// remove (a watching server removes it while it waits for the next edit).
/// Until it is removed it is a leftover the next build under the lock
/// cleans up.
pub fn swap(staging: &Path, out: &Path) -> anyhow::Result<Option<PathBuf>> {
    check_out_dir(out)?;
    let old = old_dir(out);
    if out.exists() && std::fs::rename(out, &old).is_err() {
        // `out` may be a mount point: empty it and move the entries in instead.
        for e in std::fs::read_dir(out)? {
            let p = e?.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            }
            .with_context(|| format!("cannot clear {}", p.display()))?;
        }
        for e in std::fs::read_dir(staging)? {
            let e = e?;
            std::fs::rename(e.path(), out.join(e.file_name()))
                .with_context(|| format!("cannot move the new site into {}", out.display()))?;
        }
        std::fs::remove_dir(staging)?;
        return Ok(None);
    }
    std::fs::rename(staging, out)
        .with_context(|| format!("cannot move {} to {}", staging.display(), out.display()))?;
    Ok(old.exists().then_some(old))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_796_169_600 + 3_723), "2026-12-02 01:02:03 UTC");
    }

    #[test]
    fn second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let first = BuildLock::acquire(&out).unwrap();
        let e = BuildLock::acquire(&out).unwrap_err().to_string();
        assert!(
            e.contains(&format!("pid {}", std::process::id())) && e.contains("started "),
            "{e}"
        );
        drop(first);
        BuildLock::acquire(&out).expect("free again after release");
    }

    #[test]
    fn staging_is_unique_and_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let lock = BuildLock::acquire(&out).unwrap();
        let a = Staging::create(&out, &lock).unwrap();
        let b = Staging::create(&out, &lock).unwrap();
        assert_ne!(a.path(), b.path());
        std::fs::write(a.path().join("x.html"), "x").unwrap();
        let pa = a.path().to_path_buf();
        drop(a);
        assert!(!pa.exists());
        drop(b);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the lock file remains: {left:?}");
    }

    #[test]
    fn leftovers_are_cleaned_and_an_interrupted_swap_restored() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let lock = BuildLock::acquire(&out).unwrap();
        let stale = dir.path().join(".site.mcdewey-staging-999-0-0");
        let prev = dir.path().join(".site.mcdewey-old-999-0-0");
        let other = dir.path().join(".other.mcdewey-staging-1-0-0");
        for d in [&stale, &prev, &other] {
            std::fs::create_dir_all(d.join("sub")).unwrap();
        }
        std::fs::write(prev.join(crate::site::MARKER), "").unwrap();
        let done = clean_leftovers(&out, &lock).unwrap();
        assert_eq!(done.len(), 2, "{done:?}");
        assert!(out.join(crate::site::MARKER).is_file(), "restored");
        assert!(!stale.exists() && !prev.exists());
        assert!(other.exists(), "another output's directories are not ours");
    }
}
