//! The connection pool and the schema migrations.
//!
//! Every wait is bounded: a request that cannot get a connection within
//! `wait_timeout` fails with `Unavailable` instead of hanging. Migrations are
//! the SQL files under `migrations/`, embedded at compile time and applied
//! under a PostgreSQL advisory lock so that replicas starting together do not
//! race.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{CoreError, CoreResult};

pub type PgPool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
pub type PgConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Arbitrary but fixed: the key of the advisory lock held while migrating.
const MIGRATION_LOCK_KEY: i64 = 0x6b65_726a_6173_616d; // "kerjasam"

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request waits for a free connection.
    pub wait_timeout: Duration,
    /// How long opening a new connection may take.
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Checkouts do not ping: a connection is handed out again unless it is
/// known broken (its socket closed, or a transaction left open by a failed
/// call), which costs no round trip. A connection that died while idle fails
/// its next call with `Unavailable` and is then discarded, so a restarted
/// database costs at most one failed call per pooled connection.
pub fn connect(database_url: &str, settings: &PoolSettings) -> CoreResult<PgPool> {
    let mut config = diesel_async::pooled_connection::ManagerConfig::default();
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    PgPool::builder(manager)
        .max_size(settings.max_size)
        .wait_timeout(Some(settings.wait_timeout))
        .create_timeout(Some(settings.connect_timeout))
        .recycle_timeout(Some(settings.connect_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| CoreError::Internal(format!("building the connection pool: {e}")))
}

/// Applies the pending migrations; returns the versions applied now.
pub async fn migrate(database_url: &str) -> CoreResult<Vec<String>> {
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .map_err(|e| CoreError::Unavailable(e.to_string()))?;
        conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| CoreError::Internal(format!("applying migrations: {e}")));
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
        applied
    })
    .await
    .map_err(|e| CoreError::Internal(format!("migration task: {e}")))?
}

/// Whether the database answers a trivial query within the pool's timeouts.
pub async fn ping(pool: &PgPool) -> bool {
    use diesel_async::SimpleAsyncConnection;
    match pool.get().await {
        Ok(mut conn) => conn.batch_execute("SELECT 1").await.is_ok(),
        Err(_) => false,
    }
}
