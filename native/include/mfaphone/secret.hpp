// Storage for secrets: memory is zeroed before it is released.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace mfaphone {

void secureZero(void* data, std::size_t size) noexcept;

template <class T>
struct ZeroingAllocator {
    using value_type = T;
    ZeroingAllocator() noexcept = default;
    template <class U>
    ZeroingAllocator(const ZeroingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        secureZero(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U>
    bool operator==(const ZeroingAllocator<U>&) const noexcept {
        return true;
    }
    template <class U>
    bool operator!=(const ZeroingAllocator<U>&) const noexcept {
        return false;
    }
};

// A std::string whose every released buffer (on growth and on destruction) is wiped.
using ZeroingString = std::basic_string<char, std::char_traits<char>, ZeroingAllocator<char>>;

// Memory for secrets: whole pages of their own, excluded from core dumps where the OS allows
// (MADV_DONTDUMP), wiped and returned to the OS when released.
void* secretAllocate(std::size_t bytes);
void secretDeallocate(void* p, std::size_t bytes) noexcept;

template <class T>
struct SecretAllocator {
    using value_type = T;
    SecretAllocator() noexcept = default;
    template <class U>
    SecretAllocator(const SecretAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(secretAllocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { secretDeallocate(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const SecretAllocator<U>&) const noexcept {
        return true;
    }
    template <class U>
    bool operator!=(const SecretAllocator<U>&) const noexcept {
        return false;
    }
};

// A string whose buffer is wiped on every reallocation and on destruction, held in secret
// pages (see SecretAllocator). Short strings live inside the object (SSO), so the destructor
// wipes that too.
class SecretString {
public:
    using Storage = std::basic_string<char, std::char_traits<char>, SecretAllocator<char>>;

    SecretString() = default;
    SecretString(const char* data, std::size_t size) : m_value(data, size) {}
    explicit SecretString(const std::string& s) : m_value(s.data(), s.size()) {}
    SecretString(const SecretString&) = default;
    SecretString(SecretString&& other) noexcept : m_value(std::move(other.m_value)) { other.wipe(); }
    SecretString& operator=(const SecretString&) = default;
    SecretString& operator=(SecretString&& other) noexcept {
        wipe();
        m_value = std::move(other.m_value);
        other.wipe();
        return *this;
    }
    ~SecretString() { wipe(); }

    const char* data() const noexcept { return m_value.data(); }
    std::size_t size() const noexcept { return m_value.size(); }
    bool empty() const noexcept { return m_value.empty(); }
    const Storage& value() const noexcept { return m_value; }
    void append(const char* s, std::size_t n) { m_value.append(s, n); }
    void append(const SecretString& s) { m_value.append(s.m_value); }

    void wipe() noexcept {
        secureZero(m_value.data(), m_value.capacity());
        m_value.clear();
    }

    bool operator==(const SecretString& other) const noexcept;

private:
    Storage m_value;
};

}  // namespace mfaphone
