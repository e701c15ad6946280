//! The `zonefile` provider: RFC 1035 master files `<zone>.zone` in the `zones` mount. A file
//! is parsed ($ORIGIN, $TTL, omitted owners, parentheses, comments, quoted strings, TTL
//! units), merged, and written back atomically (temp file + rename) with the SOA serial
//! (`YYYYMMDDnn`) incremented. Comments on their own line and after a record are kept with
//! their record; record lines are written back with explicit owners, so removing one never
//! changes the owner of the next.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use abp_node_sdk::NodeError;

use crate::model::{RrData, RrSet};
use crate::names;
use crate::provider::{Provider, Write, Zone};
use crate::values::{self, Relative};

/// Default SOA timers for a new zone: refresh, retry, expire, negative-caching TTL.
const SOA_TIMERS: [u32; 4] = [7200, 3600, 1_209_600, 3600];

/// One resource record of a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub owner: String,
    pub ttl: u32,
    pub class: String,
    pub rtype: String,
    /// Canonical value (see `values`).
    pub rdata: String,
    /// Comment lines just above the record.
    pub comments: Vec<String>,
    /// Comment after the record on its line.
    pub inline: Option<String>,
}

/// A parsed zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneFile {
    pub origin: String,
    pub default_ttl: u32,
    pub records: Vec<Record>,
    /// Comment lines after the last record.
    pub trailing: Vec<String>,
}

#[derive(Debug, Default)]
struct Logical {
    starts_blank: bool,
    tokens: Vec<String>,
    comment: Option<String>,
    line: usize,
}

/// Splits text into logical lines: parentheses join lines, `;` starts a comment, quoted
/// strings and `\` escapes are kept verbatim inside their token.
fn logical_lines(text: &str) -> Result<Vec<Logical>, String> {
    let mut out = Vec::new();
    let mut cur = Logical {
        line: 1,
        ..Logical::default()
    };
    let mut token = String::new();
    let mut depth = 0u32;
    let mut in_quotes = false;
    let mut line = 1usize;
    let mut at_line_start = true;
    let mut chars = text.chars().peekable();
    let flush = |token: &mut String, cur: &mut Logical| {
        if !token.is_empty() {
            cur.tokens.push(std::mem::take(token));
        }
    };
    while let Some(c) = chars.next() {
        if at_line_start && depth == 0 && cur.tokens.is_empty() && token.is_empty() {
            cur.starts_blank = c == ' ' || c == '\t';
        }
        at_line_start = false;
        match c {
            '\\' => {
                token.push(c);
                if let Some(next) = chars.next() {
                    token.push(next);
                }
            }
            '"' => {
                token.push(c);
                in_quotes = !in_quotes;
            }
            _ if in_quotes && c == '\n' => {
                return Err(format!(
                    "line {line}: quoted string runs past the end of the line"
                ));
            }
            _ if in_quotes => token.push(c),
            ';' => {
                let mut comment = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    comment.push(n);
                    chars.next();
                }
                let comment = comment.trim().to_owned();
                cur.comment = Some(match cur.comment.take() {
                    Some(prev) => format!("{prev} {comment}"),
                    None => comment,
                });
            }
            '(' => {
                flush(&mut token, &mut cur);
                depth += 1;
            }
            ')' => {
                flush(&mut token, &mut cur);
                depth = depth
                    .checked_sub(1)
                    .ok_or(format!("line {line}: `)` without `(`"))?;
            }
            '\n' => {
                flush(&mut token, &mut cur);
                line += 1;
                at_line_start = true;
                if depth == 0 {
                    out.push(std::mem::take(&mut cur));
                    cur.line = line;
                }
            }
            c if c.is_whitespace() => flush(&mut token, &mut cur),
            c => token.push(c),
        }
    }
    if in_quotes {
        return Err(format!("line {line}: unterminated quoted string"));
    }
    if depth > 0 {
        return Err(format!("line {}: `(` is never closed", cur.line));
    }
    flush(&mut token, &mut cur);
    out.push(cur);
    Ok(out)
}

/// A TTL: seconds, or BIND units (`1h30m`, `2d`, `1w`).
fn parse_ttl(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    if let Ok(n) = text.parse::<u32>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0) * 10 + u64::from(d));
            if num > Some(u64::from(u32::MAX)) {
                return None;
            }
        } else {
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return None,
            };
            total += num.take()? * unit;
        }
    }
    if num.is_some() {
        return None;
    }
    u32::try_from(total).ok()
}

