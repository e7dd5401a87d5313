// libcurl transport: a multi handle on one I/O thread. Callers block in send() on their own
// thread; the I/O thread drives every transfer, so many callers share connections and HTTP/2
// streams. Cancellation wakes the I/O thread with curl_multi_wakeup.
#include <curl/curl.h>
#ifdef MFAPHONE_CRYPTO_OPENSSL
#include <openssl/ssl.h>
#endif

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/http.hpp"
#include "mfaphone/internal/url.hpp"
#include "mfaphone/secret.hpp"
#include "secure_alloc.hpp"

namespace mfaphone {
namespace {

struct CurlGlobal {
    CurlGlobal() { initSecureAllocators(); }
};

void ensureCurlGlobal() { static CurlGlobal global; }

template <class T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const noexcept {
        if (p) Free(p);
    }
};
// Header lines carry the Authorization header: wipe them before they are freed.
void freeSlist(curl_slist* list) {
    for (curl_slist* item = list; item; item = item->next)
        if (item->data) secureZero(item->data, std::strlen(item->data));
    curl_slist_free_all(list);
}
void freeEasy(CURL* easy) { curl_easy_cleanup(easy); }
using UniqueSlist = std::unique_ptr<curl_slist, Deleter<curl_slist, freeSlist>>;
using UniqueEasy = std::unique_ptr<CURL, Deleter<CURL, freeEasy>>;

using Clock = std::chrono::steady_clock;

struct Transfer {
    const HttpRequest* request = nullptr;
    HttpResponse response;
    UniqueEasy easy;
    UniqueSlist headers;
    CURLcode result = CURLE_OK;
    char errorBuffer[CURL_ERROR_SIZE] = {0};
    bool cancelRequested = false;  // guarded by the transport mutex
    bool finished = false;         // guarded by the transport mutex
    bool cancelled = false;
    std::condition_variable done;
    // The context's deadline, and (I/O thread only) when the transfer itself started: the
    // request timeout runs from then, not from when the request was queued.
    Clock::time_point deadline = Clock::time_point::max();
    bool started = false;
    Clock::time_point startedAt;
};

#ifdef MFAPHONE_CRYPTO_OPENSSL
// Decrypted TLS records are wiped once handed over (token responses carry tokens). Only with
// libcurl's OpenSSL backend; libcurl ignores the callback with the others (Schannel on Windows).
CURLcode onSslContext(CURL*, void* sslContext, void*) {
    SSL_CTX_set_options(static_cast<SSL_CTX*>(sslContext), SSL_OP_CLEANSE_PLAINTEXT);
    return CURLE_OK;
}
#endif

// Called by libcurl once a connection is ready (new or reused) and before the request is sent.
int onTransferStart(void* user, char*, char*, int, int) {
    auto* t = static_cast<Transfer*>(user);
    if (!t->started) {
        t->started = true;
        t->startedAt = Clock::now();
    }
    return CURL_PREREQFUNC_OK;
}

// Failures that another attempt cannot fix: the server's certificate failed verification (or
// the client's TLS setup is wrong), or the request itself is malformed.
bool isRetriableResult(CURLcode code) {
    switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_NOT_BUILT_IN:
        case CURLE_BAD_FUNCTION_ARGUMENT:
        case CURLE_FAILED_INIT:
            return false;
        default:
            return true;
    }
}

// 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), localhost and *.localhost.
bool isLoopbackHost(std::string host) {
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    if (!host.empty() && host.back() == '.') host.pop_back();
    if (host == "localhost") return true;
    if (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0) return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        auto zone = host.find('%');
        if (zone != std::string::npos) host.resize(zone);
        unsigned char v6[16];
        if (inet_pton(AF_INET6, host.c_str(), v6) != 1) return false;
        static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return std::memcmp(v6, loopback, 16) == 0 || (std::memcmp(v6, mapped, 12) == 0 && v6[12] == 127);
    }
    unsigned char v4[4];
    return inet_pton(AF_INET, host.c_str(), v4) == 1 && v4[0] == 127;
}

// The URL's host as libcurl will read it (normalised), or empty when it does not parse.
std::string urlHost(const std::string& url) {
    CURLU* parsed = curl_url();
    if (!parsed) return {};
    std::string host;
    if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char* part = nullptr;
        if (curl_url_get(parsed, CURLUPART_HOST, &part, 0) == CURLUE_OK && part) host = part;
        curl_free(part);
    }
    curl_url_cleanup(parsed);
    return host;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    t->response.body.append(data, size * count);
    return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        t->response.headers.clear();  // a new response (after 100-continue or a redirect)
        return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    t->response.headers.emplace_back(std::move(name), std::string(value));
    return size * count;
}

