//! The `zonefile` provider end to end through `TestHost`: create, merge, refuse, dry run,
//! rollback (also with someone else's changes in between), zone selection, validation.

use std::fs;
use std::path::Path;

use abp_node_sdk::testing::TestHost;
use abp_node_sdk::{NodeError, Value, json};

use super::{dry_run, execute, rollback, values_of};
use crate::zonefile::{ZoneFile, today};

fn host(dir: &Path) -> TestHost {
    TestHost::new().with_mount("zones", dir)
}

fn no_config() -> Value {
    json!({})
}

fn read_zone(dir: &Path, zone: &str) -> ZoneFile {
    let text = fs::read_to_string(dir.join(format!("{zone}.zone"))).unwrap();
    ZoneFile::parse(&text, zone).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn values_at(z: &ZoneFile, name: &str, rtype: &str) -> Vec<String> {
    z.rrsets_at(name)
        .into_iter()
        .find(|s| s.rtype == rtype)
        .map(|s| s.data.values)
        .unwrap_or_default()
}

fn site_params() -> Value {
    json!({
        "domain": "acme-consulting.test",
        "records": [
            { "name": "@", "type": "A", "values": ["203.0.113.10"] },
            { "name": "@", "type": "AAAA", "values": ["2001:db8::10"] },
            { "name": "www", "type": "CNAME", "values": ["@"] },
            { "name": "@", "type": "MX", "values": ["10 mail"], "ttl": 7200 },
            { "name": "mail", "type": "A", "values": ["203.0.113.25"] },
            { "name": "@", "type": "TXT", "values": ["v=spf1 mx -all"] },
            { "name": "_dmarc", "type": "TXT", "values": ["v=DMARC1; p=none"] }
        ]
    })
}

#[test]
fn creates_a_zone_file_with_soa_ns_and_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let out = execute(&host, &site_params(), &no_config()).unwrap();

    let z = read_zone(dir.path(), "acme-consulting.test");
    assert_eq!(z.serial(), Some(today() * 100));
    assert_eq!(
        values_at(&z, "acme-consulting.test", "NS"),
        vec!["ns1.acme-consulting.test."]
    );
    assert_eq!(
        values_at(&z, "acme-consulting.test", "A"),
        vec!["203.0.113.10"]
    );
    assert_eq!(
        values_at(&z, "acme-consulting.test", "AAAA"),
        vec!["2001:db8::10"]
    );
    assert_eq!(
        values_at(&z, "www.acme-consulting.test", "CNAME"),
        vec!["acme-consulting.test."]
    );
    assert_eq!(
        values_at(&z, "acme-consulting.test", "MX"),
        vec!["10 mail.acme-consulting.test."]
    );
    assert_eq!(
        values_at(&z, "_dmarc.acme-consulting.test", "TXT"),
        vec!["\"v=DMARC1; p=none\""]
    );
    let text = fs::read_to_string(dir.path().join("acme-consulting.test.zone")).unwrap();
    assert!(
        text.starts_with("$ORIGIN acme-consulting.test.\n$TTL 3600\n"),
        "{text}"
    );
    assert!(
        text.contains("@\t7200\tIN\tMX\t10 mail.acme-consulting.test."),
        "{text}"
    );

    assert_eq!(out.output["changed"], 7);
    assert_eq!(out.output["zone"], "acme-consulting.test");
    assert_eq!(out.output["verified"], true);
    assert_eq!(out.receipt["created_file"], true);
    assert_eq!(out.receipt["changes"].as_array().unwrap().len(), 7);
    assert_eq!(
        host.checkpoints.borrow().len(),
        1,
        "one checkpoint before the write"
    );
    assert_eq!(host.checkpoints.borrow()[0], out.receipt);
    assert_eq!(host.artifacts.borrow().len(), 1);
    assert_eq!(
        host.events
            .borrow()
            .iter()
            .filter(|(t, _)| t == "dns.rrset_changed")
            .count(),
        7
    );
    assert!(
        !dir.path().read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

#[test]
fn rolling_back_a_created_zone_file_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let out = execute(&host, &site_params(), &no_config()).unwrap();
    rollback(&host, &site_params(), &no_config(), &out.receipt).unwrap();
    assert!(!dir.path().join("acme-consulting.test.zone").exists());
    // Idempotent: a second rollback finds nothing to do and does not fail.
    rollback(&host, &site_params(), &no_config(), &out.receipt).unwrap();
}

#[test]
fn a_created_zone_file_stays_when_someone_else_added_records() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path());
    let out = execute(&host, &site_params(), &no_config()).unwrap();
    let path = dir.path().join("acme-consulting.test.zone");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("blog\tIN\tA\t198.51.100.7\n");
    fs::write(&path, text).unwrap();

    rollback(&host, &site_params(), &no_config(), &out.receipt).unwrap();
    let z = read_zone(dir.path(), "acme-consulting.test");
    assert_eq!(
        values_at(&z, "blog.acme-consulting.test", "A"),
        vec!["198.51.100.7"]
    );
    assert!(values_at(&z, "acme-consulting.test", "A").is_empty());
    assert!(values_at(&z, "www.acme-consulting.test", "CNAME").is_empty());
}

