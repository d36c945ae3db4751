//! OAuth request parsing: the first line is the `Authorization` header (HTTP
//! Basic client authentication, RFC 6749 §2.3.1), the rest a form body read as
//! a token request (§3.2) and as an authorization request's query (§4.1.1).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let _ = oauth::ClientCredentials::from_request(Some(header), &form);
    let _ = oauth::ClientCredentials::from_request(None, &form);
    let _ = oauth::TokenRequest::parse(&form);
    let _ = oauth::AuthorizeRequest::from_query(url::form_urlencoded::parse(body.as_bytes()));
});
