#include "sim/ca.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "core/model.hpp"
#include "util/crypto.hpp"
#include "util/strings.hpp"

namespace sim {

// Not an anonymous namespace: CertificateAuthority::Impl holds these types.
namespace ca_detail {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct X509ReqDeleter {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
struct X509NameDeleter {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
struct X509ExtDeleter {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509ReqPtr = std::unique_ptr<X509_REQ, X509ReqDeleter>;
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameDeleter>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, X509ExtDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;

// 2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z: wide enough for any clock a test moves.
constexpr std::time_t k_root_not_before = 946684800;
constexpr std::time_t k_root_not_after = 4102444799;
constexpr int k_required_rsa_bits = 2048;
constexpr size_t k_serial_bytes = 8;

const char* const k_root_common_name = "ascsim Worldwide Developer Relations Certification Authority";

util::Error csr_error(const std::string& detail) {
  util::Error e = util::make_error(util::ErrorKind::client, "certificate request rejected: " + detail);
  e.http_status = 409;
  e.code = "ENTITY_ERROR.ATTRIBUTE.INVALID";
  e.title = "An attribute value is invalid.";
  e.detail = detail;
  return e;
}

util::Error internal_error(const std::string& what) {
  return util::make_error(util::ErrorKind::internal,
                          "certificate authority: " + what + ": " + util::openssl_error());
}

std::string name_entry(X509_NAME* name, int nid) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

bool add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.data()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

// Adds one extension written in openssl.cnf syntax; issuer and subject are set in ctx.
bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_time(ASN1_TIME* field, std::time_t t) {
  return ASN1_TIME_set(field, t) != nullptr;
}

std::string to_der(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

// The CSR as OpenSSL sees it, from PEM, base64 DER, or base64 of a PEM (clients differ).
util::Result<X509ReqPtr> parse_csr(std::string_view csr_text) {
  const std::string text = util::trim(csr_text);
  if (text.empty()) return csr_error("The CSR content is empty.");
  std::string pem;
  std::string der;
  if (util::starts_with(text, "-----BEGIN")) {
    pem = text;
  } else {
    auto decoded = util::base64_decode(text);
    if (!decoded.ok())
      return csr_error("The CSR content is neither PEM nor base64 (" + decoded.error().message + ").");
    if (util::starts_with(util::trim(*decoded), "-----BEGIN"))
      pem = util::trim(*decoded);
    else
      der = std::move(*decoded);
  }
  X509_REQ* req = nullptr;
  if (!pem.empty()) {
    if (pem.find("CERTIFICATE REQUEST-----") == std::string::npos)
      return csr_error("The CSR content is a PEM block but not a CERTIFICATE REQUEST.");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    req = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    req = d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()));
    if (req && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
      X509_REQ_free(req);
      req = nullptr;
    }
  }
  ERR_clear_error();
  if (!req) return csr_error("The CSR content could not be parsed as a PKCS#10 certificate request.");
  return X509ReqPtr(req);
}

// Checks the CSR's key and self-signature; returns its public key (owned by the request).
util::Result<EVP_PKEY*> checked_public_key(X509_REQ* req) {
  EVP_PKEY* key = X509_REQ_get0_pubkey(req);
  if (!key) {
    ERR_clear_error();
    return csr_error("The CSR's public key could not be read.");
  }
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
    return csr_error("The CSR's public key must be RSA 2048; it is " +
                     std::string(OBJ_nid2sn(EVP_PKEY_get_base_id(key))) + ".");
  if (EVP_PKEY_get_bits(key) != k_required_rsa_bits)
    return csr_error("The CSR's public key must be RSA 2048; it is RSA " +
                     std::to_string(EVP_PKEY_get_bits(key)) + ".");
  const int verified = X509_REQ_verify(req, key);
  ERR_clear_error();
  if (verified != 1) return csr_error("The CSR's signature does not verify with its public key.");
  return key;
}

std::string hex_upper(const unsigned char* data, size_t size) {
  static const char* k_hex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += k_hex[data[i] >> 4];
    out += k_hex[data[i] & 15];
  }
  return out;
}

std::string derive_team_id(uint64_t seed) {
  static const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const std::string digest = util::sha256_hex("ascsim-team:" + std::to_string(seed));
  std::string out;
  for (size_t i = 0; i < 10; ++i) {
    const auto byte = std::stoul(digest.substr(i * 2, 2), nullptr, 16);
    out += k_alphabet[byte % 36];
  }
  return out;
}

}  // namespace ca_detail

using namespace ca_detail;

std::string certificate_name_prefix(std::string_view certificate_type) {
  struct Prefix {
    std::string_view type;
    std::string_view prefix;
  };
  static constexpr std::array<Prefix, 18> k_prefixes{{
      {"APPLE_PAY", "Apple Pay Payment Processing"},
      {"APPLE_PAY_MERCHANT_IDENTITY", "Merchant ID"},
      {"APPLE_PAY_PSP_IDENTITY", "Apple Pay PSP Identity"},
      {"APPLE_PAY_RSA", "Apple Pay Payment Processing RSA"},
      {"DEVELOPER_ID_KEXT", "Developer ID Kernel Extension"},
      {"DEVELOPER_ID_KEXT_G2", "Developer ID Kernel Extension"},
      {"DEVELOPER_ID_APPLICATION", "Developer ID Application"},
      {"DEVELOPER_ID_APPLICATION_G2", "Developer ID Application"},
      {"DEVELOPMENT", "Apple Development"},
      {"DISTRIBUTION", "Apple Distribution"},
      {"IDENTITY_ACCESS", "Identity Access"},
      {"IOS_DEVELOPMENT", "iPhone Developer"},
      {"IOS_DISTRIBUTION", "iPhone Distribution"},
      {"MAC_APP_DISTRIBUTION", "3rd Party Mac Developer Application"},
      {"MAC_INSTALLER_DISTRIBUTION", "3rd Party Mac Developer Installer"},
      {"MAC_APP_DEVELOPMENT", "Mac Developer"},
      {"PASS_TYPE_ID", "Pass Type ID"},
      {"PASS_TYPE_ID_WITH_NFC", "Pass Type ID with NFC"},
  }};
  for (const auto& p : k_prefixes)
    if (p.type == certificate_type) return std::string(p.prefix);
  return std::string(certificate_type);
}

struct CertificateAuthority::Impl {
  std::string team_id;
  util::Pkey root_key;
  X509Ptr root;
  std::string root_pem;
  util::Pkey signer_key;  // signs provisioning profiles (CMS), like Apple's profile signing certificate
  X509Ptr signer;
  mutable std::mutex mutex;  // guards issued_serials and signing with root_key
  std::set<std::string> issued_serials;

