#include "mfaphone/secret.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace mfaphone {

void secureZero(void* data, std::size_t size) noexcept {
    if (data && size) OPENSSL_cleanse(data, size);
}

bool SecretString::operator==(const SecretString& other) const noexcept {
    return m_value.size() == other.m_value.size() &&
           CRYPTO_memcmp(m_value.data(), other.m_value.data(), m_value.size()) == 0;
}

}  // namespace mfaphone
