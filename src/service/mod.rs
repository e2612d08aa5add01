//! The gRPC layer: thin handlers over [`crate::classifier`], the standard
//! health service and server reflection.

pub mod admin;
mod cancel;
pub mod connections;
mod convert;
mod deadline;
mod groups;
mod handlers;
pub mod hardening;
pub mod limits;
mod methods;
pub mod metrics;
mod metrics_http;
pub mod observe;
mod pool;
pub mod redact;
pub mod reload;
mod rpc;
mod server;
mod shed;
mod shutdown;
mod slot;
mod status;
pub mod tls;
mod transport;
mod wire_status;

pub use handlers::ClassifierService;
pub use hardening::Hardening;
pub use metrics_http::serve_metrics;
pub use pool::WorkPool;
pub use server::{serve, ServeConfig};
pub use slot::ModelSlot;
