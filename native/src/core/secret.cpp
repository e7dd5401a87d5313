#include "mfaphone/secret.hpp"

#include <cstring>
#include <new>

#include "crypto/crypto.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define MFAPHONE_SECRET_PAGES 1
#endif

namespace mfaphone {

// secureZero is the crypto backend's (crypto/crypto_*.cpp).

bool SecretString::operator==(const SecretString& other) const noexcept {
    return m_value.size() == other.m_value.size() &&
           crypto::constantTimeEqual(m_value.data(), other.m_value.data(), m_value.size());
}

#ifdef MFAPHONE_SECRET_PAGES
namespace {
std::size_t pageSize() {
    static const std::size_t size = [] {
        long s = sysconf(_SC_PAGESIZE);
        return s > 0 ? static_cast<std::size_t>(s) : std::size_t(4096);
    }();
    return size;
}
std::size_t roundUp(std::size_t bytes) {
    std::size_t page = pageSize();
    return (bytes + page - 1) / page * page;
}
}  // namespace

void* secretAllocate(std::size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > (std::size_t(1) << 40)) throw std::bad_alloc();
    std::size_t length = roundUp(bytes);
    void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_DONTDUMP
    madvise(p, length, MADV_DONTDUMP);
#endif
    return p;
}

void secretDeallocate(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (bytes == 0) bytes = 1;
    std::size_t length = roundUp(bytes);
    secureZero(p, length);
    munmap(p, length);
}
#else
void* secretAllocate(std::size_t bytes) { return ::operator new(bytes == 0 ? 1 : bytes); }

void secretDeallocate(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    secureZero(p, bytes);
    ::operator delete(p);
}
#endif

}  // namespace mfaphone