fn is_class(token: &str) -> bool {
    matches!(
        token.to_ascii_uppercase().as_str(),
        "IN" | "CH" | "HS" | "CS"
    )
}

/// Makes `name` absolute against `origin` (`@` is the origin).
fn absolute(name: &str, origin: &str) -> Result<String, String> {
    if name == "@" {
        return Ok(origin.to_owned());
    }
    if name.ends_with('.') {
        return names::normalize(name, true);
    }
    names::normalize(&format!("{name}.{origin}"), true)
}

impl ZoneFile {
    /// A new zone with SOA and NS records.
    pub fn new(
        origin: &str,
        default_ttl: u32,
        nameservers: &[String],
        hostmaster: &str,
        serial: u32,
    ) -> Self {
        let mname = nameservers
            .first()
            .cloned()
            .unwrap_or_else(|| format!("ns1.{origin}."));
        let [refresh, retry, expire, minimum] = SOA_TIMERS;
        let mut records = vec![Record {
            owner: origin.to_owned(),
            ttl: default_ttl,
            class: "IN".into(),
            rtype: "SOA".into(),
            rdata: format!("{mname} {hostmaster} {serial} {refresh} {retry} {expire} {minimum}"),
            comments: vec![],
            inline: None,
        }];
        for ns in nameservers {
            records.push(Record {
                owner: origin.to_owned(),
                ttl: default_ttl,
                class: "IN".into(),
                rtype: "NS".into(),
                rdata: ns.clone(),
                comments: vec![],
                inline: None,
            });
        }
        Self {
            origin: origin.to_owned(),
            default_ttl,
            records,
            trailing: vec![],
        }
    }

