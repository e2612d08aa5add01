//! The gRPC layer: thin handlers over [`crate::classifier`], the standard
//! health service and server reflection.

mod convert;
mod handlers;
pub mod metrics;
mod metrics_http;
pub mod observe;
mod server;
mod slot;
mod status;

pub use handlers::ClassifierService;
pub use metrics_http::serve_metrics;
pub use server::{serve, ServeConfig};
pub use slot::ModelSlot;
