//! `rampart certs`: a CA and a serving certificate for the webhook's Service DNS names,
//! written as PEM files, plus the `caBundle` value for the webhook configurations.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::cli::{CertsArgs, Exit};

pub fn run(args: &CertsArgs) -> Result<Exit> {
    let names = dns_names(&args.service, &args.namespace, &args.dns);
    let today = days_since_epoch();
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("rampart webhook CA ({})", args.namespace),
    );
    set_validity(&mut ca_params, today, args.days.saturating_mul(10));
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key)?;

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(names.clone())?;
    params
        .distinguished_name
        .push(DnType::CommonName, names[2].clone());
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    set_validity(&mut params, today, args.days);
    let cert = params.signed_by(&key, &ca)?;

    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    write(&args.out_dir, "ca.crt", &ca.pem())?;
    write(&args.out_dir, "ca.key", &ca.key().serialize_pem())?;
    write(&args.out_dir, "tls.crt", &cert.pem())?;
    write(&args.out_dir, "tls.key", &key.serialize_pem())?;
    println!(
        "wrote ca.crt, ca.key, tls.crt, tls.key to {} for {}",
        args.out_dir.display(),
        names.join(", ")
    );
    println!(
        "caBundle: {}",
        base64::engine::general_purpose::STANDARD.encode(ca.pem())
    );
    Ok(Exit::Clean)
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

fn write(dir: &Path, name: &str, contents: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
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
