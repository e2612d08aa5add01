//! Files the program writes and model files it reads, done safely: outputs
//! are written to an exclusively created temporary file and renamed into
//! place; model files are read only if they are regular files of bounded
//! size. See `docs/robustness.md` ("Model files and reload paths").

mod model_file;
mod output;

pub use model_file::{confine_to, read_model_file, DEFAULT_MAX_MODEL_BYTES};
pub use output::write_atomically;

#[cfg(test)]
mod tests;
