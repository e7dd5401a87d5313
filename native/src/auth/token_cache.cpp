// The token cache: refresh before expiry, one request in flight however many callers wait.
#include <algorithm>

#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"

namespace mfaphone {

TokenCache::TokenCache(std::shared_ptr<TokenCredential> credential, std::chrono::seconds refreshMargin,
                       Logger logger, Clock clock, std::chrono::seconds minimumLife, TokenCacheKey key)
    : m_credential(std::move(credential)),
      m_margin(refreshMargin),
      m_logger(std::move(logger)),
      m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      m_minimumLife(minimumLife),
      m_key(std::move(key)) {}

TokenCache::~TokenCache() { wipe(); }

SecretString TokenCache::bearer(const Context& context) {
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        if (m_wiped) throw AuthError("The session was signed out; sign in again.", "signed_out");
        auto now = m_clock();
        // Refresh `margin` before expiry, or at half-life for tokens that live shorter than that.
        auto margin =
            std::min<std::chrono::system_clock::duration>(m_margin, (m_token.expiresOn - m_acquired) / 2);
        bool usable = m_valid && m_token.expiresOn - now > std::chrono::seconds(0);
        bool due = !m_valid || (m_token.expiresOn - now <= margin && now >= m_nextRefreshAttempt);
        if (!due) return m_token.token;
        if (m_refreshing) {
            // Another caller is refreshing: a token with life left serves meanwhile; otherwise
            // wait for that refresh (waking to notice cancellation).
            if (usable && m_token.expiresOn - now >= m_minimumLife) return m_token.token;
            context.throwIfCancelled();
            m_refreshed.wait_for(lock, std::chrono::milliseconds(100));
            continue;
        }
        m_refreshing = true;
        lock.unlock();
        std::exception_ptr failure;
        AccessToken fresh;
        try {
            fresh = m_credential->requestToken(context);
        } catch (...) {
            failure = std::current_exception();
        }
        lock.lock();
        m_refreshing = false;
        m_refreshed.notify_all();
        if (m_wiped) {
            fresh.token.wipe();
            continue;  // signed out meanwhile: throws above
        }
        if (!failure) {
            m_token = std::move(fresh);
            m_acquired = now;
            m_valid = true;
            return m_token.token;
        }
        try {
            std::rethrow_exception(failure);
        } catch (const CancelledError&) {
            throw;
        } catch (const Error& e) {
            if (!usable || m_token.expiresOn - now < m_minimumLife) throw;
            m_nextRefreshAttempt = now + std::chrono::seconds(10);
            m_logger.log(
                LogLevel::Warning, "auth",
                std::string("refreshing the access token failed; using the current token while it lasts (") +
                    e.what() + ")");
            return m_token.token;
        }
    }
}

void TokenCache::invalidate(const SecretString& rejected) {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_valid && m_token.token == rejected) m_valid = false;
}

std::chrono::system_clock::time_point TokenCache::expiresOn() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_token.expiresOn;
}

void TokenCache::wipe() noexcept {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_wiped = true;
    m_valid = false;
    m_token.token.wipe();
    m_token.refreshToken.wipe();
    if (m_credential) m_credential->wipe();
    m_refreshed.notify_all();
}

}  // namespace mfaphone