class CurlTransport : public Transport {
public:
    CurlTransport(TransportOptions options, Logger logger)
        : m_options(std::move(options)), m_logger(std::move(logger)) {
        ensureCurlGlobal();
        m_multi = curl_multi_init();
        if (!m_multi) throw TransportError("libcurl could not create a multi handle.");
        curl_multi_setopt(m_multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        // HTTP/2 multiplexes the whole window over a connection or two; HTTP/1.1 needs one
        // connection per request in flight, kept open for the next request.
        long connections = std::max(1, m_options.maxConnections);
        long cache = m_options.connectionCache > 0 ? m_options.connectionCache : connections;
        curl_multi_setopt(m_multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
        curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, cache);
        m_thread = std::thread([this] { run(); });
    }

    ~CurlTransport() override {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        curl_multi_wakeup(m_multi);
        m_thread.join();
        curl_multi_cleanup(m_multi);
    }

    HttpResponse send(const HttpRequest& request, const Context& context) override {
        context.throwIfCancelled();
        Transfer transfer;
        transfer.request = &request;
        transfer.deadline = context.deadline();
        setup(transfer);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_incoming.push_back(&transfer);
        }
        curl_multi_wakeup(m_multi);
        auto registration = context.onCancel([this, &transfer] {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                transfer.cancelRequested = true;
            }
            curl_multi_wakeup(m_multi);
        });
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            transfer.done.wait(lock, [&] { return transfer.finished; });
        }
        registration.reset();

        if (transfer.cancelled) throw CancelledError();
        if (transfer.result != CURLE_OK) {
            std::string detail =
                transfer.errorBuffer[0] ? transfer.errorBuffer : curl_easy_strerror(transfer.result);
            bool timedOut = transfer.result == CURLE_OPERATION_TIMEDOUT;
            if (timedOut && context.hasDeadline() && Clock::now() >= context.deadline())
                detail = "the operation's deadline passed (" + detail + ")";
            throw TransportError(request.method + " " + sanitizeUrl(request.url) + " failed: " + detail,
                                 timedOut, isRetriableResult(transfer.result));
        }
        long status = 0;
        curl_easy_getinfo(transfer.easy.get(), CURLINFO_RESPONSE_CODE, &status);
        transfer.response.status = static_cast<int>(status);
        long version = 0;
        curl_easy_getinfo(transfer.easy.get(), CURLINFO_HTTP_VERSION, &version);
        switch (version) {
            case CURL_HTTP_VERSION_1_0:
                transfer.response.httpVersion = 10;
                break;
            case CURL_HTTP_VERSION_1_1:
                transfer.response.httpVersion = 11;
                break;
            case CURL_HTTP_VERSION_2_0:
                transfer.response.httpVersion = 20;
                break;
            case CURL_HTTP_VERSION_3:
                transfer.response.httpVersion = 30;
                break;
            default:
                break;
        }
        return std::move(transfer.response);
    }

private:
    void setup(Transfer& t) {
        t.easy.reset(curl_easy_init());
        if (!t.easy) throw TransportError("libcurl could not create a transfer.");
        CURL* e = t.easy.get();
        const HttpRequest& r = *t.request;
        curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
        // The path goes out exactly as built: no dot-segment removal, no squashing.
        curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
        // A loopback endpoint (a managed identity endpoint, a local emulator) is reached directly:
        // through an http_proxy/ALL_PROXY its request, secrets and all, would cross the proxy in
        // clear text. Other URLs honour the proxy environment (https_proxy, no_proxy, ...).
        if (isLoopbackHost(urlHost(r.url))) curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errorBuffer);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onBody);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, onHeader);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(e, CURLOPT_USERAGENT, m_options.userAgent.c_str());
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, m_options.connectTimeoutMs);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, m_options.lowSpeedLimitBytes);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, m_options.lowSpeedTimeSeconds);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, m_options.verifyTls ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, m_options.verifyTls ? 2L : 0L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        if (!m_options.caBundle.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, m_options.caBundle.c_str());
#ifdef MFAPHONE_CRYPTO_OPENSSL
        curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, onSslContext);
