//! `kerjasama backup` and `kerjasama restore`: the register as one file a
//! bureau can keep, and proof that it restores.
//!
//! A backup is a ZIP file:
//! - `database.dump`: `pg_dump --format=custom` of the register, taken in a
//!   snapshot exported by a REPEATABLE READ transaction, so every write
//!   acknowledged before the backup started is in it, and nothing half-done;
//! - `files/reports/…`: the report runs' files under the data dir;
//! - `files/archive/objects/…`: the document archive's files (each named by
//!   its SHA-256);
//! - `manifest.json`: the format, when, the row count and a checksum of every
//!   table (computed in that same snapshot), and the SHA-256 of the dump and
//!   of every file.
//!
//! `restore FILE` checks every SHA-256 first, then restores into an empty data
//! dir (its own PostgreSQL is created) or an empty database (`DATABASE_URL`),
//! puts the files back, and compares every table's rows and checksum with the
//! manifest. `restore FILE --verify` does the same in a scratch PostgreSQL it
//! starts and removes, touching nothing else, and checks that every version of
//! every document's file the restored register names is in the backup and
//! hashes to its key. API tokens are restored as
//! stored (their digests): the tokens that worked keep working; the data dir's
//! `admin-token` file is not in the backup (it is a secret).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::say;
use crate::cli::Global;

const FORMAT: &str = "kerjasama-backup/1";
const DUMP: &str = "database.dump";
const MANIFEST: &str = "manifest.json";

/// The data dir's folders whose files a backup carries (as
/// `files/<folder>/…`): the report runs' files and the archive's objects.
const FILE_ROOTS: &[&str] = &["reports", "archive/objects"];

/// Every file under the data dir's `FILE_ROOTS`: (name in the backup, path).
fn data_files(data_dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for root in FILE_ROOTS {
        let dir = data_dir.join(root);
        for relative in files_under(&dir)? {
            let name = format!("files/{root}/{}", relative.to_string_lossy());
            files.push((name, dir.join(relative)));
        }
    }
    Ok(files)
}

/// Where the backup's file `name` goes under `data_dir`; `None` for a name
/// outside `FILE_ROOTS` or one that climbs out (`..`).
fn restore_path(data_dir: &Path, name: &str) -> Option<PathBuf> {
    let rest = name.strip_prefix("files/")?;
    let root = FILE_ROOTS
        .iter()
        .find(|root| rest.starts_with(&format!("{root}/")))?;
    let relative = &rest[root.len() + 1..];
    if relative
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return None;
    }
    Some(data_dir.join(root).join(relative))
}

/// Session settings under which a row's text (and so its checksum) is the
/// same on every server and after a restore.
const STABLE_TEXT: &str = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; \
     SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 3; SET bytea_output = 'hex'";

/// One table's rows and an order-free checksum of their text.
type TableSums = BTreeMap<String, (i64, String)>;

async fn connect(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .context("connecting to the database")?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Every table of the register with its row count and checksum, read by
/// `client` (in whatever transaction it is in).
async fn table_sums(client: &tokio_postgres::Client) -> anyhow::Result<TableSums> {
    client.batch_execute(STABLE_TEXT).await?;
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await?
        .into_iter()
        .map(|row| row.get(0))
        .collect();
    let mut sums = TableSums::new();
    for table in tables {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*)::bigint, coalesce(sum(('x' || left(md5(t::text), 15))::bit(60)::bigint::numeric), 0)::text \
                     FROM {quoted} t"
                ),
                &[],
            )
            .await
            .with_context(|| format!("reading table {table}"))?;
        sums.insert(table, (row.get(0), row.get(1)));
    }
    Ok(sums)
}

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), bytes))
}

