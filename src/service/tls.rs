//! TLS (rustls, via tonic) from PEM files, with optional client-certificate
//! verification.
//!
//! The files are read and parsed here first, so that a wrong file fails
//! start-up naming the flag, the path and what is wrong with it, rather than
//! as tonic's bare "transport error".

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

/// A certificate that expires within this long is warned about at start-up.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(7 * 24 * 3600);

/// PEM files for `serve --tls-cert/--tls-key[/--tls-client-ca]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    /// Server certificate chain.
    pub cert: PathBuf,
    /// Private key of the certificate.
    pub key: PathBuf,
    /// When set, clients must present a certificate signed by this CA.
    pub client_ca: Option<PathBuf>,
}

/// What is wrong with a TLS file: the flag, the path, the reason.
#[derive(Debug, thiserror::Error)]
#[error("{flag} {}: {reason}", path.display())]
pub struct TlsFileError {
    /// The flag that named the file.
    pub flag: &'static str,
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl TlsFiles {
    /// Reads and checks the files, warns (in the log) about a server
    /// certificate that has expired or soon will, and builds the config.
    pub fn server_config(&self) -> Result<ServerTlsConfig, TlsFileError> {
        let checked = self.check()?;
        if let Some(warning) = expiry_warning(checked.not_after, SystemTime::now()) {
            tracing::warn!(cert = %self.cert.display(), "{warning}");
        }
        let identity = Identity::from_pem(checked.cert_pem, checked.key_pem);
        let mut config = ServerTlsConfig::new().identity(identity);
        if let Some(ca_pem) = checked.client_ca_pem {
            config = config.client_ca_root(Certificate::from_pem(ca_pem));
        }
        Ok(config)
    }

    /// Every file readable and holding what its flag needs; the key the
    /// certificate's.
    pub fn check(&self) -> Result<CheckedTls, TlsFileError> {
        let cert_pem = read("--tls-cert", &self.cert)?;
        let chain = certificates("--tls-cert", &self.cert, &cert_pem)?;
        let key_pem = read("--tls-key", &self.key)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsFileError {
            flag: "--tls-key",
            path: self.key.clone(),
            reason: match e {
                rustls_pki_types::pem::Error::NoItemsFound => {
                    "no private key found in the PEM file".to_owned()
                }
                other => format!("not a readable PEM private key: {other}"),
            },
        })?;
        let not_after = not_after("--tls-cert", &self.cert, &chain[0])?;
        let provider = rustls::crypto::ring::default_provider();
        CertifiedKey::from_der(chain, key, &provider).map_err(|e| TlsFileError {
            flag: "--tls-key",
            path: self.key.clone(),
            reason: match e {
                rustls::Error::InconsistentKeys(_) => format!(
                    "this private key does not match the certificate in {}",
                    self.cert.display()
                ),
                other => format!("unusable private key: {other}"),
            },
        })?;
        let client_ca_pem = match &self.client_ca {
            Some(path) => {
                let pem = read("--tls-client-ca", path)?;
                certificates("--tls-client-ca", path, &pem)?;
                Some(pem)
            }
            None => None,
        };
        Ok(CheckedTls {
            cert_pem,
            key_pem,
            client_ca_pem,
            not_after,
        })
    }
}

/// The files' contents, checked.
pub struct CheckedTls {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    client_ca_pem: Option<Vec<u8>>,
    /// When the server (first) certificate expires.
    pub not_after: SystemTime,
}

/// The warning to log about a certificate valid until `not_after`, if it has
/// expired or expires within [`EXPIRY_WARNING`] of `now`.
pub fn expiry_warning(not_after: SystemTime, now: SystemTime) -> Option<String> {
    let when = humantime::format_rfc3339_seconds(not_after);
    match not_after.duration_since(now) {
        Err(_) => Some(format!(
            "the TLS certificate expired at {when}; clients will refuse it"
        )),
        Ok(left) if left < EXPIRY_WARNING => Some(format!(
            "the TLS certificate expires at {when}, in {}; renew it",
            humantime::format_duration(Duration::from_secs(left.as_secs()))
        )),
        Ok(_) => None,
    }
}

fn read(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsFileError> {
    std::fs::read(path).map_err(|e| TlsFileError {
        flag,
        path: path.to_owned(),
        reason: format!("cannot read it: {e}"),
    })
}

fn certificates(
    flag: &'static str,
    path: &Path,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let error = |reason: String| TlsFileError {
        flag,
        path: path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(format!("not a readable PEM file: {e}")))?;
    if chain.is_empty() {
        return Err(error("no certificate found in the PEM file".to_owned()));
    }
    Ok(chain)
}

fn not_after(
    flag: &'static str,
    path: &Path,
    cert: &CertificateDer<'_>,
) -> Result<SystemTime, TlsFileError> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).map_err(|e| TlsFileError {
        flag,
        path: path.to_owned(),
        reason: format!("the first certificate is not a valid X.509 certificate: {e}"),
    })?;
    let seconds = parsed.validity().not_after.timestamp();
    Ok(UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_about_expired_and_soon_expiring_certificates_only() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let day = Duration::from_secs(24 * 3600);
        let expired = expiry_warning(now - day, now).unwrap();
        assert!(expired.contains("expired at 2027-01-14T"), "{expired}");
        let soon = expiry_warning(now + 2 * day, now).unwrap();
        assert!(soon.contains("in 2days"), "{soon}");
        assert_eq!(expiry_warning(now + 30 * day, now), None);
    }
}
