//! Behaviour specific to the `local` provider: host directories, ownership,
//! orphan reaping, cleanup on drop.

use super::*;
use crate::ExecRequest;

fn provider() -> (tempfile::TempDir, BwrapProvider) {
    let state = tempfile::Builder::new()
        .prefix("agentclash-sandbox-unit-")
        .tempdir_in("/var/tmp")
        .expect("state dir");
    let provider = BwrapProvider::new(state.path().join("sandboxes")).expect("local provider");
    (state, provider)
}

/// Spawns and reaps a process: its pid is (for now) unused.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

fn sandbox_dirs(provider: &BwrapProvider) -> Vec<PathBuf> {
    fs::read_dir(provider.root())
        .expect("list root")
        .map(|e| e.expect("entry").path())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn host_directory_layout_and_ownership() {
    let (_state, provider) = provider();
    let sandbox = provider
        .create(SandboxSpec::default())
        .await
        .expect("create");
    let dir = provider.root().join(sandbox.id());
    let marker = OwnerMarker::read(&dir).expect("owner marker");
    assert_eq!(marker.owner_pid, std::process::id());
    assert!((UID_BASE..UID_BASE + UID_SPAN).contains(&marker.uid));

    let out = sandbox
        .exec(ExecRequest::shell(
            "id -u; printf x > made-inside; ls -d /work /var /root/* 2>&1 | grep -c 'No such'",
        ))
        .await
        .expect("exec");
    let text = out.stdout_text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(marker.uid.to_string().as_str()),
        "runs as the sandbox uid"
    );
    assert_eq!(
        lines.next(),
        Some("3"),
        "/work, /var and /root content are absent: {text}"
    );

    use std::os::unix::fs::MetadataExt;
    let made = fs::metadata(dir.join("workspace/made-inside")).expect("file on the host");
    assert_eq!(made.uid(), marker.uid);
    sandbox
        .write_file("from-host/f.txt", b"h")
        .await
        .expect("write");
    let written = fs::metadata(dir.join("workspace/from-host/f.txt")).expect("host file");
    let parent = fs::metadata(dir.join("workspace/from-host")).expect("host dir");
    assert_eq!(
        (written.uid(), parent.uid()),
        (marker.uid, marker.uid),
        "host writes are chowned"
    );

    sandbox.destroy().await.expect("destroy");
    assert!(!dir.exists(), "destroy removes the directory");
    assert!(sandbox_dirs(&provider).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_tmpfs_is_unmounted_on_destroy() {
    let (_state, provider) = provider();
    let spec = SandboxSpec {
        limits: crate::SandboxLimits {
            max_workspace_bytes: 8 << 20,
            ..Default::default()
        },
        ..SandboxSpec::default()
    };
    let sandbox = provider.create(spec).await.expect("create");
    let dir = provider.root().join(sandbox.id());
    let mounted = || {
        fs::read_to_string("/proc/self/mountinfo")
            .expect("mountinfo")
            .contains(dir.to_string_lossy().as_ref())
    };
    assert!(mounted(), "quota tmpfs mounted");
    sandbox.destroy().await.expect("destroy");
    assert!(!mounted(), "quota tmpfs unmounted");
    assert!(!dir.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn reap_orphans_kills_and_removes_sandboxes_of_dead_owners() {
    let (_state, provider) = provider();
    let orphan: Arc<dyn Sandbox> = Arc::from(
        provider
            .create(SandboxSpec::default())
            .await
            .expect("create"),
    );
    let live = provider
        .create(SandboxSpec::default())
        .await
        .expect("create live");
    let orphan_dir = provider.root().join(orphan.id());
    let needle = format!("1000.{}", fastrand::u32(..));
    let running = {
        let orphan = Arc::clone(&orphan);
        let request =
            ExecRequest::argv(["sleep", needle.as_str()]).with_timeout(Duration::from_secs(600));
        tokio::spawn(async move { orphan.exec(request).await })
    };
    let mut marker = OwnerMarker::read(&orphan_dir).expect("marker");
    for _ in 0..100 {
        if !procs::pids_of_uid(marker.uid).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !procs::pids_of_uid(marker.uid).is_empty(),
        "the orphan's process started"
    );

    // Pretend a crashed worker created it.
    marker.owner_pid = dead_pid();
    marker.write(&orphan_dir).expect("rewrite marker");
    // And leave an unmarked, stale directory behind as well as a fresh one.
    let stale = provider.root().join("sbx-stale");
    fs::create_dir(&stale).expect("stale dir");
    let old = SystemTime::now() - Duration::from_secs(3600);
    fs::File::open(&stale)
        .and_then(|f| f.set_modified(old))
        .expect("age the stale dir");
    let fresh = provider.root().join("sbx-fresh");
    fs::create_dir(&fresh).expect("fresh dir");

    let restarted = BwrapProvider::new(provider.root()).expect("second provider");
    assert_eq!(restarted.reap_orphans().await.expect("reap"), 2);
    assert!(
        !orphan_dir.exists() && !stale.exists(),
        "orphan and stale directories removed"
    );
    assert!(
        fresh.exists(),
        "a directory that may be mid-creation is kept"
    );
    assert!(
        provider.root().join(live.id()).exists(),
        "a live owner's sandbox is kept"
    );
    assert!(
        procs::pids_of_uid(marker.uid).is_empty(),
        "the orphan's processes are killed"
    );
    let finished = tokio::time::timeout(Duration::from_secs(30), running).await;
    assert!(finished.is_ok(), "the orphan's exec ended");
    live.destroy().await.expect("destroy live");
    orphan.destroy().await.expect("destroy orphan handle");
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_a_sandbox_without_destroy_cleans_up() {
    let (_state, provider) = provider();
    let sandbox = provider
        .create(SandboxSpec::default())
        .await
        .expect("create");
    let dir = provider.root().join(sandbox.id());
    assert!(dir.exists());
    drop(sandbox);
    assert!(!dir.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn special_files_are_refused_without_blocking_the_worker() {
    let (_state, provider) = provider();
    let sandbox = provider
        .create(SandboxSpec::default())
        .await
        .expect("create");
    let out = sandbox
        .exec(ExecRequest::shell(
            "mkfifo fifo && ln -s loop-b loop-a && ln -s loop-a loop-b",
        ))
        .await
        .expect("exec");
    assert!(out.success(), "{out:?}");
    let bounded = Duration::from_secs(30);
    let read = tokio::time::timeout(bounded, sandbox.read_file("fifo"))
        .await
        .expect("read returns");
    assert!(
        matches!(read, Err(SandboxError::WrongFileType { .. })),
        "{read:?}"
    );
    let write = tokio::time::timeout(bounded, sandbox.write_file("fifo", b"x"))
        .await
        .expect("write returns");
    assert!(
        matches!(write, Err(SandboxError::WrongFileType { .. })),
        "{write:?}"
    );
    let looped = sandbox.read_file("loop-a").await;
    assert!(
        matches!(looped, Err(SandboxError::InvalidPath { .. })),
        "{looped:?}"
    );
    sandbox.destroy().await.expect("destroy");
}
