// Zeroing allocators for libcurl and OpenSSL: every block carries its size in a 16-byte prefix
// (keeping malloc's alignment) so it can be wiped in full before it is released.
#include "secure_alloc.hpp"

#include <curl/curl.h>
#ifdef MFAPHONE_CRYPTO_OPENSSL
#include <openssl/crypto.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "mfaphone/secret.hpp"

namespace mfaphone {
namespace {

constexpr std::size_t kPrefix = 16;
static_assert(sizeof(std::size_t) <= kPrefix, "size prefix");

void* zeroingMalloc(std::size_t n) {
    if (n > SIZE_MAX - kPrefix) return nullptr;
    auto* base = static_cast<unsigned char*>(std::malloc(n + kPrefix));
    if (!base) return nullptr;
    std::memcpy(base, &n, sizeof n);
    return base + kPrefix;
}

std::size_t blockSize(void* p) {
    std::size_t n;
    std::memcpy(&n, static_cast<unsigned char*>(p) - kPrefix, sizeof n);
    return n;
}

void zeroingFree(void* p) {
    if (!p) return;
    unsigned char* base = static_cast<unsigned char*>(p) - kPrefix;
    secureZero(base, blockSize(p) + kPrefix);
    std::free(base);
}

void* zeroingRealloc(void* p, std::size_t n) {
    if (!p) return zeroingMalloc(n);
    if (n == 0) {
        zeroingFree(p);
        return nullptr;
    }
    // Always move: growing in place would leave the old tail unwiped only if shrinking, and
    // a moved block must be wiped where it was.
    void* q = zeroingMalloc(n);
    if (!q) return nullptr;
    std::size_t old = blockSize(p);
    std::memcpy(q, p, old < n ? old : n);
    zeroingFree(p);
    return q;
}

char* zeroingStrdup(const char* s) {
    std::size_t n = std::strlen(s) + 1;
    auto* q = static_cast<char*>(zeroingMalloc(n));
    if (q) std::memcpy(q, s, n);
    return q;
}

void* zeroingCalloc(std::size_t count, std::size_t size) {
    if (size && count > SIZE_MAX / size) return nullptr;
    void* p = zeroingMalloc(count * size);
    if (p) std::memset(p, 0, count * size);
    return p;
}

#ifdef MFAPHONE_CRYPTO_OPENSSL
void* opensslMalloc(std::size_t n, const char*, int) { return zeroingMalloc(n); }
void* opensslRealloc(void* p, std::size_t n, const char*, int) { return zeroingRealloc(p, n); }
void opensslFree(void* p, const char*, int) { zeroingFree(p); }
#endif

std::once_flag g_once;
SecureAllocStatus g_status;

}  // namespace

SecureAllocStatus initSecureAllocators() {
    std::call_once(g_once, [] {
    // Only possible before OpenSSL's first allocation in this process; otherwise OpenSSL
    // keeps the system allocator (it still cleanses keys and, with SSL_OP_CLEANSE_PLAINTEXT,
    // decrypted records itself).
#ifdef MFAPHONE_CRYPTO_OPENSSL
        g_status.openssl = CRYPTO_set_mem_functions(opensslMalloc, opensslRealloc, opensslFree) == 1;
#endif
        g_status.curl = curl_global_init_mem(CURL_GLOBAL_DEFAULT, zeroingMalloc, zeroingFree, zeroingRealloc,
                                             zeroingStrdup, zeroingCalloc) == CURLE_OK;
        if (!g_status.curl) curl_global_init(CURL_GLOBAL_DEFAULT);
#if defined(__GLIBC__)
        // nghttp2 (HTTP/2 under libcurl) copies request headers, Authorization included, with the
        // system allocator and frees them unwiped; libcurl gives it no allocator. glibc can fill
        // freed blocks (M_PERTURB) so such copies do not outlive their use. Process-wide, and not
        // for blocks up to 1032 bytes that glibc keeps in its per-thread cache (tcache).
        g_status.freedMemoryFilled = mallopt(M_PERTURB, 0xA5) == 1;
#endif
    });
    return g_status;
}

SecureAllocStatus secureAllocStatus() { return g_status; }

}  // namespace mfaphone
