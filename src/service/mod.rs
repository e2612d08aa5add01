//! The gRPC layer: thin handlers over [`crate::classifier`], the standard
//! health service and server reflection.

mod convert;
mod handlers;
mod server;
mod slot;
mod status;

pub use handlers::ClassifierService;
pub use server::{serve, ServeConfig};
pub use slot::ModelSlot;
