//! A private, throwaway PostgreSQL server for fault tests: `initdb` into a temporary
//! directory and `pg_ctl` on a free loopback port, so a test can stop the database
//! under a running gateway without touching the shared server on 5432. As root (CI),
//! the server runs as the `postgres` OS user, which PostgreSQL requires.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

/// A running private cluster; stopped and removed when dropped.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

impl PgCluster {
    /// Initialises and starts a cluster with trust authentication on 127.0.0.1.
    pub async fn start() -> Self {
        let bin = server_bin_dir();
        let as_postgres = run_output("id", &["-u"]).await.trim() == "0";
        let dir = tempfile::Builder::new()
            .prefix("scimgate-pg-")
            .tempdir()
            .unwrap();
        if as_postgres {
            run("chown", &["postgres:postgres", path(dir.path())]).await;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            dir,
            bin,
            as_postgres,
            port,
        };
        let data = cluster.data();
        cluster
            .pg(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            )
            .await;
        cluster.start_again().await;
        cluster
    }

    /// `postgres://` URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server at once, as a crash or a cut cable would (`-m immediate`).
    pub async fn stop_now(&self) {
        self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
        .await;
    }

    /// Starts the (stopped) server and waits until it accepts connections.
    pub async fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.data()
        );
        let log = format!("{}/server.log", self.data());
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .await;
    }

    fn data(&self) -> String {
        format!("{}/data", path(self.dir.path()))
    }

    async fn pg(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let exe = path(&exe);
        if self.as_postgres {
            let mut all = vec!["-u", "postgres", "--", exe];
            all.extend_from_slice(args);
            run("runuser", &all).await;
        } else {
            run(exe, args).await;
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        // Best effort: the server may already be stopped.
        let _ = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--", path(&exe)])
                .args(args)
                .output()
        } else {
            std::process::Command::new(&exe).args(args).output()
        };
    }
}

/// The newest Debian server binaries (`/usr/lib/postgresql/N/bin`), else `PATH`'s.
fn server_bin_dir() -> PathBuf {
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.filter_map(Result::ok)
                .filter_map(|d| {
                    let n: u32 = d.file_name().to_str()?.parse().ok()?;
                    Some((n, d.path().join("bin")))
                })
                .filter(|(_, bin)| bin.join("initdb").exists())
                .max_by_key(|(n, _)| *n)
        });
    newest.map_or_else(PathBuf::new, |(_, bin)| bin)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn run(exe: &str, args: &[&str]) {
    let out = tokio::time::timeout(
        Duration::from_secs(90),
        Command::new(exe).args(args).output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{exe} {args:?} did not finish in 90 s"))
    .unwrap_or_else(|e| panic!("cannot run {exe}: {e}"));
    assert!(
        out.status.success(),
        "{exe} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn run_output(exe: &str, args: &[&str]) -> String {
    let out = Command::new(exe).args(args).output().await.unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