const EXISTING: &str = "\
; hand-made zone
$ORIGIN example.com.
$TTL 3600
@ IN SOA ns1.example.com. hostmaster.example.com. ( 2020010100 7200 3600 1209600 300 )
  IN NS ns1.example.com.
; the web server, keep it
www 300 IN A 192.0.2.1 ; old box
api IN AAAA 2001:db8::1
";

#[test]
fn merges_into_an_existing_file_keeping_others_records_and_comments() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let host = host(dir.path());
    let params = json!({ "domain": "example.com", "records": [
        { "name": "shop", "type": "A", "values": ["192.0.2.50", "192.0.2.51"], "ttl": 600 }
    ]});
    let out = execute(&host, &params, &no_config()).unwrap();
    assert_eq!(out.receipt["created_file"], false);

    let z = read_zone(dir.path(), "example.com");
    assert_eq!(
        z.serial(),
        Some(today() * 100),
        "serial moved to today's first"
    );
    assert_eq!(values_at(&z, "www.example.com", "A"), vec!["192.0.2.1"]);
    assert_eq!(
        values_at(&z, "api.example.com", "AAAA"),
        vec!["2001:db8::1"]
    );
    assert_eq!(
        values_at(&z, "shop.example.com", "A"),
        vec!["192.0.2.50", "192.0.2.51"]
    );
    let text = fs::read_to_string(dir.path().join("example.com.zone")).unwrap();
    assert!(
        text.contains("; the web server, keep it") && text.contains("; old box"),
        "{text}"
    );

    // A second identical run changes nothing, checkpoints nothing, keeps the serial.
    let again = execute(&host, &params, &no_config()).unwrap();
    assert_eq!(again.output["changed"], 0);
    assert_eq!(again.output["unchanged"], 1);
    assert_eq!(host.checkpoints.borrow().len(), 1);
    assert_eq!(
        read_zone(dir.path(), "example.com").serial(),
        Some(today() * 100)
    );
}

#[test]
fn refuses_to_change_an_existing_record_set_without_overwrite_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let host = host(dir.path());
    let params = json!({ "domain": "example.com", "records": [
        { "name": "www", "type": "A", "values": ["203.0.113.9"] },
        { "name": "new", "type": "A", "values": ["203.0.113.8"] }
    ]});
    let err = execute(&host, &params, &no_config()).unwrap_err();
    let NodeError::Failed(msg) = &err else {
        panic!("{err}")
    };
    assert!(
        msg.contains("`www.example.com` A already exists with 192.0.2.1 (ttl 300)"),
        "{msg}"
    );
    assert!(msg.contains("overwrite: true"), "{msg}");
    assert_eq!(
        fs::read_to_string(dir.path().join("example.com.zone")).unwrap(),
        EXISTING,
        "nothing written"
    );
    assert!(host.checkpoints.borrow().is_empty());
}

