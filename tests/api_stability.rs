//! The .proto is the public API: this test fails when the compiled API loses
//! something `proto/api_v1.binpb` (the committed snapshot) has: a message,
//! a field, an enum value, a service or an RPC, or when a field changes its
//! number, type or cardinality, or an RPC its request, response or
//! streaming. Additions pass.
//!
//! After an intended addition, refresh the snapshot so it is protected too:
//!
//! ```sh
//! cargo test --test api_stability -- --ignored write_api_snapshot
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use policy_classifier::proto::FILE_DESCRIPTOR_SET;
use prost::Message;
use prost_types::{DescriptorProto, FileDescriptorSet};

/// The package whose API is frozen (health and reflection are not ours).
const PACKAGE_PREFIX: &str = "policy.classifier.";

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("proto/api_v1.binpb")
}

/// The current API, without comments (they may change freely).
fn current_api() -> FileDescriptorSet {
    let mut set = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).expect("built-in descriptor");
    set.file.retain(|f| f.package().starts_with(PACKAGE_PREFIX));
    for file in &mut set.file {
        file.source_code_info = None;
    }
    set
}

/// What a field promises on the wire and in JSON.
#[derive(Debug, Clone, PartialEq)]
struct FieldShape {
    number: i32,
    kind: String,
    cardinality: String,
}

/// What an RPC promises.
#[derive(Debug, Clone, PartialEq)]
struct MethodShape {
    input: String,
    output: String,
    client_streaming: bool,
    server_streaming: bool,
}

#[derive(Debug, Default)]
struct Api {
    /// Message full name → field name → shape.
    messages: BTreeMap<String, BTreeMap<String, FieldShape>>,
    /// Enum full name → value name → number.
    enums: BTreeMap<String, BTreeMap<String, i32>>,
    /// `Service/Method` → shape, and every service name with no methods.
    methods: BTreeMap<String, MethodShape>,
    services: Vec<String>,
}

impl Api {
    fn of(set: &FileDescriptorSet) -> Self {
        let mut api = Api::default();
        for file in &set.file {
            let package = file.package();
            for message in &file.message_type {
                api.add_message(package, message);
            }
            for e in &file.enum_type {
                api.add_enum(package, e);
            }
            for service in &file.service {
                let service_name = format!("{package}.{}", service.name());
                api.services.push(service_name.clone());
                for m in &service.method {
                    api.methods.insert(
                        format!("{service_name}/{}", m.name()),
                        MethodShape {
                            input: m.input_type().to_owned(),
                            output: m.output_type().to_owned(),
                            client_streaming: m.client_streaming(),
                            server_streaming: m.server_streaming(),
                        },
                    );
                }
            }
        }
        api
    }

    fn add_message(&mut self, scope: &str, message: &DescriptorProto) {
        let name = format!("{scope}.{}", message.name());
        let fields = message
            .field
            .iter()
            .map(|f| {
                let kind = match f.type_name() {
                    "" => format!("{:?}", f.r#type()),
                    type_name => type_name.to_owned(),
                };
                let cardinality = if f.proto3_optional() {
                    "optional".to_owned()
                } else {
                    format!("{:?}", f.label())
                };
                let shape = FieldShape {
                    number: f.number(),
                    kind,
                    cardinality,
                };
                (f.name().to_owned(), shape)
            })
            .collect();
        self.messages.insert(name.clone(), fields);
        for nested in &message.nested_type {
            self.add_message(&name, nested);
        }
        for e in &message.enum_type {
            self.add_enum(&name, e);
        }
    }

    fn add_enum(&mut self, scope: &str, e: &prost_types::EnumDescriptorProto) {
        let values = e
            .value
            .iter()
            .map(|v| (v.name().to_owned(), v.number()))
            .collect();
        self.enums.insert(format!("{scope}.{}", e.name()), values);
    }
}

/// Every way `new` breaks a client built against `old`; empty when `new`
/// only adds.
fn breaking_changes(old: &Api, new: &Api) -> Vec<String> {
    let mut problems = Vec::new();
    for service in &old.services {
        if !new.services.contains(service) {
            problems.push(format!("service {service} was removed"));
        }
    }
    for (method, was) in &old.methods {
        match new.methods.get(method) {
            None => problems.push(format!("rpc {method} was removed")),
            Some(now) if now != was => {
                problems.push(format!("rpc {method} changed from {was:?} to {now:?}"))
            }
            Some(_) => {}
        }
    }
    for (message, old_fields) in &old.messages {
        let Some(new_fields) = new.messages.get(message) else {
            problems.push(format!("message {message} was removed"));
            continue;
        };
        for (field, was) in old_fields {
            match new_fields.get(field) {
                None => problems.push(format!(
                    "field {message}.{field} (number {}) was removed or renamed",
                    was.number
                )),
                Some(now) if now.number != was.number => problems.push(format!(
                    "field {message}.{field} was renumbered from {} to {}",
                    was.number, now.number
                )),
                Some(now) if now != was => problems.push(format!(
                    "field {message}.{field} changed type from {} {} to {} {}",
                    was.cardinality, was.kind, now.cardinality, now.kind
                )),
                Some(_) => {}
            }
        }
    }
    for (e, old_values) in &old.enums {
        let Some(new_values) = new.enums.get(e) else {
            problems.push(format!("enum {e} was removed"));
            continue;
        };
        for (value, number) in old_values {
            if new_values.get(value) != Some(number) {
                problems.push(format!(
                    "enum value {e}.{value} = {number} was removed or renumbered"
                ));
            }
        }
    }
    problems
}

#[test]
fn api_keeps_everything_the_committed_snapshot_has() {
    let path = snapshot_path();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nwrite it with: cargo test --test api_stability -- --ignored write_api_snapshot",
            path.display()
        )
    });
    let snapshot =
        FileDescriptorSet::decode(bytes.as_slice()).expect("snapshot is a descriptor set");
    let old = Api::of(&snapshot);
    assert!(!old.methods.is_empty(), "the snapshot holds no RPCs");
    let problems = breaking_changes(&old, &Api::of(&current_api()));
    assert!(
        problems.is_empty(),
        "breaking changes to the public API (proto/ vs proto/api_v1.binpb):\n  {}\n\
         Within v1 only additions are allowed: restore these, or start a v2 package.",
        problems.join("\n  ")
    );
}