  // A fresh random positive serial of k_serial_bytes, never repeated by this authority. The top
  // nibble is 1..7 so the hex form always has 16 digits and the DER INTEGER stays positive.
  BnPtr next_serial(std::string& hex) {
    std::array<unsigned char, k_serial_bytes> bytes{};
    do {
      if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return nullptr;
      bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7F) | 0x10);
      hex = hex_upper(bytes.data(), bytes.size());
    } while (!issued_serials.insert(hex).second);
    return BnPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  }
};

CertificateAuthority::CertificateAuthority(uint64_t seed) : m_impl(std::make_unique<Impl>()) {
  // Startup failure: a simulator without its CA cannot serve, so this throws.
  auto fail = [](const std::string& what) { throw std::runtime_error(internal_error(what).describe()); };
  m_impl->team_id = derive_team_id(seed);
  m_impl->root_key = util::generate_p256_key();
  if (!m_impl->root_key) fail("generating the root key");
  m_impl->root.reset(X509_new());
  X509* root = m_impl->root.get();
  if (!root || X509_set_version(root, X509_VERSION_3) != 1) fail("creating the root certificate");

  X509NamePtr name(X509_NAME_new());
  if (!add_name_entry(name.get(), "CN", k_root_common_name) || !add_name_entry(name.get(), "OU", "G3") ||
      !add_name_entry(name.get(), "O", "ascsim (simulated Apple Inc.)") ||
      !add_name_entry(name.get(), "C", "US"))
    fail("building the root name");
  std::string serial_hex;
  BnPtr serial = m_impl->next_serial(serial_hex);
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(root)) ||
      X509_set_subject_name(root, name.get()) != 1 || X509_set_issuer_name(root, name.get()) != 1 ||
      !set_time(X509_getm_notBefore(root), k_root_not_before) ||
      !set_time(X509_getm_notAfter(root), k_root_not_after) ||
      X509_set_pubkey(root, m_impl->root_key.get()) != 1)
    fail("filling the root certificate");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, root, root, nullptr, nullptr, 0);
  if (!add_extension(root, &ctx, NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(root, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension(root, &ctx, NID_subject_key_identifier, "hash"))
    fail("adding the root extensions");
  if (X509_sign(root, m_impl->root_key.get(), EVP_sha256()) <= 0) fail("signing the root certificate");

  // The profile signer: a leaf for digital signatures, issued by the root (Apple signs profiles
  // with "Apple iPhone OS Provisioning Profile Signing", issued by its WWDR/root chain).
  m_impl->signer_key = util::generate_p256_key();
  m_impl->signer.reset(X509_new());
  X509* signer = m_impl->signer.get();
  X509NamePtr signer_name(X509_NAME_new());
  BnPtr signer_serial = m_impl->next_serial(serial_hex);
  if (!m_impl->signer_key || !signer || !signer_serial || X509_set_version(signer, X509_VERSION_3) != 1 ||
      !add_name_entry(signer_name.get(), "CN", "ascsim iPhone OS Provisioning Profile Signing") ||
      !add_name_entry(signer_name.get(), "O", "ascsim (simulated Apple Inc.)") ||
      !add_name_entry(signer_name.get(), "C", "US") ||
      !BN_to_ASN1_INTEGER(signer_serial.get(), X509_get_serialNumber(signer)) ||
      X509_set_subject_name(signer, signer_name.get()) != 1 ||
      X509_set_issuer_name(signer, name.get()) != 1 ||
      !set_time(X509_getm_notBefore(signer), k_root_not_before) ||
      !set_time(X509_getm_notAfter(signer), k_root_not_after) ||
      X509_set_pubkey(signer, m_impl->signer_key.get()) != 1)
    fail("filling the profile signing certificate");
  X509V3_CTX signer_ctx;
  X509V3_set_ctx_nodb(&signer_ctx);
  X509V3_set_ctx(&signer_ctx, root, signer, nullptr, nullptr, 0);
  if (!add_extension(signer, &signer_ctx, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(signer, &signer_ctx, NID_key_usage, "critical,digitalSignature") ||
      !add_extension(signer, &signer_ctx, NID_subject_key_identifier, "hash") ||
      !add_extension(signer, &signer_ctx, NID_authority_key_identifier, "keyid:always"))
    fail("adding the profile signing extensions");
  if (X509_sign(signer, m_impl->root_key.get(), EVP_sha256()) <= 0)
    fail("signing the profile signing certificate");

  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), root);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  m_impl->root_pem.assign(data, static_cast<size_t>(len));
}

