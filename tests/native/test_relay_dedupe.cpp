// De-duplication by MessageSid and idempotency token: TTL, leases, release after a failed
// delivery, and a file shared by threads and by processes.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "mfaphone/internal/relay.hpp"

#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace mfaphone;
using namespace mfaphone::relay;
using namespace std::chrono_literals;

namespace {
struct TempFile {
    std::filesystem::path path;
    TempFile() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("mfaphone-dedupe-" + std::to_string(rd()) + ".txt");
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

DedupeStore::Clock::time_point at(long long seconds) {
    return DedupeStore::Clock::time_point(std::chrono::seconds(1700000000 + seconds));
}

void exerciseStore(DedupeStore& store) {
    std::vector<std::string> a = {"sid:AC1:SM1", "token:t1"};
    CHECK(store.claim(a, at(0)));
    CHECK_FALSE(store.claim(a, at(1)));                            // in progress
    CHECK_FALSE(store.claim({"sid:AC1:SM1"}, at(1)));              // same sid, no token
    CHECK_FALSE(store.claim({"sid:AC1:SM9", "token:t1"}, at(1)));  // same token, other sid
    store.complete(a, at(2));
    CHECK_FALSE(store.claim(a, at(3)));
    CHECK_FALSE(store.claim(a, at(2 + 3599)));  // within the TTL (1 h here)
    CHECK(store.claim(a, at(2 + 3601)));        // forgotten after it

    std::vector<std::string> b = {"sid:AC1:SM2"};
    CHECK(store.claim(b, at(10)));
    store.release(b);  // the delivery failed: a retry may try again
    CHECK(store.claim(b, at(11)));
    // A claim whose holder died is free again after the lease (60 s here).
    CHECK_FALSE(store.claim(b, at(11 + 59)));
    CHECK(store.claim(b, at(11 + 61)));
    // release() never forgets a completed text.
    store.complete(b, at(80));
    store.release(b);
    CHECK_FALSE(store.claim(b, at(81)));
    // Another account's SID is another text.
    CHECK(store.claim({"sid:AC2:SM1"}, at(90)));
}

DedupeOptions options() {
    DedupeOptions o;
    o.ttl = 3600s;
    o.lease = 60s;
    return o;
}
}  // namespace

TEST_CASE("memory de-duplication: claim, complete, release, TTL and lease", "[relay][dedupe]") {
    auto store = makeMemoryDedupe(options());
    exerciseStore(*store);
}

TEST_CASE("file de-duplication: the same rules, and state survives a new store", "[relay][dedupe]") {
    TempFile file;
    {
        auto store = makeFileDedupe(file.path.string(), options());
        exerciseStore(*store);
    }
    auto reopened = makeFileDedupe(file.path.string(), options());
    CHECK_FALSE(reopened->claim({"sid:AC2:SM1"}, at(100)));
    // Keys are stored hashed: no SID or token in the file.
    std::ifstream in(file.path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("SM1") == std::string::npos);
    CHECK(text.find("t1") == std::string::npos);
    CHECK_FALSE(text.empty());
}

TEST_CASE("file de-duplication skips torn lines and refuses an unusable path", "[relay][dedupe]") {
    TempFile file;
    {
        std::ofstream out(file.path);
        out << "garbage line\n" << std::string(64, 'a') << " 12x d\n";
    }
    auto store = makeFileDedupe(file.path.string(), options());
    CHECK(store->claim({"k"}, at(0)));
    CHECK_FALSE(store->claim({"k"}, at(1)));
    CHECK_THROWS_AS(makeFileDedupe("/nonexistent-dir/x/dedupe.txt", options()), InvalidInputError);
    CHECK_THROWS_AS(makeFileDedupe("", options()), InvalidInputError);
}

TEST_CASE("concurrent deliveries of one text: exactly one claim wins", "[relay][dedupe]") {
    TempFile file;
    auto memory = makeMemoryDedupe(options());
    auto first = makeFileDedupe(file.path.string(), options());
    auto second = makeFileDedupe(file.path.string(), options());  // as another process would
    for (int round = 0; round < 20; ++round) {
        std::vector<std::string> keys = {"sid:AC1:SM" + std::to_string(round),
                                         "token:" + std::to_string(round)};
        std::atomic<int> memoryWins{0}, fileWins{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                if (memory->claim(keys, at(round))) ++memoryWins;
                if ((t % 2 ? first : second)->claim(keys, at(round))) ++fileWins;
            });
        for (auto& t : threads) t.join();
        CHECK(memoryWins == 1);
        CHECK(fileWins == 1);
    }
}

#ifndef _WIN32
TEST_CASE("file de-duplication across processes: one winner per text", "[relay][dedupe]") {
    TempFile file;
    { makeFileDedupe(file.path.string(), options()); }
    constexpr int kProcesses = 6;
    constexpr int kTexts = 10;
    int pipes[2];
    REQUIRE(pipe(pipes) == 0);
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(pipes[0]);
            int code = 0;
            try {
                auto store = makeFileDedupe(file.path.string(), options());
                for (int t = 0; t < kTexts; ++t) {
                    char won = store->claim({"sid:AC1:SM" + std::to_string(t)}, at(t)) ? 1 : 0;
                    if (won) store->complete({"sid:AC1:SM" + std::to_string(t)}, at(t));
                    char record[2] = {static_cast<char>(t), won};
                    if (write(pipes[1], record, 2) != 2) code = 2;
                }
            } catch (...) {
                code = 1;
            }
            _exit(code);
        }
        children.push_back(pid);
    }
    close(pipes[1]);
    std::vector<int> wins(kTexts, 0);
    char record[2];
    int records = 0;
    while (read(pipes[0], record, 2) == 2) {
        ++records;
        if (record[1]) ++wins[static_cast<std::size_t>(record[0])];
    }
    close(pipes[0]);
    for (pid_t pid : children) {
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(records == kProcesses * kTexts);
    for (int t = 0; t < kTexts; ++t) CHECK(wins[static_cast<std::size_t>(t)] == 1);
}
#endif
