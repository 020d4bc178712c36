//! The write stage: every file of the site goes through one [`Writer`] into
//! the staging directory, on threads of their own. Parallel file creation
//! in the same directories is several times slower on ext4 (measured 2,330
//! vs 490 pages/s), so each document's files are written by one thread
//! (its directories are its own), and single files (the search index's,
//! the library's) by the thread of their directory, the index's in groups
//! ([`Singles`]). Files of a document
//! that did not change since the last build of the same process are
//! hard-linked from the published site instead of written again.

use anyhow::Context;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

/// Messages that may wait for a writer thread: single files or batches
/// of at most [`BATCH_BYTES`], so a few MB at most.
const QUEUE: usize = 64;

/// Writer threads. File creation is system time the renderers do not
/// share: with one thread, the renderers waited for it at times, most of
/// all in the last seconds of rendering a large library.
const LANES: usize = 2;

/// A [`Batch`] is sent once it holds this many bytes or [`BATCH_FILES`]
/// files.
const BATCH_BYTES: usize = 128 * 1024;
const BATCH_FILES: usize = 64;

/// Sitemap files hold at most this many URLs (sitemaps.org protocol).
const SITEMAP_LIMIT: usize = 50_000;

#[derive(Debug, Default, Clone, Serialize)]
pub struct OutputReport {
    pub files: usize,
    pub bytes: u64,
    pub html_pages: usize,
    pub page_views: usize,
    pub chunk_views: usize,
}

/// Files (path below the site, bytes) in the order they are written.
type Files = Vec<(String, Vec<u8>)>;

enum Job {
    Write(String, Vec<u8>),
    /// Files written in this order (see [`Batch`]).
    Batch(Files),
    /// Link `rel` from the previous site at this path.
    Reuse(String, PathBuf),
}

/// A file of the site as the write stage saw it: enough to reuse it later.
#[derive(Debug, Clone)]
pub struct Written {
    pub rel: String,
    pub len: u64,
}

/// Where rendered files go. Counting happens here, so the report and the
/// sitemap cover every file whichever stage produced it.
pub struct Writer {
    /// One queue per writer thread; single files go by their directory
    /// ([`lane_of`]).
    lanes: Vec<SyncSender<Job>>,
    /// The lane of the next [`Batch`].
    next_lane: AtomicUsize,
    files: AtomicUsize,
    bytes: AtomicU64,
    html: AtomicUsize,
    urls: Mutex<Vec<String>>,
}

impl Writer {
    /// A writer into `out` (existing and empty) and its threads; join them
    /// ([`Threads::join`]) after dropping the writer.
    pub fn start(out: &Path) -> (Writer, Threads) {
        let (lanes, threads) = (0..LANES)
            .map(|_| {
                let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
                let out_dir = out.to_path_buf();
                (tx, std::thread::spawn(move || write_files(&out_dir, rx)))
            })
            .unzip();
        let writer = Writer {
            lanes,
            next_lane: AtomicUsize::new(0),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            html: AtomicUsize::new(0),
            urls: Default::default(),
        };
        (writer, Threads(threads))
    }

    fn send(&self, lane: usize, job: Job) -> anyhow::Result<()> {
        self.lanes[lane]
            .send(job)
            .map_err(|_| anyhow::anyhow!("the file writer stopped"))
    }

    fn count(&self, rel: &str, len: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        if rel.ends_with(".html") && rel != "404.html" {
            self.html.fetch_add(1, Ordering::Relaxed);
            self.urls.lock().expect("url list").push(rel.to_string());
        }
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_owned(rel.to_string(), bytes.to_vec())
    }

    pub fn write_owned(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.count(&rel, bytes.len() as u64);
        self.send(lane_of(&rel), Job::Write(rel, bytes))
    }

    /// Puts the file `w.rel` of the site published at `previous` in place
    /// again, unchanged.
    pub fn reuse(&self, w: &Written, previous: &Path) -> anyhow::Result<()> {
        self.count(&w.rel, w.len);
        self.send(
            lane_of(&w.rel),
            Job::Reuse(w.rel.clone(), previous.join(&w.rel)),
        )
    }

    pub fn report(&self) -> OutputReport {
        OutputReport {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            html_pages: self.html.load(Ordering::Relaxed),
            page_views: 0,
            chunk_views: 0,
        }
    }

    /// The HTML pages written so far, sorted (for the sitemap).
    pub fn take_urls(&self) -> Vec<String> {
        let mut urls = std::mem::take(&mut *self.urls.lock().expect("url list"));
        urls.sort();
        urls
    }
}