/// Every file under `root` (relative paths, sorted), staging folders left out.
fn files_under(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = root.join(&relative);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(".staging-") {
                continue;
            }
            let path = relative.join(&name);
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn pg_tool(name: &str) -> anyhow::Result<PathBuf> {
    Ok(kerjasama_pgcluster::server_binaries()?.join(name))
}

fn run_tool(mut command: Command, what: &str) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("starting {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// `kerjasama backup --out FILE`.
pub async fn backup(global: &Global, url: &str, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists; a backup never overwrites a file", out.display());
    }
    let started = chrono::Utc::now();
    // The snapshot every part of the backup reads.
    let snapshot_client = connect(url).await?;
    snapshot_client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    let snapshot: String = snapshot_client
        .query_one("SELECT pg_export_snapshot()", &[])
        .await?
        .get(0);
    let work = tempdir_beside(out)?;
    let dump = work.join(DUMP);
    let mut pg_dump = Command::new(pg_tool("pg_dump")?);
    pg_dump
        .arg("--format=custom")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--no-owner")
        .arg("--file")
        .arg(&dump)
        .arg(format!("--dbname={url}"));
    let dumped = tokio::task::spawn_blocking(move || run_tool(pg_dump, "pg_dump"));
    let sums = table_sums(&snapshot_client).await?;
    dumped.await??;
    snapshot_client.batch_execute("COMMIT").await?;

    let files = data_files(&global.data_dir())?;
    let (dump_sha, dump_bytes) = sha256_file(&dump)?;
    let mut file_entries = Vec::new();
    let partial = work.join("backup.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&partial)?);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        zip.start_file(DUMP, stored)?;
        std::io::copy(&mut std::fs::File::open(&dump)?, &mut zip)?;
        for (name, path) in &files {
            let (sha, bytes) = sha256_file(path)?;
            zip.start_file(name, stored)?;
            std::io::copy(&mut std::fs::File::open(path)?, &mut zip)?;
            file_entries.push(serde_json::json!({"path": name, "sha256": sha, "bytes": bytes}));
        }
        let manifest = serde_json::json!({
            "format": FORMAT,
            "software_version": env!("CARGO_PKG_VERSION"),
            "started_time": started,
            "finished_time": chrono::Utc::now(),
            "database": {"path": DUMP, "sha256": dump_sha, "bytes": dump_bytes},
            "tables": sums.iter().map(|(name, (rows, checksum))| serde_json::json!({
                "name": name, "rows": rows, "checksum": checksum,
            })).collect::<Vec<_>>(),
            "files": file_entries,
        });
        zip.start_file(MANIFEST, stored)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        let file = zip.finish()?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    std::fs::remove_dir_all(&work)?;
    let rows: i64 = sums.values().map(|(rows, _)| rows).sum();
    say(&format!(
        "cadangan ditulis / backup written: {} ({} tables, {rows} rows, {} files, snapshot of {})",
        out.display(),
        sums.len(),
        files.len(),
        started.format("%Y-%m-%d %H:%M:%S UTC")
    ));
    Ok(())
}

/// A work folder next to `path` (same file system: the final rename is atomic).
fn tempdir_beside(path: &Path) -> anyhow::Result<PathBuf> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    work_dir_in(parent)
}

/// A new, uniquely named work folder inside `parent`.
fn work_dir_in(parent: &Path) -> anyhow::Result<PathBuf> {
    let dir = parent.join(format!(".kerjasama-backup-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

struct Backup {
    archive: zip::ZipArchive<std::fs::File>,
    manifest: serde_json::Value,
}

impl Backup {
    /// Opens `path` and checks the SHA-256 of the dump and of every file
    /// against the manifest, before anything is restored.
    fn open_checked(path: &Path) -> anyhow::Result<Backup> {
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let mut archive = zip::ZipArchive::new(file).with_context(|| {
            format!(
                "{} is not a kerjasama backup (not a ZIP file)",
                path.display()
            )
        })?;
        let mut text = String::new();
        archive
            .by_name(MANIFEST)
            .with_context(|| format!("{} has no {MANIFEST}", path.display()))?
            .read_to_string(&mut text)?;
        let manifest: serde_json::Value = serde_json::from_str(&text)?;
        if manifest["format"] != FORMAT {
            bail!("{} is not a {FORMAT} backup", path.display());
        }
        let mut expected = vec![(
            DUMP.to_string(),
            manifest["database"]["sha256"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )];
        for file in manifest["files"].as_array().into_iter().flatten() {
            expected.push((
                file["path"].as_str().unwrap_or_default().to_string(),
                file["sha256"].as_str().unwrap_or_default().to_string(),
            ));
        }
        for (name, sha) in &expected {
            let mut entry = archive
                .by_name(name)
                .with_context(|| format!("the backup lacks {name}, which its manifest lists"))?;
            let mut hasher = Sha256::new();
            std::io::copy(&mut entry, &mut hasher)
                .with_context(|| format!("reading {name} from the backup (damaged?)"))?;
            let actual = hex::encode(hasher.finalize());
            if &actual != sha {
                bail!(
                    "cadangan rusak / the backup is damaged: {name} has SHA-256 {actual}, its manifest says {sha}; nothing was restored"
                );
            }
        }
        Ok(Backup { archive, manifest })
    }

    fn tables(&self) -> TableSums {
        self.manifest["tables"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                (
                    t["name"].as_str().unwrap_or_default().to_string(),
                    (
                        t["rows"].as_i64().unwrap_or(-1),
                        t["checksum"].as_str().unwrap_or_default().to_string(),
                    ),
                )
            })
            .collect()
    }

    fn extract_dump(&mut self, to: &Path) -> anyhow::Result<()> {
        let mut entry = self.archive.by_name(DUMP)?;
        let mut file = std::fs::File::create(to)?;
        std::io::copy(&mut entry, &mut file)?;
        file.sync_all()?;
        Ok(())
    }

    /// Writes the backed-up files under `data_dir` (its `reports/` and
    /// `archive/objects/`).
    fn restore_files(&mut self, data_dir: &Path) -> anyhow::Result<usize> {
        let names: Vec<String> = self.manifest["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["path"].as_str().map(str::to_string))
            .collect();
        for name in &names {
            let target = restore_path(data_dir, name).with_context(|| {
                format!("the backup names a file outside reports/ and archive/objects/: {name}")
            })?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut entry = self.archive.by_name(name)?;
            let mut file = std::fs::File::create(&target)?;
            std::io::copy(&mut entry, &mut file)?;
        }
        Ok(names.len())
    }
}

/// pg_restore of `dump` into the database at `url`.
async fn pg_restore(dump: &Path, url: &str) -> anyhow::Result<()> {
    let mut command = Command::new(pg_tool("pg_restore")?);
    command
        .arg("--exit-on-error")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--single-transaction")
        .arg(format!("--dbname={url}"))
        .arg(dump);
    tokio::task::spawn_blocking(move || run_tool(command, "pg_restore")).await?
}

/// Compares the restored database with the manifest, table by table; says
/// each difference and fails if there is one.
async fn compare(url: &str, expected: &TableSums) -> anyhow::Result<()> {
    let client = connect(url).await?;
    let actual = table_sums(&client).await?;
    let mut differences = Vec::new();
    for (table, (rows, checksum)) in expected {
        match actual.get(table) {
            None => differences.push(format!("{table}: missing")),
            Some((r, c)) if r != rows || c != checksum => differences.push(format!(
                "{table}: {r} rows (checksum {c}), the backup had {rows} (checksum {checksum})"
            )),
            Some(_) => {}
        }
    }
    let rows: i64 = expected.values().map(|(rows, _)| rows).sum();
    if !differences.is_empty() {
        bail!(
            "the restored database differs from the backup: {}",
            differences.join("; ")
        );
    }
    say(&format!(
        "diperiksa / verified: {} tables, {rows} rows, every row count and checksum as in the backup",
        expected.len()
    ));
    Ok(())
}

/// Every version of every document's file the restored register at `url`
/// names is under `data_dir`'s archive and hashes to its key; says how many.
async fn check_archive(url: &str, data_dir: &Path) -> anyhow::Result<()> {
    let client = connect(url).await?;
    let rows = client
        .query(
            "SELECT DISTINCT sha256 FROM document_files ORDER BY sha256",
            &[],
        )
        .await?;
    let mut damaged = Vec::new();
    for row in &rows {
        let key: String = row.get(0);
        let path = data_dir
            .join("archive/objects")
            .join(&key[..2.min(key.len())])
            .join(&key);
        match sha256_file(&path) {
            Ok((sha, _)) if sha == key => {}
            Ok((sha, _)) => damaged.push(format!("{key} (hashes to {sha})")),
            Err(_) => damaged.push(format!("{key} (missing)")),
        }
    }
    if !damaged.is_empty() {
        bail!(
            "berkas arsip hilang atau rusak / archived files missing or damaged in the backup: {}",
            damaged.join(", ")
        );
    }
    say(&format!(
        "diperiksa / verified: {} archived document files, each present and hashing to its key",
        rows.len()
    ));
    Ok(())
}

/// Whether the database at `url` holds no table of ours.
async fn database_is_empty(url: &str) -> anyhow::Result<bool> {
    let client = connect(url).await?;
    let count: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .await?
        .get(0);
    Ok(count == 0)
}

/// `kerjasama restore FILE [--verify]`.
pub async fn restore(global: &Global, file: &Path, verify: bool) -> anyhow::Result<()> {
    let mut backup = Backup::open_checked(file)?;
    let expected = backup.tables();
    let files = backup.manifest["files"].as_array().map_or(0, Vec::len);
    say(&format!(
        "cadangan utuh / backup intact: {} (taken {}), the dump and {files} files match their SHA-256",
        file.display(),
        backup.manifest["started_time"].as_str().unwrap_or("?")
    ));
    if verify {
        // A scratch PostgreSQL of its own, removed afterwards.
        let scratch = work_dir_in(&std::env::temp_dir())?;
        let result = async {
            let cluster = kerjasama_pgcluster::Cluster::ensure_running(&scratch)?;
            let url = cluster.database_url();
            let dump = scratch.join(DUMP);
            backup.extract_dump(&dump)?;
            let outcome = async {
                pg_restore(&dump, &url).await?;
                compare(&url, &expected).await?;
                let restored = backup.restore_files(&scratch)?;
                for entry in backup.manifest["files"].as_array().into_iter().flatten() {
                    let name = entry["path"].as_str().unwrap_or_default();
                    let path = restore_path(&scratch, name)
                        .with_context(|| format!("the backup names {name}"))?;
                    let (sha, _) = sha256_file(&path)?;
                    if entry["sha256"].as_str() != Some(sha.as_str()) {
                        bail!("{name} restored with a different SHA-256");
                    }
                }
                say(&format!(
                    "diperiksa / verified: {restored} files restored with their SHA-256"
                ));
                check_archive(&url, &scratch).await
            }
            .await;
            let _ = cluster.stop();
            outcome
        }
        .await;
        let _ = std::fs::remove_dir_all(&scratch);
        return result;
    }
    let (url, _stop_when_done) = match &global.database_url {
        Some(url) => {
            if !database_is_empty(url).await? {
                bail!(
                    "the database of DATABASE_URL already holds tables; restore only into an empty database"
                );
            }
            (url.clone(), StopOnDrop(None))
        }
        None => {
            let dir = global.data_dir();
            if dir.join("postgres").join("PG_VERSION").exists() {
                bail!(
                    "{} already holds a register; restore only into an empty data dir (--data-dir)",
                    dir.display()
                );
            }
            let cluster = {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    kerjasama_pgcluster::Cluster::ensure_running(&dir)
                })
                .await??
            };
            // The cluster stops when this command ends.
            (cluster.database_url(), StopOnDrop(Some(cluster)))
        }
    };
    if let Some((_, path)) = data_files(&global.data_dir())?.first() {
        bail!(
            "{} already holds files ({}); restore only into an empty data dir",
            global.data_dir().display(),
            path.display()
        );
    }
    let work = work_dir_in(&global.data_dir())?;
    let dump = work.join(DUMP);
    backup.extract_dump(&dump)?;
    let restored = pg_restore(&dump, &url).await;
    let _ = std::fs::remove_dir_all(&work);
    restored?;
    let count = backup.restore_files(&global.data_dir())?;
    compare(&url, &expected).await?;
    say(&format!(
        "dipulihkan / restored into {}: {count} files (reports and archived documents)",
        if global.database_url.is_some() {
            "the database of DATABASE_URL".to_string()
        } else {
            global.data_dir().display().to_string()
        }
    ));
    Ok(())
}

/// Stops a cluster this command started.
struct StopOnDrop(Option<kerjasama_pgcluster::Cluster>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(cluster) = self.0.take()
            && cluster.started_here()
        {
            let _ = cluster.stop();
        }
    }
}

/// `kerjasama backup --base-dir DIR`: a base backup of kerjasama's own
/// PostgreSQL (`pg_basebackup`, with the WAL it needs to be consistent) and
/// its superuser password, the starting point of a point-in-time restore.
pub async fn base_backup(global: &Global, url: &str, dir: &Path) -> anyhow::Result<()> {
    if global.database_url.is_some() {
        bail!(
            "a base backup is of kerjasama's own PostgreSQL; an external server is backed up by its own tools (pg_basebackup, its WAL archive), or with `kerjasama backup --out`"
        );
    }
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} is not empty; a base backup goes into a new folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)?;
    let mut command = Command::new(pg_tool("pg_basebackup")?);
    command
        .arg(format!("--dbname={url}"))
        .arg("--pgdata")
        .arg(dir.join("postgres"))
        .args(["--format=plain", "--wal-method=stream", "--checkpoint=fast"]);
    tokio::task::spawn_blocking(move || run_tool(command, "pg_basebackup")).await??;
    let password = global.data_dir().join("postgres.password");
    std::fs::copy(&password, dir.join("postgres.password"))
        .with_context(|| format!("copying {}", password.display()))?;
    say(&format!(
        "cadangan dasar ditulis / base backup written: {} (restore to any later instant with `kerjasama restore --base-dir {} --wal-archive DIR --until TIME`)",
        dir.display(),
        dir.display()
    ));
    Ok(())
}

