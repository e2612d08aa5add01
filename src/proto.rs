//! Code generated from `proto/` by tonic-prost-build (see `build.rs`).

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("policy.classifier.v1");

/// The encoded descriptor set of `proto/`, served by reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/classifier_descriptor.bin"));
