//! The content-addressed store: a file's SHA-256 is its key. A folder in the
//! data dir: `objects/ab/abcdef…` (the first two hex digits fan out), with
//! uploads received into `incoming/` and moved into place whole (written,
//! fsynced, renamed, the folder fsynced), so a crash leaves either nothing
//! or the whole file, never part of one. The same content is kept once.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The store's folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A file received into `incoming/`, not yet kept: removed when dropped.
#[derive(Debug)]
pub struct Received {
    path: PathBuf,
    pub sha256: String,
    pub size_bytes: u64,
}

impl Drop for Received {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Received {
    /// The received bytes (for identifying what they are).
    pub async fn read(&self) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(&self.path).await
    }
}

/// Why receiving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload broke off: {0}")]
    Broken(String),
    #[error("storing the file: {0}")]
    Io(#[from] std::io::Error),
}

impl Store {
    /// The store in `root`, its folders made when missing.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("objects"))?;
        std::fs::create_dir_all(root.join("incoming"))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Where the content with this SHA-256 (64 lower-case hex digits) lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join("objects").join(&sha256[..2]).join(sha256)
    }

    /// Receives `chunks` into `incoming/`, hashing as it writes; stops past
    /// `limit` bytes.
    pub async fn receive<S, B, E>(
        &self,
        mut chunks: S,
        limit: u64,
    ) -> Result<Received, ReceiveError>
    where
        S: futures::Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        use futures::StreamExt;
        let path = self
            .root
            .join("incoming")
            .join(format!("{}.part", uuid::Uuid::now_v7()));
        let mut received = Received {
            path,
            sha256: String::new(),
            size_bytes: 0,
        };
        let mut file = tokio::fs::File::create(&received.path).await?;
        let mut hasher = Sha256::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| ReceiveError::Broken(e.to_string()))?;
            let chunk = chunk.as_ref();
            received.size_bytes += chunk.len() as u64;
            if received.size_bytes > limit {
                return Err(ReceiveError::TooLarge { limit });
            }
            hasher.update(chunk);
            file.write_all(chunk).await?;
        }
        file.sync_all().await?;
        received.sha256 = hex::encode(hasher.finalize());
        Ok(received)
    }

    /// Keeps `received` under its hash (once: the same content already kept
    /// stays as it is). Kept twice is kept once.
    pub async fn keep(&self, received: &Received) -> std::io::Result<()> {
        let target = self.path_of(&received.sha256);
        let folder = target.parent().expect("objects/ab").to_path_buf();
        if tokio::fs::try_exists(&target).await? {
            return Ok(());
        }
        tokio::fs::create_dir_all(&folder).await?;
        tokio::fs::rename(&received.path, &target).await?;
        // The rename is durable once the folder is.
        tokio::task::spawn_blocking(move || std::fs::File::open(folder)?.sync_all())
            .await
            .map_err(std::io::Error::other)??;
        Ok(())
    }

    /// The content with this SHA-256, read back and verified: `None` when it
    /// is missing or no longer hashes to its key (a damaged disk).
    pub async fn read_verified(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        let bytes = match tokio::fs::read(self.path_of(sha256)).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let actual = hex::encode(Sha256::digest(&bytes));
        Ok((actual == sha256).then_some(bytes))
    }

    /// How many distinct contents the store keeps (for tests and operations).
    pub fn object_count(&self) -> std::io::Result<usize> {
        let mut count = 0;
        for fan in std::fs::read_dir(self.root.join("objects"))? {
            count += std::fs::read_dir(fan?.path())?.count();
        }
        Ok(count)
    }
}