#[test]
fn rollback_restores_what_was_replaced_and_keeps_values_added_since() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let host = host(dir.path());
    let params = json!({ "domain": "example.com", "overwrite": true, "records": [
        { "name": "www", "type": "A", "values": ["203.0.113.9"] },
        { "name": "shop", "type": "CNAME", "values": ["shops.example.net"] }
    ]});
    let out = execute(&host, &params, &no_config()).unwrap();
    let change = &out.output["changes"][0];
    assert_eq!(change["action"], "update");
    assert_eq!(values_of(change, "before"), vec!["192.0.2.1"]);
    assert_eq!(values_of(change, "after"), vec!["203.0.113.9"]);
    assert_eq!(out.output["changes"][1]["action"], "create");
    assert!(out.output["changes"][1]["before"].is_null());

    // Someone else adds a second address to www between execute and rollback.
    let path = dir.path().join("example.com.zone");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("www 3600 IN A 198.51.100.77\n");
    fs::write(&path, text).unwrap();

    rollback(&host, &params, &no_config(), &out.receipt).unwrap();
    let z = read_zone(dir.path(), "example.com");
    let mut www = values_at(&z, "www.example.com", "A");
    www.sort();
    assert_eq!(
        www,
        vec!["192.0.2.1", "198.51.100.77"],
        "ours removed, theirs kept, the old one back"
    );
    assert!(values_at(&z, "shop.example.com", "CNAME").is_empty());
    assert_eq!(
        values_at(&z, "api.example.com", "AAAA"),
        vec!["2001:db8::1"]
    );
    let www_ttl = z
        .rrsets_at("www.example.com")
        .into_iter()
        .find(|s| s.rtype == "A")
        .unwrap()
        .data
        .ttl;
    assert_eq!(www_ttl, 300, "the TTL we replaced is back");
    assert!(
        host.events
            .borrow()
            .iter()
            .any(|(t, _)| t == "dns.rrset_restored")
    );

    let serial = z.serial();
    rollback(&host, &params, &no_config(), &out.receipt).unwrap();
    assert_eq!(
        read_zone(dir.path(), "example.com").serial(),
        serial,
        "a second rollback writes nothing"
    );
}

#[test]
fn rollback_from_a_checkpoint_whose_write_never_happened_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let receipt = json!({
        "provider": "zonefile", "zone": "example.com", "zone_id": "example.com", "file": "example.com.zone",
        "created_file": false,
        "changes": [
            { "action": "update", "zone": "example.com", "name": "www.example.com", "type": "A",
              "before": { "ttl": 300, "values": ["192.0.2.1"] }, "after": { "ttl": 3600, "values": ["203.0.113.9"] } },
            { "action": "create", "zone": "example.com", "name": "x.example.com", "type": "A",
              "before": null, "after": { "ttl": 3600, "values": ["203.0.113.1"] } }
        ]
    });
    let host = host(dir.path());
    rollback(
        &host,
        &json!({ "domain": "example.com", "records": [] }),
        &no_config(),
        &receipt,
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("example.com.zone")).unwrap(),
        EXISTING
    );
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let host = host(dir.path());
    let params = json!({ "domain": "example.com", "overwrite": true, "records": [
        { "name": "www", "type": "A", "values": ["203.0.113.9"] },
        { "name": "api", "type": "AAAA", "values": ["2001:db8:0::1"] },
        { "name": "new", "type": "TXT", "values": ["hello"] }
    ]});
    let out = dry_run(&host, &params, &no_config()).unwrap();
    let actions: Vec<&str> = out.output["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["update", "unchanged", "create"]);
    assert_eq!(out.output["dry_run"], true);
    assert_eq!(
        fs::read_to_string(dir.path().join("example.com.zone")).unwrap(),
        EXISTING
    );
    assert!(host.checkpoints.borrow().is_empty());

    let empty = tempfile::tempdir().unwrap();
    let out = dry_run(&self::host(empty.path()), &site_params(), &no_config()).unwrap();
    assert_eq!(out.output["zone_file_exists"], false);
    assert_eq!(out.output["changed"], 7);
    assert_eq!(
        empty.path().read_dir().unwrap().count(),
        0,
        "no file created in a dry run"
    );
}