CertificateAuthority::~CertificateAuthority() = default;

std::string CertificateAuthority::root_certificate_pem() const {
  return m_impl->root_pem;
}

std::string CertificateAuthority::team_id() const {
  return m_impl->team_id;
}

util::Result<IssuedCertificate> CertificateAuthority::issue(std::string_view csr_text,
                                                            const std::string& certificate_type,
                                                            util::TimePoint now,
                                                            std::chrono::seconds validity) {
  if (!core::is_certificate_type(certificate_type)) {
    auto e = csr_error("'" + certificate_type + "' is not a valid certificate type.");
    e.message =
        "certificate type rejected: '" + certificate_type + "' is not one of Apple's CertificateType values";
    return e;
  }
  if (validity.count() <= 0)
    return util::make_error(util::ErrorKind::internal, "certificate validity must be positive");
  auto req = parse_csr(csr_text);
  if (!req.ok()) return std::move(req).error();
  auto key = checked_public_key(req->get());
  if (!key.ok()) return std::move(key).error();
  X509_NAME* csr_subject = X509_REQ_get_subject_name(req->get());
  const std::string csr_cn = util::trim(name_entry(csr_subject, NID_commonName));
  if (csr_cn.empty()) return csr_error("The CSR's subject has no common name (CN).");
  const std::string csr_org = name_entry(csr_subject, NID_organizationName);
  const std::string csr_country = name_entry(csr_subject, NID_countryName);

  IssuedCertificate issued;
  issued.common_name = certificate_name_prefix(certificate_type) + ": " + csr_cn;
  issued.not_before = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (issued.not_before > now) issued.not_before -= std::chrono::seconds(1);  // floor before 1970
  issued.not_after = issued.not_before + validity;
  issued.public_key_der = util::public_key_to_der(*key);

  X509Ptr cert(X509_new());
  X509NamePtr subject(X509_NAME_new());
  if (!cert || !subject) return internal_error("allocating the certificate");
  if (!add_name_entry(subject.get(), "UID", m_impl->team_id) ||
      !add_name_entry(subject.get(), "CN", issued.common_name) ||
      !add_name_entry(subject.get(), "OU", m_impl->team_id) ||
      !add_name_entry(subject.get(), "O", csr_org.empty() ? csr_cn : csr_org) ||
      !add_name_entry(subject.get(), "C", csr_country.size() == 2 ? csr_country : "US"))
    return internal_error("building the subject");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(m_impl->root.get())) != 1 ||
      !set_time(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(issued.not_before)) ||
      !set_time(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(issued.not_after)) ||
      X509_set_pubkey(cert.get(), *key) != 1)
    return internal_error("filling the certificate");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, m_impl->root.get(), cert.get(), nullptr, nullptr, 0);
  if (!add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature") ||
      !add_extension(cert.get(), &ctx, NID_ext_key_usage, "critical,codeSigning") ||
      !add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"))
    return internal_error("adding extensions");

  {
    std::lock_guard lock(m_impl->mutex);
    BnPtr serial = m_impl->next_serial(issued.serial_number);
    if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
      return internal_error("setting the serial number");
    if (X509_sign(cert.get(), m_impl->root_key.get(), EVP_sha256()) <= 0) return internal_error("signing");
  }
  issued.der = to_der(cert.get());
  if (issued.der.empty()) return internal_error("encoding the certificate");
  return issued;
}

