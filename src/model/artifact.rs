//! The model file: a fixed header, then a JSON payload. See
//! `docs/model-format.md`.
//!
//! ```text
//! offset  size  field
//!      0     8  magic  b"PCMODEL\n"
//!      8     4  format version, u32 little-endian
//!     12     8  payload length in bytes, u64 little-endian
//!     20    32  SHA-256 of the payload
//!     52     …  payload: UTF-8 JSON of `ModelParts`
//! ```

use std::path::Path;

use sha2::{Digest, Sha256};

use super::scorer::{Model, ModelParts};
use crate::error::{Error, Result};
use crate::files::{read_model_file, write_atomically, DEFAULT_MAX_MODEL_BYTES};

/// The model file format this build writes and reads (docs/model-format.md).
pub const FORMAT_VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"PCMODEL\n";
const HEADER_LEN: usize = 8 + 4 + 8 + 32;

/// Encodes a model; returns the bytes and the version they give the model.
pub(crate) fn encode(model: &Model) -> Result<(Vec<u8>, String)> {
    let payload = serde_json::to_vec(model.parts()).map_err(Error::Encode)?;
    let digest = Sha256::digest(&payload);
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&digest);
    bytes.extend_from_slice(&payload);
    Ok((bytes, version_of(&digest)))
}

/// Decodes a model file's bytes; `path` only names it in errors.
pub fn decode_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
    let fail = |reason: String| Error::ModelFormat {
        path: path.to_owned(),
        reason,
    };
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(fail(
            "not a policy-classifier model file (bad magic bytes)".into(),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(fail(format!(
            "model format version {version} is not supported (this build reads version {FORMAT_VERSION}); retrain or use a matching build"
        )));
    }
    let declared = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let payload = &bytes[HEADER_LEN..];
    if declared != payload.len() as u64 {
        return Err(fail(format!(
            "file is damaged: header declares {declared} payload bytes, file has {} (truncated or appended to)",
            payload.len()
        )));
    }
    let digest = Sha256::digest(payload);
    if digest.as_slice() != &bytes[20..HEADER_LEN] {
        return Err(fail("file is damaged: checksum mismatch".into()));
    }
    let parts: ModelParts =
        serde_json::from_slice(payload).map_err(|e| fail(format!("invalid payload: {e}")))?;
    Model::from_parts(parts, version_of(&digest)).map_err(|e| match e {
        Error::InvalidModel(reason) => fail(reason),
        other => other,
    })
}

/// Loads the model file at `path` (a regular file of at most
/// [`DEFAULT_MAX_MODEL_BYTES`]).
pub fn load(path: &Path) -> Result<Model> {
    load_limited(path, DEFAULT_MAX_MODEL_BYTES)
}

/// Loads the model file at `path` if it is a regular file of at most
/// `max_bytes` bytes (see [`read_model_file`]).
pub fn load_limited(path: &Path, max_bytes: u64) -> Result<Model> {
    let bytes = read_model_file(path, max_bytes)?;
    decode_bytes(&bytes, path)
}

/// Writes the model atomically (see [`write_atomically`]): readers see the
/// old file or the new one, never a half-written one, and a symlink planted
/// beside `path` cannot redirect the write. Refuses to replace an existing
/// file unless `overwrite`. Returns the written model's version and sets it
/// on the model.
pub fn save(model: &mut Model, path: &Path, overwrite: bool) -> Result<String> {
    let (bytes, version) = encode(model)?;
    write_atomically(path, &bytes, overwrite).map_err(|e| {
        let e = if e.kind() == std::io::ErrorKind::AlreadyExists {
            std::io::Error::new(e.kind(), "model file exists")
        } else {
            e
        };
        Error::io(path, e)
    })?;
    model.set_version(version.clone());
    Ok(version)
}

fn version_of(digest: &[u8]) -> String {
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{FORMAT_VERSION}-{hex}")
}
