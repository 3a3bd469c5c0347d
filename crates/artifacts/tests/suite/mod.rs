//! Behaviour every backend must show; run once per backend by `storage.rs`.

use std::io;

use agentclash_artifacts::object_store::path::Path;
use agentclash_artifacts::object_store::{ObjectStoreExt, PutPayload};
use agentclash_artifacts::{ArtifactError, ArtifactRef, Bytes, sha256_hex};
use futures::{StreamExt, TryStreamExt, stream};

use crate::support::Harness;

const JSON: &str = "application/json";

/// Deterministic pseudo-random bytes (incompressible, distinct per seed).
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

async fn collect(h: &Harness, sha256: &str) -> Result<Vec<u8>, ArtifactError> {
    let chunks: Vec<Bytes> = h.store.get_stream(sha256).await?.try_collect().await?;
    Ok(chunks.concat())
}

/// Everything stored under the store's object tree, as (key, size).
async fn objects_under(h: &Harness, dir: &str) -> Vec<(String, u64)> {
    let base = h
        .store
        .location(&sha256_hex(b""))
        .expect("valid digest")
        .as_ref()
        .to_owned();
    // `[prefix/]sha256/xx/hex` -> `[prefix/]`
    let prefix = base.split("sha256/").next().unwrap_or_default().to_owned();
    let dir = Path::parse(format!("{prefix}{dir}")).expect("listing prefix");
    let mut found: Vec<(String, u64)> = h
        .raw
        .list(Some(&dir))
        .map_ok(|meta| (meta.location.to_string(), meta.size))
        .try_collect()
        .await
        .expect("list objects");
    found.sort();
    found
}

