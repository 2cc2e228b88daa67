//! The content-addressed store: a file's SHA-256 is its key,
//! `objects/ab/abcdef…` (the first two hex digits fan out). The objects live
//! in a folder of the data dir, or in a bucket of any S3-compatible object
//! store (`object_store`). Uploads are received into the data dir's
//! `incoming/` and moved into place whole: in the folder written, fsynced,
//! renamed and the folder fsynced; in a bucket put in one request, which S3
//! makes visible whole or not at all. A crash leaves either nothing or the
//! whole file, never part of one. The same content is kept once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The store: where uploads are received, and where the objects live.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    bucket: Option<Bucket>,
}

/// A bucket of an S3-compatible object store holding the objects.
#[derive(Debug, Clone)]
struct Bucket {
    objects: Arc<dyn ObjectStore>,
    /// `s3://bucket` (for messages).
    name: String,
}

/// Where an S3-compatible store is and how to reach it.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// `http(s)://host:port` of an S3-compatible server (MinIO, Ceph, …);
    /// empty: AWS's own endpoint for the region.
    pub endpoint: String,
    pub region: String,
    /// Empty: from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and the
    /// rest of the standard AWS environment).
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The bucket could not be used.
#[derive(Debug, thiserror::Error)]
#[error("the archive's bucket s3://{bucket}: {reason}")]
pub struct BucketError {
    pub bucket: String,
    pub reason: String,
}

fn bucket_io(error: object_store::Error) -> std::io::Error {
    std::io::Error::other(error.to_string())
}

/// The object key of a content.
fn key_of(sha256: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("objects/{}/{sha256}", &sha256[..2]))
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
            bucket: None,
        })
    }

    /// A store whose objects live in an S3-compatible bucket (uploads are
    /// still received into `root/incoming/`). Checks the bucket answers, so
    /// a wrong name, endpoint or key stops the server at start, not at the
    /// first upload.
    pub async fn open_in_bucket(root: &Path, s3: &S3Settings) -> Result<Self, BucketError> {
        let failed = |reason: String| BucketError {
            bucket: s3.bucket.clone(),
            reason,
        };
        std::fs::create_dir_all(root.join("incoming")).map_err(|e| failed(e.to_string()))?;
        // A person waits on every call: a bucket that does not answer is
        // given up on in seconds (503), not retried for minutes.
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let client = object_store::ClientOptions::new()
            .with_connect_timeout(std::time::Duration::from_secs(5))
            .with_timeout(std::time::Duration::from_secs(300));
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_retry(retry)
            .with_client_options(client)
            .with_bucket_name(&s3.bucket)
            .with_region(if s3.region.is_empty() {
                "us-east-1"
            } else {
                &s3.region
            });
        if !s3.endpoint.is_empty() {
            builder = builder
                .with_endpoint(&s3.endpoint)
                .with_allow_http(s3.endpoint.starts_with("http://"));
        }
        if !s3.access_key_id.is_empty() {
            builder = builder
                .with_access_key_id(&s3.access_key_id)
                .with_secret_access_key(&s3.secret_access_key);
        }
        let objects: Arc<dyn ObjectStore> =
            Arc::new(builder.build().map_err(|e| failed(e.to_string()))?);
        // Listing answers for a bucket that exists and lets these keys in.
        objects
            .list_with_delimiter(Some(&object_store::path::Path::from("objects")))
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok(Self {
            root: root.to_path_buf(),
            bucket: Some(Bucket {
                objects,
                name: format!("s3://{}", s3.bucket),
            }),
        })
    }

    /// Where the objects live: the folder, or `s3://bucket`.
    pub fn location(&self) -> String {
        match &self.bucket {
            Some(bucket) => bucket.name.clone(),
            None => self.root.join("objects").display().to_string(),
        }
    }

    /// Where the content with this SHA-256 (64 lower-case hex digits) lives
    /// in the folder store.
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
        if let Some(bucket) = &self.bucket {
            let key = key_of(&received.sha256);
            match bucket.objects.head(&key).await {
                Ok(_) => return Ok(()),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(bucket_io(e)),
            }
            let bytes = received.read().await?;
            bucket
                .objects
                .put(&key, object_store::PutPayload::from(bytes))
                .await
                .map_err(bucket_io)?;
            return Ok(());
        }
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
        let bytes = match &self.bucket {
            Some(bucket) => match bucket.objects.get(&key_of(sha256)).await {
                Ok(got) => got.bytes().await.map_err(bucket_io)?.to_vec(),
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(bucket_io(e)),
            },
            None => match tokio::fs::read(self.path_of(sha256)).await {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let actual = hex::encode(Sha256::digest(&bytes));
        Ok((actual == sha256).then_some(bytes))
    }

    /// How many distinct contents the store keeps (for tests and operations).
    pub async fn count_objects(&self) -> std::io::Result<usize> {
        use futures::TryStreamExt;
        match &self.bucket {
            Some(bucket) => Ok(bucket
                .objects
                .list(Some(&object_store::path::Path::from("objects")))
                .try_collect::<Vec<_>>()
                .await
                .map_err(bucket_io)?
                .len()),
            None => self.object_count(),
        }
    }

    /// How many distinct contents the folder store keeps.
    pub fn object_count(&self) -> std::io::Result<usize> {
        let mut count = 0;
        for fan in std::fs::read_dir(self.root.join("objects"))? {
            count += std::fs::read_dir(fan?.path())?.count();
        }
        Ok(count)
    }
}
