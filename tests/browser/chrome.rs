//! Debian's chromium, headless, driven through chromedriver over WebDriver: started for one
//! journey and stopped after it. Every page it reaches is checked for console errors and
//! failed requests, and each step can leave a screenshot in `target/screenshots/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// Where the browser and its driver are, from `BILLPANEL_CHROMIUM` and `BILLPANEL_CHROMEDRIVER`
/// or Debian's places; `None` when either is missing.
fn installed() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, candidates: &[&str]| -> Option<PathBuf> {
        std::env::var(var)
            .ok()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .into_iter()
            .chain(candidates.iter().map(PathBuf::from))
            .find(|p| p.is_file())
    };
    let chromium = find(
        "BILLPANEL_CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    )?;
    let driver = find(
        "BILLPANEL_CHROMEDRIVER",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
    )?;
    Some((chromium, driver))
}

/// A browser window on the application at `base`, for the journey `journey`.
pub struct Chrome {
    client: Client,
    driver: Child,
    driver_url: String,
    session: String,
    base: String,
    journey: String,
    shots: u32,
    _profile: tempfile::TempDir,
}

/// Starts chromedriver and a headless chromium for `person` in `journey`, or says plainly
/// that the journey is skipped and returns `None` when they are not installed (a failure
/// instead when `BILLPANEL_BROWSER_REQUIRED` is set, as CI sets it).
pub async fn start(base: &str, journey: &str, person: &str) -> Option<Chrome> {
    let Some((chromium, driver_path)) = installed() else {
        assert!(
            std::env::var_os("BILLPANEL_BROWSER_REQUIRED").is_none(),
            "BILLPANEL_BROWSER_REQUIRED is set, but chromium or chromedriver is not installed"
        );
        eprintln!(
            "SKIPPED browser journey `{journey}`: chromium and chromedriver are not installed \
             (apt-get install chromium chromium-driver)"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(&driver_path);
    command
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Its own process group, so that stopping it stops the browsers it started too.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let driver = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));
    let driver_url = format!("http://127.0.0.1:{port}");
    let profile = tempfile::tempdir().unwrap();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--window-size=1280,900", "--lang=en-GB",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let capabilities = match capabilities {
        Value::Object(map) => map,
        _ => unreachable!(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver_url)
            .await
        {
            Ok(client) => break client,
            Err(e) if Instant::now() > deadline => {
                panic!("chromedriver at {driver_url} gave no browser in 30 s: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let session = client
        .session_id()
        .await
        .unwrap()
        .expect("a WebDriver session");
    Some(Chrome {
        client,
        driver,
        driver_url,
        session,
        base: base.to_owned(),
        journey: format!("{journey}-{person}"),
        shots: 0,
        _profile: profile,
    })
}

impl Chrome {
    /// Opens `path` of the application as if typed into the address bar.
    pub async fn visit(&mut self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
        self.check_page().await;
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` in journey `{}`: {e}", self.journey))
    }

    /// Types `value` into the field named `name`, replacing what was there.
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self.find(&format!("[name=\"{name}\"]")).await;
        field.clear().await.unwrap();
        field
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{name}`: {e}"));
    }

    /// Picks the option with this value in the drop-down named `name`.
    pub async fn select(&self, name: &str, value: &str) {
        self.find(&format!("select[name=\"{name}\"]"))
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("no option {value} in `{name}`: {e}"));
    }

    /// Clicks what `css` finds (a radio button, a check box, a tab).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks a link or a button that leads to another page, and waits for that page.
    pub async fn click_through(&mut self, css: &str) {
        let target = self.find(css).await;
        self.leave_by(target).await;
    }

    /// Clicks the link whose text is `text`, and waits for the page it opens.
    pub async fn follow_link(&mut self, text: &str) {
        let path = self.path().await;
        let link = self
            .client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link `{text}` on {path}: {e}"));
        self.leave_by(link).await;
    }

    /// Signs in on the sign-in page at `page` (`/login` or `/admin/login`).
    pub async fn sign_in(&mut self, page: &str, email: &str, password: &str) {
        self.visit(page).await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.press("Sign in").await;
    }

    /// Clicks the button whose text is `text`, and waits for the page the form answers with.
    pub async fn press(&mut self, text: &str) {
        let xpath = format!("//button[normalize-space()='{text}']");
        let path = self.path().await;
        let button = self
            .client
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button `{text}` on {path}: {e}"));
        self.leave_by(button).await;
    }

    async fn leave_by(&mut self, element: Element) {
        // A mark on the current document: it is gone once the next page has replaced it.
        self.client
            .execute("window.__bpOld = true; return null;", vec![])
            .await
            .unwrap();
        element.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let arrived = self
                .client
                .execute(
                    "return window.__bpOld === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await
                .map(|v| v == Value::Bool(true))
                .unwrap_or(false);
            if arrived {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no new page within 15 s after a click on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.check_page().await;
    }

    /// The visible text of the first element `css` finds.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Downloads `path` as the page's own script would, with the browser's cookies: the
    /// answer's status, its Content-Type, its first five bytes as text and its size.
    pub async fn download(&self, path: &str) -> (u16, String, String, usize) {
        let answer = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0], { credentials: 'same-origin' })
                   .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type') || '',
                     String.fromCharCode(...new Uint8Array(b.slice(0, 5))), b.byteLength])))
                   .catch(e => done([0, String(e), '', 0]));",
                vec![Value::String(path.to_owned())],
            )
            .await
            .unwrap();
        let parts = answer.as_array().cloned().unwrap_or_default();
        (
            parts.first().and_then(Value::as_u64).unwrap_or(0) as u16,
            parts
                .get(1)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            parts
                .get(2)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            parts.get(3).and_then(Value::as_u64).unwrap_or(0) as usize,
        )
    }

    /// Whether anything on the page matches `css`.
    pub async fn has(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    /// Makes the window `width` × `height` pixels (a phone: 390 × 844).
    pub async fn resize(&mut self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    /// How many pixels the page is wider than its window (0 when it fits).
    pub async fn overflow(&self) -> i64 {
        let value = self
            .client
            .execute(
                "const d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        value.as_i64().unwrap_or(0)
    }

    /// What axe-core finds against WCAG 2.1 A and AA on the page: one line per rule broken,
    /// with the first few places it is broken at.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        const AXE: &str = include_str!("vendor/axe-core/axe.min.js");
        self.client
            .execute(&format!("{AXE}\nreturn typeof axe;"), vec![])
            .await
            .unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at '
                       + v.nodes.slice(0, 3).map(n => n.target.join(' ')
                           + (n.any[0] ? ' (' + n.any[0].message + ')' : '')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Saves what the window shows as `target/screenshots/<journey>-<nn>-<name>.png`.
    pub async fn screenshot(&mut self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).unwrap();
        self.shots += 1;
        let file = dir.join(format!("{}-{:02}-{name}.png", self.journey, self.shots));
        std::fs::write(&file, png).unwrap();
    }

    /// Fails the journey when the page wrote an error to the console or a request of the
    /// page (the document, a style sheet, a script, an image) failed.
    async fn check_page(&self) {
        let path = self.path().await;
        let failed = self
            .client
            .execute(
                "return performance.getEntriesByType('navigation')
                    .concat(performance.getEntriesByType('resource'))
                    .filter(e => e.responseStatus >= 400)
                    .map(e => e.responseStatus + ' ' + e.name);",
                vec![],
            )
            .await
            .unwrap();
        let failed: Vec<String> = serde_json::from_value(failed).unwrap_or_default();
        assert!(failed.is_empty(), "failed requests on {path}: {failed:?}");
        let errors: Vec<String> = self
            .browser_log()
            .await
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(errors.is_empty(), "console errors on {path}: {errors:?}");
    }

    /// What the page wrote to the console since the last look (chromedriver's log endpoint).
    async fn browser_log(&self) -> Vec<Value> {
        let answer = reqwest::Client::new()
            .post(format!(
                "{}/session/{}/se/log",
                self.driver_url, self.session
            ))
            .header("content-type", "application/json")
            .body(json!({ "type": "browser" }).to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&answer).unwrap();
        match answer["value"].as_array() {
            Some(entries) => entries.clone(),
            None => panic!("chromedriver gave no browser log: {answer}"),
        }
    }

    /// Closes the browser: call at the end of a journey (a failed one is cleaned up by drop).
    pub async fn finish(self) {
        self.check_page().await;
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}
