//! Listen addresses as people type them: `localhost:50052`, `50052`,
//! `127.0.0.1`, `[::1]:50051`, not only the `IP:PORT` a `SocketAddr` parses.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The gRPC port when `--addr` names only a host.
pub(super) const DEFAULT_GRPC_PORT: u16 = 50051;
/// The metrics port when `--metrics-addr` names only a host.
pub(super) const DEFAULT_METRICS_PORT: u16 = 9090;

/// The host a bare port listens on: loopback, so that typing `50052` never
/// opens the service to the network by surprise.
const BARE_PORT_HOST: &str = "127.0.0.1";

/// A host (IP address or name, resolved at bind time) and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ListenAddr {
    host: String,
    port: u16,
}

impl ListenAddr {
    /// `HOST:PORT`, a bare `PORT` (on 127.0.0.1) or a bare `HOST` (on
    /// `default_port`); IPv6 addresses in brackets when a port follows.
    pub(super) fn parse(text: &str, default_port: u16) -> Result<Self, String> {
        let text = text.trim();
        let expected = || {
            format!(
                "{text:?} is not a listen address: expected HOST:PORT (0.0.0.0:50051, \
                 localhost:{default_port}, [::1]:{default_port}), a bare PORT (listens on \
                 {BARE_PORT_HOST}) or a bare HOST (port {default_port})"
            )
        };
        let port_of = |digits: &str| {
            digits
                .parse::<u16>()
                .map_err(|_| format!("{text:?}: port {digits:?} is not a number in 0-65535"))
        };
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::new(BARE_PORT_HOST, port_of(text)?));
        }
        if let Some(rest) = text.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(expected)?;
            host.parse::<Ipv6Addr>().map_err(|_| expected())?;
            let port = match after {
                "" => default_port,
                _ => port_of(after.strip_prefix(':').ok_or_else(expected)?)?,
            };
            return Ok(Self::new(host, port));
        }
        if text.parse::<Ipv6Addr>().is_ok() {
            return Ok(Self::new(text, default_port));
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) => (host, port_of(port)?),
            None => (text, default_port),
        };
        if !is_host(host) {
            return Err(expected());
        }
        Ok(Self::new(host, port))
    }

    fn new(host: &str, port: u16) -> Self {
        Self {
            host: host.to_owned(),
            port,
        }
    }

    /// The socket addresses the host resolves to, in the resolver's order.
    pub(super) async fn resolve(&self) -> std::io::Result<Vec<SocketAddr>> {
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, self.port)]);
        }
        let found: Vec<SocketAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await?
            .collect();
        if found.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("host {:?} resolves to no address", self.host),
            ));
        }
        Ok(found)
    }
}

/// A DNS name or an IPv4 address: letters, digits, `-` and `.`.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// clap's parser for `--addr`.
pub(super) fn grpc_addr(text: &str) -> Result<ListenAddr, String> {
    ListenAddr::parse(text, DEFAULT_GRPC_PORT)
}

/// clap's parser for `--metrics-addr`.
pub(super) fn metrics_addr(text: &str) -> Result<ListenAddr, String> {
    ListenAddr::parse(text, DEFAULT_METRICS_PORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> String {
        grpc_addr(text).unwrap().to_string()
    }

    #[test]
    fn host_names_bare_ports_and_bare_hosts_are_listen_addresses() {
        assert_eq!(parsed("0.0.0.0:50051"), "0.0.0.0:50051");
        assert_eq!(parsed("localhost:50052"), "localhost:50052");
        assert_eq!(parsed("50052"), "127.0.0.1:50052");
        assert_eq!(parsed("127.0.0.1"), "127.0.0.1:50051");
        assert_eq!(parsed("localhost"), "localhost:50051");
        assert_eq!(parsed("[::1]:7000"), "[::1]:7000");
        assert_eq!(parsed("[::]"), "[::]:50051");
        assert_eq!(parsed("::1"), "[::1]:50051");
        assert_eq!(metrics_addr("0.0.0.0").unwrap().to_string(), "0.0.0.0:9090");
    }

    #[test]
    fn anything_else_says_the_expected_form() {
        for bad in ["", "localhost:", "host name:1", "[::1", "[nope]:1", "a/b:1"] {
            let error = grpc_addr(bad).unwrap_err();
            assert!(
                error.contains("expected HOST:PORT") || error.contains("port"),
                "{bad:?}: {error}"
            );
        }
        assert!(grpc_addr("localhost:70000")
            .unwrap_err()
            .contains("is not a number in 0-65535"));
        assert!(grpc_addr("99999").unwrap_err().contains("0-65535"));
    }
}