/// Regenerates the snapshot from the current proto/. Run on purpose only.
#[test]
#[ignore = "writes proto/api_v1.binpb; run explicitly after an intended API addition"]
fn write_api_snapshot() {
    let set = current_api();
    std::fs::write(snapshot_path(), set.encode_to_vec()).expect("write snapshot");
    eprintln!("wrote {}", snapshot_path().display());
}

// The checker itself: each kind of break is caught, additions are not.

fn mutated(change: impl FnOnce(&mut FileDescriptorSet)) -> Vec<String> {
    let current = current_api();
    let mut changed = current.clone();
    change(&mut changed);
    breaking_changes(&Api::of(&current), &Api::of(&changed))
}

/// The file that holds the `PolicyClassifier` service and its messages.
fn classifier_file(set: &mut FileDescriptorSet) -> &mut prost_types::FileDescriptorProto {
    set.file
        .iter_mut()
        .find(|f| f.service.iter().any(|s| s.name() == "PolicyClassifier"))
        .expect("a file with the PolicyClassifier service")
}

fn service(set: &mut FileDescriptorSet) -> &mut prost_types::ServiceDescriptorProto {
    classifier_file(set)
        .service
        .iter_mut()
        .find(|s| s.name() == "PolicyClassifier")
        .unwrap()
}

fn message<'a>(set: &'a mut FileDescriptorSet, name: &str) -> &'a mut DescriptorProto {
    classifier_file(set)
        .message_type
        .iter_mut()
        .find(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no message {name}"))
}

fn field<'a>(
    set: &'a mut FileDescriptorSet,
    message_name: &str,
    name: &str,
) -> &'a mut prost_types::FieldDescriptorProto {
    message(set, message_name)
        .field
        .iter_mut()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("no field {message_name}.{name}"))
}

#[test]
fn the_current_api_is_compatible_with_itself() {
    assert_eq!(mutated(|_| {}), Vec::<String>::new());
}

#[test]
fn removing_a_field_is_caught() {
    let problems = mutated(|set| {
        message(set, "ClassifyResponse")
            .field
            .retain(|f| f.name() != "confidence")
    });
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("ClassifyResponse.confidence"),
        "{problems:?}"
    );
}

#[test]
fn renumbering_a_field_is_caught() {
    let problems = mutated(|set| field(set, "Article", "id").number = Some(9));
    assert!(
        problems.iter().any(|p| p.contains("renumbered")),
        "{problems:?}"
    );
}

#[test]
fn changing_a_field_type_is_caught() {
    let problems = mutated(|set| {
        field(set, "LabelScore", "probability").r#type =
            Some(prost_types::field_descriptor_proto::Type::Float as i32)
    });
    assert!(
        problems.iter().any(|p| p.contains("changed type")),
        "{problems:?}"
    );
}

#[test]
fn making_a_field_repeated_is_caught() {
    let problems = mutated(|set| {
        field(set, "ClassifyResponse", "label").label =
            Some(prost_types::field_descriptor_proto::Label::Repeated as i32)
    });
    assert!(
        problems.iter().any(|p| p.contains("changed type")),
        "{problems:?}"
    );
}

#[test]
fn removing_an_rpc_or_a_message_is_caught() {
    let problems = mutated(|set| {
        service(set).method.retain(|m| m.name() != "Segment");
        classifier_file(set)
            .message_type
            .retain(|m| m.name() != "SegmentRequest");
    });
    assert!(problems
        .iter()
        .any(|p| p.contains("rpc policy.classifier.v1.PolicyClassifier/Segment")));
    assert!(problems
        .iter()
        .any(|p| p.contains("message policy.classifier.v1.SegmentRequest")));
}

#[test]
fn changing_streaming_is_caught() {
    let problems = mutated(|set| {
        let method = service(set)
            .method
            .iter_mut()
            .find(|m| m.name() == "ClassifyStream")
            .unwrap();
        method.client_streaming = Some(false);
    });
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ClassifyStream changed")),
        "{problems:?}"
    );
}

#[test]
fn additions_are_allowed() {
    let problems = mutated(|set| {
        let mut added = field(set, "Article", "id").clone();
        added.name = Some("source_url".into());
        added.json_name = Some("sourceUrl".into());
        added.number = Some(99);
        message(set, "Article").field.push(added);
        let mut method = service(set).method[0].clone();
        method.name = Some("ClassifyFeed".into());
        service(set).method.push(method);
    });
    assert_eq!(problems, Vec::<String>::new());
}