/// The lane of a single file: one per directory, so the files of a
/// directory (the index's fragments, its term shards) are created by one
/// thread, and the index's directories are spread over the threads.
fn lane_of(rel: &str) -> usize {
    let dir = rel.rfind('/').map_or("", |i| &rel[..i]);
    // FNV-1a: stable and cheap; any spread will do.
    let h = dir.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    h as usize % LANES
}

/// The writer's threads.
pub struct Threads(Vec<std::thread::JoinHandle<anyhow::Result<()>>>);

impl Threads {
    /// Waits for every writer thread; the first write error, if any.
    pub fn join(self) -> anyhow::Result<()> {
        let mut result = Ok(());
        for t in self.0 {
            let r = t
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the file writer panicked")));
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

/// The files of one document, handed to a writer thread (the same one for
/// the whole document) in groups: one message, and at most one wake-up of
/// that thread, per group instead of per file (the wake-ups were a few
/// percent of a build). Call [`Batch::finish`] to send the rest.
pub struct Batch<'a> {
    writer: &'a Writer,
    lane: usize,
    /// Files not sent yet and their bytes.
    pending: Mutex<(Files, usize)>,
}

impl<'a> Batch<'a> {
    pub fn new(writer: &'a Writer) -> Self {
        Batch {
            writer,
            lane: writer.next_lane.fetch_add(1, Ordering::Relaxed) % LANES,
            pending: Mutex::new((Vec::new(), 0)),
        }
    }

    fn send(&self, files: Files) -> anyhow::Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        self.writer.send(self.lane, Job::Batch(files))
    }

    pub fn finish(self) -> anyhow::Result<()> {
        let files = std::mem::take(&mut self.pending.lock().expect("pending files").0);
        self.send(files)
    }
}

/// Adds a file to a group (files, their bytes); the group's files when
/// it is full and is to be sent (it is then empty again), else nothing.
fn add_to_group(group: &mut (Files, usize), rel: String, bytes: Vec<u8>) -> Files {
    group.1 += bytes.len();
    group.0.push((rel, bytes));
    if group.1 >= BATCH_BYTES || group.0.len() >= BATCH_FILES {
        group.1 = 0;
        std::mem::take(&mut group.0)
    } else {
        Vec::new()
    }
}

impl crate::render::Sink for Batch<'_> {
    fn put(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.writer.count(&rel, bytes.len() as u64);
        let full = add_to_group(&mut self.pending.lock().expect("pending files"), rel, bytes);
        self.send(full)
    }
}

/// Single files from one producer (the search index's, tens of thousands
/// of small files sealed one by one), each sent to the lane of its
/// directory as [`Writer::write_owned`] would, but in groups as a
/// [`Batch`]'s are: one message per file woke an idle writer thread for
/// each, and every wake-up cost a context switch on both sides. Call
/// [`Singles::finish`] to send the rest.
pub struct Singles<'a> {
    writer: &'a Writer,
    /// Per lane: files not sent yet and their bytes.
    pending: Mutex<Vec<(Files, usize)>>,
}

impl<'a> Singles<'a> {
    pub fn new(writer: &'a Writer) -> Self {
        Singles {
            writer,
            pending: Mutex::new(vec![(Vec::new(), 0); LANES]),
        }
    }

    pub fn finish(self) -> anyhow::Result<()> {
        let pending = self.pending.into_inner().expect("pending files");
        for (lane, (files, _)) in pending.into_iter().enumerate() {
            if !files.is_empty() {
                self.writer.send(lane, Job::Batch(files))?;
            }
        }
        Ok(())
    }
}

impl crate::render::Sink for Singles<'_> {
    fn put(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.writer.count(&rel, bytes.len() as u64);
        let lane = lane_of(&rel);
        let full = add_to_group(
            &mut self.pending.lock().expect("pending files")[lane],
            rel,
            bytes,
        );
        if full.is_empty() {
            return Ok(());
        }
        self.writer.send(lane, Job::Batch(full))
    }
}

