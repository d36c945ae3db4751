use serde_json::json;

use super::*;

fn resp(status: u16, body: Value) -> Resp {
    let empty = body.is_null();
    Resp {
        dialect: Dialect::V2,
        status,
        location: None,
        body,
        empty,
    }
}

#[test]
fn filters_are_encoded_as_each_idp_sends_them() {
    let expr = r#"userName eq "a.b+c@x.com""#;
    assert_eq!(
        filter(Profile::Okta, expr),
        "filter=userName%20eq%20%22a.b%2Bc%40x.com%22"
    );
    assert_eq!(
        filter(Profile::Entra, expr),
        "filter=userName+eq+\"a.b%2Bc%40x.com\""
    );
}

#[test]
fn an_empty_filter_result_must_be_200_with_integers() {
    let ok = json!({"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []});
    assert!(resp(200, ok.clone()).empty_list().is_ok());
    let mut strings = ok.clone();
    strings["totalResults"] = json!("0");
    assert!(resp(200, strings).empty_list().is_err());
    let not_found = json!({"schemas": [ERROR], "status": "404", "detail": "no such user"});
    let p = resp(404, not_found).empty_list().unwrap_err();
    assert!(p.text.contains("expected HTTP 200, got 404"), "{}", p.text);
    let mut wrong_count = ok;
    wrong_count["itemsPerPage"] = json!(100);
    assert!(resp(200, wrong_count).empty_list().is_err());
}

#[test]
fn errors_need_a_string_status_the_error_schema_and_a_detail() {
    assert!(
        resp(
            404,
            json!({"schemas": [ERROR], "status": "404", "detail": "gone"})
        )
        .error(404)
        .is_ok()
    );
    assert!(
        resp(
            404,
            json!({"schemas": [ERROR], "status": 404, "detail": "gone"})
        )
        .error(404)
        .is_err()
    );
    assert!(
        resp(
            404,
            json!({"schemas": [ERROR], "status": "404", "detail": ""})
        )
        .error(404)
        .is_err()
    );
    assert!(
        resp(404, json!({"status": "404", "detail": "gone"}))
            .error(404)
            .is_err()
    );
}

#[test]
fn patch_answers_200_with_a_body_or_204_empty() {
    assert!(resp(204, Value::Null).patched().is_ok());
    assert!(resp(200, json!({"id": "1"})).patched().is_ok());
    assert!(resp(200, Value::Null).patched().is_err());
    assert!(resp(204, json!({"id": "1"})).patched().is_err());
}

#[test]
fn members_are_compared_as_sets_and_absent_means_empty() {
    assert!(
        expect_members(
            &json!({"members": [{"value": "b"}, {"value": "a"}]}),
            &["a", "b"]
        )
        .is_ok()
    );
    assert!(expect_members(&json!({}), &[]).is_ok());
    assert!(expect_members(&json!({"members": [{"value": "a"}]}), &["a", "b"]).is_err());
}

#[test]
fn the_json_report_counts_and_omits_empty_fields() {
    let report = Report {
        profile: Profile::Entra,
        base: "http://127.0.0.1/scim/v2".into(),
        steps: vec![
            StepReport {
                name: "a".into(),
                request: "GET /Users".into(),
                status: Some(200),
                ok: true,
                problem: None,
                idp_message: None,
            },
            StepReport {
                name: "b".into(),
                request: "GET /Users?filter=x".into(),
                status: Some(404),
                ok: false,
                problem: Some("p".into()),
                idp_message: Some("m".into()),
            },
        ],
        cleanup: vec![],
    };
    let v = report.to_json();
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["profile"], "entra");
    assert!(v["steps"][0].get("problem").is_none());
    assert_eq!(v["steps"][1]["idp_message"], "m");
    assert!(report.to_text().contains("Entra ID would show: m"));
}

#[test]
fn the_base_url_keeps_its_query_on_every_request_and_hides_a_password() {
    let token = SecretString::from("secret-token");
    let r = Runner::new(
        Profile::Entra,
        "https://u:pw@example.com/scim/v2/?aadOptscim062020",
        &token,
    )
    .unwrap();
    assert_eq!(
        r.url("/Users"),
        "https://u:pw@example.com/scim/v2/Users?aadOptscim062020"
    );
    assert_eq!(
        r.url("/Users?filter=x"),
        "https://u:pw@example.com/scim/v2/Users?filter=x&aadOptscim062020"
    );
    assert!(!r.base_display.contains("pw"));
    assert!(Runner::new(Profile::Okta, "ftp://example.com", &token).is_err());
    assert!(Runner::new(Profile::Okta, "not a url", &token).is_err());
}

#[test]
fn the_scim11_profile_checks_the_11_envelopes() {
    let v1 = |status, body| Resp {
        dialect: Dialect::V1,
        ..resp(status, body)
    };
    let err = json!({"Errors": [{"description": "gone", "code": "404"}]});
    assert!(v1(404, err.clone()).error(404).is_ok());
    assert_eq!(v1(404, err.clone()).detail(), Some("gone"));
    // A 2.0 error body, or a numeric code, is not what the 1.1 template reads.
    assert!(resp(404, err).error(404).is_err());
    assert!(
        v1(
            404,
            json!({"schemas": [ERROR], "status": "404", "detail": "gone"})
        )
        .error(404)
        .is_err()
    );
    assert!(
        v1(
            404,
            json!({"Errors": [{"description": "gone", "code": 404}]})
        )
        .error(404)
        .is_err()
    );
    let list = json!({"schemas": [V1_CORE], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []});
    assert!(v1(200, list.clone()).empty_list().is_ok());
    assert!(resp(200, list).empty_list().is_err());
}
