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

// Reads one user's phone methods through a streaming read; true when the user's result came.
bool readOne(Session& session, const std::string& user) {
    auto op = session.readPhoneMethods(ReadOptions{});
    REQUIRE(op->submit(user, 5000));
    op->close();
    bool got = false;
    Event e;
    PhoneMethodsResult result;
    for (int i = 0; i < 2000 && !op->finished(); ++i) {
        while (op->nextEvent(e, result, 50)) {
            INFO(e.message);
            REQUIRE(e.kind != EventKind::Error);
            got = got || e.kind == EventKind::Result;
        }
    }
    return got;
}

}  // namespace

namespace {

std::vector<char> randomSecret(std::size_t n) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    std::vector<char> out(n);
    for (auto& ch : out) ch = alphabet[rd() % (sizeof alphabet - 1)];
    return out;
}

// Runs a command in a child process (no shell), waiting for it.
void runChild(std::vector<std::string> args) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

// Reads a file into a buffer the caller wipes.
std::vector<char> readFile(const std::string& path) {
    std::vector<char> data(1 << 16);
    int fd = open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    ssize_t n = read(fd, data.data(), data.size());
    close(fd);
    REQUIRE(n > 0);
    data.resize(static_cast<std::size_t>(n));
    return data;
}

// The DER bytes of a PEM block's base64 body.
std::vector<unsigned char> pemBody(const std::vector<char>& pem) {
    std::string_view text(pem.data(), pem.size());
    auto begin = text.find('\n', text.find("-----BEGIN")) + 1;
    auto end = text.find("-----END");
    std::vector<unsigned char> der;
    der.reserve(pem.size());  // never reallocated: no unwiped partial copy is left behind
    unsigned buffer = 0;
    int bits = 0;
    for (std::size_t i = begin; i < end; ++i) {
        char c = text[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
        if (v < 0) continue;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der.push_back(static_cast<unsigned char>((buffer >> bits) & 0xFF));
        }
    }
    return der;
}

struct Flow {
    std::string name;
    ConnectOptions options;
    CredentialOptions credential;
    std::vector<unsigned char> secret;  // wiped once handed over
    std::vector<const MaskedPattern*> patterns;
    std::vector<std::string> patternNames;
};

}  // namespace

