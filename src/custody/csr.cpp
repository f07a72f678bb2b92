#include "custody/csr.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "custody/key.hpp"
#include "custody/ossl.hpp"

namespace custody {

namespace {

util::Error csr_input_error(const std::string& what) {
  return util::make_error(util::ErrorKind::client, "cannot make a certificate signing request: " + what);
}

bool has_control_character(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool add_subject_entry(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1;
}

}  // namespace

util::Result<Csr> make_csr(EVP_PKEY* key, const CsrSubject& subject) {
  if (subject.common_name.empty()) return csr_input_error("the common name (CN) is empty");
  if (subject.common_name.size() > 64)
    return csr_input_error("the common name is " + std::to_string(subject.common_name.size()) +
                           " bytes, more than 64");
  if (subject.email_address.empty()) return csr_input_error("the e-mail address is empty");
  if (subject.email_address.size() > 128 || subject.email_address.find('@') == std::string::npos)
    return csr_input_error("'" + subject.email_address + "' is not an e-mail address");
  if (!subject.country.empty() &&
      (subject.country.size() != 2 || !std::all_of(subject.country.begin(), subject.country.end(),
                                                   [](char c) { return c >= 'A' && c <= 'Z'; })))
    return csr_input_error("the country must be two upper-case letters (ISO 3166), not '" + subject.country +
                           "'");
  if (has_control_character(subject.common_name) || has_control_character(subject.email_address))
    return csr_input_error("the subject contains a control character");
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != k_signing_key_bits)
    return csr_input_error("the key is not RSA 2048, which Apple requires");

  detail::X509ReqPtr req(X509_REQ_new());
  if (!req) return util::make_error(util::ErrorKind::internal, "X509_REQ_new: " + util::openssl_error());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  if (!(subject.country.empty() || add_subject_entry(name, "C", subject.country)) ||
      !add_subject_entry(name, "CN", subject.common_name) ||
      !add_subject_entry(name, "emailAddress", subject.email_address) ||
      X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_pubkey(req.get(), key) != 1 ||
      X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0)
    return util::make_error(util::ErrorKind::internal, "cannot build the CSR: " + util::openssl_error());

  Csr out;
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1)
    return util::make_error(util::ErrorKind::internal, "cannot encode the CSR: " + util::openssl_error());
  out.pem = detail::bio_bytes(bio.get());
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0)
    return util::make_error(util::ErrorKind::internal, "cannot encode the CSR: " + util::openssl_error());
  out.der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace custody
