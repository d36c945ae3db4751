//! Parser and printer tests: RFC 7644 §3.4.2.2 examples, the forms Okta and
//! Entra send (docs/idp-wire.md), errors with positions, and limits.

use super::*;

fn parse(text: &str) -> Expr {
    match Filter::parse(text) {
        Ok(f) => f.into_expr(),
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

fn err(text: &str) -> String {
    Filter::parse(text).unwrap_err().to_string()
}

fn path(s: &str) -> AttrPath {
    AttrPath::parse(s).unwrap()
}

fn cmp(p: &str, op: CompareOp, value: CompValue) -> Expr {
    Expr::Compare {
        path: path(p),
        op,
        value,
    }
}

fn eq_str(p: &str, v: &str) -> Expr {
    cmp(p, CompareOp::Eq, s(v))
}

fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}

fn num(v: &str) -> CompValue {
    CompValue::Number(JsonNumber::parse(v).unwrap())
}

fn pr(p: &str) -> Expr {
    Expr::Present(path(p))
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}

fn or(a: Expr, b: Expr) -> Expr {
    Expr::Or(Box::new(a), Box::new(b))
}

fn not(a: Expr) -> Expr {
    Expr::Not(Box::new(a))
}

fn vp(attr: &str, filter: Expr) -> Expr {
    Expr::ValuePath {
        attr: path(attr),
        filter: Box::new(filter),
    }
}

/// Parses, prints, and parses the print again: same tree, and the print is `canonical`.
fn round_trip(text: &str, canonical: &str) {
    let first = Filter::parse(text).unwrap();
    assert_eq!(first.to_string(), canonical, "printing {text:?}");
    let again = Filter::parse(&first.to_string()).unwrap();
    assert_eq!(again, first, "re-parsing {canonical:?}");
}

#[test]
fn every_operator() {
    for op in CompareOp::ALL {
        let text = format!("title {op} \"x\"");
        assert_eq!(parse(&text), cmp("title", op, s("x")));
        // RFC 5234 §2.3: ABNF literals ignore case.
        let upper = format!("title {} \"x\"", op.as_str().to_uppercase());
        assert_eq!(parse(&upper), cmp("title", op, s("x")));
    }
    assert_eq!(parse("title pr"), pr("title"));
    assert_eq!(parse("title PR"), pr("title"));
}

#[test]
fn literals() {
    assert_eq!(
        parse("active eq true"),
        cmp("active", CompareOp::Eq, CompValue::Bool(true))
    );
    assert_eq!(
        parse("active eq FALSE"),
        cmp("active", CompareOp::Eq, CompValue::Bool(false))
    );
    assert_eq!(
        parse("title eq null"),
        cmp("title", CompareOp::Eq, CompValue::Null)
    );
    assert_eq!(parse("x gt 42"), cmp("x", CompareOp::Gt, num("42")));
    assert_eq!(parse("x lt -1.5e3"), cmp("x", CompareOp::Lt, num("-1.5e3")));
    assert_eq!(parse("x le 0"), cmp("x", CompareOp::Le, num("0")));
    assert_eq!(parse(r#"x eq "true""#), eq_str("x", "true"));
    assert_eq!(
        parse(r#"x eq "a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#),
        eq_str("x", "a\"b\\c/d\n\té😀")
    );
    assert_eq!(parse(r#"x eq """#), eq_str("x", ""));
    // Not JSON numbers, so unquoted strings.
    assert_eq!(parse("x eq 01"), eq_str("x", "01"));
    assert_eq!(parse("x eq 1."), eq_str("x", "1."));
    assert_eq!(parse("x eq -"), eq_str("x", "-"));
}

#[test]
fn json_numbers() {
    for ok in ["0", "-0", "12", "1.5", "1e9", "1E+9", "-2.5e-3", "10.01"] {
        assert!(JsonNumber::parse(ok).is_some(), "{ok}");
    }
    for bad in [
        "", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1_000", "NaN", "1.5.5",
    ] {
        assert!(JsonNumber::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(JsonNumber::parse("42").unwrap().as_i64(), Some(42));
    assert_eq!(JsonNumber::parse("4.2").unwrap().as_i64(), None);
    assert_eq!(JsonNumber::parse("1e999").unwrap().as_f64(), None);
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        parse("a pr or b pr and c pr"),
        or(pr("a"), and(pr("b"), pr("c")))
    );
    assert_eq!(
        parse("a pr and b pr or c pr"),
        or(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr and b pr and c pr"),
        and(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr OR b pr And c pr"),
        parse("a pr or b pr and c pr")
    );
}

#[test]
fn parentheses_and_not() {
    assert_eq!(
        parse("(a pr or b pr) and c pr"),
        and(or(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(parse("((a pr))"), pr("a"));
    assert_eq!(parse("not (a pr)"), not(pr("a")));
    assert_eq!(parse("not(a pr)"), not(pr("a")));
    assert_eq!(parse("NOT (a pr or b pr)"), not(or(pr("a"), pr("b"))));
    assert_eq!(parse("not (not (a pr))"), not(not(pr("a"))));
    // RFC 7644 §3.4.2.2 example.
    assert_eq!(
        parse(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        and(
            cmp("userType", CompareOp::Ne, s("Employee")),
            not(or(
                cmp("emails", CompareOp::Co, s("example.com")),
                cmp("emails.value", CompareOp::Co, s("example.org"))
            ))
        )
    );
    // An attribute may be called `not`, `and` or `or`.
    assert_eq!(parse("not pr"), pr("not"));
    assert_eq!(
        parse(r#"not eq "x" and and pr"#),
        and(eq_str("not", "x"), pr("and"))
    );
}

#[test]
fn rfc_examples() {
    for text in [
        r#"userName Eq "john""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ] {
        Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn value_paths() {
    assert_eq!(
        parse(r#"emails[type eq "work" and primary eq true]"#),
        vp(
            "emails",
            and(
                eq_str("type", "work"),
                cmp("primary", CompareOp::Eq, CompValue::Bool(true))
            )
        )
    );
    // Errata 7322: parentheses and `not` inside a value filter.
    assert_eq!(
        parse(r#"emails[type eq "work" or (type eq "home" and not (value ew "@x.com"))]"#),
        vp(
            "emails",
            or(
                eq_str("type", "work"),
                and(
                    eq_str("type", "home"),
                    not(cmp("value", CompareOp::Ew, s("@x.com")))
                )
            )
        )
    );
    assert_eq!(
        parse(r#"userName eq "a" and members[value eq "b"]"#),
        and(eq_str("userName", "a"), vp("members", eq_str("value", "b")))
    );
}

#[test]
fn urn_qualified_names() {
    let Expr::Compare { path, .. } = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    ) else {
        panic!("not a comparison");
    };
    assert_eq!(
        path.urn.as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    );
    assert_eq!((path.name.as_str(), path.sub), ("employeeNumber", None));

    let Expr::Compare { path, .. } =
        parse(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m""#)
    else {
        panic!("not a comparison");
    };
    assert_eq!(
        (path.name.as_str(), path.sub.as_deref()),
        ("manager", Some("value"))
    );
}

#[test]
fn names_are_kept_as_written() {
    assert_eq!(
        parse(r#"DisplayName eq "BobIsAmazing""#),
        eq_str("DisplayName", "BobIsAmazing")
    );
    assert_eq!(parse("name.FamilyName pr"), pr("name.FamilyName"));
}

#[test]
fn what_okta_and_entra_send() {
    // Okta (idp-wire OK-4, OK-9) and Entra (EN-1, EN-3, EN-9).
    assert_eq!(parse(r#"userName eq "a@b""#), eq_str("userName", "a@b"));
    assert_eq!(
        parse(r#"displayName eq "Sales Team""#),
        eq_str("displayName", "Sales Team")
    );
    // EN-3: an unquoted value.
    assert_eq!(
        parse("externalId eq jyoung"),
        eq_str("externalId", "jyoung")
    );
    // EN-7: the manager query of the legacy engine.
    assert_eq!(
        parse(r#"id eq "x" and manager eq "y""#),
        and(eq_str("id", "x"), eq_str("manager", "y"))
    );
    // EN-3: matching on mail. Figure 1 has no `valuePath.subAttr` in filters;
    // it means the same element satisfies both, so it folds into the brackets.
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "user@contoso.com""#),
        vp(
            "emails",
            and(eq_str("type", "work"), eq_str("value", "user@contoso.com"))
        )
    );
    round_trip(
        r#"emails[type eq "work"].value eq "x""#,
        r#"emails[type eq "work" and value eq "x"]"#,
    );
    round_trip(
        r#"emails[type eq "work" or type eq "home"].value pr"#,
        r#"emails[(type eq "work" or type eq "home") and value pr]"#,
    );
    // §8.3: a boolean compared with a string.
    assert_eq!(
        parse(r#"roles[primary eq "True"]"#),
        vp("roles", eq_str("primary", "True"))
    );
    // §5.3, the reference Postman suite: unquoted values with dots and a
    // closing parenthesis right after one.
    assert_eq!(
        parse(
            "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)"
        ),
        and(
            eq_str("name.FamilyName", "Employee"),
            or(
                cmp("emails.Value", CompareOp::Co, s("example.com")),
                cmp("emails.Value", CompareOp::Co, s("example.org"))
            )
        )
    );
    assert_eq!(
        parse("userName sw O"),
        cmp("userName", CompareOp::Sw, s("O"))
    );
    assert_eq!(
        parse("meta.Created gt 2024-01-31T09:00:00Z"),
        cmp("meta.Created", CompareOp::Gt, s("2024-01-31T09:00:00Z"))
    );
    // After URL decoding Entra's `+`: extra spaces and tabs are fine.
    assert_eq!(parse("  userName   eq\t\"a\"  "), eq_str("userName", "a"));
}

#[test]
fn printing_is_canonical_and_round_trips() {
    round_trip(r#"userName EQ "a""#, r#"userName eq "a""#);
    round_trip("externalId eq jyoung", r#"externalId eq "jyoung""#);
    round_trip("a pr or b pr and c pr", "a pr or b pr and c pr");
    round_trip("(a pr or b pr) and c pr", "(a pr or b pr) and c pr");
    round_trip("a pr and (b pr and c pr)", "a pr and (b pr and c pr)");
    round_trip("a pr or (b pr or c pr)", "a pr or (b pr or c pr)");
    round_trip("(a pr or b pr) or c pr", "a pr or b pr or c pr");
    round_trip("((a pr and b pr)) or c pr", "a pr and b pr or c pr");
    round_trip("NOT (a pr)", "not (a pr)");
    round_trip("x eq -1.50E+3", "x eq -1.50E+3");
    round_trip("x eq True", "x eq true");
    round_trip("x eq NULL", "x eq null");
    round_trip(
        r#"x eq "quote\" back\\ nl\n tab\t ctl\u0001 é""#,
        r#"x eq "quote\" back\\ nl\n tab\t ctl\u0001 é""#,
    );
    round_trip(
        r#"emails[not (type eq "work")] and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
        r#"emails[not (type eq "work")] and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
    );
    assert_eq!(
        Filter::new(and(pr("a"), or(pr("b"), pr("c")))).to_string(),
        "a pr and (b pr or c pr)"
    );
    assert_eq!(
        Filter::new(not(and(pr("a"), pr("b")))).to_string(),
        "not (a pr and b pr)"
    );
}

#[test]
fn errors_point_at_the_problem() {
    for (text, expected) in [
        (
            "userName eqq \"x\"",
            "unknown operator \"eqq\" at position 9",
        ),
        (
            "userName eq \"abc",
            "unterminated string starting at position 12",
        ),
        (r#"(userName eq "x"))"#, "unexpected ')' at position 17"),
        ("", "empty filter at position 0"),
        ("   ", "empty filter at position 3"),
        (
            "userName",
            "expected an operator after \"userName\", found end of filter at position 8",
        ),
        (
            r#"userName "x""#,
            "expected an operator after \"userName\", found string \"x\" at position 9",
        ),
        (
            "userName eq",
            "expected a value after \"eq\", found end of filter at position 11",
        ),
        (
            "userName eq (",
            "expected a value after \"eq\", found '(' at position 12",
        ),
        (
            r#"userName eq "x" and"#,
            "unexpected end of filter at position 19",
        ),
        (
            r#"userName eq "x" foo"#,
            "unexpected \"foo\" at position 16",
        ),
        (r#"(userName eq "x""#, "unclosed '(' at position 0"),
        (r#"emails[type eq "x""#, "unclosed '[' at position 6"),
        (r#"emails[type eq "x")"#, "unexpected ')' at position 18"),
        (
            "not userName pr",
            "expected '(' after \"not\", found \"userName\" at position 4",
        ),
        (
            "1userName pr",
            "invalid attribute name \"1userName\" at position 0",
        ),
        ("a.b.c pr", "invalid attribute name \"a.b.c\" at position 0"),
        (
            "urn:x: pr",
            "invalid attribute name \"urn:x:\" at position 0",
        ),
        ("a[b[c pr]]", "value filters cannot be nested at position 3"),
        (
            "name.givenName[x pr]",
            "'[' must follow an attribute, not the sub-attribute \"name.givenName\" at position 14",
        ),
        (
            r#"x eq "a\qb""#,
            "invalid escape \"\\q\" in string at position 7",
        ),
        (
            r#"x eq "\ud83d""#,
            "invalid \\u escape in string at position 6",
        ),
        (
            r#"x eq "\u12""#,
            "invalid \\u escape in string at position 6",
        ),
        (
            "x eq \"a\u{1}\"",
            "control character in string at position 7",
        ),
        (
            r#"emails[type eq "work"].value"#,
            "expected an operator after \"value\", found end of filter at position 28",
        ),
        (
            r#"emails[type eq "work"].1x eq "a""#,
            "invalid sub-attribute \".1x\" at position 22",
        ),
        (
            r#"emails[type eq "work"] .value eq "x""#,
            "unexpected \".value\" at position 23",
        ),
        ("]", "unexpected ']' at position 0"),
        (
            r#""x" eq userName"#,
            "unexpected string \"x\" at position 0",
        ),
    ] {
        assert_eq!(err(text), expected, "{text}");
    }
}

#[test]
fn errors_become_invalid_filter() {
    let e: crate::Error = Filter::parse("userName eqq \"x\"").unwrap_err().into();
    assert_eq!(e.status, 400);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert_eq!(
        e.detail,
        "invalid filter: unknown operator \"eqq\" at position 9"
    );
}

#[test]
fn error_details_stay_short() {
    let long = "a".repeat(500);
    let e = err(&format!("userName {long} \"x\""));
    assert!(e.len() < 100, "{e}");
}

#[test]
fn positions_are_byte_offsets() {
    assert_eq!(
        err("displayName eq \"é\" oops"),
        "unexpected \"oops\" at position 20"
    );
}

#[test]
fn length_limit() {
    let ok = format!("x eq \"{}\"", "a".repeat(MAX_LENGTH - 7));
    assert_eq!(ok.len(), MAX_LENGTH);
    assert!(Filter::parse(&ok).is_ok());
    let long = format!("x eq \"{}\"", "a".repeat(MAX_LENGTH - 6));
    assert_eq!(
        err(&long),
        "filter is longer than 4096 bytes at position 4096"
    );
    // The position is a character boundary even inside a multi-byte character.
    let wide = format!("xy eq \"{}\"", "é".repeat(MAX_LENGTH / 2));
    assert_eq!(
        err(&wide),
        "filter is longer than 4096 bytes at position 4095"
    );
    let e = crate::path::PatchPath::parse(&"a".repeat(MAX_LENGTH + 1)).unwrap_err();
    assert_eq!(
        e.detail,
        "invalid path: path is longer than 4096 bytes at position 4096"
    );
}

#[test]
fn depth_limit() {
    let nest = |n: usize| format!("{}a pr{}", "(".repeat(n), ")".repeat(n));
    assert!(Filter::parse(&nest(MAX_DEPTH)).is_ok());
    assert_eq!(
        err(&nest(MAX_DEPTH + 1)),
        "filter nests deeper than 32 levels at position 32"
    );
    let nots = |n: usize| format!("{}a pr{}", "not (".repeat(n), ")".repeat(n));
    assert!(Filter::parse(&nots(MAX_DEPTH)).is_ok());
    assert!(err(&nots(MAX_DEPTH + 1)).starts_with("filter nests deeper than 32 levels"));
    // A value filter is a level too.
    let deep_in_brackets = format!(
        "emails[{}a pr{}]",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(err(&deep_in_brackets).starts_with("filter nests deeper than 32 levels"));
    // Far beyond the limit, within the length limit: an error, not a stack overflow.
    assert!(err(&"(".repeat(MAX_LENGTH)).starts_with("filter nests deeper"));
    assert!(err(&"not (".repeat(MAX_LENGTH / 5)).starts_with("filter nests deeper"));
}

#[test]
fn comparison_limit() {
    let chain = |n: usize| vec!["a pr"; n].join(" or ");
    assert!(Filter::parse(&chain(MAX_COMPARISONS)).is_ok());
    assert!(err(&chain(MAX_COMPARISONS + 1)).starts_with("filter has more than 200 comparisons"));
    // Long flat chains are parsed without recursion.
    let f = Filter::parse(&chain(MAX_COMPARISONS)).unwrap();
    assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
}

#[test]
fn from_str() {
    let f: Filter = "title pr".parse().unwrap();
    assert_eq!(f.expr(), &pr("title"));
}
