//! AWS: a secret access key is verified by STS `GetCallerIdentity`, signed with Signature
//! Version 4 using the access key id found in the same file. Without an id there is nothing to
//! sign with, and the verdict says so.

use sha2::{Digest, Sha256};

use crate::validate::hmac_sha256;

const REGION: &str = "us-east-1";
const SERVICE: &str = "sts";
pub const BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The headers that sign a `POST /` of `BODY` to `host` at `amz_date` (`YYYYMMDDTHHMMSSZ`).
pub fn sign(host: &str, key_id: &str, secret: &str, amz_date: &str) -> Vec<(String, String)> {
    let date = &amz_date[..8];
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let signed = "content-type;host;x-amz-date";
    let canonical = format!(
        "POST\n/\n\ncontent-type:{content_type}\nhost:{host}\nx-amz-date:{amz_date}\n\n{signed}\n{}",
        hex(&Sha256::digest(BODY.as_bytes()))
    );
    let scope = format!("{date}/{REGION}/{SERVICE}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, REGION.as_bytes());
    let k_service = hmac_sha256(&k_region, SERVICE.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let signature = hex(&hmac_sha256(&k_signing, to_sign.as_bytes()));
    vec![
        ("Content-Type".into(), content_type.into()),
        ("X-Amz-Date".into(), amz_date.into()),
        (
            "Authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_deterministic_and_names_the_key_id() {
        let a = sign(
            "sts.amazonaws.com",
            "AKIAFAKEFAKEFAKEFAKE",
            "FAKEsecret",
            "20260101T000000Z",
        );
        let b = sign(
            "sts.amazonaws.com",
            "AKIAFAKEFAKEFAKEFAKE",
            "FAKEsecret",
            "20260101T000000Z",
        );
        assert_eq!(a, b);
        let auth = &a[2].1;
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE/20260101/us-east-1/sts/aws4_request"
        ));
        assert_eq!(auth.rsplit("Signature=").next().unwrap().len(), 64);
    }
}
