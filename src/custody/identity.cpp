#include "custody/identity.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "custody/certificate.hpp"
#include "custody/key.hpp"
#include "custody/ossl.hpp"
#include "custody/private_files.hpp"
#include "util/files.hpp"

namespace custody {

namespace {

// OpenSSL's historical PKCS#12 defaults, which every macOS version reads.
constexpr int k_p12_iterations = 2048;
constexpr int k_p12_mac_iterations = 2048;

util::Result<detail::X509Ptr> decode_certificate(const std::string& der, const char* what) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  detail::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert)
    return util::make_error(util::ErrorKind::client, std::string(what) + " is not a DER X.509 certificate");
  return cert;
}

}  // namespace

util::Result<std::string> make_pkcs12(EVP_PKEY* key, const std::string& certificate_der,
                                      const Passphrase& password, const std::string& friendly_name) {
  if (!key) return util::make_error(util::ErrorKind::internal, "no key to export");
  if (password.empty()) return util::make_error(util::ErrorKind::auth, "the p12 password is empty");
  auto info = parse_certificate_der(certificate_der);
  if (!info) return info.error();
  if (public_key_fingerprint(key) != info->public_key_fingerprint)
    return util::make_error(util::ErrorKind::conflict,
                            "cannot export: the key " + public_key_fingerprint(key) +
                                " is not the key of certificate " + info->serial_number);
  auto cert = decode_certificate(certificate_der, "the certificate");
  if (!cert) return cert.error();

  // PKCS12_create wants a NUL-terminated password; keep the copy wiped.
  std::string pass(password.reveal());
  struct Wipe {
    std::string& s;
    ~Wipe() { OPENSSL_cleanse(s.data(), s.capacity()); }
  } wipe{pass};
  const std::string name = friendly_name.empty() ? info->subject_common_name : friendly_name;
  // mac_iter -1: no MAC from PKCS12_create (its default digest is not SHA-1 on every OpenSSL 3);
  // the SHA-1 MAC is set explicitly below.
  detail::Pkcs12Ptr p12(PKCS12_create_ex(pass.c_str(), name.empty() ? nullptr : name.c_str(), key,
                                         cert->get(), nullptr, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                                         NID_pbe_WithSHA1And3_Key_TripleDES_CBC, k_p12_iterations, -1, 0,
                                         nullptr, nullptr));
  if (!p12) {
    ERR_clear_error();
    return util::make_error(util::ErrorKind::internal, "cannot build the PKCS#12 file");
  }
  if (PKCS12_set_mac(p12.get(), pass.c_str(), -1, nullptr, 0, k_p12_mac_iterations, EVP_sha1()) != 1) {
    ERR_clear_error();
    return util::make_error(util::ErrorKind::internal, "cannot add the PKCS#12 SHA-1 MAC");
  }
  unsigned char* der = nullptr;
  const int len = i2d_PKCS12(p12.get(), &der);
  if (len <= 0) {
    ERR_clear_error();
    return util::make_error(util::ErrorKind::internal, "cannot encode the PKCS#12 file");
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

util::Result<std::string> make_pem_chain(const std::string& certificate_der,
                                         const std::optional<std::string>& issuer_der) {
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return util::make_error(util::ErrorKind::internal, "BIO_new failed");
  auto cert = decode_certificate(certificate_der, "the certificate");
  if (!cert) return cert.error();
  if (PEM_write_bio_X509(bio.get(), cert->get()) != 1)
    return util::make_error(util::ErrorKind::internal, "cannot write PEM: " + util::openssl_error());
  if (issuer_der) {
    auto issuer = decode_certificate(*issuer_der, "the issuer certificate");
    if (!issuer) return issuer.error();
    if (PEM_write_bio_X509(bio.get(), issuer->get()) != 1)
      return util::make_error(util::ErrorKind::internal, "cannot write PEM: " + util::openssl_error());
  }
  return detail::bio_bytes(bio.get());
}

util::Status export_identity(EVP_PKEY* key, const std::string& certificate_der, const Passphrase& password,
                             const IdentityExport& out) {
  if (out.p12_path.empty())
    return util::make_error(util::ErrorKind::client, "no output path for the p12 file");
  auto p12 = make_pkcs12(key, certificate_der, password, out.friendly_name);
  if (!p12) return p12.error();
  struct Wipe {
    std::string& s;
    ~Wipe() { OPENSSL_cleanse(s.data(), s.capacity()); }
  } wipe{*p12};
  auto written = write_private_file(out.p12_path, *p12);
  if (!written) return written.error();
  if (out.chain_path) {
    auto chain = make_pem_chain(certificate_der, out.issuer_der);
    if (!chain) return chain.error();
    auto chain_written = util::write_file_atomic(*out.chain_path, *chain, 0644);
    if (!chain_written) return chain_written.error();
  }
  return util::ok_status();
}

}  // namespace custody
