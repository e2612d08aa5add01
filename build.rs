//! Compiles `proto/` with protox (a pure-Rust protobuf compiler), so that
//! `cargo build` needs no system `protoc`. The encoded descriptor set is kept
//! in OUT_DIR for server reflection.

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/policy/classifier/v1/classifier.proto",
        "proto/policy/classifier/v1/admin.proto",
    ];
    println!("cargo:rerun-if-changed=proto");

    let descriptors = protox::compile(protos, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("classifier_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
