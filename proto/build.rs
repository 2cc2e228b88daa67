//! Compiles `proto/kerjasama/v1/*.proto` with protox (pure Rust, no protoc binary)
//! and keeps the encoded descriptor set for gRPC server reflection.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "kerjasama/v1/agreement.proto",
    "kerjasama/v1/unit.proto",
    "kerjasama/v1/report.proto",
    "kerjasama/v1/stage.proto",
    "kerjasama/v1/benefit.proto",
    "kerjasama/v1/implementation_report.proto",
    "kerjasama/v1/document.proto",
    "kerjasama/v1/meeting.proto",
    "kerjasama/v1/report_schedule.proto",
    "kerjasama/v1/import.proto",
    "kerjasama/v1/digest.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| root.join(p)).collect();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let fds = protox::compile(&files, [&root])?;
    std::fs::write(
        out_dir.join("kerjasama_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
