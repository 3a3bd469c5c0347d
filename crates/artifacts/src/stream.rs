//! Streaming put/get for artifacts too large to hold in memory comfortably.
//!
//! A streamed upload cannot know its digest, hence its key, until the last
//! byte: it is written to a unique staging key first and moved into place
//! afterwards (an atomic rename on the filesystem, a server-side copy on S3),
//! so a crash never leaves partial bytes under a final key. Stale staging
//! objects (`tmp/`) may be left by a crash and are safe to delete.

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutMultipartOptions, WriteMultipart};
use sha2::{Digest, Sha256};
use tracing::{debug, warn};

use crate::digest::finish_hex;
use crate::error::ArtifactError;
use crate::reference::ArtifactRef;
use crate::store::{ArtifactStore, corrupt, validate_media_type};

/// Upload parts in flight at once; memory use is about this many parts
/// (5 MiB each) plus the one being filled.
const MAX_PARTS_IN_FLIGHT: usize = 2;

/// The chunks of a stored artifact. The digest is checked as the bytes pass:
/// if they do not match, the last item is [`ArtifactError::Corrupt`], so a
/// consumer must treat the content as untrusted until the stream ends `None`.
pub type ArtifactStream = BoxStream<'static, Result<Bytes, ArtifactError>>;

impl ArtifactStore {
    /// Stores a stream of chunks (a workspace file, say) without buffering
    /// it whole; de-duplicated and atomic like [`ArtifactStore::put`].
    pub async fn put_stream<S>(
        &self,
        content: S,
        media_type: &str,
    ) -> Result<ArtifactRef, ArtifactError>
    where
        S: Stream<Item = std::io::Result<Bytes>>,
    {
        validate_media_type(media_type)?;
        let staging = self.backend.layout.staging();
        let options = PutMultipartOptions::from(self.attributes(media_type));
        let upload = self
            .backend
            .store
            .put_multipart_opts(&staging, options)
            .await?;
        let mut writer = WriteMultipart::new(upload);
        let (sha256, size) = match pump(&mut writer, content).await {
            Ok(done) => done,
            Err(error) => {
                if let Err(abort) = writer.abort().await {
                    warn!(%staging, %abort, "aborting a failed artifact upload failed");
                }
                return Err(error);
            }
        };
        writer.finish().await?;
        self.move_into_place(&staging, &sha256, size).await?;
        Ok(ArtifactRef {
            sha256,
            size,
            media_type: media_type.to_owned(),
        })
    }

    /// Streams the artifact's chunks, verifying the digest on the way (see
    /// [`ArtifactStream`]).
    pub async fn get_stream(&self, sha256: &str) -> Result<ArtifactStream, ArtifactError> {
        let location = self.location(sha256)?;
        let result = self
            .backend
            .store
            .get(&location)
            .await
            .map_err(|e| ArtifactError::from_backend(sha256, e))?;
        Ok(verified(result.into_stream(), sha256.to_owned()))
    }

    /// Publishes a finished staging object under its digest, or drops it if
    /// that content is already stored.
    async fn move_into_place(
        &self,
        staging: &Path,
        sha256: &str,
        size: u64,
    ) -> Result<(), ArtifactError> {
        let location = self.backend.layout.object(sha256);
        let moved = match self.already_stored(&location, size).await {
            Ok(true) => Ok(false),
            Ok(false) => self
                .backend
                .store
                .rename(staging, &location)
                .await
                .map(|()| true)
                .map_err(ArtifactError::from),
            Err(error) => Err(error),
        };
        if !matches!(moved, Ok(true)) {
            self.discard(staging).await;
        }
        match moved? {
            true => debug!(%sha256, size, "streamed artifact stored"),
            false => debug!(%sha256, size, "streamed artifact already stored; upload discarded"),
        }
        Ok(())
    }

    /// Best-effort removal of a staging object that will not be published.
    async fn discard(&self, staging: &Path) {
        if let Err(error) = self.backend.store.delete(staging).await {
            warn!(%staging, %error, "could not delete a staging object");
        }
    }
}

/// Feeds `content` into `writer` with back-pressure; returns digest and size.
async fn pump<S>(writer: &mut WriteMultipart, content: S) -> Result<(String, u64), ArtifactError>
where
    S: Stream<Item = std::io::Result<Bytes>>,
{
    let mut content = std::pin::pin!(content);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = content.next().await {
        let chunk = chunk.map_err(ArtifactError::Source)?;
        writer.wait_for_capacity(MAX_PARTS_IN_FLIGHT).await?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        writer.put(chunk);
    }
    Ok((finish_hex(hasher), size))
}

/// Running state of a verifying read.
struct Verifier {
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    expected: String,
    hasher: Sha256,
    size: u64,
    done: bool,
}

/// Wraps a backend stream so its end is checked against `expected`.
fn verified(
    inner: BoxStream<'static, object_store::Result<Bytes>>,
    expected: String,
) -> ArtifactStream {
    let state = Verifier {
        inner,
        expected,
        hasher: Sha256::new(),
        size: 0,
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        match state.inner.next().await {
            Some(Ok(chunk)) => {
                state.hasher.update(&chunk);
                state.size += chunk.len() as u64;
                Some((Ok(chunk), state))
            }
            Some(Err(error)) => {
                state.done = true;
                let error = ArtifactError::from_backend(&state.expected, error);
                Some((Err(error), state))
            }
            None => {
                state.done = true;
                let actual = finish_hex(std::mem::take(&mut state.hasher));
                if actual == state.expected {
                    None
                } else {
                    let error = corrupt(&state.expected, actual, state.size);
                    Some((Err(error), state))
                }
            }
        }
    })
    .boxed()
}