    /// Parses a master file for zone `origin`; every problem is reported at once.
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let mut errors = Vec::new();
        let mut current_origin = origin.to_owned();
        // `$TTL` applies to the records after it; the first one is the file's default.
        let mut default_ttl: Option<u32> = None;
        let mut file_ttl: Option<u32> = None;
        let mut last_ttl: Option<u32> = None;
        let mut last_owner: Option<String> = None;
        let mut pending_comments = Vec::new();
        let mut records: Vec<Record> = Vec::new();
        for logical in logical_lines(text)? {
            let at = logical.line;
            if logical.tokens.is_empty() {
                if let Some(c) = logical.comment {
                    pending_comments.push(c);
                }
                continue;
            }
            let first = logical.tokens[0].as_str();
            if first.starts_with('$') && !logical.starts_blank {
                match (first.to_ascii_uppercase().as_str(), logical.tokens.get(1)) {
                    ("$ORIGIN", Some(o)) => match absolute(o, &current_origin) {
                        Ok(o) => current_origin = o,
                        Err(e) => errors.push(format!("line {at}: $ORIGIN {e}")),
                    },
                    ("$TTL", Some(t)) => match parse_ttl(t) {
                        Some(t) => {
                            file_ttl.get_or_insert(t);
                            default_ttl = Some(t);
                        }
                        None => errors.push(format!("line {at}: $TTL `{t}` is not a TTL")),
                    },
                    ("$INCLUDE", _) => errors.push(format!(
                        "line {at}: $INCLUDE is not supported; inline the file"
                    )),
                    (d, _) => errors.push(format!("line {at}: directive `{d}` is not supported")),
                }
                continue;
            }
            match parse_record(
                &logical,
                &current_origin,
                last_owner.as_deref(),
                default_ttl.or(last_ttl),
            ) {
                Ok(mut record) => {
                    last_owner = Some(record.owner.clone());
                    last_ttl = Some(record.ttl);
                    record.comments = std::mem::take(&mut pending_comments);
                    records.push(record);
                }
                Err(e) => errors.push(format!("line {at}: {e}")),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        Ok(Self {
            origin: origin.to_owned(),
            default_ttl: file_ttl.or(last_ttl).unwrap_or(3600),
            records,
            trailing: pending_comments,
        })
    }

    /// The SOA serial, if the zone has a SOA record.
    pub fn serial(&self) -> Option<u32> {
        self.soa()
            .and_then(|r| r.rdata.split_whitespace().nth(2))
            .and_then(|s| s.parse().ok())
    }

    fn soa(&self) -> Option<&Record> {
        self.records.iter().find(|r| r.rtype == "SOA")
    }

    /// Sets the SOA serial to the next one for `today` (YYYYMMDD).
    pub fn bump_serial(&mut self, today: u32) {
        let next = next_serial(self.serial().unwrap_or(0), today);
        if let Some(soa) = self.records.iter_mut().find(|r| r.rtype == "SOA") {
            let mut parts: Vec<String> = soa.rdata.split_whitespace().map(str::to_owned).collect();
            if parts.len() == 7 {
                parts[2] = next.to_string();
                soa.rdata = parts.join(" ");
            }
        }
    }

    /// The record sets at `name`, grouped by type (TTL of the first record of each set).
    pub fn rrsets_at(&self, name: &str) -> Vec<RrSet> {
        let mut out: Vec<RrSet> = Vec::new();
        for r in self.records.iter().filter(|r| r.owner == name) {
            match out.iter_mut().find(|s| s.rtype == r.rtype) {
                Some(set) => set.data.values.push(r.rdata.clone()),
                None => out.push(RrSet {
                    name: name.to_owned(),
                    rtype: r.rtype.clone(),
                    data: RrData {
                        ttl: r.ttl,
                        values: vec![r.rdata.clone()],
                    },
                }),
            }
        }
        out
    }

    /// Replaces the record set `name`/`rtype` with `target` (or removes it). New records go
    /// where the old ones were, else after the last record of the same owner, else at the end.
    /// Comments attached to records that stay keep their place.
    pub fn set(&mut self, name: &str, rtype: &str, target: Option<&RrData>) {
        let same = |r: &Record| r.owner == name && r.rtype == rtype;
        let position = self.records.iter().position(same).or_else(|| {
            self.records
                .iter()
                .rposition(|r| r.owner == name)
                .map(|p| p + 1)
        });
        let old: Vec<Record> = self.records.iter().filter(|r| same(r)).cloned().collect();
        self.records.retain(|r| !same(r));
        let Some(target) = target else {
            return;
        };
        let at = position.map_or(self.records.len(), |p| p.min(self.records.len()));
        let new: Vec<Record> = target
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let kept = old.iter().find(|r| &r.rdata == v);
                Record {
                    owner: name.to_owned(),
                    ttl: target.ttl,
                    class: "IN".into(),
                    rtype: rtype.to_owned(),
                    rdata: v.clone(),
                    comments: match (kept, i) {
                        (Some(r), _) => r.comments.clone(),
                        (None, 0) => old.first().map(|r| r.comments.clone()).unwrap_or_default(),
                        (None, _) => vec![],
                    },
                    inline: kept.and_then(|r| r.inline.clone()),
                }
            })
            .collect();
        self.records.splice(at..at, new);
    }

    /// Whether the zone holds nothing but SOA and NS records at its apex.
    pub fn only_apex_soa_ns(&self) -> bool {
        self.records
            .iter()
            .all(|r| r.owner == self.origin && (r.rtype == "SOA" || r.rtype == "NS"))
    }

    /// The master file text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = write!(out, "$ORIGIN {}.\n$TTL {}\n", self.origin, self.default_ttl);
        for r in &self.records {
            for c in &r.comments {
                let _ = writeln!(out, ";{}{c}", if c.is_empty() { "" } else { " " });
            }
            let owner = names::relative(&r.owner, &self.origin);
            let ttl = if r.ttl == self.default_ttl {
                String::new()
            } else {
                r.ttl.to_string()
            };
            if r.rtype == "SOA" {
                let p: Vec<&str> = r.rdata.split_whitespace().collect();
                if p.len() == 7 {
                    let _ = write!(
                        out,
                        "{owner}\t{ttl}\t{}\tSOA\t{} {} (\n\t\t\t{} ; serial\n\t\t\t{} ; refresh\n\t\t\t{} ; retry\n\t\t\t{} ; expire\n\t\t\t{} ) ; minimum\n",
                        r.class, p[0], p[1], p[2], p[3], p[4], p[5], p[6]
                    );
                    continue;
                }
            }
            let _ = write!(out, "{owner}\t{ttl}\t{}\t{}\t{}", r.class, r.rtype, r.rdata);
            if let Some(c) = &r.inline {
                let _ = write!(out, " ; {c}");
            }
            out.push('\n');
        }
        for c in &self.trailing {
            let _ = writeln!(out, "; {c}");
        }
        out
    }
}

