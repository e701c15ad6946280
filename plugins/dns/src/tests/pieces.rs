//! The pure pieces: names and zones, canonical values, the zone file parser and writer, the
//! serial, and the rollback rule.

#![allow(
    clippy::unreadable_literal,
    reason = "serials and dates read as YYYYMMDDnn"
)]

use crate::model::{Action, Change, RrData, rollback_target};
use crate::names;
use crate::values::{Relative, canonical};
use crate::zonefile::{ZoneFile, next_serial};

fn check_value(rtype: &str, input: &str, expect: Result<&str, &str>) {
    let got = canonical(
        rtype,
        input,
        Relative::Params {
            domain: "example.com",
        },
    );
    match (got, expect) {
        (Ok(g), Ok(e)) => assert_eq!(g, e, "{rtype} `{input}`"),
        (Err(g), Err(e)) => assert!(g.contains(e), "{rtype} `{input}`: error `{g}` lacks `{e}`"),
        (g, e) => panic!("{rtype} `{input}`: got {g:?}, expected {e:?}"),
    }
}

#[test]
fn values_take_one_canonical_form() {
    check_value("A", "203.0.113.10", Ok("203.0.113.10"));
    check_value("A", " 203.0.113.10 ", Ok("203.0.113.10"));
    check_value("A", "203.0.113", Err("not an IPv4 address"));
    check_value("A", "0177.0.0.1", Err("not an IPv4 address"));
    check_value("A", "::1", Err("not an IPv4 address"));
    check_value("AAAA", "2001:DB8:0:0::1", Ok("2001:db8::1"));
    check_value("AAAA", "2001:db8::g", Err("not an IPv6 address"));
    check_value("CNAME", "www.example.net", Ok("www.example.net."));
    check_value("CNAME", "www.example.net.", Ok("www.example.net."));
    check_value("CNAME", "@", Ok("example.com."));
    check_value("CNAME", "shop", Ok("shop.example.com."));
    check_value("CNAME", "Bücher.example", Ok("xn--bcher-kva.example."));
    check_value("CNAME", "bad_host!.example", Err("contains `!`"));
    check_value("MX", "10 mail", Ok("10 mail.example.com."));
    check_value("MX", "10   mx.example.net.", Ok("10 mx.example.net."));
    check_value("MX", "0 .", Ok("0 ."));
    check_value("MX", "mail.example.com", Err("priority host"));
    check_value("MX", "70000 mail", Err("priority"));
    check_value("TXT", "v=spf1 -all", Ok("\"v=spf1 -all\""));
    check_value("TXT", "say \"hi\" \\o/", Ok(r#""say \"hi\" \\o/""#));
    check_value(
        "TXT",
        "\"already\" \"quoted\"",
        Ok("\"already\" \"quoted\""),
    );
    check_value("TXT", "grüße", Ok("\"gr\\195\\188\\195\\159e\""));
    check_value("TXT", "\"unterminated", Err("unterminated"));
    let long = "a".repeat(300);
    check_value(
        "TXT",
        &long,
        Ok(&format!("\"{}\" \"{}\"", "a".repeat(255), "a".repeat(45))),
    );
    check_value("TXT", &format!("\"{long}\""), Err("at most 255"));
    check_value("TXT", &"b".repeat(5000), Err("at most 4000"));
}

#[test]
fn provider_values_read_relative_names_against_the_zone() {
    let rel = Relative::Origin("example.com");
    assert_eq!(
        canonical("MX", "10 mail.example.net", rel).unwrap(),
        "10 mail.example.net.example.com."
    );
    assert_eq!(
        canonical("CNAME", "WWW.Example.NET.", rel).unwrap(),
        "www.example.net."
    );
    assert_eq!(
        canonical("TXT", "\"v=spf1 -all\"", rel).unwrap(),
        "\"v=spf1 -all\""
    );
    assert_eq!(
        canonical("TXT", "\"gr\\195\\188\\195\\159e\"", rel).unwrap(),
        canonical("TXT", "\"grüße\"", rel).unwrap()
    );
}

#[test]
fn names_are_normalized_and_validated() {
    assert_eq!(
        names::normalize("WWW.Example.COM.", false).unwrap(),
        "www.example.com"
    );
    assert_eq!(
        names::normalize("_dmarc.example.com", false).unwrap(),
        "_dmarc.example.com"
    );
    assert_eq!(
        names::normalize("*.example.com", true).unwrap(),
        "*.example.com"
    );
    assert!(names::normalize("*.example.com", false).is_err());
    assert!(names::normalize("a.*.example.com", true).is_err());
    assert!(names::normalize("a..example.com", false).is_err());
    assert!(names::normalize("-a.example.com", false).is_err());
    assert!(names::normalize("../../etc/passwd", false).is_err());
    assert!(names::normalize(&format!("{}.com", "a".repeat(64)), false).is_err());
    assert_eq!(
        names::resolve_owner("@", "example.com").unwrap(),
        "example.com"
    );
    assert_eq!(
        names::resolve_owner("www", "example.com").unwrap(),
        "www.example.com"
    );
    assert_eq!(
        names::resolve_owner("a.b", "example.com").unwrap(),
        "a.b.example.com"
    );
    assert_eq!(
        names::resolve_owner("mail.example.com.", "example.com").unwrap(),
        "mail.example.com"
    );
    assert_eq!(names::relative("example.com", "example.com"), "@");
    assert_eq!(names::relative("a.b.example.com", "example.com"), "a.b");
}

#[test]
fn zone_is_the_longest_matching_suffix_not_the_last_two_labels() {
    let zones = ["co.uk", "example.co.uk", "example.com", "ample.co.uk"];
    let check = |domain: &str, expect: Option<&str>| {
        assert_eq!(
            names::longest_suffix(domain, zones.iter().copied()),
            expect,
            "{domain}"
        );
    };
    check("shop.example.co.uk", Some("example.co.uk"));
    check("example.co.uk", Some("example.co.uk"));
    check("other.co.uk", Some("co.uk"));
    check("badexample.com", None);
    check("a.b.example.com", Some("example.com"));
    check("example.org", None);
    assert_eq!(
        names::suffixes("shop.example.co.uk"),
        vec!["shop.example.co.uk", "example.co.uk", "co.uk"]
    );
}

#[test]
fn serial_is_date_based_and_always_increases() {
    assert_eq!(next_serial(0, 20260528), 2026052800);
    assert_eq!(next_serial(2026052707, 20260528), 2026052800);
    assert_eq!(next_serial(2026052800, 20260528), 2026052801);
    assert_eq!(
        next_serial(2026060100, 20260528),
        2026060101,
        "a serial ahead of the clock still goes up"
    );
    assert_eq!(next_serial(1, 20260528), 2026052800);
}

const HAND_WRITTEN: &str = r#"; zone for example.com, edited by hand
$ORIGIN example.com.
$TTL 1h
@   IN  SOA ns1.example.com. hostmaster.example.com. (
        2024010105 ; serial
        2h         ; refresh
        1h         ; retry
        2w         ; expire
        300 )      ; minimum
    IN  NS  ns1
    IN  NS  ns2.example.net.
; the web server
www 300 IN A 192.0.2.1 ; primary
        IN A 192.0.2.2
mail    IN  A   192.0.2.25
@       IN  MX  10 mail
txt     IN  TXT "v=spf1 include:_spf.example.net -all" "second string"
$ORIGIN sub.example.com.
deep    IN  CNAME www.example.com.
; end of file
"#;

#[test]
fn parses_a_hand_written_master_file() {
    let z = ZoneFile::parse(HAND_WRITTEN, "example.com").unwrap();
    assert_eq!(z.default_ttl, 3600);
    assert_eq!(z.serial(), Some(2024010105));
    let at = |name: &str, t: &str| {
        z.rrsets_at(name)
            .into_iter()
            .find(|s| s.rtype == t)
            .map(|s| (s.data.ttl, s.data.values))
            .unwrap()
    };
    assert_eq!(
        at("example.com", "NS").1,
        vec!["ns1.example.com.", "ns2.example.net."]
    );
    assert_eq!(
        at("www.example.com", "A"),
        (300, vec!["192.0.2.1".to_owned(), "192.0.2.2".to_owned()])
    );
    assert_eq!(at("example.com", "MX").1, vec!["10 mail.example.com."]);
    assert_eq!(
        at("txt.example.com", "TXT").1,
        vec!["\"v=spf1 include:_spf.example.net -all\" \"second string\""]
    );
    assert_eq!(
        at("deep.sub.example.com", "CNAME").1,
        vec!["www.example.com."]
    );
    let soa = at("example.com", "SOA").1;
    assert_eq!(
        soa,
        vec!["ns1.example.com. hostmaster.example.com. 2024010105 7200 3600 1209600 300"]
    );
}

#[test]
fn written_file_parses_back_to_the_same_zone() {
    let z = ZoneFile::parse(HAND_WRITTEN, "example.com").unwrap();
    let text = z.render();
    let again = ZoneFile::parse(&text, "example.com").unwrap();
    assert_eq!(again.records.len(), z.records.len());
    for (a, b) in z.records.iter().zip(&again.records) {
        assert_eq!(
            (&a.owner, a.ttl, &a.rtype, &a.rdata),
            (&b.owner, b.ttl, &b.rtype, &b.rdata)
        );
    }
    assert!(text.contains("; the web server"), "{text}");
    assert!(text.contains("; primary"), "{text}");
    assert!(text.contains("; end of file"), "{text}");
}

#[test]
fn reports_every_broken_line_at_once() {
    let text = "$ORIGIN example.com.\n$TTL 3600\nwww IN A 999.1.1.1\n$INCLUDE other.zone\nmx IN MX ten mail\nok IN A 192.0.2.1\n";
    let err = ZoneFile::parse(text, "example.com").unwrap_err();
    assert!(err.contains("line 3") && err.contains("999.1.1.1"), "{err}");
    assert!(err.contains("line 4") && err.contains("$INCLUDE"), "{err}");
    assert!(err.contains("line 5"), "{err}");
}

fn data(ttl: u32, values: &[&str]) -> RrData {
    RrData {
        ttl,
        values: values.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn change(before: Option<RrData>, after: RrData) -> Change {
    Change {
        action: if before.is_some() {
            Action::Update
        } else {
            Action::Create
        },
        zone: "example.com".into(),
        name: "www.example.com".into(),
        rtype: "A".into(),
        before,
        after: Some(after),
    }
}

#[test]
fn rollback_takes_out_what_we_added_and_puts_back_what_we_removed() {
    let c = change(
        Some(data(300, &["1.1.1.1", "2.2.2.2"])),
        data(600, &["2.2.2.2", "3.3.3.3"]),
    );
    // Nothing changed since: back to exactly before.
    assert_eq!(
        rollback_target(&c, Some(&data(600, &["2.2.2.2", "3.3.3.3"]))),
        Some(data(300, &["2.2.2.2", "1.1.1.1"]))
    );
    // Someone added 4.4.4.4 since: it stays.
    assert_eq!(
        rollback_target(&c, Some(&data(600, &["2.2.2.2", "3.3.3.3", "4.4.4.4"]))),
        Some(data(300, &["2.2.2.2", "4.4.4.4", "1.1.1.1"]))
    );
    // Someone changed the TTL since: theirs stays.
    assert_eq!(
        rollback_target(&c, Some(&data(60, &["2.2.2.2", "3.3.3.3"]))),
        Some(data(60, &["2.2.2.2", "1.1.1.1"]))
    );
    // The write never happened (rollback from the checkpoint): nothing changes.
    assert_eq!(
        rollback_target(&c, Some(&data(300, &["1.1.1.1", "2.2.2.2"]))),
        Some(data(300, &["1.1.1.1", "2.2.2.2"]))
    );
    // A created set goes away, unless someone else added to it.
    let created = change(None, data(300, &["5.5.5.5"]));
    assert_eq!(
        rollback_target(&created, Some(&data(300, &["5.5.5.5"]))),
        None
    );
    assert_eq!(
        rollback_target(&created, Some(&data(300, &["5.5.5.5", "6.6.6.6"]))),
        Some(data(300, &["6.6.6.6"]))
    );
    assert_eq!(rollback_target(&created, None), None);
    // Someone deleted the set we replaced: our removed values come back, ours do not.
    assert_eq!(rollback_target(&c, None), Some(data(300, &["1.1.1.1"])));
}
