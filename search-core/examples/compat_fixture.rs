//! Writes the compat fixture for the current index format version:
//! `cargo run -p mcdewey-search-core --example compat_fixture` creates
//! `search-core/tests/compat/v<FORMAT_VERSION>/` (index files and the tiny
//! model they were built with). Run it when the format version is bumped,
//! and keep the directories of older versions: `tests/compat.rs` checks that
//! the current reader rejects them with `FormatError::UnsupportedVersion`.

#[path = "../tests/compat/input.rs"]
mod input;

use mcdewey_search_core::build_index;
use mcdewey_search_core::codec::FORMAT_VERSION;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compat")
        .join(format!("v{FORMAT_VERSION}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear the old fixture");
    }
    let files = build_index(input::chunks(), &input::options()).expect("fixture builds");
    let mut bytes = 0;
    for (path, data) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        bytes += data.len();
    }
    std::fs::write(dir.join("model.mcdm"), input::model().to_bytes()).unwrap();
    println!(
        "wrote {} index files ({bytes} bytes) and model.mcdm to {}",
        files.len(),
        dir.display()
    );
}
