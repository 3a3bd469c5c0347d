//! The storage suite on the filesystem backend and on S3 (a local moto
//! server), plus what only one backend has.

mod suite;
mod support;

/// One `#[tokio::test]` per suite case, on the harness `$make` builds.
macro_rules! backend_suite {
    ($make:path) => {
        backend_suite!(@cases $make;
            round_trip,
            identical_content_is_written_once,
            corruption_is_detected_and_healed,
            malformed_keys_never_reach_the_backend,
            bad_media_types_are_refused,
            missing_artifacts_are_not_found,
            concurrent_puts_of_the_same_content_are_safe,
            streams_round_trip_and_deduplicate,
            failed_streams_leave_nothing,
        );
    };
    (@cases $make:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let harness = $make().await;
                crate::suite::$case(&harness).await;
            }
        )*
    };
}

mod filesystem {
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use agentclash_artifacts::{ArtifactError, sha256_hex};

    use crate::support::{self, Backend, Harness};

    backend_suite!(support::filesystem);

    fn root(h: &Harness) -> &Path {
        match &h.backend {
            Backend::Filesystem { root, .. } => root,
            Backend::S3 { .. } => unreachable!("filesystem harness"),
        }
    }

    fn file_of(h: &Harness, sha256: &str) -> PathBuf {
        root(h).join(h.store.location(sha256).expect("location").as_ref())
    }

    /// Every file under the root, relative to it.
    fn all_files(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                all_files(&path, base, out);
            } else {
                let relative = path.strip_prefix(base).expect("under root");
                out.push(relative.display().to_string());
            }
        }
    }

    #[tokio::test]
    async fn the_root_is_created_and_objects_are_plain_files() {
        let h = support::filesystem().await;
        assert!(root(&h).is_dir(), "root created on open");
        let reference = h
            .store
            .put(b"hello".to_vec(), "text/plain")
            .await
            .expect("put");
        let path = file_of(&h, &reference.sha256);
        assert_eq!(std::fs::read(&path).expect("object file"), b"hello");
        let mut files = Vec::new();
        all_files(root(&h), root(&h), &mut files);
        assert_eq!(
            files,
            vec![format!(
                "sha256/{}/{}",
                &reference.sha256[..2],
                reference.sha256
            )],
            "no staging files left beside the object"
        );
    }

    #[tokio::test]
    async fn a_second_put_leaves_the_file_untouched() {
        let h = support::filesystem().await;
        let bytes = crate::suite::content(50_000, 11);
        let reference = h
            .store
            .put(bytes.clone(), "application/json")
            .await
            .expect("put");
        let path = file_of(&h, &reference.sha256);
        let before = std::fs::metadata(&path).expect("metadata");
        h.store
            .put(bytes, "application/json")
            .await
            .expect("put again");
        let after = std::fs::metadata(&path).expect("metadata");
        // A rewrite goes through a new staging file and a rename: new inode.
        assert_eq!(after.ino(), before.ino());
        assert_eq!(after.mtime_nsec(), before.mtime_nsec());
        assert_eq!(after.mtime(), before.mtime());
    }

    #[tokio::test]
    async fn a_corrupted_file_on_disk_is_detected() {
        let h = support::filesystem().await;
        let reference = h
            .store
            .put(b"precious".to_vec(), "text/plain")
            .await
            .expect("put");
        std::fs::write(file_of(&h, &reference.sha256), b"Precious").expect("corrupt file");
        assert!(matches!(
            h.store.get(&reference.sha256).await,
            Err(ArtifactError::Corrupt { .. })
        ));
    }

    #[tokio::test]
    async fn a_write_interrupted_mid_way_is_invisible() {
        // What a crash during put leaves behind: a partial staging file
        // (object_store writes `<key>#<n>`, then renames).
        let h = support::filesystem().await;
        let bytes = b"complete content".to_vec();
        let sha256 = sha256_hex(&bytes);
        let final_path = file_of(&h, &sha256);
        std::fs::create_dir_all(final_path.parent().expect("parent")).expect("dirs");
        let mut staging = final_path.clone().into_os_string();
        staging.push("#1");
        std::fs::write(&staging, b"compl").expect("partial staging file");

        assert!(!h.store.exists(&sha256).await.expect("exists"));
        assert!(matches!(
            h.store.get(&sha256).await,
            Err(ArtifactError::NotFound { .. })
        ));
        h.store.put(bytes.clone(), "text/plain").await.expect("put");
        assert_eq!(h.store.get(&sha256).await.expect("get"), bytes);
    }

    #[tokio::test]
    async fn streamed_uploads_leave_no_staging_files_on_disk() {
        // object_store's listing hides `<key>#<n>` staging files, so look at
        // the directory itself.
        let h = support::filesystem().await;
        let bytes = crate::suite::content(200_000, 13);
        let chunked = || {
            futures::stream::iter(
                bytes
                    .chunks(10_000)
                    .map(|c| Ok(agentclash_artifacts::Bytes::copy_from_slice(c)))
                    .collect::<Vec<std::io::Result<_>>>(),
            )
        };
        let reference = h
            .store
            .put_stream(chunked(), "text/plain")
            .await
            .expect("put");
        h.store
            .put_stream(chunked(), "text/plain")
            .await
            .expect("again");
        let failing = futures::StreamExt::chain(
            chunked(),
            futures::stream::iter([Err(std::io::Error::other("gone"))]),
        );
        assert!(h.store.put_stream(failing, "text/plain").await.is_err());
        let mut files = Vec::new();
        all_files(root(&h), root(&h), &mut files);
        assert_eq!(
            files,
            vec![format!(
                "sha256/{}/{}",
                &reference.sha256[..2],
                reference.sha256
            )]
        );
    }

    #[tokio::test]
    async fn the_store_and_its_futures_can_cross_threads() {
        fn send<T: Send>(_: &T) {}
        fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
        let h = support::filesystem().await;
        shared(&h.store);
        let no_chunks: Vec<std::io::Result<agentclash_artifacts::Bytes>> = Vec::new();
        let sha256 = sha256_hex(b"");
        send(&h.store.put(b"x".to_vec(), "text/plain"));
        send(
            &h.store
                .put_stream(futures::stream::iter(no_chunks), "text/plain"),
        );
        send(&h.store.get(&sha256));
        send(&h.store.get_stream(&sha256));
        send(&h.store.signed_url(&sha256, Duration::from_secs(1)));
    }

    #[tokio::test]
    async fn signed_urls_are_left_to_the_api() {
        let h = support::filesystem().await;
        let reference = h.store.put(b"x".to_vec(), "text/plain").await.expect("put");
        let url = h
            .store
            .signed_url(&reference.sha256, Duration::from_secs(60))
            .await
            .expect("signed_url");
        assert_eq!(url, None);
    }
}

