//! The model file protects itself: any flipped byte or truncation is
//! refused with a clear error, never a panic or a silently different model.

use std::path::Path;

use policy_classifier::model::{decode_bytes, default_labels, read_corpus, save, TrainParams};

fn fixture_model_bytes() -> Vec<u8> {
    let documents = read_corpus(&["tests/fixtures/corpus.jsonl"], &default_labels()).unwrap();
    let params = TrainParams {
        trained_at: "2026-01-01T00:00:00Z".into(),
        ..TrainParams::default()
    };
    let mut model = params.check().unwrap().fit(&documents).unwrap();
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