fn parse_record(
    l: &Logical,
    origin: &str,
    last_owner: Option<&str>,
    default_ttl: Option<u32>,
) -> Result<Record, String> {
    let mut tokens = l.tokens.iter().map(String::as_str).peekable();
    let owner = if l.starts_blank {
        last_owner
            .ok_or("record without an owner name, and no earlier record to inherit it from")?
            .to_owned()
    } else {
        let name = tokens.next().ok_or("empty record")?;
        absolute(name, origin).map_err(|e| format!("owner `{name}` {e}"))?
    };
    let mut ttl = None;
    let mut class = None;
    for _ in 0..2 {
        match tokens.peek() {
            Some(t) if class.is_none() && is_class(t) => {
                class = tokens.next().map(str::to_ascii_uppercase);
            }
            Some(t) if ttl.is_none() && parse_ttl(t).is_some() => {
                ttl = tokens.next().and_then(parse_ttl);
            }
            _ => break,
        }
    }
    let rtype = tokens
        .next()
        .ok_or("record has no type")?
        .to_ascii_uppercase();
    let rest: Vec<&str> = tokens.collect();
    if rest.is_empty() {
        return Err(format!("{rtype} record for `{owner}` has no data"));
    }
    let rdata = match rtype.as_str() {
        "SOA" => {
            if rest.len() != 7 {
                return Err(format!("SOA record has {} fields; it needs 7", rest.len()));
            }
            let mname = absolute(rest[0], origin).map_err(|e| format!("SOA mname {e}"))?;
            let rname = absolute(rest[1], origin).map_err(|e| format!("SOA rname {e}"))?;
            let mut nums = Vec::new();
            for t in &rest[2..] {
                nums.push(
                    parse_ttl(t)
                        .ok_or(format!("SOA field `{t}` is not a number"))?
                        .to_string(),
                );
            }
            format!("{mname}. {rname}. {}", nums.join(" "))
        }
        "SRV" if rest.len() == 4 => {
            let target = if rest[3] == "." {
                ".".into()
            } else {
                format!("{}.", absolute(rest[3], origin)?)
            };
            format!("{} {} {} {target}", rest[0], rest[1], rest[2])
        }
        _ => values::canonical(&rtype, &rest.join(" "), Relative::Origin(origin))?,
    };
    let ttl = ttl.or(default_ttl).unwrap_or(3600);
    let inline = if rtype == "SOA" {
        None
    } else {
        l.comment.clone()
    };
    Ok(Record {
        owner,
        ttl,
        class: class.unwrap_or_else(|| "IN".into()),
        rtype,
        rdata,
        comments: vec![],
        inline,
    })
}

/// The serial after `old` on `today` (YYYYMMDD): `today`00 for the first change of a day,
/// otherwise one more than before (serials never go backwards).
pub fn next_serial(old: u32, today: u32) -> u32 {
    let first_of_day = today.saturating_mul(100);
    if old < first_of_day {
        first_of_day
    } else {
        old.wrapping_add(1)
    }
}

/// Today's date as YYYYMMDD (UTC), from the system clock.
pub fn today() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    u32::try_from(year * 10_000 + month * 100 + day).unwrap_or(0)
}

/// Settings for new zone files (from `config.zonefile`).
#[derive(Debug, Clone)]
pub struct NewZoneSettings {
    /// NS records for a new zone (absolute, trailing dot); empty means `ns1.<zone>.`.
    pub nameservers: Vec<String>,
    /// SOA RNAME as a mailbox (`hostmaster@example.com`) or name; empty means `hostmaster.<zone>.`.
    pub hostmaster: Option<String>,
    pub default_ttl: u32,
}

/// Zone files in one directory.
pub struct ZoneFiles {
    dir: PathBuf,
    settings: NewZoneSettings,
    today: u32,
    dry_run: bool,
    /// Whether this provider created the zone file during `write`.
    pub created: bool,
}

impl ZoneFiles {
    pub fn new(dir: PathBuf, settings: NewZoneSettings, today: u32, dry_run: bool) -> Self {
        Self {
            dir,
            settings,
            today,
            dry_run,
            created: false,
        }
    }

    pub fn file_name(zone: &str) -> String {
        format!("{zone}.zone")
    }

    pub fn path(&self, zone: &str) -> PathBuf {
        self.dir.join(Self::file_name(zone))
    }

