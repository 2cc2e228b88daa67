//! Finding the database: `DATABASE_URL` when given, else the data dir's own
//! PostgreSQL cluster, started for as long as this process needs it.

use std::path::Path;

use anyhow::Context;
use kerjasama_core::pool::{self, PgPool, PoolSettings};
use kerjasama_pgcluster::Cluster;

use crate::cli::Global;

pub struct Database {
    pub url: String,
    pub pool: PgPool,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects (starting the embedded cluster if needed) and applies migrations.
    pub async fn open(global: &Global) -> anyhow::Result<Database> {
        let (url, cluster) = match &global.database_url {
            Some(url) => (url.clone(), None),
            None => {
                let dir = global.data_dir();
                let cluster = start_cluster(&dir).await?;
                (cluster.database_url(), Some(cluster))
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

async fn start_cluster(dir: &Path) -> anyhow::Result<Cluster> {
    let dir = std::path::absolute(dir).with_context(|| format!("data dir {}", dir.display()))?;
    let shown = dir.display().to_string();
    let cluster = tokio::task::spawn_blocking(move || Cluster::ensure_running(&dir))
        .await?
        .with_context(|| format!("starting PostgreSQL in {shown}"))?;
    tracing::info!(data_dir = %cluster.data_dir().display(), port = cluster.port(), "PostgreSQL ready");
    Ok(cluster)
}