/// `kerjasama restore --base-dir DIR --wal-archive ARCHIVE --until TIME`:
/// a new data dir whose PostgreSQL is the base backup with the archived WAL
/// replayed up to `until`, then promoted; every transaction committed before
/// `until` is there, none after.
pub async fn restore_to(
    global: &Global,
    base: &Path,
    archive: &Path,
    until: &str,
) -> anyhow::Result<()> {
    if global.database_url.is_some() {
        bail!(
            "a point-in-time restore makes kerjasama's own PostgreSQL in --data-dir; leave DATABASE_URL unset"
        );
    }
    let instant = chrono::DateTime::parse_from_rfc3339(until).with_context(|| {
        format!("--until {until:?}: an instant as RFC 3339, for example 2026-12-07T10:30:00+07:00")
    })?;
    let target = instant.to_rfc3339();
    let dir = std::path::absolute(global.data_dir())?;
    let (base, archive) = (base.to_path_buf(), archive.to_path_buf());
    let cluster = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        kerjasama_pgcluster::Cluster::prepare_recovery(&dir, &base, &archive, &target)?;
        Ok(kerjasama_pgcluster::Cluster::ensure_running(&dir)?)
    })
    .await??;
    let _stop_when_done = StopOnDrop(Some(cluster));
    let url = _stop_when_done
        .0
        .as_ref()
        .map(|c| c.database_url())
        .unwrap_or_default();
    let client = connect(&url).await?;
    let started = std::time::Instant::now();
    loop {
        let recovering: bool = client
            .query_one("SELECT pg_is_in_recovery()", &[])
            .await?
            .get(0);
        if !recovering {
            break;
        }
        if started.elapsed() > std::time::Duration::from_secs(600) {
            bail!(
                "PostgreSQL is still replaying the WAL archive after 10 minutes; see its server.log"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Recovery is done; later starts must not try it again.
    for setting in [
        "restore_command",
        "recovery_target_time",
        "recovery_target_action",
    ] {
        client
            .batch_execute(&format!("ALTER SYSTEM RESET {setting}"))
            .await?;
    }
    say(&format!(
        "dipulihkan ke / restored to {until} in {}: every transaction committed before it, none after",
        global.data_dir().display()
    ));
    Ok(())
}
