//! `rampart certs`: a CA and a serving certificate for the webhook's Service DNS names,
//! written as PEM files, plus the `caBundle` value for the webhook configurations.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::cli::{CertsArgs, Exit};

/// The files `rampart certs` writes in `--out-dir`.
const CA_CERT: &str = "ca.crt";
const CA_KEY: &str = "ca.key";
const TLS_CERT: &str = "tls.crt";
const TLS_KEY: &str = "tls.key";

/// The CA that signs the serving certificate: its PEM certificate, its signing half, and
/// the last day (since the epoch) it is valid.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
    last_day: i64,
}

pub fn run(args: &CertsArgs) -> Result<Exit> {
    let names = dns_names(&args.service, &args.namespace, &args.dns);
    let today = days_since_epoch();
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let (ca, new_ca) = match (&args.ca_cert, &args.ca_key) {
        (Some(cert), Some(key)) => (existing_ca(cert, key, today)?, false),
        _ => {
            refuse_to_replace_ca(&args.out_dir, args.force)?;
            (new_ca(&args.namespace, today, args.days)?, true)
        }
    };

    let days = serving_days(today, args.days, ca.last_day);
    let (cert, key) = serving_certificate(&names, &ca, today, days)?;
    let written = if new_ca {
        write(&args.out_dir, CA_CERT, &ca.pem, false)?;
        write(
            &args.out_dir,
            CA_KEY,
            &ca.issuer.key().serialize_pem(),
            true,
        )?;
        "ca.crt, ca.key, tls.crt, tls.key"
    } else {
        "tls.crt, tls.key"
    };
    write(&args.out_dir, TLS_CERT, &cert, false)?;
    write(&args.out_dir, TLS_KEY, &key.serialize_pem(), true)?;
    println!(
        "wrote {written} to {} for {}",
        args.out_dir.display(),
        names.join(", ")
    );
    if days < args.days {
        let (y, m, d) = civil_from_days(ca.last_day);
        eprintln!(
            "rampart: note: the CA expires on {y}-{m:02}-{d:02}: the serving certificate is valid \
             until then, not for {} days; create a new CA before that date (`rampart certs --force`)",
            args.days
        );
    }
    if !new_ca {
        println!("the CA is unchanged: the webhooks' caBundle stays as it is");
    }
    println!(
        "caBundle: {}",
        base64::engine::general_purpose::STANDARD.encode(&ca.pem)
    );
    Ok(Exit::Clean)
}

/// A serving certificate for `names` (the third, `svc.ns.svc`, as its common name) signed
/// by `ca`, valid for `days`: its PEM and its key.
fn serving_certificate(
    names: &[String],
    ca: &Ca,
    today: i64,
    days: u32,
) -> Result<(String, KeyPair)> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.to_vec())?;
    params
        .distinguished_name
        .push(DnType::CommonName, names[2].clone());
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    set_validity(&mut params, today, days);
    let cert = params.signed_by(&key, &ca.issuer)?;
    Ok((cert.pem(), key))
}

/// A new self-signed CA, valid ten times as long as the serving certificates it signs.
fn new_ca(namespace: &str, today: i64, days: u32) -> Result<Ca> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("rampart webhook CA ({namespace})"),
    );
    let ca_days = days.saturating_mul(10);
    set_validity(&mut ca_params, today, ca_days);
    let pem = ca_params.self_signed(&ca_key)?.pem();
    Ok(Ca {
        pem,
        last_day: today - 1 + i64::from(ca_days),
        issuer: Issuer::new(ca_params, ca_key),
    })
}

