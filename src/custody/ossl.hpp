#pragma once
// Owning pointers for the OpenSSL objects the custody layer uses (internal to src/custody).
#include <openssl/bio.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace custody::detail {

template <auto Free>
struct Freer {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Freer<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Freer<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Freer<X509_REQ_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Freer<PKCS12_free>>;
using P8InfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Freer<PKCS8_PRIV_KEY_INFO_free>>;
using X509SigPtr = std::unique_ptr<X509_SIG, Freer<X509_SIG_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Freer<X509_ALGOR_free>>;

// The bytes a memory BIO holds.
inline std::string bio_bytes(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

// A read-only memory BIO over `data` (which must outlive it).
inline BioPtr bio_over(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

}  // namespace custody::detail
