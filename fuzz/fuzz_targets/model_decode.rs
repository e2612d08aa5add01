//! The model loader on untrusted files. Half the inputs go in as they are
//! (exercising the header checks); the other half are wrapped in a valid
//! header and checksum first, so that the fuzzer reaches the JSON payload
//! and the model's own consistency checks, which a checksum would otherwise
//! shield from random bytes. Either way: an error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use policy_classifier::model::{decode_bytes, FORMAT_VERSION};
use policy_classifier::text::ArticleText;
use policy_classifier::{Classifier, ClassifyOptions};
use sha2::{Digest, Sha256};

fn with_valid_header(payload: &[u8]) -> Vec<u8> {
    let mut bytes = b"PCMODEL\n".to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&Sha256::digest(payload));
    bytes.extend_from_slice(payload);
    bytes
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode & 1 == 1 { with_valid_header(rest) } else { rest.to_vec() };
    if let Ok(model) = decode_bytes(&file, Path::new("fuzz.model")) {
        // A model that loads must also classify without panicking.
        let classifier = Classifier::new(model);
        let article = ArticleText::new("港口 工程 开工", "关税 企业 招聘 trade 5g");
        let _ = classifier.classify(article, &ClassifyOptions { explain: true, min_confidence: Some(0.5) });
    }
});
