//! A private PostgreSQL cluster in a directory of ours, run from the server
//! binaries installed on the machine (`initdb`, `pg_ctl`), so that one command
//! runs kerjasama on a fresh machine without a database administrator.
//!
//! Layout under the directory given to [`Cluster::ensure_running`]:
//! `postgres/` (the cluster, owned by the PostgreSQL user), `postgres.password`
//! (the superuser password, mode 0600) and `postgres.lock` (serialises
//! concurrent starts). The server listens on 127.0.0.1 only, on a free port
//! chosen at each start and read back from `postmaster.pid`, with password
//! (SCRAM) authentication. PostgreSQL refuses to run as root, so when we are
//! root its binaries run as an unprivileged user (`postgres` by default) via
//! `runuser`.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The database created in a new cluster.
pub const DATABASE: &str = "kerjasama";
/// The superuser created by `initdb`.
pub const SUPERUSER: &str = "kerjasama";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no PostgreSQL server binaries found (looked in $KERJASAMA_PG_BIN, /usr/lib/postgresql/*/bin and PATH); install the PostgreSQL server package or set DATABASE_URL"
    )]
    BinariesNotFound,
    #[error("{action} failed: {detail}")]
    Command { action: String, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "PostgreSQL runs as user {user}, which cannot write {path}; choose a --data-dir that user can reach (for example under /var/lib or /tmp)"
    )]
    Unreachable { user: String, path: PathBuf },
    #[error(
        "user {0} does not exist; PostgreSQL cannot run as root, set KERJASAMA_PG_USER to an unprivileged user"
    )]
    NoSuchUser(String),
    #[error("cannot read the port of the running cluster from {0}")]
    NoPort(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ClusterError + '_ {
    move |source| ClusterError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A running cluster and how to reach it.
#[derive(Debug)]
pub struct Cluster {
    pgdata: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    port: u16,
    password: String,
    started_here: bool,
    wal_archive: Option<PathBuf>,
}

/// How long a WAL segment may wait before it is archived even if not full:
/// what continuous archiving can lose at most.
pub const ARCHIVE_TIMEOUT_SECS: u32 = 60;

impl Cluster {
    /// Initialises the cluster under `dir` if it does not exist, starts it if
    /// it is not running, and creates the `kerjasama` database. Safe to call
    /// from several processes at once.
    pub fn ensure_running(dir: &Path) -> Result<Cluster, ClusterError> {
        Self::ensure_running_archiving(dir, None)
    }

    /// As [`Cluster::ensure_running`]; with `wal_archive`, a server this call
    /// starts archives every completed WAL segment into that folder
    /// (continuous archiving, for point-in-time recovery), at least every
    /// [`ARCHIVE_TIMEOUT_SECS`]. The folder is created and given to the
    /// server's user; its path may hold only letters, digits and `/._-`.
    pub fn ensure_running_archiving(
        dir: &Path,
        wal_archive: Option<&Path>,
    ) -> Result<Cluster, ClusterError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let lock_path = dir.join("postgres.lock");
        let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;

        let bin_dir = find_bin_dir()?;
        let run_as = unprivileged_user()?;
        let pgdata = dir.join("postgres");
        let password_path = dir.join("postgres.password");
        let mut cluster = Cluster {
            pgdata,
            bin_dir,
            run_as,
            port: 0,
            password: String::new(),
            started_here: false,
            wal_archive: None,
        };
        if let Some(archive) = wal_archive {
            cluster.wal_archive = Some(cluster.prepare_archive(archive)?);
        }
        let fresh = !cluster.pgdata.join("PG_VERSION").exists();
        if fresh {
            cluster.password = random_hex(24).map_err(io_err(Path::new("/dev/urandom")))?;
            cluster.init(&password_path)?;
        } else {
            cluster.password = fs::read_to_string(&password_path)
                .map_err(io_err(&password_path))?
                .trim()
                .to_string();
        }
        if cluster.is_running() {
            cluster.port = cluster.running_port()?;
        } else {
            cluster.start()?;
            cluster.started_here = true;
        }
        if fresh {
            cluster.create_database()?;
        }
        drop(lock);
        Ok(cluster)
    }

    /// Connection URL for the `kerjasama` database.
    pub fn database_url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// Connection URL for another database of this cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether this process started the server (as opposed to finding it running).
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    pub fn data_dir(&self) -> &Path {
        &self.pgdata
    }

    /// Stops the server (fast shutdown: open sessions are rolled back).
    pub fn stop(&self) -> Result<(), ClusterError> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        self.run(
            "pg_ctl stop",
            "pg_ctl",
            &["-D", &pgdata, "-m", "fast", "-w", "-t", "60", "stop"],
        )?;
        Ok(())
    }

    fn init(&self, password_path: &Path) -> Result<(), ClusterError> {
        fs::create_dir_all(&self.pgdata).map_err(io_err(&self.pgdata))?;
        fs::set_permissions(&self.pgdata, fs::Permissions::from_mode(0o700))
            .map_err(io_err(&self.pgdata))?;
        let pwfile = self.pgdata.with_extension("initpw");
        write_private(&pwfile, &self.password)?;
        if let Some(user) = &self.run_as {
            let (uid, gid) = user_ids(user)?;
            chown(&self.pgdata, uid, gid)?;
            chown(&pwfile, uid, gid)?;
            let probe = Command::new("runuser")
                .args(["-u", user, "--", "test", "-w"])
                .arg(&self.pgdata)
                .status()
                .map_err(io_err(&self.pgdata))?;
            if !probe.success() {
                let _ = fs::remove_file(&pwfile);
                return Err(ClusterError::Unreachable {
                    user: user.clone(),
                    path: self.pgdata.clone(),
                });
            }
        }
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let pwfile_arg = format!("--pwfile={}", pwfile.display());
        let result = self.run(
            "initdb",
            "initdb",
            &[
                "-D",
                &pgdata,
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                &pwfile_arg,
            ],
        );
        let _ = fs::remove_file(&pwfile);
        result?;
        write_private(password_path, &self.password)?;
        Ok(())
    }

    /// Whether the server process is alive (its `postmaster.pid` names a
    /// live process). Cheap: no child process is spawned.
    pub fn is_alive(&self) -> bool {
        let pid = fs::read_to_string(self.pgdata.join("postmaster.pid"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .next()
                    .and_then(|l| l.trim().parse::<i32>().ok())
            });
        // SAFETY: kill(pid, 0) only checks that the process exists.
        pid.is_some_and(|pid| pid > 0 && unsafe { libc::kill(pid, 0) } == 0)
    }

    /// Starts the server again after it died, on the same port and data dir,
    /// so connection URLs handed out before stay valid. Retries while the
    /// dead server's processes are still exiting.
    pub fn restart_after_crash(&self) -> Result<(), ClusterError> {
        let mut last = None;
        for attempt in 0..20 {
            if self.is_running() {
                return Ok(());
            }
            match self.start_on(self.port) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
            std::thread::sleep(std::time::Duration::from_millis(250 * (attempt + 1).min(8)));
        }
        Err(last.unwrap_or(ClusterError::NoPort(self.pgdata.clone())))
    }

    fn start(&mut self) -> Result<(), ClusterError> {
        let port = free_port().map_err(io_err(&self.pgdata))?;
        self.start_on(port)?;
        self.port = port;
        Ok(())
    }

    fn start_on(&self, port: u16) -> Result<(), ClusterError> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let log = self
            .pgdata
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 {}",
            memory_options(machine_memory())
        );
        if let Some(archive) = &self.wal_archive {
            let archive = archive.display();
            options.push_str(&format!(
                " -c archive_mode=on -c archive_timeout={ARCHIVE_TIMEOUT_SECS} \
                 -c archive_command='test ! -f {archive}/%f && cp %p {archive}/%f'"
            ));
        }
        self.run(
            "pg_ctl start",
            "pg_ctl",
            &[
                "-D", &pgdata, "-l", &log, "-w", "-t", "60", "-o", &options, "start",
            ],
        )
        .map_err(|e| match e {
            ClusterError::Command { action, detail } => ClusterError::Command {
                action,
                detail: format!("{detail} (server log: {log})"),
            },
            other => other,
        })?;
        Ok(())
    }

    fn is_running(&self) -> bool {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        self.run("pg_ctl status", "pg_ctl", &["-D", &pgdata, "status"])
            .is_ok()
    }

    /// Line 4 of `postmaster.pid` is the port.
    fn running_port(&self) -> Result<u16, ClusterError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        let text = fs::read_to_string(&pid_file).map_err(io_err(&pid_file))?;
        text.lines()
            .nth(3)
            .and_then(|line| line.trim().parse().ok())
            .ok_or(ClusterError::NoPort(pid_file))
    }

    /// The archive folder, absolute, created and writable by the server's user.
    fn prepare_archive(&self, archive: &Path) -> Result<PathBuf, ClusterError> {
        fs::create_dir_all(archive).map_err(io_err(archive))?;
        let archive = fs::canonicalize(archive).map_err(io_err(archive))?;
        let text = archive.to_string_lossy();
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
        {
            return Err(ClusterError::Command {
                action: "WAL archive".into(),
                detail: format!(
                    "{text}: the folder's path may hold only letters, digits and /._- (it goes into the server's archive_command)"
                ),
            });
        }
        if let Some(user) = &self.run_as {
            let (uid, gid) = user_ids(user)?;
            chown(&archive, uid, gid)?;
        }
        Ok(archive)
    }

    /// Prepares `dir` to recover, when first started, from a base backup of
    /// a cluster (`base`: its `postgres/` folder and `postgres.password`, as
    /// `kerjasama backup --base-dir` writes them) by replaying the WAL in
    /// `wal_archive` up to `until` (an ISO 8601 instant) and then promoting.
    pub fn prepare_recovery(
        dir: &Path,
        base: &Path,
        wal_archive: &Path,
        until: &str,
    ) -> Result<(), ClusterError> {
        let pgdata = dir.join("postgres");
        if pgdata.join("PG_VERSION").exists() {
            return Err(ClusterError::Command {
                action: "point-in-time restore".into(),
                detail: format!("{} already holds a cluster", pgdata.display()),
            });
        }
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        copy_tree(&base.join("postgres"), &pgdata)?;
        fs::set_permissions(&pgdata, fs::Permissions::from_mode(0o700)).map_err(io_err(&pgdata))?;
        let password = fs::read_to_string(base.join("postgres.password"))
            .map_err(io_err(&base.join("postgres.password")))?;
        write_private(&dir.join("postgres.password"), password.trim())?;
        let archive = fs::canonicalize(wal_archive).map_err(io_err(wal_archive))?;
        let auto = pgdata.join("postgresql.auto.conf");
        let mut conf = fs::read_to_string(&auto).unwrap_or_default();
        conf.push_str(&format!(
            "restore_command = 'cp {}/%f %p'\nrecovery_target_time = '{until}'\nrecovery_target_action = 'promote'\n",
            archive.display()
        ));
        fs::write(&auto, conf).map_err(io_err(&auto))?;
        let signal = pgdata.join("recovery.signal");
        fs::write(&signal, "").map_err(io_err(&signal))?;
        if let Some(user) = unprivileged_user()? {
            let (uid, gid) = user_ids(&user)?;
            chown_tree(&pgdata, uid, gid)?;
        }
        Ok(())
    }

    fn create_database(&self) -> Result<(), ClusterError> {
        let port = self.port.to_string();
        let output = Command::new(self.bin_dir.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &port, "-U", SUPERUSER, DATABASE])
            .env("PGPASSWORD", &self.password)
            .output()
            .map_err(io_err(&self.bin_dir))?;
        check("createdb", &output)
    }

    fn run(&self, action: &str, program: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let program = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        // The binaries must not inherit a working directory the user cannot read.
        command.args(args).current_dir("/");
        let output = command.output().map_err(io_err(&program))?;
        check(action, &output)?;
        Ok(output)
    }
}

fn check(action: &str, output: &Output) -> Result<(), ClusterError> {
    if output.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&output.stdout).trim().to_string();
    }
    Err(ClusterError::Command {
        action: action.to_string(),
        detail: format!("{} ({})", detail, output.status),
    })
}

/// The memory PostgreSQL may plan on: the machine's (`MemTotal`), or the
/// cgroup's limit when one is set and lower. `None` when neither is readable.
fn machine_memory() -> Option<u64> {
    let total = fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    let limit = fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok());
    match (total, limit) {
        (Some(t), Some(l)) => Some(t.min(l)),
        (t, l) => t.or(l),
    }
}

/// PostgreSQL's memory settings for a cluster of ours, sized to the machine
/// as a database administrator would size a server PostgreSQL mostly has to
/// itself (PostgreSQL's own defaults are for a machine of 2005): shared
/// buffers a quarter of the memory (128 MiB to 8 GiB), the planner told
/// half of it is cache, and index builds (migrations, `seed`) given a
/// sixteenth (64 MiB to 1 GiB). Unknown memory keeps PostgreSQL's defaults.
fn memory_options(memory: Option<u64>) -> String {
    const MIB: u64 = 1024 * 1024;
    let Some(memory) = memory else {
        return String::new();
    };
    let mib = memory / MIB;
    let shared_buffers = (mib / 4).clamp(128, 8 * 1024);
    let effective_cache_size = (mib / 2).max(shared_buffers);
    let maintenance_work_mem = (mib / 16).clamp(64, 1024);
    format!(
        "-c shared_buffers={shared_buffers}MB -c effective_cache_size={effective_cache_size}MB \
         -c maintenance_work_mem={maintenance_work_mem}MB"
    )
}

/// Where the PostgreSQL server binaries are (for tools and tests that run
/// their own servers the same way).
pub fn server_binaries() -> Result<PathBuf, ClusterError> {
    find_bin_dir()
}

/// The user PostgreSQL's binaries must run as: `None` (ourselves) unless we
/// are root, then `$KERJASAMA_PG_USER` or `postgres`.
pub fn server_user() -> Result<Option<String>, ClusterError> {
    unprivileged_user()
}

/// `$KERJASAMA_PG_BIN`, else the newest `/usr/lib/postgresql/N/bin`, else `initdb` on PATH.
fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    if let Some(dir) = std::env::var_os("KERJASAMA_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").exists() {
            Ok(dir)
        } else {
            Err(ClusterError::BinariesNotFound)
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or(ClusterError::BinariesNotFound)
}

/// The user the server binaries run as: none (ourselves) unless we are root.
fn unprivileged_user() -> Result<Option<String>, ClusterError> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let user = std::env::var("KERJASAMA_PG_USER").unwrap_or_else(|_| "postgres".to_string());
    user_ids(&user)?;
    Ok(Some(user))
}

fn user_ids(user: &str) -> Result<(u32, u32), ClusterError> {
    let name = std::ffi::CString::new(user).map_err(|_| ClusterError::NoSuchUser(user.into()))?;
    // SAFETY: getpwnam reads a NUL-terminated name and returns a pointer into
    // static storage (or NULL); we copy the two ids out before any other call.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        return Err(ClusterError::NoSuchUser(user.into()));
    }
    // SAFETY: checked non-null above.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Ok((uid, gid))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), ClusterError> {
    fs::create_dir_all(to).map_err(io_err(to))?;
    for entry in fs::read_dir(from).map_err(io_err(from))? {
        let entry = entry.map_err(io_err(from))?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(io_err(&entry.path()))?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(io_err(&target))?;
        }
    }
    Ok(())
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<(), ClusterError> {
    chown(path, uid, gid)?;
    if path.is_dir() {
        for entry in fs::read_dir(path).map_err(io_err(path))? {
            chown_tree(&entry.map_err(io_err(path))?.path(), uid, gid)?;
        }
    }
    Ok(())
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<(), ClusterError> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(io_err(path))
}

fn write_private(path: &Path, contents: &str) -> Result<(), ClusterError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    file.write_all(contents.as_bytes()).map_err(io_err(path))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    std::io::Read::read_exact(&mut File::open("/dev/urandom")?, &mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::memory_options;

    const GIB: u64 = 1024 * 1024 * 1024;

    #[test]
    fn memory_settings_follow_the_machine_within_bounds() {
        assert_eq!(
            memory_options(Some(24 * GIB)),
            "-c shared_buffers=6144MB -c effective_cache_size=12288MB -c maintenance_work_mem=1024MB"
        );
        // A small machine: PostgreSQL's own floor for shared buffers.
        assert_eq!(
            memory_options(Some(GIB / 4)),
            "-c shared_buffers=128MB -c effective_cache_size=128MB -c maintenance_work_mem=64MB"
        );
        // A large one: shared buffers stop at 8 GiB.
        assert!(memory_options(Some(256 * GIB)).starts_with("-c shared_buffers=8192MB "));
        // Unknown memory: PostgreSQL's defaults.
        assert_eq!(memory_options(None), "");
    }
}