/// Writes files as they arrive, creating directories once each.
fn write_files(out: &Path, rx: Receiver<Job>) -> anyhow::Result<()> {
    let mut made: HashSet<String> = Default::default();
    for job in rx {
        match job {
            Job::Write(rel, bytes) => write_file(out, &mut made, &rel, &bytes)?,
            Job::Batch(files) => {
                for (rel, bytes) in files {
                    write_file(out, &mut made, &rel, &bytes)?;
                }
            }
            // A hard link shares the bytes; where links are not possible
            // (another file system) the file is copied.
            Job::Reuse(rel, from) => {
                let path = parent_made(out, &mut made, &rel)?;
                if std::fs::hard_link(&from, &path).is_err() {
                    std::fs::copy(&from, &path).with_context(|| {
                        format!("cannot copy {} to {}", from.display(), path.display())
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// `out/rel`, its directory created if this writer has not made it yet.
/// Directories are remembered by their site-relative text: hashing a
/// `Path` parses its components, a few percent of the writer's time.
fn parent_made(out: &Path, made: &mut HashSet<String>, rel: &str) -> anyhow::Result<PathBuf> {
    let path = out.join(rel);
    let dir = rel.rfind('/').map_or("", |i| &rel[..i]);
    if !dir.is_empty() && !made.contains(dir) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        made.insert(dir.to_string());
    }
    Ok(path)
}

fn write_file(
    out: &Path,
    made: &mut HashSet<String>,
    rel: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let path = parent_made(out, made, rel)?;
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

impl crate::render::Sink for Writer {
    fn put(&self, rel: String, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.write_owned(rel, bytes)
    }
}

/// A file of the search index, below [`crate::site::SEARCH_DIR`]; with
/// offline search also its script form.
pub fn index_file(
    w: &dyn crate::render::Sink,
    offline_search: bool,
    path: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    let path = format!("{}/{path}", crate::site::SEARCH_DIR);
    if offline_search {
        w.put(offline_script_path(&path), offline_script(&path, &bytes))?;
    }
    w.put(path, bytes)
}

/// The theme's static files; with offline search also the loader and the
/// engine as scripts ([`index_file`] adds the index's).
pub fn theme_files(
    w: &Writer,
    theme: &crate::render::theme::Theme,
    offline_search: bool,
) -> anyhow::Result<()> {
    for (name, bytes) in &theme.statics {
        w.write(&format!("_static/{name}"), bytes)?;
    }
    if offline_search {
        for (name, bytes) in theme.offline_statics()? {
            w.write(&format!("_static/{name}"), &bytes)?;
        }
        let engine = theme
            .statics
            .iter()
            .filter(|(name, _)| name.ends_with(".wasm"))
            .map(|(name, bytes)| (format!("_static/{name}"), bytes));
        for (path, bytes) in engine {
            w.write(&offline_script_path(&path), &offline_script(&path, bytes))?;
        }
    }
    Ok(())
}

/// `sitemap.xml` (a sitemap index above [`SITEMAP_LIMIT`] URLs) over every
/// HTML page written but the chunk views; `prefix` is the site's origin and
/// base path. A chunk view repeats a passage of its page view, which links
/// it: listing both would offer crawlers every text twice and cost the site
/// a sitemap line per chunk.
pub fn write_sitemap(w: &Writer, prefix: &str) -> anyhow::Result<()> {
    let mut urls = w.take_urls();
    urls.retain(|u| !crate::site::is_chunk_view(u));
    let urlset = |urls: &[String]| {
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for u in urls {
            s.push_str(&format!(
                "  <url><loc>{}</loc></url>\n",
                xml_escape(&format!("{prefix}{u}"))
            ));
        }
        s.push_str("</urlset>\n");
        s
    };
    if urls.len() <= SITEMAP_LIMIT {
        w.write("sitemap.xml", urlset(&urls).as_bytes())?;
    } else {
        let mut index = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (i, part) in urls.chunks(SITEMAP_LIMIT).enumerate() {
            let name = format!("sitemap-{}.xml", i + 1);
            w.write(&name, urlset(part).as_bytes())?;
            index.push_str(&format!(
                "  <sitemap><loc>{}</loc></sitemap>\n",
                xml_escape(&format!("{prefix}{name}"))
            ));
        }
        index.push_str("</sitemapindex>\n");
        w.write("sitemap.xml", index.as_bytes())?;
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Where offline search keeps the script form of the site file `path`.
pub const OFFLINE_DIR: &str = "_offline";

pub fn offline_script_path(path: &str) -> String {
    format!("{OFFLINE_DIR}/{path}.js")
}

/// A classic script that hands the bytes of site file `path` to the page's
/// offline loader: pages opened from `file://` may run scripts from their
/// own directory tree but may not fetch files.
pub fn offline_script(path: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 4 / 3 + path.len() + 40);
    out.extend_from_slice(b"mcdeweyOfflineFile(");
    out.extend_from_slice(serde_json::to_string(path).expect("a string").as_bytes());
    out.extend_from_slice(b",\"");
    base64(bytes, &mut out);
    out.extend_from_slice(b"\");\n");
    out
}

/// Standard base64 with padding, the alphabet `atob` reads.
fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(ABC[(n >> 18) as usize & 63]);
        out.push(ABC[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            ABC[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            ABC[n as usize & 63]
        } else {
            b'='
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Sink;

    /// Documents spread over the writer threads, single files by their
    /// directory: every file arrives whole, and the sitemap's list has
    /// every page.
    /// Single files gathered per lane: several groups of one directory,
    /// a last partial group in each lane, files over the group's byte
    /// limit, and the offline script form beside each index file.
    #[test]
    fn singles_reach_their_lanes_in_groups() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, threads) = Writer::start(dir.path());
        let singles = Singles::new(&writer);
        let n = 2 * BATCH_FILES + 5;
        for f in 0..n {
            index_file(&singles, true, &format!("f/{f}.bin"), vec![f as u8; 7]).unwrap();
            index_file(
                &singles,
                false,
                &format!("t{}/{f}.bin", f % 5),
                f.to_string().into(),
            )
            .unwrap();
        }
        let big = vec![1u8; BATCH_BYTES + 1];
        index_file(&singles, false, "p/big.bin", big.clone()).unwrap();
        singles.finish().unwrap();
        let report = writer.report();
        drop(writer);
        threads.join().unwrap();
        assert_eq!(report.files, 3 * n + 1);
        let search = dir.path().join(crate::site::SEARCH_DIR);
        for f in 0..n {
            assert_eq!(
                std::fs::read(search.join(format!("f/{f}.bin"))).unwrap(),
                vec![f as u8; 7]
            );
            let script = dir.path().join(offline_script_path(&format!(
                "{}/f/{f}.bin",
                crate::site::SEARCH_DIR
            )));
            assert!(script.is_file(), "{}", script.display());
            let t = std::fs::read(search.join(format!("t{}/{f}.bin", f % 5))).unwrap();
            assert_eq!(t, f.to_string().into_bytes());
        }
        assert_eq!(std::fs::read(search.join("p/big.bin")).unwrap(), big);
    }

    #[test]
    fn every_file_of_every_lane_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, threads) = Writer::start(dir.path());
        for d in 0..9 {
            let batch = Batch::new(&writer);
            // More than one group per document.
            for f in 0..(BATCH_FILES + 3) {
                batch
                    .put(
                        format!("doc{d}/c/{f}.html"),
                        format!("{d}:{f}").into_bytes(),
                    )
                    .unwrap();
            }
            batch.finish().unwrap();
            writer
                .write(&format!("_search/f{}/{d}.bin", d % 3), &[d as u8; 3])
                .unwrap();
        }
        let urls = writer.take_urls();
        let report = writer.report();
        drop(writer);
        threads.join().unwrap();
        assert_eq!(report.files, 9 * (BATCH_FILES + 4));
        assert_eq!(urls.len(), 9 * (BATCH_FILES + 3));
        for d in 0..9 {
            for f in 0..(BATCH_FILES + 3) {
                let got = std::fs::read(dir.path().join(format!("doc{d}/c/{f}.html"))).unwrap();
                assert_eq!(got, format!("{d}:{f}").into_bytes());
            }
            let got =
                std::fs::read(dir.path().join(format!("_search/f{}/{d}.bin", d % 3))).unwrap();
            assert_eq!(got, vec![d as u8; 3]);
        }
    }

    /// A lane that cannot write stops with the error, whichever lane it is.
    #[test]
    fn a_write_error_on_any_lane_is_the_writers_error() {
        let dir = tempfile::tempdir().unwrap();
        // A file where a document's directory should be.
        std::fs::write(dir.path().join("blocked"), b"").unwrap();
        let (writer, threads) = Writer::start(dir.path());
        for d in 0..LANES {
            let batch = Batch::new(&writer);
            let rel = if d + 1 == LANES {
                "blocked/c/1.html".to_string()
            } else {
                format!("doc{d}/c/1.html")
            };
            let _ = batch.put(rel, b"x".to_vec());
            let _ = batch.finish();
        }
        drop(writer);
        let e = threads.join().unwrap_err().to_string();
        assert!(e.contains("blocked"), "{e}");
    }
    #[test]
    fn offline_scripts_carry_the_bytes_in_base64() {
        let script = String::from_utf8(super::offline_script("t/1.bin", b"Many hands")).unwrap();
        assert_eq!(
            script,
            "mcdeweyOfflineFile(\"t/1.bin\",\"TWFueSBoYW5kcw==\");\n"
        );
        let mut out = Vec::new();
        super::base64(b"Ma", &mut out);
        super::base64(b"Man", &mut out);
        super::base64(&[0xff, 0xfe, 0xfd, 0x00], &mut out);
        assert_eq!(out, b"TWE=TWFu//79AA==");
    }
}