mod s3 {
    use std::time::Duration;

    use crate::support::{self, BUCKET, Backend, moto::loopback_client};

    backend_suite!(support::s3);

    #[tokio::test]
    async fn a_failed_stream_aborts_its_multipart_upload() {
        let h = support::s3().await;
        let Backend::S3 { moto } = &h.backend else {
            unreachable!("S3 harness");
        };
        // Six 1 MiB chunks then an error: at least one 5 MiB part is uploaded.
        let chunks = (0..6u64)
            .map(|seed| Ok(crate::suite::content(1024 * 1024, seed).into()))
            .chain([Err(std::io::Error::other("agent killed"))]);
        let result = h
            .store
            .put_stream(
                futures::stream::iter(chunks.collect::<Vec<_>>()),
                "text/plain",
            )
            .await;
        assert!(result.is_err());
        let pending = loopback_client()
            .get(format!("{}/{BUCKET}?uploads", moto.endpoint))
            .send()
            .await
            .expect("list multipart uploads")
            .text()
            .await
            .expect("body");
        assert!(pending.contains("ListMultipartUploadsResult"), "{pending}");
        assert!(
            !pending.contains("<Upload>"),
            "upload left pending: {pending}"
        );
    }

    #[tokio::test]
    async fn a_presigned_url_downloads_the_artifact() {
        let h = support::s3().await;
        let bytes = crate::suite::content(20_000, 12);
        let reference = h
            .store
            .put(bytes.clone(), "application/json")
            .await
            .expect("put");
        let url = h
            .store
            .signed_url(&reference.sha256, Duration::from_secs(300))
            .await
            .expect("signed_url")
            .expect("S3 presigns");
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert!(url.query().is_some_and(|q| q.contains("X-Amz-Signature=")));
        let response = loopback_client().get(url).send().await.expect("download");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        assert_eq!(
            response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "media type stored with the object"
        );
        assert_eq!(response.bytes().await.expect("body"), bytes);
    }
}