/// An existing CA, from its PEM certificate and key: it must be a CA, valid today, and the
/// key must be the certificate's.
fn existing_ca(cert_path: &Path, key_path: &Path, today: i64) -> Result<Ca> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    };
    let (pem, key_pem) = (read(cert_path)?, read(key_path)?);
    let cert = cert_path.display();
    let key = KeyPair::from_pem(&key_pem).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a PEM private key rampart can use: {e}",
            key_path.display()
        )
    })?;
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .map_err(|e| anyhow::anyhow!("{cert}: not a PEM certificate: {e}"))?;
    let x509 = block
        .parse_x509()
        .map_err(|e| anyhow::anyhow!("{cert}: not an X.509 certificate: {e}"))?;
    if !x509.is_ca() {
        bail!("{cert}: not a CA certificate (no basicConstraints CA:TRUE)");
    }
    if x509.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        bail!(
            "{}: this key does not belong to the certificate {cert}",
            key_path.display()
        );
    }
    let last_day = x509.validity().not_after.timestamp().div_euclid(86_400);
    if last_day < today {
        bail!("{cert}: the CA has expired: create a new one (`rampart certs --force`)");
    }
    let issuer = Issuer::from_ca_cert_der(&block.contents.clone().into(), key)
        .map_err(|e| anyhow::anyhow!("{cert}: {e}"))?;
    Ok(Ca {
        pem,
        issuer,
        last_day,
    })
}

/// A new CA means a new `caBundle` in every webhook configuration: replacing one that is
/// there takes `--force`.
fn refuse_to_replace_ca(dir: &Path, force: bool) -> Result<()> {
    let existing: Vec<_> = [CA_CERT, CA_KEY]
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.exists())
        .collect();
    if force || existing.is_empty() {
        return Ok(());
    }
    let (cert, key) = (dir.join(CA_CERT), dir.join(CA_KEY));
    bail!(
        "{} already exists; to issue a new serving certificate from this CA (the webhooks' \
         caBundle stays valid): rampart certs --ca-cert {} --ca-key {} --out-dir {}; to replace \
         the CA (then re-apply the webhooks with the new caBundle): add --force",
        existing[0].display(),
        cert.display(),
        key.display(),
        dir.display()
    )
}

/// The serving certificate's validity: `days`, but never beyond the CA's last day.
fn serving_days(today: i64, days: u32, ca_last_day: i64) -> u32 {
    let left = ca_last_day - (today - 1);
    u32::try_from(left.clamp(0, i64::from(days))).unwrap_or(days)
}

/// `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, then the extra names.
fn dns_names(service: &str, namespace: &str, extra: &[String]) -> Vec<String> {
    let mut names = vec![
        service.to_owned(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ];
    names.extend(extra.iter().cloned());
    names
}

/// Writes `contents` to `dir/name`; a private key is readable by its owner only (0600),
/// also when it replaces a file that was more open.
fn write(dir: &Path, name: &str, contents: &str, private: bool) -> Result<()> {
    use std::io::Write as _;
    let path = dir.join(name);
    let context = || format!("writing {}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options.open(&path).with_context(context)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(context)?;
        return (&file).write_all(contents.as_bytes()).with_context(context);
    }
    let _ = private;
    let mut file = options.open(&path).with_context(context)?;
    file.write_all(contents.as_bytes()).with_context(context)
}

fn days_since_epoch() -> i64 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(seconds / 86_400).unwrap_or(0)
}

/// Valid from yesterday (clock skew) for `days` days.
fn set_validity(params: &mut CertificateParams, today: i64, days: u32) {
    let (y, m, d) = civil_from_days(today - 1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil_from_days(today - 1 + i64::from(days));
    params.not_after = rcgen::date_time_ymd(y, m, d);
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        i32::try_from(year).unwrap_or(9999),
        u8::try_from(month).unwrap_or(1),
        u8::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_serving_certificate_never_outlives_its_ca() {
        // Valid from yesterday: a CA whose last day is in 30 days leaves 31 days.
        assert_eq!(serving_days(100, 365, 130), 31);
        assert_eq!(serving_days(100, 20, 130), 20);
        assert_eq!(serving_days(100, 365, 99), 0);
    }

    #[test]
    fn the_service_names_are_covered() {
        assert_eq!(
            dns_names("rampart", "rampart", &["extra.example".into()]),
            [
                "rampart",
                "rampart.rampart",
                "rampart.rampart.svc",
                "rampart.rampart.svc.cluster.local",
                "extra.example"
            ]
        );
    }
}
