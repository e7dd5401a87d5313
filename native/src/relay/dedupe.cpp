// De-duplication of deliveries by MessageSid and idempotency token, in memory or in a file
// that several processes share under an exclusive file lock.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

#include "mfaphone/internal/relay.hpp"

#ifdef _WIN32
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace mfaphone::relay {
namespace {

long long toSeconds(DedupeStore::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct Entry {
    long long expires = 0;  // unix seconds
    bool done = false;
};

using Table = std::unordered_map<std::string, Entry>;

// The shared logic of both stores, over a table of hashed keys.
bool claimIn(Table& table, const std::vector<std::string>& hashes, long long now, long long lease) {
    for (const auto& h : hashes) {
        auto it = table.find(h);
        if (it != table.end() && it->second.expires > now) return false;
    }
    for (const auto& h : hashes) table[h] = Entry{now + lease, false};
    return true;
}

void completeIn(Table& table, const std::vector<std::string>& hashes, long long now, long long ttl) {
    for (const auto& h : hashes) table[h] = Entry{now + ttl, true};
}

void releaseIn(Table& table, const std::vector<std::string>& hashes) {
    for (const auto& h : hashes) {
        auto it = table.find(h);
        if (it != table.end() && !it->second.done) table.erase(it);
    }
}

void prune(Table& table, long long now, std::size_t maxEntries) {
    for (auto it = table.begin(); it != table.end();)
        it = it->second.expires <= now ? table.erase(it) : std::next(it);
    if (table.size() <= maxEntries) return;
    // Over the cap: forget the entries closest to expiry first.
    std::vector<std::pair<long long, std::string>> order;
    order.reserve(table.size());
    for (const auto& [k, e] : table) order.emplace_back(e.expires, k);
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i + maxEntries < order.size(); ++i) table.erase(order[i].second);
}

std::vector<std::string> hashKeys(const std::vector<std::string>& keys) {
    std::vector<std::string> out;
    out.reserve(keys.size());
    for (const auto& k : keys)
        if (!k.empty()) out.push_back(sha256Hex(k));
    return out;
}

class MemoryDedupe : public DedupeStore {
public:
    explicit MemoryDedupe(const DedupeOptions& options) : m_options(options) {}

    bool claim(const std::vector<std::string>& keys, Clock::time_point now) override {
        auto hashes = hashKeys(keys);
        std::lock_guard<std::mutex> lock(m_mutex);
        if (++m_operations % 256 == 0 || m_table.size() > m_options.maxEntries)
            prune(m_table, toSeconds(now), m_options.maxEntries);
        return claimIn(m_table, hashes, toSeconds(now), m_options.lease.count());
    }
    void complete(const std::vector<std::string>& keys, Clock::time_point now) override {
        auto hashes = hashKeys(keys);
        std::lock_guard<std::mutex> lock(m_mutex);
        completeIn(m_table, hashes, toSeconds(now), m_options.ttl.count());
    }
    void release(const std::vector<std::string>& keys) override {
        auto hashes = hashKeys(keys);
        std::lock_guard<std::mutex> lock(m_mutex);
        releaseIn(m_table, hashes);
    }

private:
    DedupeOptions m_options;
    std::mutex m_mutex;
    Table m_table;
    unsigned long m_operations = 0;
};

Table parseTable(const std::string& text) {
    Table table;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        // "<64 hex> <unix seconds> <d|p>"; anything else (a torn write) is skipped.
        auto s1 = line.find(' ');
        auto s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
        if (s1 != 64 || s2 == std::string_view::npos || s2 + 2 != line.size()) continue;
        std::string_view number = line.substr(s1 + 1, s2 - s1 - 1);
        if (number.empty() || number.size() > 18 ||
            !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        char state = line[s2 + 1];
        if (state != 'd' && state != 'p') continue;
        table[std::string(line.substr(0, 64))] = Entry{std::stoll(std::string(number)), state == 'd'};
    }
    return table;
}

std::string formatTable(const Table& table) {
    std::string out;
    out.reserve(table.size() * 80);
    for (const auto& [k, e] : table) {
        out += k;
        out += ' ';
        out += std::to_string(e.expires);
        out += ' ';
        out += e.done ? 'd' : 'p';
        out += '\n';
    }
    return out;
}

// Opens and exclusively locks the file for one read-modify-write; unlocks and closes on exit.
class LockedFile {
public:
    explicit LockedFile(const std::string& path) {
#ifdef _WIN32
        m_handle = CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                               nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
        if (m_handle == INVALID_HANDLE_VALUE)
            throw InvalidInputError("The de-duplication file cannot be opened (Windows error " +
                                    std::to_string(GetLastError()) + ").");
        OVERLAPPED overlapped{};
        if (!LockFileEx(m_handle, LOCKFILE_EXCLUSIVE_LOCK, 0, MAXDWORD, MAXDWORD, &overlapped)) {
            CloseHandle(m_handle);
            throw InvalidInputError("The de-duplication file cannot be locked.");
        }
#else
        m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m_fd < 0)
            throw InvalidInputError(
                "The de-duplication file cannot be opened: " + std::string(std::strerror(errno)) + ".");
        while (::flock(m_fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int error = errno;
            ::close(m_fd);
            throw InvalidInputError(
                "The de-duplication file cannot be locked: " + std::string(std::strerror(error)) + ".");
        }
#endif
    }
    ~LockedFile() {
#ifdef _WIN32
        OVERLAPPED overlapped{};
        UnlockFileEx(m_handle, 0, MAXDWORD, MAXDWORD, &overlapped);
        CloseHandle(m_handle);
#else
        ::flock(m_fd, LOCK_UN);
        ::close(m_fd);
#endif
    }
    LockedFile(const LockedFile&) = delete;
    LockedFile& operator=(const LockedFile&) = delete;

    std::string read() {
        std::string out;
        char buffer[8192];
#ifdef _WIN32
        SetFilePointer(m_handle, 0, nullptr, FILE_BEGIN);
        DWORD n = 0;
        while (ReadFile(m_handle, buffer, sizeof buffer, &n, nullptr) && n > 0) out.append(buffer, n);
#else
        ::lseek(m_fd, 0, SEEK_SET);
        for (;;) {
            ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.append(buffer, static_cast<std::size_t>(n));
        }
#endif
        return out;
    }

    void write(const std::string& text) {
#ifdef _WIN32
        SetFilePointer(m_handle, 0, nullptr, FILE_BEGIN);
        SetEndOfFile(m_handle);
        DWORD written = 0;
        if (!text.empty() &&
            !WriteFile(m_handle, text.data(), static_cast<DWORD>(text.size()), &written, nullptr))
            throw InvalidInputError("The de-duplication file cannot be written.");
#else
        if (::ftruncate(m_fd, 0) != 0 || ::lseek(m_fd, 0, SEEK_SET) != 0)
            throw InvalidInputError(
                "The de-duplication file cannot be written: " + std::string(std::strerror(errno)) + ".");
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t n = ::write(m_fd, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw InvalidInputError(
                    "The de-duplication file cannot be written: " + std::string(std::strerror(errno)) + ".");
            done += static_cast<std::size_t>(n);
        }
#endif
    }

private:
#ifdef _WIN32
    HANDLE m_handle = INVALID_HANDLE_VALUE;
#else
    int m_fd = -1;
#endif
};

class FileDedupe : public DedupeStore {
public:
    FileDedupe(std::string path, const DedupeOptions& options) : m_path(std::move(path)), m_options(options) {
        LockedFile probe(m_path);  // fails now, with a clear message, rather than on the first text
    }

    bool claim(const std::vector<std::string>& keys, Clock::time_point now) override {
        bool claimed = false;
        update(now, [&](Table& t, long long s) {
            claimed = claimIn(t, hashKeys(keys), s, m_options.lease.count());
        });
        return claimed;
    }
    void complete(const std::vector<std::string>& keys, Clock::time_point now) override {
        update(now, [&](Table& t, long long s) { completeIn(t, hashKeys(keys), s, m_options.ttl.count()); });
    }
    void release(const std::vector<std::string>& keys) override {
        update(std::nullopt, [&](Table& t, long long) { releaseIn(t, hashKeys(keys)); });
    }

private:
    // Expired entries are dropped when the caller knows the time (release() does not).
    template <class F>
    void update(std::optional<Clock::time_point> now, F&& change) {
        std::lock_guard<std::mutex> lock(m_mutex);
        LockedFile file(m_path);
        Table table = parseTable(file.read());
        long long seconds = now ? toSeconds(*now) : 0;
        if (now) prune(table, seconds, m_options.maxEntries);
        change(table, seconds);
        file.write(formatTable(table));
    }

    std::string m_path;
    DedupeOptions m_options;
    std::mutex m_mutex;
};

}  // namespace

std::unique_ptr<DedupeStore> makeMemoryDedupe(const DedupeOptions& options) {
    return std::make_unique<MemoryDedupe>(options);
}

std::unique_ptr<DedupeStore> makeFileDedupe(const std::string& path, const DedupeOptions& options) {
    if (path.empty()) throw InvalidInputError("The de-duplication file path is empty.");
    return std::make_unique<FileDedupe>(path, options);
}

}  // namespace mfaphone::relay
