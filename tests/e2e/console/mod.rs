//! Browser tests of the admin console: headless Chromium (Debian's `chromium` and
//! `chromedriver`, installed by `.ci/run`) driven over WebDriver by `fantoccini`,
//! against the real gateway. Every wait is a poll for an element or a URL with a
//! deadline; each page visited is saved as a PNG under `target/screenshots/`.

mod access;
mod directory;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::harness::Gateway;

/// How long chromedriver may take to start, and any element to appear.
const DEADLINE: Duration = Duration::from_secs(20);

/// One headless Chromium session on one gateway; chromedriver dies with it.
pub struct Browser {
    pub client: Client,
    base: String,
    shots: PathBuf,
    prefix: String,
    _driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless browser on it.
    /// `prefix` names this run's screenshots (e.g. `sqlite`).
    pub async fn start(gw: &Gateway, prefix: &str) -> Self {
        let mut driver = Command::new("chromedriver")
            .args(["--port=0", "--allowed-ips=127.0.0.1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver is installed (apt-get install chromium chromium-driver)");
        let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(DEADLINE, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').parse::<u16>().unwrap();
                }
            }
            panic!("chromedriver exited before it listened");
        })
        .await
        .expect("chromedriver started in time");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--no-first-run", "--disable-extensions",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        // chromedriver listens on plain loopback http: no TLS stack needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            client,
            base: gw.url(""),
            shots,
            prefix: prefix.to_owned(),
            _driver: driver,
            _profile: profile,
        }
    }

    /// Opens a path of the gateway.
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The element `css` matches, once it is there.
    pub async fn wait(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(DEADLINE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} in time: {e}"))
    }

    /// Waits for the flash message that contains `text` (each page's own).
    pub async fn flash(&self, text: &str) -> Element {
        let xpath = format!("//div[contains(@class,'flash')]/p[contains(., '{text}')]");
        self.client
            .wait()
            .at_most(DEADLINE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no flash saying {text:?}: {e}"))
    }

    /// Types `value` into the field with id `id`.
    pub async fn fill(&self, id: &str, value: &str) {
        let field = self.wait(&format!("#{id}")).await;
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Clicks the submit button whose text is `label` inside `scope` (a CSS selector).
    pub async fn press(&self, scope: &str, label: &str) {
        let xpath = format!("//*[self::button][normalize-space(.)='{label}']");
        let root = self.wait(scope).await;
        root.find(Locator::XPath(&format!(".{xpath}")))
            .await
            .unwrap_or_else(|e| panic!("no {label:?} button in {scope}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Saves a screenshot as `<prefix>-<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{}-{name}.png", self.prefix)), png).unwrap();
    }

    /// Ends the session (and the browser) before chromedriver is killed.
    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}
