//! The gateway under test: the real `scimgate` binary on a throwaway database, set up
//! through its own CLI, started on a loopback port, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use store::testing::TestDatabase;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the gateway may take to print its `listening on` line.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// A database with the gateway binary that uses it.
pub struct Deployment {
    binary: PathBuf,
    db: TestDatabase,
    log: PathBuf,
    /// CPUs the server runs on (`taskset -c` list); `None`: every online CPU.
    cpus: Option<String>,
}

impl Deployment {
    /// A fresh database of `backend` (`sqlite` or `postgres`) for `binary`; the
    /// server's log goes to `log`.
    pub async fn new(
        binary: &Path,
        backend: &str,
        log: PathBuf,
        cpus: Option<String>,
    ) -> Result<Self, String> {
        let db = match backend {
            "sqlite" => TestDatabase::sqlite(),
            "postgres" => TestDatabase::postgres().await,
            other => return Err(format!("unknown backend {other}: sqlite or postgres")),
        };
        Ok(Self {
            binary: binary.to_owned(),
            db,
            log,
            cpus,
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        self.env(&mut cmd);
        cmd
    }

    fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("SCIMGATE_DATABASE_URL", self.db.url())
            .env("SCIMGATE_OAUTH_CODE_LIFETIME", "10m")
            // The per-credential and per-client limits protect a deployment from one
            // runaway IdP; the bench is that one IdP on purpose, measuring the gateway.
            .env("SCIMGATE_SCIM_RATE_LIMIT", "off")
            .env("SCIMGATE_TOKEN_RATE_LIMIT", "off")
            .env("SCIMGATE_SIGNIN_RATE_LIMIT", "off")
            .kill_on_drop(true)
    }

    /// After a bulk import, what a default PostgreSQL server's autovacuum would
    /// have done by then, where this server has it off; how long it took, or `None`
    /// when nothing was needed ([`TestDatabase::vacuum_unless_autovacuum`]).
    pub async fn settle(&self) -> Result<Option<Duration>, String> {
        let started = std::time::Instant::now();
        Ok(self
            .db
            .vacuum_unless_autovacuum()
            .await?
            .then(|| started.elapsed()))
    }

    /// Runs `scimgate --json ARGS` and returns its JSON output.
    pub async fn cli(&self, args: &[&str]) -> Result<Value, String> {
        let out = self
            .command()
            .env("RUST_LOG", "warn")
            .arg("--json")
            .args(args)
            .output()
            .await
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if !out.status.success() {
            return Err(format!(
                "scimgate {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("scimgate {args:?}: {e}"))
    }

    /// A workspace named `name` and a SCIM bearer token for it: (workspace id, token).
    pub async fn workspace(&self, name: &str) -> Result<(String, String), String> {
        let ws = self.cli(&["workspace", "create", "--name", name]).await?;
        let id = ws["id"]
            .as_str()
            .ok_or("workspace create: no id")?
            .to_owned();
        // Scenario 3 deactivates thousands of users on purpose; the deprovisioning
        // safeguard would (rightly) pause that as a mass deprovisioning.
        self.cli(&[
            "guard",
            "set",
            "--workspace",
            &id,
            "--share-percent",
            "100",
            "--min-users",
            "4000000000",
        ])
        .await?;
        let t = self
            .cli(&["token", "create", "--workspace", &id, "--name", "bench"])
            .await?;
        let token = t["token"].as_str().ok_or("token create: no token")?;
        Ok((id, token.to_owned()))
    }

    /// Starts `scimgate serve` on a free loopback port, logging at the default level
    /// in JSON to the log file, as a production deployment would.
    pub async fn start(&self) -> Result<Server, String> {
        let log =
            std::fs::File::create(&self.log).map_err(|e| format!("{}: {e}", self.log.display()))?;
        // A child inherits the tool's pin (`taskset -c 0`): left alone, the gateway
        // would share the client's one core and leave the other idle.
        let mut cmd = match self.cpus.clone().or_else(every_cpu) {
            // taskset execs the gateway, so the child's pid stays the server's.
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &cpus]).arg(&self.binary);
                c
            }
            None => Command::new(&self.binary),
        };
        let mut child = self
            .env(&mut cmd)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_DEADLINE, lines.next_line())
            .await
            .map_err(|_| "the gateway printed no `listening on` line in time".to_owned())?
            .map_err(|e| e.to_string())?
            .ok_or("the gateway exited before listening")?;
        let addr = line
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line: {line}"))?
            .to_owned();
        Ok(Server { child, base: addr })
    }
}

/// Every online CPU (`/sys/devices/system/cpu/online`), when the tool itself is
/// pinned to fewer; `None` when it is not pinned, or off Linux.
fn every_cpu() -> Option<String> {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
    let ours = std::thread::available_parallelism().map_or(1, usize::from);
    (ours < crate::report::cpu_count()).then(|| online.trim().to_owned())
}

/// A running gateway.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Server {
    /// The process id, for its peak memory.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// The peak resident set size of process `pid` in MB (`VmHWM`, Linux).
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    hwm_mb(&status)
}

fn hwm_mb(status: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_peak_rss_line() {
        let status =
            "Name:\tscimgate\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(super::hwm_mb(status), Some(50.0));
        assert_eq!(super::hwm_mb("Name:\tx\n"), None);
    }
}
