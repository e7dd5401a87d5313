// mfaphone-relay: the always-on shared MFA phone relay. Twilio inbound SMS webhook -> signature
// check -> one-time code -> Teams Workflows / Slack. See examples/relay/README.md.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "config.hpp"
#include "service.hpp"

using namespace mfaphone::service;

namespace {

const char* const kUsage =
    "usage: mfaphone-relay --config FILE [--port N] [--bind ADDRESS] [--check]\n"
    "\n"
    "  --config FILE    JSON configuration (listener, routes, sinks); MFAPHONE_RELAY_CONFIG also works\n"
    "  --port N         listen on port N (0: any free port; the chosen one is printed)\n"
    "  --bind ADDRESS   listen on ADDRESS instead of the configured one\n"
    "  --check          read and check the configuration and its secrets, then exit\n"
    "  --version        print the version\n"
    "\n"
    "Secrets (Twilio auth tokens, webhook URLs) are never taken from the command line: the\n"
    "configuration names files or environment variables that hold them.\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 config file unreadable, 4 config invalid,\n"
    "5 secret missing, 6 cannot start (listen, TLS, log or dedupe file).\n";

int usage(const std::string& message) {
    std::cerr << "mfaphone-relay: " << message << "\n\n" << kUsage;
    return kExitUsage;
}

bool looksSecret(const std::string& flag) {
    for (const char* word : {"token", "secret", "password", "url", "sig", "key"})
        if (flag.find(word) != std::string::npos) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    // Signals are taken by one thread with sigwait; block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::string configPath;
    if (const char* env = std::getenv("MFAPHONE_RELAY_CONFIG")) configPath = env;
    std::string bindAddress;
    int port = -1;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return kExitOk;
        } else if (a == "--version") {
            std::cout << "mfaphone-relay " << MFAPHONE_VERSION << "\n";
            return kExitOk;
        } else if (a == "--config") {
            const char* v = value();
            if (!v) return usage("--config needs a file");
            configPath = v;
        } else if (a == "--port") {
            const char* v = value();
            char* end = nullptr;
            long p = v ? std::strtol(v, &end, 10) : -1;
            if (!v || *end || p < 0 || p > 65535) return usage("--port needs a number from 0 to 65535");
            port = static_cast<int>(p);
        } else if (a == "--bind") {
            const char* v = value();
            if (!v) return usage("--bind needs an address");
            bindAddress = v;
        } else if (a == "--check") {
            check = true;
        } else if (a.rfind("--", 0) == 0 && looksSecret(a)) {
            // Never echo what followed: it may be the secret itself.
            return usage(
                "'" + a.substr(0, a.find('=')) +
                "' is not an option: secrets are never taken from the command line (they would show in "
                "the process list and shell history); name a file or an environment variable for them "
                "in the configuration");
        } else {
            return usage("unknown argument '" + a.substr(0, 40) + "'");
        }
    }
    if (configPath.empty()) return usage("--config FILE is required");

    try {
        ServiceConfig config = loadConfig(configPath);
        if (port >= 0) config.port = port;
        if (!bindAddress.empty()) config.address = bindAddress;
        ServiceLog log(config.logFile);
        RelayService service(std::move(config), log);
        if (check) {
            std::cout << "mfaphone-relay: configuration OK\n";
            return kExitOk;
        }
        int boundPort = service.bind();
        std::string host = service.address().find(':') != std::string::npos ? "[" + service.address() + "]"
                                                                            : service.address();
        std::cout << "mfaphone-relay listening on " << service.scheme() << "://" << host << ":" << boundPort
                  << std::endl;
        std::cout << "mfaphone-relay ready" << std::endl;

        std::mutex mutex;
        std::condition_variable cv;
        bool finished = false;
        std::thread watcher([&] {
            int received = 0;
            sigwait(&signals, &received);
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (finished) return;
            }
            service.stop();
            std::unique_lock<std::mutex> lock(mutex);
            if (cv.wait_for(lock, std::chrono::seconds(service.drainSeconds()), [&] { return finished; }))
                return;
            log.line("relay drain took longer than " + std::to_string(service.drainSeconds()) +
                     " s: cancelling deliveries still in progress");
            service.cancel();
            if (cv.wait_for(lock, std::chrono::seconds(10), [&] { return finished; })) return;
            log.line("relay did not stop after cancelling; exiting");
            std::_Exit(kExitFailure);
        });
        service.run();
        {
            std::lock_guard<std::mutex> lock(mutex);
            finished = true;
        }
        cv.notify_all();
        // run() also returns when the listener fails; wake the watcher if no signal came.
        pthread_kill(watcher.native_handle(), SIGTERM);
        watcher.join();
        return kExitOk;
    } catch (const ConfigError& e) {
        std::cerr << "mfaphone-relay: " << e.what() << "\n";
        return e.exitCode();
    } catch (const std::exception& e) {
        std::cerr << "mfaphone-relay: " << e.what() << "\n";
        return kExitFailure;
    }
}
