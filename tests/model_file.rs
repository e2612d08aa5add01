//! The model file protects itself: any flipped byte or truncation is
//! refused with a clear error, never a panic or a silently different model.

use std::path::Path;

use policy_classifier::model::{decode_bytes, default_labels, read_corpus, save, TrainParams};

fn fixture_model_bytes() -> Vec<u8> {
    let documents = read_corpus(&["tests/fixtures/corpus.jsonl"], &default_labels()).unwrap();
    let params = TrainParams {
        trained_at: "2026-01-01T00:00:00Z".into(),
        ..TrainParams::plain()
    };
    let mut model = params.check().unwrap().fit_corpus(&documents).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture.model");
    save(&mut model, &path, false).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn flipping_any_byte_makes_loading_fail_cleanly() {
    let bytes = fixture_model_bytes();
    let name = Path::new("flipped.model");
    assert!(decode_bytes(&bytes, name).is_ok(), "the intact file loads");
    // Every header byte, then payload bytes at a stride (each payload flip
    // rehashes the whole payload, so all of them would be slow in debug).
    let header = 52;
    let stride = ((bytes.len() - header) / 400).max(1);
    let positions = (0..header)
        .chain((header..bytes.len()).step_by(stride))
        .chain([bytes.len() - 1]);
    let mut checked = 0;
    for position in positions {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[position] ^= mask;
            let error = decode_bytes(&damaged, name)
                .err()
                .unwrap_or_else(|| panic!("flip {mask:#x} at byte {position} was accepted"));
            let message = error.to_string();
            assert!(message.contains("flipped.model"), "{message}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn truncated_or_extended_files_are_refused() {
    let bytes = fixture_model_bytes();
    let name = Path::new("cut.model");
    for length in [
        0,
        1,
        7,
        8,
        12,
        20,
        51,
        52,
        53,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let message = decode_bytes(&bytes[..length], name)
            .err()
            .unwrap()
            .to_string();
        assert!(
            message.contains("bad magic") || message.contains("damaged"),
            "length {length}: {message}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(b'\n');
    let message = decode_bytes(&longer, name).err().unwrap().to_string();
    assert!(message.contains("damaged"), "{message}");
}

/// `bytes`' payload edited by `edit`, in a file with a fresh, valid header
/// and checksum: only the validation of the numbers can refuse it.
fn with_edited_payload(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut payload: serde_json::Value = serde_json::from_slice(&bytes[52..]).unwrap();
    edit(&mut payload);
    let payload = serde_json::to_vec(&payload).unwrap();
    let mut file = bytes[..12].to_vec();
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&Sha256::digest(&payload));
    file.extend_from_slice(&payload);
    file
}

#[test]
fn checksummed_files_with_pathological_numbers_or_labels_are_refused_by_field() {
    type Edit = fn(&mut serde_json::Value);
    let bytes = fixture_model_bytes();
    let name = Path::new("pathological.model");
    let unchanged = with_edited_payload(&bytes, |_| {});
    assert!(
        decode_bytes(&unchanged, name).is_ok(),
        "re-encoding alone is fine"
    );
    let cases: [(&str, Edit, &str); 14] = [
        (
            "huge title weight",
            |p| p["text"]["title_weight"] = 1e308.into(),
            "text.title_weight is 1e308",
        ),
        (
            "negative title weight",
            |p| p["text"]["title_weight"] = (-1.0).into(),
            "text.title_weight is -1.0",
        ),
        (
            "negative lead weight",
            |p| p["text"]["lead_weight"] = (-2.0).into(),
            "text.lead_weight is -2.0",
        ),
        (
            "denormal temperature",
            |p| p["temperature"] = 5e-324.into(),
            "temperature is 5e-324",
        ),
        (
            "huge temperature",
            |p| p["temperature"] = 1e300.into(),
            "temperature is 1e300",
        ),
        (
            "huge log-probability",
            |p| p["feature_log_prob"][1][3] = 1e308.into(),
            "feature_log_prob[1][3] is 1e308",
        ),
        (
            "positive log-probability",
            |p| p["feature_log_prob"][0][0] = 0.5.into(),
            "feature_log_prob[0][0] is 0.5",
        ),
        (
            "huge negative log-prior",
            |p| p["class_log_prior"][2] = (-1e308).into(),
            "class_log_prior[2] is -1e308",
        ),
        (
            "huge bias",
            |p| p["label_bias"][0] = 1e308.into(),
            "label_bias[0] is 1e308",
        ),
        (
            "huge IDF",
            |p| {
                let terms = p["vocabulary"].as_array().unwrap().len();
                let mut idf = vec![serde_json::Value::from(1.5); terms];
                idf[2] = 1e308.into();
                p["idf"] = idf.into();
                p["weighting"]["idf"] = true.into();
            },
            "idf[2] is 1e308",
        ),
        (
            "all labels other",
            |p| {
                for label in p["labels"].as_array_mut().unwrap() {
                    *label = "other".into();
                }
            },
            "labels[1] is \"other\", which an earlier label already is",
        ),
        (
            "blank label",
            |p| p["labels"][3] = " ".into(),
            "labels[3] is \" \"",
        ),
        (
            "short row",
            |p| {
                p["feature_log_prob"][2].as_array_mut().unwrap().pop();
            },
            "feature_log_prob[2] has",
        ),
        (
            "missing prior",
            |p| {
                p["class_log_prior"].as_array_mut().unwrap().pop();
            },
            "class_log_prior has 5 entries; expected 6",
        ),
    ];
    for (case, edit, expected) in cases {
        let damaged = with_edited_payload(&bytes, edit);
        let message = decode_bytes(&damaged, name)
            .err()
            .unwrap_or_else(|| panic!("{case}: accepted"))
            .to_string();
        assert!(message.contains("pathological.model"), "{case}: {message}");
        assert!(message.contains(expected), "{case}: {message}");
    }
}

#[test]
fn the_shipped_model_passes_validation() {
    let shipped = policy_classifier::classifier::SHIPPED_MODEL;
    assert!(decode_bytes(shipped, Path::new("shipped")).is_ok());
}
