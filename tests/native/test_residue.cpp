// Credential residue: after a session signs out, no copy of the client secret or the access
// token it used may remain readable anywhere in this process's writable memory. The session
// signs in and reads Graph over HTTPS (HTTP/2 by ALPN) against the emulator, run as a child
// process; the test then scans /proc/self/maps + /proc/self/mem for the secret and the token.
//
// The test never holds a plain copy of what it looks for: the secret is generated here and
// written only to buffers that are wiped, and both patterns are kept XOR-masked.
//
// Hidden tag: run by the `native-residue` CTest entry, which sets MFAPHONE_EMULATOR and
// MFAPHONE_TLS_DIR.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "http/secure_alloc.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/auth.hpp"
#include "mfaphone/secret.hpp"
#include "mfaphone/session.hpp"
#include "session/session_impl.hpp"

namespace mfaphone {
struct SessionTestAccess {
    static std::shared_ptr<SessionImpl> impl(Session& s) { return s.m_impl; }
};
}  // namespace mfaphone

using namespace mfaphone;

namespace {

constexpr unsigned char kMask = 0xA5;

struct MaskedPattern {
    std::vector<unsigned char> masked;
    explicit MaskedPattern(const char* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) masked.push_back(static_cast<unsigned char>(data[i]) ^ kMask);
    }
};

// Counts occurrences of each pattern in every readable, writable mapping of this process.
std::vector<std::size_t> scanProcess(const std::vector<const MaskedPattern*>& patterns) {
    std::vector<std::size_t> counts(patterns.size(), 0);
    const std::size_t chunk = 1 << 20;
    // The scan buffer lives in its own mapping, skipped below and wiped after each chunk.
    auto* buffer = static_cast<unsigned char*>(
        mmap(nullptr, chunk + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    REQUIRE(buffer != MAP_FAILED);
    auto bufferStart = reinterpret_cast<std::uintptr_t>(buffer);
    int mem = open("/proc/self/mem", O_RDONLY);
    REQUIRE(mem >= 0);
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::size_t longest = 0;
    for (auto* p : patterns) longest = std::max(longest, p->masked.size());
    while (std::getline(maps, line)) {
        std::uintptr_t start = 0, end = 0;
        char perms[5] = {0};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) != 3) continue;
        if (perms[0] != 'r' || perms[1] != 'w') continue;
        if (line.find("[vvar") != std::string::npos || line.find("[vsyscall]") != std::string::npos) continue;
        if (start <= bufferStart && bufferStart < end) continue;
        for (std::uintptr_t at = start; at < end; at += chunk) {
            std::size_t want = std::min<std::uintptr_t>(chunk + longest, end - at);
            ssize_t got = pread(mem, buffer, want, static_cast<off_t>(at));
            if (got <= 0) continue;
            for (std::size_t k = 0; k < patterns.size(); ++k) {
                const auto& m = patterns[k]->masked;
                std::size_t limit =
                    std::min<std::size_t>(static_cast<std::size_t>(got), chunk + m.size() - 1);
                for (std::size_t i = 0; i + m.size() <= limit && i < chunk; ++i) {
                    if ((buffer[i] ^ kMask) != m[0]) continue;
                    std::size_t j = 1;
                    while (j < m.size() && (buffer[i + j] ^ kMask) == m[j]) ++j;
                    if (j == m.size()) {
                        ++counts[k];
                        if (std::getenv("MFAPHONE_RESIDUE_DEBUG")) {
                            std::string context;
                            std::size_t begin = i;
                            auto tokenChar = [](unsigned char ch) {
                                return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
                            };
                            while (begin > 0 && tokenChar(buffer[begin - 1])) --begin;
                            for (std::size_t q = (begin > 48 ? begin - 48 : 0); q < begin + 8; ++q)
                                context += (buffer[q] >= 32 && buffer[q] < 127) ? char(buffer[q]) : '.';
                            std::fprintf(stderr, "pattern %zu at %lx in %s | before: %s\n", k,
                                         static_cast<unsigned long>(at + i), line.c_str(), context.c_str());
                        }
                    }
                }
            }
            secureZero(buffer, static_cast<std::size_t>(got));
        }
    }
    close(mem);
    munmap(buffer, chunk + 4096);
    return counts;
}

struct Emulator {
    pid_t pid = -1;
    std::string https;
    Emulator(const std::string& dll, const std::string& tls, const std::string& tenantFile) {
        int out[2];
        REQUIRE(pipe(out) == 0);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            dup2(out[1], 1);
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 2);
            close(out[0]);
            std::string cert = tls + "/server.pem", key = tls + "/server.key";
            execlp("dotnet", "dotnet", dll.c_str(), "--port", "0", "--https-port", "0", "--tls-cert",
                   cert.c_str(), "--tls-key", key.c_str(), "--tenant", tenantFile.c_str(),
                   static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        std::string text;
        char c;
        while (read(out[0], &c, 1) == 1) {
            text += c;
            if (text.find("mfaphone-emulator ready\n") != std::string::npos) break;
        }
        close(out[0]);
        auto pos = text.find("listening on https://");
        REQUIRE(pos != std::string::npos);
        https = text.substr(pos + 13, text.find('\n', pos) - pos - 13);
    }
    ~Emulator() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
};

