// Test helpers for the transport: a raw TCP listener on 127.0.0.1 that records what each
// connection sends (a stand-in proxy), optionally speaking TLS with a freshly made self-signed
// certificate; and RAII environment overrides.
#pragma once

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif
// The TLS listener needs OpenSSL, which only the builds with the OpenSSL crypto backend link
// (the win-x64 tests link none; the one case using it is left out there).
#ifdef MFAPHONE_CRYPTO_OPENSSL
#define MFAPHONE_TEST_TLS_LISTENER 1
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#endif

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mfaphone::test {

// The few socket and environment calls that differ between POSIX and Windows.
#ifdef _WIN32
using SocketHandle = SOCKET;
inline bool socketValid(SocketHandle s) { return s != INVALID_SOCKET; }
inline void closeSocket(SocketHandle s) { ::closesocket(s); }
inline int pollSockets(pollfd* fds, unsigned long count, int timeoutMs) {
    return ::WSAPoll(fds, count, timeoutMs);
}
inline void setEnv(const char* name, const char* value) { _putenv_s(name, value ? value : ""); }
constexpr int kSendFlags = 0;
inline void startSockets() {
    static const bool started = [] {
        WSADATA data;
        return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    (void)started;
}
#else
using SocketHandle = int;
inline bool socketValid(SocketHandle s) { return s >= 0; }
inline void closeSocket(SocketHandle s) { ::close(s); }
inline int pollSockets(pollfd* fds, nfds_t count, int timeoutMs) { return ::poll(fds, count, timeoutMs); }
inline void setEnv(const char* name, const char* value) {
    if (value)
        ::setenv(name, value, 1);
    else
        ::unsetenv(name);
}
constexpr int kSendFlags = MSG_NOSIGNAL;
inline void startSockets() {}
#endif

// Sets (or unsets) an environment variable for the lifetime of the object, then restores it.
class EnvOverride {
public:
    EnvOverride(std::string name, const char* value) : m_name(std::move(name)) {
        if (const char* old = std::getenv(m_name.c_str())) m_old = old;
        setEnv(m_name.c_str(), value);
    }
    ~EnvOverride() { setEnv(m_name.c_str(), m_old ? m_old->c_str() : nullptr); }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

private:
    std::string m_name;
    std::optional<std::string> m_old;
};

class RawListener {
public:
    // With tls, every accepted connection gets a TLS handshake with a self-signed certificate
    // for 127.0.0.1 that no client trusts.
    explicit RawListener(bool tls = false) {
        startSockets();
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (!socketValid(m_fd)) throw std::runtime_error("socket failed");
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&one), sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_fd, 64) != 0)
            throw std::runtime_error("bind/listen failed");
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
#ifdef MFAPHONE_TEST_TLS_LISTENER
        if (tls) makeTlsContext();
#else
        if (tls) throw std::runtime_error("no TLS listener in this build");
#endif
        m_thread = std::thread([this] { run(); });
    }
    ~RawListener() {
        m_stop = true;
        m_thread.join();
        closeSocket(m_fd);
#ifdef MFAPHONE_TEST_TLS_LISTENER
        if (m_ctx) SSL_CTX_free(m_ctx);
#endif
    }
    int port() const { return m_port; }
    std::string address() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    int connections() const { return m_connections.load(); }
    // Everything received on every connection (the TLS handshake's plaintext is not kept).
    std::string received() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_received;
    }

private:
#ifdef MFAPHONE_TEST_TLS_LISTENER
    void makeTlsContext() {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509_sign(cert, key, EVP_sha256());
        m_ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate(m_ctx, cert);
        SSL_CTX_use_PrivateKey(m_ctx, key);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
#endif

    void run() {
        while (!m_stop) {
            pollfd p{m_fd, POLLIN, 0};
            if (pollSockets(&p, 1, 50) <= 0) continue;
            SocketHandle client = ::accept(m_fd, nullptr, nullptr);
            if (!socketValid(client)) continue;
            ++m_connections;
#ifdef MFAPHONE_TEST_TLS_LISTENER
            if (m_ctx) {
                SSL* ssl = SSL_new(m_ctx);
                SSL_set_fd(ssl, static_cast<int>(client));
                SSL_accept(ssl);  // the client aborts: it does not trust the certificate
                SSL_free(ssl);
                closeSocket(client);
                continue;
            }
#endif
            std::string data;
            char buf[4096];
            for (;;) {
                pollfd c{client, POLLIN, 0};
                if (pollSockets(&c, 1, 300) <= 0) break;
                auto n = ::recv(client, buf, sizeof buf, 0);
                if (n <= 0) break;
                data.append(buf, static_cast<std::size_t>(n));
                if (data.find("\r\n\r\n") != std::string::npos) break;
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_received += data;
            }
            static const char reply[] =
                "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ::send(client, reply, sizeof reply - 1, kSendFlags);
            closeSocket(client);
        }
    }

    SocketHandle m_fd{};
    int m_port = 0;
#ifdef MFAPHONE_TEST_TLS_LISTENER
    SSL_CTX* m_ctx = nullptr;
#endif
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_connections{0};
    mutable std::mutex m_mutex;
    std::string m_received;
    std::thread m_thread;
};

}  // namespace mfaphone::test
