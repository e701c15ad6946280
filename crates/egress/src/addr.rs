//! Which IP addresses are "special": not a public internet host a plugin should reach by
//! default (loopback, private, link-local, shared, metadata, documentation, multicast, ...).
//! IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the
//! address they embed, so `[::ffff:127.0.0.1]` is loopback just like `127.0.0.1`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not an ordinary public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialClass {
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// `0.0.0.0/8` ("this network").
    ThisNetwork,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and unique local `fc00::/7`.
    Private,
    /// Carrier-grade NAT shared space `100.64.0.0/10`.
    SharedAddressSpace,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// Cloud instance metadata endpoints (`169.254.169.254`, `fd00:ec2::254`, ...).
    CloudMetadata,
    /// `255.255.255.255`.
    Broadcast,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`.
    Benchmarking,
    /// IETF protocol assignments (`192.0.0.0/24`, `2001::/23`).
    ProtocolAssignment,
    /// Reserved or deprecated space (`240/4`, `192.88.99/24`, `fec0::/10`, IPv4-compatible
    /// IPv6, anything outside IPv6 global unicast `2000::/3`, ...).
    Reserved,
}

impl SpecialClass {
    /// A short human description, e.g. "loopback".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified address",
            Self::ThisNetwork => "\"this network\" (0.0.0.0/8)",
            Self::Loopback => "loopback",
            Self::Private => "private network",
            Self::SharedAddressSpace => "carrier-grade NAT shared space (100.64.0.0/10)",
            Self::LinkLocal => "link-local",
            Self::CloudMetadata => "cloud metadata endpoint",
            Self::Broadcast => "broadcast",
            Self::Multicast => "multicast",
            Self::Documentation => "documentation range",
            Self::Benchmarking => "benchmarking range (198.18.0.0/15)",
            Self::ProtocolAssignment => "IETF protocol assignment range",
            Self::Reserved => "reserved or deprecated range",
        }
    }
}

/// The class of a special address, or `None` for an ordinary public address.
pub fn classify(ip: IpAddr) -> Option<SpecialClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Whether `ip` lies in `net/prefix` (same family only).
pub(crate) fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => in_v4(ip, net, prefix),
        (IpAddr::V6(ip), IpAddr::V6(net)) => in_v6(ip, net, prefix),
        _ => false,
    }
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// Cloud metadata endpoints, checked first: they sit inside broader ranges (link-local,
/// shared space, protocol assignments) but deserve the sharper name in a denial.
const METADATA: [Ipv4Addr; 4] = [
    Ipv4Addr::new(169, 254, 169, 254), // AWS, GCP, Azure, Hetzner, OpenStack
    Ipv4Addr::new(169, 254, 170, 2),   // AWS ECS task metadata
    Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud
    Ipv4Addr::new(192, 0, 0, 192),     // Oracle Cloud
];

/// Special IPv4 ranges, checked after the exact addresses above.
const V4_RANGES: [([u8; 4], u8, SpecialClass); 16] = [
    ([0, 0, 0, 0], 8, SpecialClass::ThisNetwork),
    ([10, 0, 0, 0], 8, SpecialClass::Private),
    ([100, 64, 0, 0], 10, SpecialClass::SharedAddressSpace),
    ([127, 0, 0, 0], 8, SpecialClass::Loopback),
    ([169, 254, 0, 0], 16, SpecialClass::LinkLocal),
    ([172, 16, 0, 0], 12, SpecialClass::Private),
    ([192, 0, 0, 0], 24, SpecialClass::ProtocolAssignment),
    ([192, 0, 2, 0], 24, SpecialClass::Documentation),
    ([192, 88, 99, 0], 24, SpecialClass::Reserved),
    ([192, 168, 0, 0], 16, SpecialClass::Private),
    ([198, 18, 0, 0], 15, SpecialClass::Benchmarking),
    ([198, 51, 100, 0], 24, SpecialClass::Documentation),
    ([203, 0, 113, 0], 24, SpecialClass::Documentation),
    ([224, 0, 0, 0], 4, SpecialClass::Multicast),
    ([240, 0, 0, 0], 4, SpecialClass::Reserved),
    ([255, 255, 255, 255], 32, SpecialClass::Broadcast),
];

/// Special IPv6 ranges, checked after the embedded-IPv4 forms.
const V6_RANGES: [([u16; 8], u8, SpecialClass); 10] = [
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, SpecialClass::Reserved),
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, SpecialClass::Reserved),
    (
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        SpecialClass::Documentation,
    ),
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        SpecialClass::ProtocolAssignment,
    ),
    (
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        SpecialClass::Documentation,
    ),
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, SpecialClass::Reserved),
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, SpecialClass::Private),
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, SpecialClass::LinkLocal),
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, SpecialClass::Reserved),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, SpecialClass::Multicast),
];

fn classify_v4(ip: Ipv4Addr) -> Option<SpecialClass> {
    use SpecialClass as C;
    if METADATA.contains(&ip) {
        return Some(C::CloudMetadata);
    }
    if ip.is_unspecified() {
        return Some(C::Unspecified);
    }
    if ip.is_broadcast() {
        return Some(C::Broadcast);
    }
    V4_RANGES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, Ipv4Addr::from(*net), *prefix))
        .map(|(_, _, class)| *class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<SpecialClass> {
    use SpecialClass as C;
    let bits = u128::from(ip);
    let v6 = |s: [u16; 8]| Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    let within = |net: [u16; 8], prefix: u8| in_v6(ip, v6(net), prefix);
    // The low 32 bits as IPv4, for the forms that embed an IPv4 address there.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "deliberately keeps the low 32 bits"
    )]
    let low_v4 = Ipv4Addr::from(bits as u32);

    if ip == v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]) {
        return Some(C::CloudMetadata);
    }
    if ip.is_unspecified() {
        return Some(C::Unspecified);
    }
    if ip.is_loopback() {
        return Some(C::Loopback);
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if within([0; 8], 96) {
        // IPv4-compatible (deprecated, RFC 4291): never a legitimate destination.
        return classify_v4(low_v4).or(Some(C::Reserved));
    }
    if within([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        // Well-known NAT64 prefix: the gateway forwards to the embedded IPv4 address.
        return classify_v4(low_v4);
    }
    if within([0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        // 6to4 embeds the IPv4 address in bits 16..48.
        #[allow(
            clippy::cast_possible_truncation,
            reason = "deliberately keeps 32 bits"
        )]
        let embedded = Ipv4Addr::from((bits >> 80) as u32);
        return classify_v4(embedded);
    }
    if let Some((_, _, class)) = V6_RANGES
        .iter()
        .find(|(net, prefix, _)| within(*net, *prefix))
    {
        return Some(*class);
    }
    // Only 2000::/3 is allocated as global unicast; everything else is reserved.
    if !within([0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        return Some(C::Reserved);
    }
    None
}
