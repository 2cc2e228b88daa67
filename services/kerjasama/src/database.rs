//! Finding the database: `DATABASE_URL` when given, else the data dir's own
//! PostgreSQL cluster, started for as long as this process needs it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kerjasama_core::pool::{self, PgPool, PoolSettings};
use kerjasama_pgcluster::Cluster;

use crate::cli::Global;

pub struct Database {
    pub url: String,
    pub pool: PgPool,
    cluster: Option<Arc<Cluster>>,
}

impl Database {
    /// Connects (starting the embedded cluster if needed) and applies
    /// migrations. Only with `create` is a register made in a data dir that
    /// has none (`serve`, `worker`, `migrate`, `seed`); other commands refuse,
    /// so a mistyped `--data-dir` never yields an empty register to report on.
    pub async fn open(global: &Global, create: bool) -> anyhow::Result<Database> {
        let (url, cluster) = match &global.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let dir = global.data_dir();
                if !create && !dir.join("postgres").join("PG_VERSION").exists() {
                    anyhow::bail!(
                        "tidak ada register di {shown} / there is no register in {shown}: give the data dir \
                         of a running or initialised kerjasama (--data-dir, KERJASAMA_DATA_DIR) or DATABASE_URL, \
                         or create one with `kerjasama migrate` (empty) or `kerjasama seed` (the demo register)",
                        shown = dir.display()
                    );
                }
                let cluster = start_cluster(&dir, global.wal_archive.as_deref()).await?;
                (cluster.database_url(), Some(Arc::new(cluster)))
            }
        };
        let settings = PoolSettings {
            max_size: usize::from(global.pool_size),
            wait_timeout: std::time::Duration::from_secs(global.pool_wait_secs),
            ..PoolSettings::default()
        };
        let pool = pool::connect(&url, &settings)?;
        let applied = pool::migrate(&url).await.context("applying migrations")?;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        Ok(Database { url, pool, cluster })
    }

    /// For the server, which owns its embedded cluster: watches it and, when
    /// it dies, starts it again on the same port and data dir, so the pool's
    /// URL stays valid and calls recover without a server restart. Nothing to
    /// watch with `DATABASE_URL` (that server has its own supervisor).
    pub fn supervise(&self, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
        let cluster = self.cluster.clone()?;
        Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let probe = cluster.clone();
                if tokio::task::spawn_blocking(move || probe.is_alive())
                    .await
                    .unwrap_or(true)
                {
                    continue;
                }
                tracing::warn!("the embedded PostgreSQL stopped; starting it again");
                let restart = cluster.clone();
                match tokio::task::spawn_blocking(move || restart.restart_after_crash()).await {
                    Ok(Ok(())) => tracing::info!(port = cluster.port(), "PostgreSQL running again"),
                    Ok(Err(error)) => {
                        tracing::error!(%error, "PostgreSQL did not start again; retrying")
                    }
                    Err(error) => tracing::error!(%error, "PostgreSQL restart task failed"),
                }
            }
        }))
    }

    /// Stops the embedded cluster if this process started it, or always when
    /// `owner` (the server owns its cluster).
    pub async fn close(self, owner: bool) -> anyhow::Result<()> {
        self.pool.close();
        if let Some(cluster) = self.cluster
            && (owner || cluster.started_here())
        {
            tokio::task::spawn_blocking(move || cluster.stop())
                .await?
                .context("stopping PostgreSQL")?;
            tracing::info!("PostgreSQL stopped");
        }
        Ok(())
    }
}

async fn start_cluster(dir: &Path, wal_archive: Option<&Path>) -> anyhow::Result<Cluster> {
    let dir = std::path::absolute(dir).with_context(|| format!("data dir {}", dir.display()))?;
    let shown = dir.display().to_string();
    let archive = wal_archive.map(Path::to_path_buf);
    let cluster = tokio::task::spawn_blocking(move || {
        Cluster::ensure_running_archiving(&dir, archive.as_deref())
    })
    .await?
    .with_context(|| format!("starting PostgreSQL in {shown}"))?;
    tracing::info!(data_dir = %cluster.data_dir().display(), port = cluster.port(), "PostgreSQL ready");
    Ok(cluster)
}
