//! Issue #5's admin JSON API: seat settings, purchases and ledger, hooks, the events
//! pull API and the deprovisioning safeguard, as a signed-in workspace admin.

use reqwest::Method;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::harness::{Backend, Env, Gateway, json_or_null, scim};

/// A signed-in admin's HTTP client: the session cookie on every request, or an
/// admin API key as the bearer credential.
pub(crate) struct Admin {
    pub(crate) http: reqwest::Client,
    pub(crate) cookie: String,
    pub(crate) bearer: Option<String>,
}

pub(crate) fn set_cookie(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

impl Admin {
    /// No credential at all.
    pub(crate) fn anonymous() -> Self {
        Self {
            http: reqwest::Client::new(),
            cookie: String::new(),
            bearer: None,
        }
    }

    /// A script with an admin API key.
    pub(crate) fn with_key(key: &str) -> Self {
        Self {
            bearer: Some(key.to_owned()),
            ..Self::anonymous()
        }
    }

    pub(crate) async fn sign_in(env: &Env, gw: &Gateway, ws: &str) -> Self {
        let email = format!("admin@{ws}.test");
        let created = env
            .cli(&["admin", "create", "--workspace", ws, "--email", &email])
            .await;
        let password = created["password"].as_str().unwrap().to_owned();
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        let page = http.get(gw.url("/admin/login")).send().await.unwrap();
        let csrf = set_cookie(&page, "scimgate_login");
        let signed_in = http
            .post(gw.url("/admin/login"))
            .header("cookie", format!("scimgate_login={csrf}"))
            .form(&[
                ("email", email.as_str()),
                ("password", &password),
                ("csrf", &csrf),
                ("next", "/admin"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303);
        let session = set_cookie(&signed_in, "scimgate_session");
        Self {
            http,
            cookie: format!("scimgate_session={session}"),
            bearer: None,
        }
    }

    pub(crate) async fn call(
        &self,
        gw: &Gateway,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, gw.url(path))
            .header("cookie", &self.cookie);
        if let Some(key) = &self.bearer {
            req = req.bearer_auth(key);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, json_or_null(&resp.bytes().await.unwrap()))
    }
}

async fn an_admin_manages_seats_hooks_events_and_the_safeguard(backend: Backend) {
    let env = Env::new(backend).await;
    let (ws, token) = env
        .workspace_with_token_args("Acme", &["--seats", "1"])
        .await;
    let gw = env.start().await;
    let (status, _) = Admin::anonymous()
        .call(&gw, Method::GET, "/admin/api/seats", None)
        .await;
    assert_eq!(status, 401, "the API needs a signed-in admin");
    let admin = Admin::sign_in(&env, &gw, &ws).await;

    let (s, seats) = admin.call(&gw, Method::GET, "/admin/api/seats", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        seats,
        json!({"seats_in_use": 0, "seats_purchased": 1, "auto_charge": false, "auto_charge_cap": null})
    );
    let (s, seats) = admin
        .call(
            &gw,
            Method::PATCH,
            "/admin/api/seats",
            Some(json!({"auto_charge": true, "auto_charge_cap": 2})),
        )
        .await;
    assert_eq!((s, &seats["auto_charge_cap"]), (200, &json!(2)));
    let (s, seats) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/seats/purchases",
            Some(json!({"count": 3})),
        )
        .await;
    assert_eq!((s, &seats["seats_purchased"]), (201, &json!(4)));
    let (_, ledger) = admin
        .call(&gw, Method::GET, "/admin/api/seats/ledger", None)
        .await;
    assert_eq!(ledger["purchases"][0]["cause"], "admin");
    assert_eq!(ledger["purchases"][0]["actor"], "admin admin@acme.test");

    // Hooks: https only through the API; the secret is shown once.
    let (s, err) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/hooks",
            Some(json!({"url": "http://127.0.0.1:9/x"})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(err["error"].as_str().unwrap().starts_with("url: "), "{err}");
    let (s, hook) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/hooks",
            Some(json!({"url": "https://billing.example/scimgate", "events": ["seat.charged"]})),
        )
        .await;
    assert_eq!(s, 201, "{hook}");
    assert!(hook["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(hook["events"], json!(["seat.charged"]));
    let (_, hooks) = admin.call(&gw, Method::GET, "/admin/api/hooks", None).await;
    assert_eq!(hooks["hooks"].as_array().unwrap().len(), 1);
    assert!(!hooks.to_string().contains("whsec_"));

    // The pull API pages through events with a cursor.
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": "ann@acme.test"});
    let (s, _, user) = scim(&gw, Method::POST, "/scim/v2/Users", &token, Some(&body)).await;
    assert_eq!(s, 201);
    let (s, first) = admin
        .call(&gw, Method::GET, "/admin/api/events?limit=1", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(first["events"][0]["type"], "user.provisioned");
    assert_eq!(first["events"][0]["payload"]["data"]["user_id"], user["id"]);
    let next = first["next"].as_str().unwrap();
    let (_, rest) = admin
        .call(
            &gw,
            Method::GET,
            &format!("/admin/api/events?after={next}"),
            None,
        )
        .await;
    assert_eq!(rest["events"], json!([]));
    assert_eq!(rest["next"], next);

    // The safeguard: pause on the first deprovision, then resume.
    let (s, g) = admin
        .call(
            &gw,
            Method::PATCH,
            "/admin/api/guard",
            Some(json!({"share_percent": 0, "min_users": 1})),
        )
        .await;
    assert_eq!((s, &g["state"]), (200, &json!("active")));
    let id = user["id"].as_str().unwrap();
    let (s, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(s, 503);
    let (_, g) = admin.call(&gw, Method::GET, "/admin/api/guard", None).await;
    assert_eq!(g["state"], "paused");
    admin
        .call(
            &gw,
            Method::PATCH,
            "/admin/api/guard",
            Some(json!({"share_percent": 100})),
        )
        .await;
    let (s, g) = admin
        .call(
            &gw,
            Method::POST,
            "/admin/api/guard/resume",
            Some(json!({})),
        )
        .await;
    assert_eq!((s, &g["state"]), (200, &json!("active")));
    let (s, _, _) = scim(
        &gw,
        Method::DELETE,
        &format!("/scim/v2/Users/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(s, 204);

    let (s, _) = admin
        .call(
            &gw,
            Method::POST,
            &format!("/admin/api/deliveries/{}/replay", uuid::Uuid::nil()),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 404);
}

crate::both_backends!(an_admin_manages_seats_hooks_events_and_the_safeguard);
