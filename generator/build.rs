//! Builds the WASM search engine (`search-wasm`) for wasm32-unknown-unknown and
//! generates its JS glue with wasm-bindgen, so the `mcdewey` binary can embed
//! both and building a site needs no Rust toolchain, Node or network.
//!
//! The nested cargo uses its own target directory (the outer build holds the
//! lock on the main one) and a clean environment (the outer build's flags are
//! for the host, not for wasm32).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for dep in [
        "search-wasm/src",
        "search-wasm/Cargo.toml",
        "search-core/src",
        "search-core/Cargo.toml",
        "Cargo.lock",
        // The workspace manifest holds the `wasm-release` profile.
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(dep).display());
    }
    println!("cargo:rerun-if-env-changed=MCDEWEY_WASM_PROFILE");

    let profile = std::env::var("MCDEWEY_WASM_PROFILE").unwrap_or_else(|_| "wasm-release".into());
    let target_dir = workspace.join("target/wasm-nested");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace)
        .args(["build", "--locked", "-p", "mcdewey-search-wasm", "--lib"])
        .args(["--target", "wasm32-unknown-unknown", "--profile", &profile])
        .arg("--target-dir")
        .arg(&target_dir);
    for (k, _) in std::env::vars() {
        let inherited = k.starts_with("CARGO_") && k != "CARGO_HOME"
            || k.starts_with("RUSTC")
            || k == "RUSTFLAGS"
            || k == "RUSTDOCFLAGS"
            || k.starts_with("CLIPPY");
        if inherited {
            cmd.env_remove(&k);
        }
    }
    let status = cmd.status().expect("cannot run cargo for the WASM engine");
    if !status.success() {
        panic!(
            "building the WASM search engine failed; is the target installed? run: rustup target add wasm32-unknown-unknown"
        );
    }
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(&profile)
        .join("mcdewey_search_wasm.wasm");
    generate_glue(&wasm, &out_dir);
    precompress(&out_dir.join("mcdewey_search_wasm_bg.wasm"));
}

/// Writes `<file>.br` and `<file>.gz` beside the engine, compressed once
/// here at the best settings: the engine is most of a cold query's bytes,
/// and a server compressing on the fly (ours, or a host's) uses faster ones.
fn precompress(file: &Path) {
    use std::io::Write;
    let body = std::fs::read(file).expect("the generated engine");
    let mut br = Vec::new();
    {
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &body[..], &mut br, &params).expect("brotli");
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&body).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let with = |ext: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    std::fs::write(with(".br"), br).expect("write the brotli engine");
    std::fs::write(with(".gz"), gz).expect("write the gzip engine");
}

fn generate_glue(wasm: &Path, out_dir: &Path) {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(wasm)
        .web(true)
        .expect("web target")
        .typescript(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(out_dir)
        .expect("wasm-bindgen failed to generate the JS glue");
}
