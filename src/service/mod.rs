//! The gRPC layer: thin handlers over [`crate::classifier`], the standard
//! health service and server reflection.

mod convert;
mod handlers;
mod pool;
mod server;
mod slot;
mod status;

pub use handlers::ClassifierService;
pub use pool::WorkPool;
pub use server::{serve, ServeConfig};
pub use slot::ModelSlot;