pub async fn round_trip(h: &Harness) {
    for (bytes, media_type) in [
        (content(100_000, 1), "application/octet-stream"),
        (br#"{"ok":true}"#.to_vec(), JSON),
        (Vec::new(), "text/plain; charset=utf-8"),
    ] {
        let reference = h.store.put(bytes.clone(), media_type).await.expect("put");
        assert_eq!(
            reference,
            ArtifactRef {
                sha256: sha256_hex(&bytes),
                size: bytes.len() as u64,
                media_type: media_type.to_owned(),
            }
        );
        let location = h.store.location(&reference.sha256).expect("location");
        assert!(
            location.as_ref().ends_with(&format!(
                "sha256/{}/{}",
                &reference.sha256[..2],
                reference.sha256
            )),
            "content-addressed key, got {location}"
        );
        let stored = h.raw.get(&location).await.expect("object at its key");
        assert_eq!(stored.meta.size, reference.size);
        assert!(h.store.exists(&reference.sha256).await.expect("exists"));
        assert_eq!(
            h.store.size(&reference.sha256).await.expect("size"),
            reference.size
        );
        assert_eq!(h.store.get(&reference.sha256).await.expect("get"), bytes);
        assert_eq!(collect(h, &reference.sha256).await.expect("stream"), bytes);
    }
}

pub async fn identical_content_is_written_once(h: &Harness) {
    let bytes = content(40_000, 2);
    let first = h.store.put(bytes.clone(), JSON).await.expect("first put");
    let location = h.store.location(&first.sha256).expect("location");
    let second = h
        .store
        .put(bytes.clone(), "application/octet-stream")
        .await
        .expect("second put");
    assert_eq!(second.sha256, first.sha256);
    assert_eq!(second.media_type, "application/octet-stream");
    assert_eq!(h.calls.writes_to(&location), 1, "second put must not write");

    let other = h.store.put(content(40_000, 3), JSON).await.expect("other");
    assert_ne!(other.sha256, first.sha256);
    let other_location = h.store.location(&other.sha256).expect("location");
    assert_eq!(h.calls.writes_to(&other_location), 1);
}

pub async fn corruption_is_detected_and_healed(h: &Harness) {
    let bytes = content(10_000, 4);
    let reference = h.store.put(bytes.clone(), JSON).await.expect("put");
    let location = h.store.location(&reference.sha256).expect("location");

    // Same length, different bytes: only the digest can tell.
    let mut flipped = bytes.clone();
    flipped[5_000] ^= 0x01;
    h.raw
        .put(&location, PutPayload::from(flipped.clone()))
        .await
        .expect("tamper");
    match h.store.get(&reference.sha256).await {
        Err(ArtifactError::Corrupt {
            sha256,
            actual,
            size,
        }) => {
            assert_eq!(sha256, reference.sha256);
            assert_eq!(actual, sha256_hex(&flipped));
            assert_eq!(size, 10_000);
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    let items: Vec<_> = h
        .store
        .get_stream(&reference.sha256)
        .await
        .expect("stream opens")
        .collect()
        .await;
    assert!(
        matches!(items.last(), Some(Err(ArtifactError::Corrupt { .. }))),
        "stream must end with Corrupt, got {:?}",
        items.last()
    );

    // Truncated: a later put of the real content rewrites it.
    h.raw
        .put(&location, PutPayload::from(bytes[..100].to_vec()))
        .await
        .expect("truncate");
    assert!(matches!(
        h.store.get(&reference.sha256).await,
        Err(ArtifactError::Corrupt { .. })
    ));
    let writes_before = h.calls.writes_to(&location);
    h.store.put(bytes.clone(), JSON).await.expect("re-put");
    assert_eq!(h.calls.writes_to(&location), writes_before + 1);
    assert_eq!(h.store.get(&reference.sha256).await.expect("healed"), bytes);
}

pub async fn malformed_keys_never_reach_the_backend(h: &Harness) {
    let good = sha256_hex(b"x");
    let bad_keys = [
        String::new(),
        "../../etc/passwd".to_owned(),
        good.to_uppercase(),
        format!("{}/", &good[..63]),
        format!("../{}", &good[3..]),
        format!("{}%2F", &good[..61]),
        "a".repeat(65),
        "z".repeat(64),
    ];
    let ops_before = h.calls.ops();
    for key in &bad_keys {
        let refused =
            |r: &Result<(), ArtifactError>| matches!(r, Err(ArtifactError::InvalidKey { .. }));
        let results = [
            h.store.get(key).await.map(drop),
            h.store.get_stream(key).await.map(drop),
            h.store.exists(key).await.map(drop),
            h.store.size(key).await.map(drop),
            h.store
                .signed_url(key, std::time::Duration::from_secs(60))
                .await
                .map(drop),
            h.store.location(key).map(drop),
        ];
        for (i, result) in results.iter().enumerate() {
            assert!(refused(result), "operation {i} on {key:?}: {result:?}");
        }
    }
    assert_eq!(h.calls.ops(), ops_before, "no backend call for a bad key");
}

pub async fn bad_media_types_are_refused(h: &Harness) {
    let ops_before = h.calls.ops();
    for media_type in ["", "text/plain\r\nX-Injected: 1", &"a".repeat(256)] {
        assert!(matches!(
            h.store.put(b"x".to_vec(), media_type).await,
            Err(ArtifactError::InvalidMediaType { .. })
        ));
        assert!(matches!(
            h.store
                .put_stream(stream::iter([Ok(Bytes::from_static(b"x"))]), media_type)
                .await,
            Err(ArtifactError::InvalidMediaType { .. })
        ));
    }
    assert_eq!(h.calls.ops(), ops_before);
}

pub async fn missing_artifacts_are_not_found(h: &Harness) {
    let absent = sha256_hex(b"never stored");
    assert!(!h.store.exists(&absent).await.expect("exists"));
    assert!(matches!(
        h.store.get(&absent).await,
        Err(ArtifactError::NotFound { sha256 }) if sha256 == absent
    ));
    assert!(matches!(
        h.store.size(&absent).await,
        Err(ArtifactError::NotFound { .. })
    ));
    assert!(matches!(
        h.store.get_stream(&absent).await.map(drop),
        Err(ArtifactError::NotFound { .. })
    ));
}

pub async fn concurrent_puts_of_the_same_content_are_safe(h: &Harness) {
    let bytes = Bytes::from(content(300_000, 5));
    let puts: Vec<_> = (0..12)
        .map(|_| {
            let store = h.store.clone();
            let bytes = bytes.clone();
            tokio::spawn(async move { store.put(bytes, JSON).await })
        })
        .collect();
    for put in puts {
        let reference = put.await.expect("task").expect("put");
        assert_eq!(reference.sha256, sha256_hex(&bytes));
    }
    assert_eq!(h.store.get(&sha256_hex(&bytes)).await.expect("get"), bytes);
    assert_eq!(
        objects_under(h, "sha256").await,
        vec![(
            h.store
                .location(&sha256_hex(&bytes))
                .expect("location")
                .to_string(),
            300_000
        )],
        "exactly one complete object"
    );
}

/// Crosses the 5 MiB multipart part size, so S3 uploads two parts.
const STREAM_LEN: usize = 6 * 1024 * 1024 + 123;

fn chunks(bytes: &[u8]) -> impl futures::Stream<Item = io::Result<Bytes>> + use<> {
    let owned: Vec<io::Result<Bytes>> = bytes
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(owned)
}

pub async fn streams_round_trip_and_deduplicate(h: &Harness) {
    let bytes = content(STREAM_LEN, 6);
    let reference = h
        .store
        .put_stream(chunks(&bytes), "application/x-tar")
        .await
        .expect("put_stream");
    assert_eq!(reference.sha256, sha256_hex(&bytes));
    assert_eq!(reference.size, STREAM_LEN as u64);
    assert_eq!(
        collect(h, &reference.sha256).await.expect("get_stream"),
        bytes
    );
    assert_eq!(h.store.get(&reference.sha256).await.expect("get"), bytes);

    let location = h.store.location(&reference.sha256).expect("location");
    h.store
        .put_stream(chunks(&bytes), "application/x-tar")
        .await
        .expect("second put_stream");
    assert_eq!(h.calls.writes_to(&location), 1, "published once");
    // `put` of the same bytes recognises the streamed object too.
    h.store.put(bytes.clone(), JSON).await.expect("put");
    assert_eq!(h.calls.writes_to(&location), 1);
    assert_eq!(objects_under(h, "tmp").await, vec![], "no staging left");
}

pub async fn failed_streams_leave_nothing(h: &Harness) {
    let bytes = content(STREAM_LEN, 7);
    let failing = chunks(&bytes)
        .take(90)
        .chain(stream::iter([Err(io::Error::other("disk vanished"))]));
    match h.store.put_stream(failing, JSON).await {
        Err(ArtifactError::Source(error)) => assert_eq!(error.to_string(), "disk vanished"),
        other => panic!("expected Source error, got {other:?}"),
    }
    assert_eq!(objects_under(h, "sha256").await, vec![]);
    assert_eq!(objects_under(h, "tmp").await, vec![]);
}