std::vector<Event> drain(Operation& op) {
    std::vector<Event> events;
    Event e;
    while (!op.finished()) {
        if (op.nextEvent(e, 200)) events.push_back(e);
    }
    return events;
}

}  // namespace

TEST_CASE("no copy of the client secret or access token remains after sign-out (HTTPS, HTTP/2)",
          "[.][residue]") {
    const char* dll = std::getenv("MFAPHONE_EMULATOR");
    const char* tls = std::getenv("MFAPHONE_TLS_DIR");
    REQUIRE(dll != nullptr);
    REQUIRE(tls != nullptr);

    // A fresh random secret, known here only XOR-masked.
    std::vector<char> secret(40);
    {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        std::random_device rd;
        for (auto& ch : secret) ch = alphabet[rd() % (sizeof alphabet - 1)];
    }
    MaskedPattern secretPattern(secret.data(), secret.size());

    // The tenant the emulator starts with, written from a buffer that is wiped afterwards.
    char tenantFile[] = "/tmp/mfaphone-residue-XXXXXX";
    int fd = mkstemp(tenantFile);
    REQUIRE(fd >= 0);
    {
        std::vector<char> json;
        auto put = [&](const char* s) { json.insert(json.end(), s, s + std::strlen(s)); };
        put(R"({"tenants":[{"id":"4a5b6c7d-1111-4222-8333-944455556666","domains":["residue.onmicrosoft.com"],)"
            R"("apps":[{"clientId":"7c8d9e0f-1111-4222-8333-944455556666","applicationPermissions":)"
            R"(["User.Read.All","UserAuthMethod-Phone.ReadWrite.All"],"secrets":[{"value":")");
        json.insert(json.end(), secret.begin(), secret.end());
        put(R"("}]}],"users":[{"userPrincipalName":"adele@residue.onmicrosoft.com","phoneMethods":)"
            R"([{"phoneType":"mobile","phoneNumber":"+1 2065550101"}]}]}]})");
        REQUIRE(write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()));
        secureZero(json.data(), json.capacity());
    }
    close(fd);
    Emulator emulator(dll, tls, tenantFile);
    unlink(tenantFile);

    std::vector<std::size_t> during, after;
    std::vector<unsigned char> tokenMasked;
    {
        Session session;
        ConnectOptions options;
        options.tenantId = "residue.onmicrosoft.com";
        options.clientId = "7c8d9e0f-1111-4222-8333-944455556666";
        options.authorityHost = emulator.https;
        options.graphEndpoint = emulator.https;
        options.caBundle = std::string(tls) + "/ca.pem";
        options.logLevel = static_cast<int>(LogLevel::None);
        std::vector<unsigned char> bytes(secret.begin(), secret.end());
        secureZero(secret.data(), secret.size());
        auto op = session.connect(options, CredentialOptions{}, bytes, {});
        secureZero(bytes.data(), bytes.size());
        for (const auto& e : drain(*op)) {
            INFO(e.message);
            REQUIRE(e.kind != EventKind::Error);
        }
        {
            SecretString token = SessionTestAccess::impl(session)->tokens->bearer(Context{});
            for (std::size_t i = 0; i < token.size(); ++i)
                tokenMasked.push_back(static_cast<unsigned char>(token.data()[i]) ^ kMask);
        }
        auto read = session.getPhoneMethods({"adele@residue.onmicrosoft.com"}, 1);
        bool gotResult = false;
        for (const auto& e : drain(*read)) {
            REQUIRE(e.kind != EventKind::Error);
            gotResult = gotResult || e.kind == EventKind::Result;
        }
        REQUIRE(gotResult);

        // The token pattern: its signature (the last 64 characters), unique to this token.
        MaskedPattern tokenPattern("", 0);
        tokenPattern.masked.assign(tokenMasked.end() - 64, tokenMasked.end());
        during = scanProcess({&secretPattern, &tokenPattern});
        // While signed in, the credential and the cached token are in memory: the scanner finds them.
        CHECK(during[0] >= 1);
        CHECK(during[1] >= 1);

        session.disconnect();
        if (std::getenv("MFAPHONE_RESIDUE_DEBUG")) {
            auto st = secureAllocStatus();
            std::fprintf(stderr, "allocators: curl %d openssl %d freed-fill %d\n", st.curl, st.openssl,
                         st.freedMemoryFilled);
        }
        after = scanProcess({&secretPattern, &tokenPattern});
        WARN("copies while signed in: secret " << during[0] << ", token " << during[1]
                                               << "; after sign-out: secret " << after[0] << ", token "
                                               << after[1]);
        CHECK(after[0] == 0);
        CHECK(after[1] == 0);
    }
}
