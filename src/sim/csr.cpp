#include "sim/csr.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace sim {

util::Result<std::string> make_csr_pem(EVP_PKEY* key, const std::string& common_name) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), &X509_REQ_free);
  if (!req) return util::make_error(util::ErrorKind::internal, "X509_REQ_new: " + util::openssl_error());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_REQ_set_pubkey(req.get(), key) != 1 || X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0)
    return util::make_error(util::ErrorKind::internal, "cannot build a CSR: " + util::openssl_error());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1)
    return util::make_error(util::ErrorKind::internal, "cannot write a CSR: " + util::openssl_error());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace sim