TEST_CASE("no copy of a secret, password, private key or access token remains after sign-out (HTTPS, HTTP/2)",
          "[.][residue]") {
    const char* dll = std::getenv("MFAPHONE_EMULATOR");
    const char* tls = std::getenv("MFAPHONE_TLS_DIR");
    REQUIRE(dll != nullptr);
    REQUIRE(tls != nullptr);
    const std::string tenant = "residue.onmicrosoft.com";
    const std::string confidential = "7c8d9e0f-1111-4222-8333-944455556666";
    const std::string publicClient = "8d9e0f1a-1111-4222-8333-944455556666";

    // Fresh secrets, known here only XOR-masked. The key pair is made by the openssl tool in a
    // child process; this process reads it only into buffers it wipes.
    std::vector<char> secret = randomSecret(40), password = randomSecret(24);
    MaskedPattern secretPattern(secret.data(), secret.size());
    MaskedPattern passwordPattern(password.data(), password.size());
    char dir[] = "/tmp/mfaphone-residue-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    const std::string keyFile = std::string(dir) + "/key.pem", certFile = std::string(dir) + "/cert.pem",
                      bundleFile = std::string(dir) + "/bundle.pem",
                      tenantFile = std::string(dir) + "/tenant.json";
    runChild({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out",
              certFile, "-days", "2", "-subj", "/CN=mfaphone-residue"});
    std::vector<char> certPem = readFile(certFile);
    MaskedPattern keyDerForward("", 0), keyDerReversed("", 0), keyPemText("", 0);
    {
        std::vector<char> keyPem = readFile(keyFile);
        std::vector<unsigned char> der = pemBody(keyPem);
        REQUIRE(der.size() > 600);
        // 32 bytes from inside the private exponent, as DER has them and as a little-endian
        // big-number library keeps them; and 48 characters of the PEM text.
        for (std::size_t i = 400; i < 432; ++i) keyDerForward.masked.push_back(der[i] ^ kMask);
        for (std::size_t i = 432; i > 400; --i) keyDerReversed.masked.push_back(der[i - 1] ^ kMask);
        std::string_view text(keyPem.data(), keyPem.size());
        std::size_t at = text.find('\n', text.find("-----BEGIN")) + 1 + 65 * 8;
        for (std::size_t i = at; i < at + 48; ++i)
            keyPemText.masked.push_back(static_cast<unsigned char>(text[i]) ^ kMask);
        // The bundle the session reads: certificate and key.
        int fd = open(bundleFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(write(fd, certPem.data(), certPem.size()) == static_cast<ssize_t>(certPem.size()));
        REQUIRE(write(fd, keyPem.data(), keyPem.size()) == static_cast<ssize_t>(keyPem.size()));
        close(fd);
        secureZero(der.data(), der.size());
        secureZero(keyPem.data(), keyPem.size());
        unlink(keyFile.c_str());
    }

    // The tenant the emulator starts with, written from a buffer that is wiped afterwards.
    {
        std::vector<char> json;
        auto put = [&](std::string_view s) { json.insert(json.end(), s.begin(), s.end()); };
        std::string certJson;
        for (char c : certPem) certJson += c == '\n' ? std::string("\\n") : std::string(1, c);
        put(R"({"tenants":[{"id":"4a5b6c7d-1111-4222-8333-944455556666","domains":[")" + tenant +
            R"("],"apps":[)");
        put(R"({"clientId":")" + confidential +
            R"(","applicationPermissions":["User.Read.All","UserAuthMethod-Phone.ReadWrite.All"],"certificates":[")" +
            certJson + R"("],"secrets":[{"value":")");
        json.insert(json.end(), secret.begin(), secret.end());
        put(R"("}]},{"clientId":")" + publicClient +
            R"(","publicClient":true,"delegatedPermissions":["User.Read.All","UserAuthenticationMethod.ReadWrite.All"]}],)");
        put(R"("users":[{"userPrincipalName":"adele@residue.onmicrosoft.com","phoneMethods":[{"phoneType":"mobile","phoneNumber":"+1 2065550101"}]},)");
        put(R"({"userPrincipalName":"admin@residue.onmicrosoft.com","directoryRoles":["Privileged Authentication Administrator"],"password":")");
        json.insert(json.end(), password.begin(), password.end());
        put(R"("}]}]})");
        int fd = open(tenantFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()));
        close(fd);
        secureZero(json.data(), json.capacity());
    }
    Emulator emulator(dll, tls, tenantFile);
    unlink(tenantFile.c_str());

    ConnectOptions base;
    base.tenantId = tenant;
    base.authorityHost = emulator.https;
    base.graphEndpoint = emulator.https;
    base.caBundle = std::string(tls) + "/ca.pem";
    base.logLevel = static_cast<int>(LogLevel::None);

    std::vector<Flow> flows(3);
    flows[0].name = "client secret";
    flows[0].options = base;
    flows[0].options.clientId = confidential;
    flows[0].secret.assign(secret.begin(), secret.end());
    flows[0].patterns = {&secretPattern};
    flows[0].patternNames = {"client secret"};
    flows[1].name = "certificate";
    flows[1].options = base;
    flows[1].options.clientId = confidential;
    flows[1].credential.kind = CredentialKind::Certificate;
    flows[1].credential.certificatePath = bundleFile;
    flows[1].patterns = {&keyDerForward, &keyDerReversed, &keyPemText};
    flows[1].patternNames = {"private key (DER)", "private key (big number)", "private key (PEM)"};
    flows[2].name = "password";
    flows[2].options = base;
    flows[2].options.clientId = publicClient;
    flows[2].credential.kind = CredentialKind::Password;
    flows[2].credential.userName = "admin@residue.onmicrosoft.com";
    flows[2].secret.assign(password.begin(), password.end());
    flows[2].patterns = {&passwordPattern};
    flows[2].patternNames = {"password"};
    secureZero(secret.data(), secret.size());
    secureZero(password.data(), password.size());

    std::vector<unsigned char> lastToken;  // masked
    for (auto& flow : flows) {
        INFO(flow.name);
        std::vector<std::size_t> during, after;
        MaskedPattern tokenPattern("", 0);
        {
            Session session;
            auto op = session.connect(flow.options, flow.credential, flow.secret, {});
            secureZero(flow.secret.data(), flow.secret.size());
            for (const auto& e : drain(*op)) {
                INFO(e.message);
                REQUIRE(e.kind != EventKind::Error);
            }
            {
                SecretString token = SessionTestAccess::impl(session)->tokens->bearer(Context{});
                // Its signature (the last 64 characters) is unique to this token.
                for (std::size_t i = token.size() - 64; i < token.size(); ++i)
                    tokenPattern.masked.push_back(static_cast<unsigned char>(token.data()[i]) ^ kMask);
                if (flow.name == "client secret")
                    for (std::size_t i = 0; i < token.size(); ++i)
                        lastToken.push_back(static_cast<unsigned char>(token.data()[i]) ^ kMask);
            }
            REQUIRE(readOne(session, "adele@residue.onmicrosoft.com"));
            auto patterns = flow.patterns;
            patterns.push_back(&tokenPattern);
            during = scanProcess(patterns);
            session.disconnect();
            after = scanProcess(patterns);
        }
        std::ostringstream report;
        report << flow.name << ": copies while signed in / after sign-out:";
        for (std::size_t k = 0; k < during.size(); ++k)
            report << " " << (k < flow.patternNames.size() ? flow.patternNames[k] : "access token") << " "
                   << during[k] << "/" << after[k] << ";";
        WARN(report.str());
        // While signed in the credential and the token are in memory: the scanner finds them.
        CHECK(during.back() >= 1);
        if (flow.name != "certificate") CHECK(during[0] >= 1);
        CHECK(during[1 % during.size()] + during[0] >= 1);
        for (std::size_t k = 0; k < after.size(); ++k) CHECK(after[k] == 0);
    }

    // An access token handed over directly (the one the client secret flow got, still valid).
    {
        std::vector<std::size_t> during, after;
        MaskedPattern tokenPattern("", 0);
        tokenPattern.masked.assign(lastToken.end() - 64, lastToken.end());
        {
            Session session;
            CredentialOptions credential;
            credential.kind = CredentialKind::AccessToken;
            std::vector<unsigned char> bytes;
            for (unsigned char c : lastToken) bytes.push_back(c ^ kMask);
            secureZero(lastToken.data(), lastToken.size());
            auto op = session.connect(base, credential, bytes, {});
            secureZero(bytes.data(), bytes.size());
            for (const auto& e : drain(*op)) {
                INFO(e.message);
                REQUIRE(e.kind != EventKind::Error);
            }
            REQUIRE(readOne(session, "adele@residue.onmicrosoft.com"));
            during = scanProcess({&tokenPattern});
            session.disconnect();
            after = scanProcess({&tokenPattern});
        }
        WARN("access token: copies while signed in / after sign-out: " << during[0] << "/" << after[0]);
        CHECK(during[0] >= 1);
        CHECK(after[0] == 0);
    }
    unlink(bundleFile.c_str());
    unlink(certFile.c_str());
    rmdir(dir);
}
