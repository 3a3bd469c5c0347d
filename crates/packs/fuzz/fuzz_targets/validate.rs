//! Fuzz target: `validate` must never panic, hang or blow up memory on any
//! input, and a pack it accepts must survive its normalised JSON round trip.
#![no_main]

use agentclash_packs::{Pack, ValidateOptions, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let report = validate(source, &ValidateOptions::default());
    if let Some(pack) = report.pack {
        let json = serde_json_roundtrip(&pack);
        assert_eq!(json.as_ref(), Some(&pack), "normalised JSON changed the pack");
    }
});

fn serde_json_roundtrip(pack: &Pack) -> Option<Pack> {
    let report = validate(&json_text(pack)?, &ValidateOptions::default());
    report.pack
}

fn json_text(pack: &Pack) -> Option<String> {
    // The crate's own serde support; no extra dependency for the fuzz crate.
    agentclash_packs::to_normalised_json(pack).ok()
}