#[test]
fn picks_the_zone_file_with_the_longest_matching_suffix() {
    let dir = tempfile::tempdir().unwrap();
    let soa = |z: &str| {
        format!("$ORIGIN {z}.\n$TTL 3600\n@ IN SOA ns1.{z}. h.{z}. 1 2 3 4 5\n@ IN NS ns1.{z}.\n")
    };
    for z in ["co.uk", "example.co.uk"] {
        fs::write(dir.path().join(format!("{z}.zone")), soa(z)).unwrap();
    }
    let host = host(dir.path());
    let params = json!({ "domain": "shop.example.co.uk", "records": [{ "name": "@", "type": "A", "values": ["192.0.2.9"] }] });
    let out = execute(&host, &params, &no_config()).unwrap();
    assert_eq!(out.output["zone"], "example.co.uk");
    assert_eq!(
        values_at(
            &read_zone(dir.path(), "example.co.uk"),
            "shop.example.co.uk",
            "A"
        ),
        vec!["192.0.2.9"]
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("co.uk.zone")).unwrap(),
        soa("co.uk")
    );

    // No zone matches: the domain becomes its own zone file.
    let params = json!({ "domain": "other.test", "records": [{ "name": "www", "type": "A", "values": ["192.0.2.10"] }] });
    execute(&host, &params, &no_config()).unwrap();
    assert!(dir.path().join("other.test.zone").exists());

    // An explicit zone wins over the search.
    let params = json!({ "domain": "x.example.co.uk", "zone": "co.uk", "records": [{ "name": "@", "type": "A", "values": ["192.0.2.11"] }] });
    let out = execute(&host, &params, &no_config()).unwrap();
    assert_eq!(out.output["zone"], "co.uk");
}

#[test]
fn reports_every_invalid_param_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let params = json!({ "domain": "example.com", "ttl": 0, "records": [
        { "name": "a", "type": "A", "values": ["300.1.1.1", "1.2.3"] },
        { "name": "b", "type": "AAAA", "values": ["2001:db8::zz"] },
        { "name": "c", "type": "CNAME", "values": ["x.example.net", "y.example.net"] },
        { "name": "d", "type": "CNAME", "values": ["x.example.net"] },
        { "name": "d", "type": "A", "values": ["192.0.2.1"] },
        { "name": "e", "type": "MX", "values": ["mail.example.com"] },
        { "name": "f", "type": "TXT", "values": [format!("\"{}\"", "x".repeat(256))] },
        { "name": "bad name!", "type": "A", "values": ["192.0.2.1"] },
        { "name": "g", "type": "A", "values": [] }
    ]});
    let err = execute(&host(dir.path()), &params, &no_config()).unwrap_err();
    let NodeError::InvalidParams(msg) = &err else {
        panic!("{err}")
    };
    for fragment in [
        "`ttl` 0",
        "`300.1.1.1` is not an IPv4",
        "`1.2.3` is not an IPv4",
        "`2001:db8::zz` is not an IPv6",
        "exactly one value",
        "a CNAME cannot coexist",
        "`priority host`",
        "at most 255",
        "records[7] (bad name! A): name",
        "records[8] (g A): `values` is empty",
    ] {
        assert!(msg.contains(fragment), "lacks `{fragment}`: {msg}");
    }
    assert_eq!(dir.path().read_dir().unwrap().count(), 0);
}

#[test]
fn refuses_a_cname_next_to_existing_records_and_at_the_apex() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("example.com.zone"), EXISTING).unwrap();
    let host = host(dir.path());
    let params = json!({ "domain": "example.com", "records": [{ "name": "www", "type": "CNAME", "values": ["cdn.example.net"] }] });
    let msg = execute(&host, &params, &no_config())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`www.example.com` already has A records; a CNAME cannot coexist"),
        "{msg}"
    );
    let params = json!({ "domain": "example.com", "records": [{ "name": "@", "type": "CNAME", "values": ["cdn.example.net"] }] });
    let msg = execute(&host, &params, &no_config())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("apex"), "{msg}");
    let params = json!({ "domain": "shop.example.com", "zone": "example.com", "records": [{ "name": "other.example.org.", "type": "A", "values": ["192.0.2.1"] }] });
    let msg = execute(&host, &params, &no_config())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("outside zone `example.com`"), "{msg}");
    assert_eq!(
        fs::read_to_string(dir.path().join("example.com.zone")).unwrap(),
        EXISTING
    );
}

#[test]
fn without_the_zones_mount_it_is_denied_with_the_policy_key() {
    let err = execute(&TestHost::new(), &site_params(), &no_config()).unwrap_err();
    assert!(
        matches!(err, NodeError::Denied(ref m) if m.contains("zones")),
        "{err}"
    );
}
