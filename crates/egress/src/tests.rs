//! Spec tests for the egress decisions, data-driven through `check` helpers: every attack the
//! policy must stop, and the requests it must still let through.

use std::net::IpAddr;

use super::*;

fn rules(texts: &[&str]) -> Vec<EgressRule> {
    texts
        .iter()
        .map(|t| EgressRule::parse(t).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// What a check should come to.
#[derive(Debug, Clone, Copy)]
enum Expect<'a> {
    /// Allowed, by this rule.
    Allow(&'a str),
    /// Denied with this kind, and the message for plugin `dns` contains every fragment.
    Deny(DenialKind, &'a [&'a str]),
}

fn assert_outcome<T: fmt::Debug>(
    what: &str,
    got: Result<T, Denial>,
    expect: &Expect<'_>,
    rule_of: impl Fn(&T) -> String,
) {
    match (got, expect) {
        (Ok(v), Expect::Allow(rule)) => {
            assert_eq!(rule_of(&v), *rule, "{what}: allowed by the wrong rule");
        }
        (Err(d), Expect::Deny(kind, fragments)) => {
            assert_eq!(d.kind, *kind, "{what}: {}", d.message("dns"));
            let msg = d.message("dns");
            for f in *fragments {
                assert!(msg.contains(f), "{what}: message lacks `{f}`: {msg}");
            }
        }
        (Ok(v), Expect::Deny(..)) => {
            panic!("{what}: allowed ({v:?}) but should be denied: {expect:?}")
        }
        (Err(d), Expect::Allow(_)) => {
            panic!("{what}: denied but should be allowed: {}", d.message("dns"))
        }
    }
}

fn check(policy: &[&str], url: &str, expect: Expect<'_>) {
    let got = check_url(url, &rules(policy));
    assert_outcome(url, got, &expect, |c| c.rule().to_owned());
}

fn check_addr(policy: &[&str], ip: &str, expect: Expect<'_>) {
    let ip: IpAddr = ip.parse().unwrap();
    let got = check_ip(ip, "allowed.example", &rules(policy));
    assert_outcome(&ip.to_string(), got, &expect, |()| String::new());
}

fn check_hop(policy: &[&str], from: &str, location: &str, expect: Expect<'_>) {
    let rules = rules(policy);
    let from = check_url(from, &rules).unwrap();
    let got = check_redirect(&from, location, &rules);
    assert_outcome(location, got, &expect, |c| c.rule().to_owned());
}

const HETZNER: &[&str] = &["https://api.hetzner.cloud"];

#[test]
fn allows_the_listed_origin_with_any_path_and_query() {
    check(
        HETZNER,
        "https://api.hetzner.cloud/v1/zones?name=example.com",
        Expect::Allow("https://api.hetzner.cloud"),
    );
    check(
        HETZNER,
        "https://api.hetzner.cloud:443/v1",
        Expect::Allow("https://api.hetzner.cloud"),
    );
}

#[test]
fn denies_a_host_not_on_the_list_and_names_the_key_to_set() {
    check(
        HETZNER,
        "https://evil.example/steal",
        Expect::Deny(
            DenialKind::HostNotAllowed,
            &[
                "plugin `dns`",
                "evil.example",
                "`https://api.hetzner.cloud`",
                "add `https://evil.example` to `plugins.dns.egress`",
            ],
        ),
    );
    check(
        &[],
        "https://api.hetzner.cloud/",
        Expect::Deny(DenialKind::HostNotAllowed, &["rules: none"]),
    );
}

#[test]
fn denies_the_right_host_on_the_wrong_port_or_scheme() {
    check(
        HETZNER,
        "https://api.hetzner.cloud:8443/v1",
        Expect::Deny(
            DenialKind::WrongSchemeOrPort,
            &["port 8443", "`https://api.hetzner.cloud:8443`"],
        ),
    );
    check(
        HETZNER,
        "http://api.hetzner.cloud/v1",
        Expect::Deny(
            DenialKind::WrongSchemeOrPort,
            &[
                "http on port 80",
                "allowed only as `https://api.hetzner.cloud`",
            ],
        ),
    );
    check(
        &["https://api.example.com:8443"],
        "https://api.example.com/",
        Expect::Deny(DenialKind::WrongSchemeOrPort, &[]),
    );
    check(
        &["https://api.example.com:8443"],
        "https://api.example.com:8443/",
        Expect::Allow("https://api.example.com:8443"),
    );
}

#[test]
fn denies_userinfo_and_names_the_real_host() {
    check(
        &["http://allowed.example"],
        "http://allowed.example@evil.example/",
        Expect::Deny(DenialKind::Userinfo, &["really reach is `evil.example`"]),
    );
    // Even towards an allowed host: userinfo is never sent, and never echoed.
    let denial = check_url(
        "https://mallory:hunter2@api.hetzner.cloud/",
        &rules(HETZNER),
    )
    .unwrap_err();
    assert_eq!(denial.kind, DenialKind::Userinfo);
    assert!(
        !denial.message("dns").contains("hunter2"),
        "{}",
        denial.message("dns")
    );
    assert!(
        !denial.message("dns").contains("mallory"),
        "{}",
        denial.message("dns")
    );
}

#[test]
fn sees_through_url_tricks_to_the_real_host() {
    // WHATWG parsing: a fragment or backslash does not move the host.
    check(
        &["http://allowed.example"],
        "http://evil.example#@allowed.example/",
        Expect::Deny(DenialKind::HostNotAllowed, &["evil.example"]),
    );
    check(
        &["http://allowed.example"],
        "http://allowed.example.evil.example/",
        Expect::Deny(DenialKind::HostNotAllowed, &[]),
    );
    check(
        &["http://allowed.example"],
        "http://allowed.example\\@evil.example/",
        Expect::Allow("http://allowed.example"),
    );
}

#[test]
fn denies_ip_literals_in_every_spelling() {
    for url in [
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://127.0.0.%31/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    ] {
        check(
            HETZNER,
            url,
            Expect::Deny(
                DenialKind::IpLiteral,
                &["127.0.0.1", "loopback", "plugins.dns.egress"],
            ),
        );
    }
    check(
        HETZNER,
        "http://[::1]:8080/",
        Expect::Deny(DenialKind::IpLiteral, &["::1", "loopback"]),
    );
    check(
        HETZNER,
        "http://169.254.169.254/latest/meta-data/",
        Expect::Deny(DenialKind::IpLiteral, &["cloud metadata"]),
    );
    check(
        HETZNER,
        "http://0/",
        Expect::Deny(DenialKind::IpLiteral, &["0.0.0.0"]),
    );
    // A public literal is still a literal: only a rule naming it lets it through.
    check(
        HETZNER,
        "https://8.8.8.8/",
        Expect::Deny(DenialKind::IpLiteral, &["public address"]),
    );
}

#[test]
fn allows_ip_literals_a_rule_lists() {
    let local = &["http://127.0.0.1:*"];
    check(
        local,
        "http://127.0.0.1:8081/api/v1/servers",
        Expect::Allow("http://127.0.0.1:*"),
    );
    check(
        local,
        "http://2130706433:8081/",
        Expect::Allow("http://127.0.0.1:*"),
    );
    check(
        local,
        "http://[::ffff:127.0.0.1]:8081/",
        Expect::Allow("http://127.0.0.1:*"),
    );
    check(
        local,
        "https://127.0.0.1:8081/",
        Expect::Deny(DenialKind::IpLiteral, &[]),
    );
    check(
        local,
        "http://127.0.0.2:8081/",
        Expect::Deny(DenialKind::IpLiteral, &[]),
    );
    check(
        &["http://127.0.0.1:8081"],
        "http://127.0.0.1:8082/",
        Expect::Deny(DenialKind::IpLiteral, &[]),
    );
    check(
        &["10.0.0.0/8"],
        "http://10.1.2.3:9000/",
        Expect::Allow("10.0.0.0/8"),
    );
    check(&["::1"], "http://[::1]:8080/", Expect::Allow("::1"));
    check(&["[::1]"], "http://[::1]/", Expect::Allow("[::1]"));
}

#[test]
fn denies_other_schemes() {
    for url in [
        "file:///etc/passwd",
        "ftp://api.hetzner.cloud/",
        "gopher://api.hetzner.cloud:70/",
        "data:text/plain,hi",
    ] {
        check(
            HETZNER,
            url,
            Expect::Deny(DenialKind::UnsupportedScheme, &["http"]),
        );
    }
    check(
        HETZNER,
        "api.hetzner.cloud/v1",
        Expect::Deny(DenialKind::InvalidUrl, &[]),
    );
}

#[test]
fn matches_names_case_insensitively_without_trailing_dot_and_through_idna() {
    check(
        HETZNER,
        "HTTPS://API.Hetzner.Cloud./v1",
        Expect::Allow("https://api.hetzner.cloud"),
    );
    let idn = &["https://Bücher.Example"];
    check(
        idn,
        "https://xn--bcher-kva.example/",
        Expect::Allow("https://Bücher.Example"),
    );
    check(
        idn,
        "https://BÜCHER.example./",
        Expect::Allow("https://Bücher.Example"),
    );
    check(
        &["https://api.example.com."],
        "https://api.example.com/",
        Expect::Allow("https://api.example.com."),
    );
}

#[test]
fn wildcards_cover_strict_subdomains_only() {
    let wild = &["https://*.example.com"];
    check(
        wild,
        "https://a.example.com/",
        Expect::Allow("https://*.example.com"),
    );
    check(
        wild,
        "https://a.b.example.com/",
        Expect::Allow("https://*.example.com"),
    );
    check(
        wild,
        "https://A.EXAMPLE.COM./",
        Expect::Allow("https://*.example.com"),
    );
    for url in [
        "https://example.com/",
        "https://evil-example.com/",
        "https://aexample.com/",
        "https://example.com.evil.net/",
        "https://a.example.com.evil.net/",
        "https://.example.com/",
    ] {
        let got = check_url(url, &rules(wild));
        assert!(
            got.is_err(),
            "{url} must not match `*.example.com`: {got:?}"
        );
    }
    check(
        wild,
        "http://a.example.com/",
        Expect::Deny(DenialKind::WrongSchemeOrPort, &[]),
    );
    check(
        wild,
        "https://a.example.com:8443/",
        Expect::Deny(DenialKind::WrongSchemeOrPort, &[]),
    );
    check(
        &["https://*.example.com:*"],
        "https://a.example.com:8443/",
        Expect::Allow("https://*.example.com:*"),
    );
}

#[test]
fn denies_special_addresses_a_name_resolves_to() {
    check_addr(
        HETZNER,
        "127.0.0.1",
        Expect::Deny(
            DenialKind::SpecialAddress(SpecialClass::Loopback),
            &[
                "`allowed.example` resolved to 127.0.0.1",
                "add `127.0.0.1` to `plugins.dns.egress`",
            ],
        ),
    );
    check_addr(
        HETZNER,
        "169.254.169.254",
        Expect::Deny(
            DenialKind::SpecialAddress(SpecialClass::CloudMetadata),
            &["cloud metadata"],
        ),
    );
    check_addr(
        HETZNER,
        "fd00:ec2::254",
        Expect::Deny(DenialKind::SpecialAddress(SpecialClass::CloudMetadata), &[]),
    );
    let cases = [
        ("10.1.2.3", SpecialClass::Private),
        ("172.31.255.1", SpecialClass::Private),
        ("192.168.1.1", SpecialClass::Private),
        ("fc00::1", SpecialClass::Private),
        ("fdab::1", SpecialClass::Private),
        ("169.254.1.1", SpecialClass::LinkLocal),
        ("fe80::1", SpecialClass::LinkLocal),
        ("100.64.0.1", SpecialClass::SharedAddressSpace),
        ("100.127.255.254", SpecialClass::SharedAddressSpace),
        ("0.0.0.0", SpecialClass::Unspecified),
        ("::", SpecialClass::Unspecified),
        ("0.1.2.3", SpecialClass::ThisNetwork),
        ("255.255.255.255", SpecialClass::Broadcast),
        ("224.0.0.1", SpecialClass::Multicast),
        ("ff02::1", SpecialClass::Multicast),
        ("192.0.2.7", SpecialClass::Documentation),
        ("198.51.100.7", SpecialClass::Documentation),
        ("203.0.113.7", SpecialClass::Documentation),
        ("2001:db8::1", SpecialClass::Documentation),
        ("198.18.0.1", SpecialClass::Benchmarking),
        ("240.0.0.1", SpecialClass::Reserved),
        ("::1", SpecialClass::Loopback),
        // IPv4 embedded in IPv6: mapped, compatible, NAT64, 6to4.
        ("::ffff:127.0.0.1", SpecialClass::Loopback),
        ("::ffff:169.254.169.254", SpecialClass::CloudMetadata),
        ("::ffff:10.0.0.1", SpecialClass::Private),
        ("::127.0.0.1", SpecialClass::Loopback),
        ("64:ff9b::7f00:1", SpecialClass::Loopback),
        ("2002:a9fe:a9fe::1", SpecialClass::CloudMetadata),
        ("::8.8.8.8", SpecialClass::Reserved),
        ("100::1", SpecialClass::Reserved),
        ("192.0.0.192", SpecialClass::CloudMetadata),
    ];
    for (ip, class) in cases {
        let shown = ip.parse::<IpAddr>().unwrap().to_string();
        check_addr(
            HETZNER,
            ip,
            Expect::Deny(DenialKind::SpecialAddress(class), &[&shown]),
        );
    }
}

#[test]
fn lets_public_addresses_through() {
    for ip in [
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.1",
        "2606:4700::1111",
        "2a01:4f8::1",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ] {
        check_addr(&[], ip, Expect::Allow(""));
    }
}

#[test]
fn allows_special_addresses_a_rule_lists() {
    check_addr(&["http://127.0.0.1:*"], "127.0.0.1", Expect::Allow(""));
    check_addr(
        &["http://127.0.0.1:*"],
        "::ffff:127.0.0.1",
        Expect::Allow(""),
    );
    check_addr(
        &["http://127.0.0.1:*"],
        "127.0.0.2",
        Expect::Deny(DenialKind::SpecialAddress(SpecialClass::Loopback), &[]),
    );
    check_addr(&["127.0.0.0/8"], "127.9.9.9", Expect::Allow(""));
    check_addr(&["10.0.0.0/8"], "10.200.0.1", Expect::Allow(""));
    check_addr(&["10.0.0.0/8"], "::ffff:10.200.0.1", Expect::Allow(""));
    check_addr(&["10.0.0.0/8"], "11.0.0.1", Expect::Allow(""));
    check_addr(
        &["10.0.0.0/8"],
        "192.168.0.1",
        Expect::Deny(DenialKind::SpecialAddress(SpecialClass::Private), &[]),
    );
    check_addr(&["fd00::/8"], "fd12::1", Expect::Allow(""));
    check_addr(&["169.254.169.254"], "169.254.169.254", Expect::Allow(""));
    // A name rule is not an address grant.
    check_addr(
        &["https://metadata.internal"],
        "169.254.169.254",
        Expect::Deny(DenialKind::SpecialAddress(SpecialClass::CloudMetadata), &[]),
    );
}

#[test]
fn rechecks_every_redirect_hop() {
    let policy = &["https://api.example.com", "http://api.example.com"];
    check_hop(
        policy,
        "https://api.example.com/a",
        "/b?c=1",
        Expect::Allow("https://api.example.com"),
    );
    check_hop(
        policy,
        "https://api.example.com/a/b",
        "../c",
        Expect::Allow("https://api.example.com"),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "https://evil.example/x",
        Expect::Deny(
            DenialKind::HostNotAllowed,
            &["redirect from `https://api.example.com/a`", "evil.example"],
        ),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "//evil.example/x",
        Expect::Deny(DenialKind::HostNotAllowed, &[]),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "http://169.254.169.254/",
        Expect::Deny(DenialKind::Downgrade, &[]),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "https://169.254.169.254/",
        Expect::Deny(DenialKind::IpLiteral, &["cloud metadata"]),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "http://api.example.com/a",
        Expect::Deny(DenialKind::Downgrade, &["downgrades https to http"]),
    );
    check_hop(
        policy,
        "http://api.example.com/a",
        "https://api.example.com/a",
        Expect::Allow("https://api.example.com"),
    );
    check_hop(
        policy,
        "https://api.example.com/a",
        "https://x@evil.example/",
        Expect::Deny(DenialKind::Userinfo, &["evil.example"]),
    );
}

fn check_secret_case(secret: &str, url: &str, granted: &[&str], expect: Expect<'_>) {
    let rules = rules(&[
        "https://api.hetzner.cloud",
        "https://*.example.com",
        "http://127.0.0.1:*",
    ]);
    let url = check_url(url, &rules).unwrap();
    let bindings = [
        SecretBinding {
            name: "dns_token".into(),
            hosts: vec!["api.hetzner.cloud".into()],
        },
        SecretBinding {
            name: "pdns_api_key".into(),
            hosts: vec!["127.0.0.1".into(), "::1".into()],
        },
        SecretBinding {
            name: "shop_key".into(),
            hosts: vec!["*.example.com".into()],
        },
        SecretBinding {
            name: "orphan".into(),
            hosts: vec![],
        },
    ];
    let granted: Vec<String> = granted.iter().map(|s| (*s).to_owned()).collect();
    let got = check_secret(secret, &url, &bindings, &granted);
    assert_outcome(secret, got, &expect, |()| String::new());
}

#[test]
fn secrets_go_only_to_their_bound_hosts() {
    let all = &["dns_token", "pdns_api_key", "shop_key", "orphan"];
    check_secret_case(
        "dns_token",
        "https://api.hetzner.cloud/v1/zones",
        all,
        Expect::Allow(""),
    );
    check_secret_case(
        "pdns_api_key",
        "http://127.0.0.1:8081/api/v1/servers",
        all,
        Expect::Allow(""),
    );
    check_secret_case(
        "shop_key",
        "https://shop.example.com/",
        all,
        Expect::Allow(""),
    );
    check_secret_case(
        "dns_token",
        "https://shop.example.com/",
        all,
        Expect::Deny(
            DenialKind::SecretNotBound,
            &[
                "secret `dns_token` may only be sent to `api.hetzner.cloud`",
                "not to `shop.example.com`",
                "`plugins.dns.secrets.dns_token.hosts`",
            ],
        ),
    );
    check_secret_case(
        "pdns_api_key",
        "https://api.hetzner.cloud/",
        all,
        Expect::Deny(DenialKind::SecretNotBound, &[]),
    );
    check_secret_case(
        "orphan",
        "https://api.hetzner.cloud/",
        all,
        Expect::Deny(DenialKind::SecretNotBound, &["no host"]),
    );
    check_secret_case(
        "dns_token",
        "https://api.hetzner.cloud/",
        &["pdns_api_key"],
        Expect::Deny(
            DenialKind::SecretNotGranted,
            &["not granted", "`plugins.dns.secrets.dns_token`"],
        ),
    );
    check_secret_case(
        "unknown",
        "https://api.hetzner.cloud/",
        all,
        Expect::Deny(DenialKind::SecretNotGranted, &[]),
    );
}

#[test]
fn rejects_bad_rules_all_at_once() {
    let bad = [
        "ftp://files.example.com",
        "https://*",
        "https://a.*.example.com",
        "https://*example.com",
        "https://*.com",
        "https://api.example.com/v1",
        "https://user@api.example.com",
        "https://api.example.com:0",
        "https://api.example.com:99999",
        "https://api.example.com:",
        "10.0.0.1/8",
        "10.0.0.0/33",
        "api.example.com",
        "https://",
    ];
    let mut texts: Vec<&str> = bad.to_vec();
    texts.push("https://api.hetzner.cloud");
    let errors = EgressRule::parse_all(&texts).unwrap_err();
    let named: Vec<&str> = errors.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(
        named, bad,
        "every bad rule is reported, the good one is not"
    );
    let hint = errors
        .iter()
        .find(|e| e.rule == "api.example.com")
        .unwrap()
        .to_string();
    assert!(hint.contains("https://api.example.com"), "{hint}");
    let good = EgressRule::parse_all(&[
        "https://api.hetzner.cloud/",
        "http://127.0.0.1:*",
        "::1",
        "fd00::/8",
    ])
    .unwrap();
    assert_eq!(good.len(), 4);
}

#[test]
fn validates_secret_binding_hosts() {
    let ok = SecretBinding {
        name: "t".into(),
        hosts: vec![
            "api.hetzner.cloud".into(),
            "*.example.com".into(),
            "::1".into(),
        ],
    };
    assert!(ok.validate().is_ok());
    let bad = SecretBinding {
        name: "t".into(),
        hosts: vec!["*".into(), "a b".into()],
    };
    assert_eq!(bad.validate().unwrap_err().len(), 2);
}

#[test]
fn same_origin_compares_scheme_host_and_port() {
    let rules = rules(&["https://api.example.com:*", "http://api.example.com"]);
    let a = check_url("https://api.example.com/a", &rules).unwrap();
    let b = check_url("https://API.example.com./b", &rules).unwrap();
    let c = check_url("https://api.example.com:8443/a", &rules).unwrap();
    let d = check_url("http://api.example.com/a", &rules).unwrap();
    assert!(a.same_origin(&b));
    assert!(!a.same_origin(&c));
    assert!(!a.same_origin(&d));
    assert_eq!(a.port(), 443);
    assert_eq!(*a.host(), Host::Name("api.example.com".into()));
}