namespace ca_detail {

std::optional<std::time_t> asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}

}  // namespace ca_detail

util::Result<std::string> CertificateAuthority::redate(std::string_view der, std::chrono::seconds shift) {
  return change_validity(der, [shift](std::time_t& not_before, std::time_t& not_after) {
    not_before += shift.count();
    not_after += shift.count();
  });
}

util::Result<std::string> CertificateAuthority::with_not_after(std::string_view der,
                                                               util::TimePoint not_after) {
  const std::time_t wanted = std::chrono::system_clock::to_time_t(not_after);
  return change_validity(der, [wanted](std::time_t& before, std::time_t& after) {
    if (before >= wanted) before -= after - wanted;
    after = wanted;
  });
}

util::Result<std::string> CertificateAuthority::change_validity(
    std::string_view der, const std::function<void(std::time_t&, std::time_t&)>& change) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    ERR_clear_error();
    return util::make_error(util::ErrorKind::client, "not a DER X.509 certificate");
  }
  auto not_before = asn1_time(X509_get0_notBefore(cert.get()));
  auto not_after = asn1_time(X509_get0_notAfter(cert.get()));
  if (!not_before || !not_after) return internal_error("reading the validity");
  change(*not_before, *not_after);
  if (!set_time(X509_getm_notBefore(cert.get()), *not_before) ||
      !set_time(X509_getm_notAfter(cert.get()), *not_after) ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(m_impl->root.get())) != 1)
    return internal_error("setting the validity");
  {
    std::lock_guard lock(m_impl->mutex);
    if (X509_sign(cert.get(), m_impl->root_key.get(), EVP_sha256()) <= 0) return internal_error("re-signing");
  }
  std::string out = to_der(cert.get());
  if (out.empty()) return internal_error("encoding the certificate");
  return out;
}

util::Result<std::string> CertificateAuthority::sign_cms(std::string_view content) {
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (!in) return internal_error("allocating the CMS input");
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(nullptr, &CMS_ContentInfo_free);
  {
    std::lock_guard lock(m_impl->mutex);
    cms.reset(CMS_sign(m_impl->signer.get(), m_impl->signer_key.get(), nullptr, in.get(), CMS_BINARY));
  }
  if (!cms) return internal_error("signing the CMS envelope");
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0) return internal_error("encoding the CMS envelope");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace sim