#endif

        // The request timeout is enforced by the I/O loop from the moment the transfer starts
        // (onTransferStart), so time queued for a connection or stream does not count; libcurl's
        // own timeout would run from the moment the request was queued.
        curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, onTransferStart);
        curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);

        curl_slist* list = nullptr;
        for (const auto& [name, value] : r.headers) {
            SecretString line(name.data(), name.size());
            line.append(": ", 2);
            line.append(value.data(), value.size());
            curl_slist* grown = curl_slist_append(list, line.data());
            if (!grown) {
                freeSlist(list);
                throw TransportError("libcurl could not allocate a request header.");
            }
            list = grown;
        }
        list = curl_slist_append(list, "Expect:");
        t.headers.reset(list);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);

        if (r.method == "GET") {
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        } else {
            if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
            if (r.method == "DELETE" && r.body.empty()) {
                curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
            } else {
                // libcurl reads the body from the request's own zeroing storage, which outlives
                // the transfer; it keeps no copy of its own (never COPYPOSTFIELDS).
                curl_easy_setopt(e, CURLOPT_POST, 1L);
                curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
            }
        }
    }

    void finish(Transfer* t, CURLcode result, bool cancelled) {
        // Called on the I/O thread with m_mutex held.
        curl_multi_remove_handle(m_multi, t->easy.get());
        m_active.erase(t);
        t->result = result;
        t->cancelled = cancelled;
        t->finished = true;
        t->done.notify_all();
    }

    void run() {
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                for (Transfer* t : m_incoming) {
                    if (t->cancelRequested) {
                        t->cancelled = true;
                        t->finished = true;
                        t->done.notify_all();
                        continue;
                    }
                    CURLMcode added = curl_multi_add_handle(m_multi, t->easy.get());
                    if (added != CURLM_OK) {
                        t->result = CURLE_FAILED_INIT;
                        std::snprintf(t->errorBuffer, sizeof t->errorBuffer,
                                      "libcurl could not start the transfer: %s", curl_multi_strerror(added));
                        t->finished = true;
                        t->done.notify_all();
                        continue;
                    }
                    m_active.insert(t);
                }
                m_incoming.clear();
                std::vector<Transfer*> toCancel;
                for (Transfer* t : m_active)
                    if (t->cancelRequested) toCancel.push_back(t);
                for (Transfer* t : toCancel) finish(t, CURLE_ABORTED_BY_CALLBACK, true);
                expireTransfers();
                if (m_stop) {
                    std::vector<Transfer*> all(m_active.begin(), m_active.end());
                    for (Transfer* t : all) finish(t, CURLE_ABORTED_BY_CALLBACK, true);
                    return;
                }
            }
            int running = 0;
            curl_multi_perform(m_multi, &running);
            int left = 0;
            while (CURLMsg* msg = curl_multi_info_read(m_multi, &left)) {
                if (msg->msg != CURLMSG_DONE) continue;
                Transfer* t = nullptr;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
                CURLcode result = msg->data.result;
                std::lock_guard<std::mutex> lock(m_mutex);
                finish(t, result, false);
            }
            curl_multi_poll(m_multi, nullptr, 0, pollTimeoutMs(), nullptr);
        }
    }

    // When an active transfer must end: its context's deadline, or requestTimeoutMs after the
    // transfer started (I/O thread).
    Clock::time_point expiry(const Transfer& t) const {
        Clock::time_point at = t.deadline;
        if (t.started && m_options.requestTimeoutMs > 0)
            at = std::min(at, t.startedAt + std::chrono::milliseconds(m_options.requestTimeoutMs));
        return at;
    }

    // Ends transfers whose time is up (I/O thread, m_mutex held).
    void expireTransfers() {
        auto now = Clock::now();
        std::vector<Transfer*> expired;
        for (Transfer* t : m_active)
            if (now >= expiry(*t)) expired.push_back(t);
        for (Transfer* t : expired) {
            if (t->started && now >= t->startedAt + std::chrono::milliseconds(m_options.requestTimeoutMs))
                std::snprintf(t->errorBuffer, sizeof t->errorBuffer, "no complete answer within %s",
                              formatSeconds(std::chrono::milliseconds(m_options.requestTimeoutMs)).c_str());
            else
                std::snprintf(t->errorBuffer, sizeof t->errorBuffer, "timed out");
            finish(t, CURLE_OPERATION_TIMEDOUT, false);
        }
    }

    // How long the loop may sleep: until the next transfer expires, at most a second (I/O thread).
    int pollTimeoutMs() {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto now = Clock::now();
        auto next = now + std::chrono::seconds(1);
        for (Transfer* t : m_active) next = std::min(next, expiry(*t));
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
        return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
    }

    TransportOptions m_options;
    Logger m_logger;
    CURLM* m_multi = nullptr;
    std::thread m_thread;
    std::mutex m_mutex;
    std::deque<Transfer*> m_incoming;
    std::set<Transfer*> m_active;
    bool m_stop = false;
};

}  // namespace

std::shared_ptr<Transport> makeCurlTransport(const TransportOptions& options, Logger logger) {
    return std::make_shared<CurlTransport>(options, std::move(logger));
}

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
                return std::tolower((unsigned char)a) == std::tolower((unsigned char)b);
            }))
            return v;
    }
    return {};
}

}  // namespace mfaphone