    fn existing_zones(&self) -> Result<Vec<String>, NodeError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) => {
                return Err(NodeError::failed(format!(
                    "reading zone directory {}: {e}",
                    self.dir.display()
                )));
            }
        };
        let mut zones = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(zone) = name.strip_suffix(".zone")
                && let Ok(zone) = names::normalize(zone, false)
                && entry.path().is_file()
            {
                zones.push(zone);
            }
        }
        zones.sort();
        Ok(zones)
    }

    /// Reads and parses the zone file, `None` when it does not exist.
    pub fn load(&self, zone: &str) -> Result<Option<ZoneFile>, NodeError> {
        let path = self.path(zone);
        match fs::read_to_string(&path) {
            Ok(text) => ZoneFile::parse(&text, zone)
                .map(Some)
                .map_err(|e| NodeError::failed(format!("zone file {}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(NodeError::failed(format!(
                "reading zone file {}: {e}",
                path.display()
            ))),
        }
    }

    fn new_zone(&self, zone: &str) -> Result<ZoneFile, NodeError> {
        let mut nameservers = Vec::new();
        for ns in &self.settings.nameservers {
            let n = names::normalize(ns, false).map_err(|e| {
                NodeError::invalid_params(format!("`config.zonefile.nameservers`: `{ns}` {e}"))
            })?;
            nameservers.push(format!("{n}."));
        }
        if nameservers.is_empty() {
            nameservers.push(format!("ns1.{zone}."));
        }
        let hostmaster = match &self.settings.hostmaster {
            // A mailbox `local@domain` is written `local.domain.` in a SOA.
            Some(h) => {
                let as_name = h.replacen('@', ".", 1);
                let n = names::normalize(&as_name, false).map_err(|e| {
                    NodeError::invalid_params(format!("`config.zonefile.hostmaster`: `{h}` {e}"))
                })?;
                format!("{n}.")
            }
            None => format!("hostmaster.{zone}."),
        };
        Ok(ZoneFile::new(
            zone,
            self.settings.default_ttl,
            &nameservers,
            &hostmaster,
            next_serial(0, self.today),
        ))
    }

    fn save(&self, zone: &str, file: &ZoneFile) -> Result<(), NodeError> {
        let path = self.path(zone);
        // No process id inside the sandbox (`std::process::id` panics on WASI); the node runs
        // alone on its mount for this zone, so a fixed temporary name is enough.
        let tmp = self.dir.join(format!(".{}.tmp", Self::file_name(zone)));
        let text = file.render();
        fs::write(&tmp, text)
            .map_err(|e| NodeError::failed(format!("writing {}: {e}", tmp.display())))?;
        fs::rename(&tmp, &path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            NodeError::failed(format!("replacing {}: {e}", path.display()))
        })
    }

    /// Deletes the zone file if it holds nothing but its apex SOA and NS records.
    pub fn remove_if_bare(&self, zone: &str) -> Result<bool, NodeError> {
        match self.load(zone)? {
            Some(file) if file.only_apex_soa_ns() => {
                let path = self.path(zone);
                fs::remove_file(&path)
                    .map_err(|e| NodeError::failed(format!("removing {}: {e}", path.display())))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl Provider for ZoneFiles {
    fn kind(&self) -> &'static str {
        "zonefile"
    }

    fn find_zone(&mut self, domain: &str, explicit: Option<&str>) -> Result<Zone, NodeError> {
        let zones = self.existing_zones()?;
        let name = match explicit {
            Some(z) => z.to_owned(),
            // No zone file holds the domain: the domain becomes its own zone.
            None => names::longest_suffix(domain, zones.iter().map(String::as_str))
                .unwrap_or(domain)
                .to_owned(),
        };
        let default_ttl = match self.load(&name)? {
            Some(f) => f.default_ttl,
            None => self.settings.default_ttl,
        };
        Ok(Zone {
            exists: zones.contains(&name),
            id: name.clone(),
            name,
            default_ttl,
        })
    }

    fn zone_named(&mut self, name: &str) -> Result<Option<Zone>, NodeError> {
        Ok(self.load(name)?.map(|f| Zone {
            name: name.to_owned(),
            id: name.to_owned(),
            default_ttl: f.default_ttl,
            exists: true,
        }))
    }

    fn read_name(&mut self, zone: &Zone, name: &str) -> Result<Vec<RrSet>, NodeError> {
        Ok(self
            .load(&zone.name)?
            .map(|f| f.rrsets_at(name))
            .unwrap_or_default())
    }

    fn write(&mut self, zone: &Zone, writes: &[Write]) -> Result<(), NodeError> {
        if self.dry_run {
            return Err(NodeError::failed(
                "zonefile: refusing to write during a dry run",
            ));
        }
        let (mut file, created) = match self.load(&zone.name)? {
            Some(f) => (f, false),
            None => (self.new_zone(&zone.name)?, true),
        };
        let before = file.clone();
        for w in writes {
            file.set(&w.name, &w.rtype, w.target.as_ref());
        }
        if file == before && !created {
            return Ok(());
        }
        if !created {
            file.bump_serial(self.today);
        }
        self.save(&zone.name, &file)?;
        self.created |= created;
        Ok(())
    }
}
