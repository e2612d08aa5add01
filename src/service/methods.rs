//! What the layers in front of the handlers need to know about a method,
//! read from the path of its HTTP/2 request before its body: whether it
//! streams (deadlines) and whether it takes an admission slot (shedding).
//!
//! Streaming is read from the descriptors the server registers (ours,
//! health's and reflection's), not spelled per method, so a new streaming
//! RPC gets the stream timeout without an edit here. Paths are matched
//! whole: `/x/ClassifyStream` is not our stream.

use std::collections::HashSet;
use std::sync::OnceLock;

use prost::Message as _;
use prost_types::FileDescriptorSet;

use super::rpc::FREE_METHODS;
use super::server::SERVICE_NAME;
use crate::proto::FILE_DESCRIPTOR_SET;

/// Every method path (`/package.Service/Method`) whose request or response
/// streams, over the descriptor sets the server registers.
fn streaming_paths() -> &'static HashSet<String> {
    static PATHS: OnceLock<HashSet<String>> = OnceLock::new();
    PATHS.get_or_init(|| {
        [
            FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ]
        .into_iter()
        .flat_map(|encoded| {
            FileDescriptorSet::decode(encoded)
                .expect("built-in descriptor sets decode")
                .file
        })
        .flat_map(|file| {
            let package = file.package().to_owned();
            file.service.into_iter().flat_map(move |service| {
                let service_path = format!("/{package}.{}/", service.name());
                service
                    .method
                    .into_iter()
                    .filter(|method| method.client_streaming() || method.server_streaming())
                    .map(move |method| format!("{service_path}{}", method.name()))
            })
        })
        .collect()
    })
}

/// Whether a call of this path streams and may rightly live long.
pub(super) fn is_streaming(path: &str) -> bool {
    streaming_paths().contains(path)
}

/// Whether a call of this path takes an admission slot: every method of
/// the classifier service but those [`super::rpc`] serves free.
pub(super) fn takes_admission(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|path| path.strip_prefix(SERVICE_NAME))
        .and_then(|path| path.strip_prefix('/'))
        .is_some_and(|method| !FREE_METHODS.contains(&method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_methods_are_read_from_the_descriptors() {
        assert!(is_streaming(
            "/policy.classifier.v1.PolicyClassifier/ClassifyStream"
        ));
        assert!(is_streaming("/grpc.health.v1.Health/Watch"));
        assert!(is_streaming(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
        ));
        assert!(is_streaming(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
        ));
        assert!(!is_streaming(
            "/policy.classifier.v1.PolicyClassifier/ClassifyBatch"
        ));
        assert!(!is_streaming("/grpc.health.v1.Health/Check"));
        // A path that only ends like a stream is not one.
        assert!(!is_streaming("/evil.Service/ClassifyStream"));
    }

    #[test]
    fn only_classification_calls_are_shed() {
        assert!(takes_admission(
            "/policy.classifier.v1.PolicyClassifier/Classify"
        ));
        assert!(takes_admission(
            "/policy.classifier.v1.PolicyClassifier/ClassifyStream"
        ));
        assert!(!takes_admission(
            "/policy.classifier.v1.PolicyClassifier/GetModelInfo"
        ));
        assert!(!takes_admission("/grpc.health.v1.Health/Check"));
        assert!(!takes_admission(
            "/policy.classifier.v1.PolicyClassifierAdmin/ReloadModel"
        ));
    }

    #[test]
    fn every_free_method_is_a_method_of_the_service() {
        let set = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).unwrap();
        let methods: Vec<String> = set
            .file
            .iter()
            .flat_map(|file| {
                file.service.iter().filter(move |service| {
                    format!("{}.{}", file.package(), service.name()) == SERVICE_NAME
                })
            })
            .flat_map(|service| service.method.iter().map(|m| m.name().to_owned()))
            .collect();
        assert!(methods.len() > 3, "{methods:?}");
        for free in FREE_METHODS {
            assert!(
                methods.iter().any(|m| m == free),
                "{free} not in {methods:?}"
            );
        }
    }
}
