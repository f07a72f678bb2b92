#include "custody/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "custody/key.hpp"
#include "custody/ossl.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace custody {

namespace {

util::Error certificate_error(const std::string& what) {
  return util::make_error(util::ErrorKind::client, "certificate content: " + what);
}

util::Result<util::TimePoint> asn1_time_point(const ASN1_TIME* time, const char* which) {
  struct tm tm {};
  if (!time || ASN1_TIME_to_tm(time, &tm) != 1) {
    ERR_clear_error();
    return certificate_error(std::string("cannot read ") + which);
  }
  return util::from_unix(static_cast<long long>(timegm(&tm)));
}

std::string name_common_name(const X509_NAME* name) {
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) {
    ERR_clear_error();
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  static const char* k_digits = "0123456789ABCDEF";
  const unsigned char* data = ASN1_STRING_get0_data(serial);
  const int len = ASN1_STRING_length(serial);
  std::string out;
  for (int i = 0; i < len; ++i) {
    out += k_digits[data[i] >> 4];
    out += k_digits[data[i] & 15];
  }
  return out;
}

std::string date_text(util::TimePoint t) {
  return util::format_rfc3339(t).substr(0, 19) + "Z";
}

}  // namespace

util::Result<CertificateInfo> parse_certificate_der(std::string_view der) {
  if (der.empty()) return certificate_error("it is empty");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  detail::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert) return certificate_error("it is not a DER X.509 certificate");
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
    return certificate_error("it has bytes after the certificate");

  CertificateInfo info;
  info.der = std::string(der);
  info.serial_number = serial_hex(X509_get0_serialNumber(cert.get()));
  auto not_before = asn1_time_point(X509_get0_notBefore(cert.get()), "notBefore");
  if (!not_before) return not_before.error();
  auto not_after = asn1_time_point(X509_get0_notAfter(cert.get()), "notAfter");
  if (!not_after) return not_after.error();
  info.not_before = *not_before;
  info.not_after = *not_after;
  info.subject_common_name = name_common_name(X509_get_subject_name(cert.get()));
  info.issuer_common_name = name_common_name(X509_get_issuer_name(cert.get()));
  // The SubjectPublicKeyInfo exactly as the certificate carries it.
  unsigned char* spki = nullptr;
  const int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
  if (spki_len <= 0) {
    ERR_clear_error();
    return certificate_error("cannot read its public key");
  }
  info.public_key_fingerprint =
      spki_fingerprint(std::string_view(reinterpret_cast<const char*>(spki), static_cast<size_t>(spki_len)));
  OPENSSL_free(spki);
  return info;
}

util::Result<CertificateInfo> parse_certificate_content(std::string_view certificate_content) {
  const std::string text = util::trim(certificate_content);
  if (util::starts_with(text, "-----BEGIN CERTIFICATE-----")) {
    auto bio = detail::bio_over(text);
    detail::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    if (!cert) return certificate_error("it is a PEM block but not a certificate");
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert.get(), &der);
    if (len <= 0) return certificate_error("cannot re-encode the PEM certificate");
    std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return parse_certificate_der(bytes);
  }
  auto der = util::base64_decode(text);
  if (!der) return certificate_error("it is not base64 (" + der.error().message + ")");
  return parse_certificate_der(*der);
}

util::Status verify_matches(EVP_PKEY* key, const CertificateInfo& certificate, util::TimePoint now) {
  const std::string key_fingerprint = key ? public_key_fingerprint(key) : std::string();
  if (key_fingerprint.empty())
    return util::make_error(util::ErrorKind::internal, "cannot compute the key's public fingerprint");
  if (key_fingerprint != certificate.public_key_fingerprint)
    return util::make_error(util::ErrorKind::conflict, "certificate " + certificate.serial_number +
                                                           " does not belong to key " + key_fingerprint +
                                                           ": its public key has fingerprint " +
                                                           certificate.public_key_fingerprint);
  if (now >= certificate.not_after)
    return util::make_error(util::ErrorKind::conflict, "certificate " + certificate.serial_number +
                                                           " expired at " + date_text(certificate.not_after) +
                                                           " (now " + date_text(now) + ")");
  return util::ok_status();
}

}  // namespace custody
