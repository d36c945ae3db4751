use super::*;

fn file(f: FileConfig) -> (PathBuf, FileConfig) {
    (PathBuf::from("/etc/scimgate.toml"), f)
}

#[test]
fn defaults_apply_when_nothing_is_set() {
    let c = Config::resolve(&ConfigArgs::default(), None).unwrap();
    assert_eq!(c.database_url.to_string(), DEFAULT_DATABASE_URL);
    assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(c.public_url, None);
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert_eq!(c.db_max_connections, 10);
    assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(c.hook_poll_interval, Duration::from_secs(1));
    assert_eq!(c.hook_timeout, Duration::from_secs(10));
    assert_eq!(c.hook_backoff, seats::Backoff::default());
}

#[test]
fn hook_settings_come_from_the_file_unless_the_command_sets_them() {
    let from_file = FileConfig {
        hook_retry_base: Some("2s".into()),
        hook_max_attempts: Some(3),
        hook_timeout: Some("4s".into()),
        ..FileConfig::default()
    };
    let args = ConfigArgs {
        hook_max_attempts: Some(5),
        hook_poll_interval: Some("100ms".into()),
        ..ConfigArgs::default()
    };
    let c = Config::resolve(&args, Some(file(from_file))).unwrap();
    assert_eq!(c.hook_backoff.base, Duration::from_secs(2));
    assert_eq!(c.hook_backoff.max_attempts, 5);
    assert_eq!(c.hook_timeout, Duration::from_secs(4));
    assert_eq!(c.hook_poll_interval, Duration::from_millis(100));
}

#[test]
fn file_beats_default_and_command_beats_file() {
    let from_file = || FileConfig {
        listen: Some("127.0.0.1:9000".into()),
        public_url: Some("https://file.example".into()),
        log_format: Some(LogFormat::Json),
        db_max_connections: Some(3),
        shutdown_timeout: Some("5s".into()),
        ..FileConfig::default()
    };
    let c = Config::resolve(&ConfigArgs::default(), Some(file(from_file()))).unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.public_url.unwrap().as_str(), "https://file.example/");
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.db_max_connections, 3);
    assert_eq!(c.shutdown_timeout, Duration::from_secs(5));

    let args = ConfigArgs {
        listen: Some("127.0.0.1:0".into()),
        log_format: Some(LogFormat::Pretty),
        db_max_connections: Some(7),
        ..ConfigArgs::default()
    };
    let c = Config::resolve(&args, Some(file(from_file()))).unwrap();
    assert_eq!(c.listen.port(), 0);
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert_eq!(c.db_max_connections, 7);
    // Keys the command line left unset still come from the file.
    assert_eq!(c.public_url.unwrap().as_str(), "https://file.example/");
}

#[test]
fn errors_name_the_key_and_its_source() {
    let args = ConfigArgs {
        listen: Some("localhost".into()),
        ..ConfigArgs::default()
    };
    let e = Config::resolve(&args, None).unwrap_err().to_string();
    assert!(
        e.contains("`listen`") && e.contains("SCIMGATE_LISTEN"),
        "{e}"
    );

    let f = FileConfig {
        public_url: Some("ftp://x".into()),
        ..FileConfig::default()
    };
    let e = Config::resolve(&ConfigArgs::default(), Some(file(f)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`public_url`") && e.contains("/etc/scimgate.toml"),
        "{e}"
    );

    let f = FileConfig {
        database_url: Some("mysql://u:pw@h/db".into()),
        ..FileConfig::default()
    };
    let e = Config::resolve(&ConfigArgs::default(), Some(file(f)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("sqlite://") && !e.contains(":pw@"), "{e}");

    let args = ConfigArgs {
        shutdown_timeout: Some("soon".into()),
        ..ConfigArgs::default()
    };
    assert!(
        Config::resolve(&args, None)
            .unwrap_err()
            .to_string()
            .contains("shutdown_timeout")
    );
    let args = ConfigArgs {
        db_max_connections: Some(0),
        ..ConfigArgs::default()
    };
    assert!(Config::resolve(&args, None).is_err());
}

#[test]
fn file_rejects_unknown_keys_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scimgate.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:1\"\ndatabse_url = \"sqlite://x\"\n",
    )
    .unwrap();
    let args = ConfigArgs {
        config: Some(path),
        ..ConfigArgs::default()
    };
    let e = Config::load(&args).unwrap_err().to_string();
    assert!(e.contains("databse_url"), "{e}");
}

#[test]
fn public_url_must_be_http_without_query() {
    assert!(parse_public_url("https://gw.example.com").is_ok());
    assert!(parse_public_url("http://127.0.0.1:8080/base/").is_ok());
    assert!(parse_public_url("gw.example.com").is_err());
    assert!(parse_public_url("https://gw.example.com/?x=1").is_err());
}

#[test]
fn public_url_is_https_unless_loopback() {
    assert!(parse_public_url("http://localhost:8080").is_ok());
    assert!(parse_public_url("http://[::1]:8080").is_ok());
    let e = parse_public_url("http://gw.example.com").unwrap_err();
    assert!(e.contains("must use https"), "{e}");
    assert!(parse_public_url("http://10.0.0.5:8080").is_err());
}

#[test]
fn limits_have_defaults_and_parse_rates() {
    let c = Config::resolve(&ConfigArgs::default(), None).unwrap();
    assert_eq!(c.request_timeout, Duration::from_secs(30));
    assert_eq!(c.max_concurrent_requests, 256);
    let per_second = c.scim_rate_limit.unwrap();
    assert_eq!(
        (per_second.count.get(), per_second.period),
        (1000, Duration::from_secs(1))
    );
    let r = Rate::parse("600/min").unwrap().unwrap();
    assert_eq!((r.count.get(), r.period), (600, Duration::from_secs(60)));
    let r = Rate::parse("5/10s").unwrap().unwrap();
    assert_eq!((r.count.get(), r.period), (5, Duration::from_secs(10)));
    assert_eq!(Rate::parse("off").unwrap(), None);
    for bad in ["", "100", "0/s", "x/s", "10/0s", "10/fortnight"] {
        assert!(Rate::parse(bad).is_err(), "{bad}");
    }
    let args = ConfigArgs {
        token_rate_limit: Some("lots".into()),
        ..ConfigArgs::default()
    };
    let e = Config::resolve(&args, None).unwrap_err().to_string();
    assert!(e.contains("SCIMGATE_TOKEN_RATE_LIMIT"), "{e}");
    let from_file = FileConfig {
        signin_rate_limit: Some("off".into()),
        request_timeout: Some("0s".into()),
        ..FileConfig::default()
    };
    assert!(Config::resolve(&ConfigArgs::default(), Some(file(from_file))).is_err());
}
