// Relay overhead benchmark driver: posts signed Twilio SMS webhooks to a running mfaphone-relay
// at a fixed rate, then reads the relay's log for its own overhead per message (time in the
// relay minus the time spent waiting for the Teams receiver) and prints p50/p99 as JSON.
//
//   mfaphone-relay-bench --relay URL --log FILE [--rate 100] [--seconds 20] [--out FILE]
//       (token, account and number are the emulator's demo values unless given)
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mfaphone/internal/relay.hpp"
#include "mfaphone/internal/url.hpp"

using namespace mfaphone;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    double rank = p / 100.0 * static_cast<double>(v.size() - 1);
    auto lo = static_cast<std::size_t>(rank);
    std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::string fixed(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

// "key=value" from a log line, as a number; -1 when absent.
double field(const std::string& line, const std::string& key) {
    auto pos = line.find(" " + key + "=");
    if (pos == std::string::npos) return -1;
    return std::atof(line.c_str() + pos + key.size() + 2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string relayUrl, logFile, out;
    std::string token = "demo-twilio-auth-token-0001", account = "AC0123456789abcdef0123456789abcdef",
                to = "+15005550006";
    double rate = 100;
    int seconds = 20;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--relay")
            relayUrl = v;
        else if (a == "--log")
            logFile = v;
        else if (a == "--out")
            out = v;
        else if (a == "--rate")
            rate = std::atof(v.c_str());
        else if (a == "--seconds")
            seconds = std::atoi(v.c_str());
        else if (a == "--token-file") {
            std::ifstream in(v);
            std::getline(in, token);
        } else if (a == "--account")
            account = v;
        else if (a == "--to")
            to = v;
        else {
            std::cerr << "relay-bench: unknown option " << a << "\n";
            return 2;
        }
    }
    if (relayUrl.empty() || logFile.empty() || rate <= 0 || seconds <= 0) {
        std::cerr
            << "usage: mfaphone-relay-bench --relay URL --log FILE [--rate N] [--seconds N] [--out FILE]\n";
        return 2;
    }
    const std::string signedUrl = relayUrl + "/sms";
    const int total = static_cast<int>(rate * seconds);
    const SecretString secret(token);

    std::mutex mutex;
    std::condition_variable cv;
    std::deque<int> queue;
    bool done = false;
    std::vector<double> roundTrips;
    std::atomic<int> ok{0}, failed{0};
    double worstLateMs = 0;

    auto worker = [&] {
        httplib::Client client(relayUrl);
        client.set_keep_alive(true);
        client.set_read_timeout(30, 0);
        for (;;) {
            int n;
            {
                std::unique_lock<std::mutex> lock(mutex);
                cv.wait(lock, [&] { return done || !queue.empty(); });
                if (queue.empty()) return;
                n = queue.front();
                queue.pop_front();
            }
            char sid[40];
            std::snprintf(sid, sizeof sid, "SM%032x", 0x50000000u + static_cast<unsigned>(n));
            relay::Params form = {{"MessageSid", sid},
                                  {"SmsMessageSid", sid},
                                  {"AccountSid", account},
                                  {"From", "+14255550100"},
                                  {"To", to},
                                  {"Body", "Use verification code " + std::to_string(100000 + n % 900000) +
                                               " for Microsoft authentication."},
                                  {"NumMedia", "0"},
                                  {"SmsStatus", "received"},
                                  {"ApiVersion", "2010-04-01"}};
            httplib::Headers headers = {
                {"X-Twilio-Signature", relay::computeTwilioSignature(secret, signedUrl, form)},
                {"I-Twilio-Idempotency-Token", std::string("bench-") + sid}};
            auto started = Clock::now();
            auto res = client.Post("/sms", headers, formEncode(form), "application/x-www-form-urlencoded");
            double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
            std::lock_guard<std::mutex> lock(mutex);
            if (res && res->status == 200) {
                ++ok;
                roundTrips.push_back(ms);
            } else {
                ++failed;
            }
        }
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < 48; ++i) workers.emplace_back(worker);

    auto start = Clock::now();
    auto interval = std::chrono::duration<double>(1.0 / rate);
    for (int n = 0; n < total; ++n) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(interval * n);
        std::this_thread::sleep_until(due);
        double late = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
        std::lock_guard<std::mutex> lock(mutex);
        worstLateMs = std::max(worstLateMs, late);
        queue.push_back(n);
        cv.notify_one();
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        done = true;
    }
    cv.notify_all();
    for (auto& t : workers) t.join();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

    // The relay's own figures, one log line per message.
    std::vector<double> overhead, internal;
    std::ifstream log(logFile);
    for (std::string line; std::getline(log, line);) {
        if (line.find(" message ") == std::string::npos || line.find("status=Delivered") == std::string::npos)
            continue;
        double o = field(line, "overheadMs"), m = field(line, "ms");
        if (o >= 0) overhead.push_back(o);
        if (m >= 0) internal.push_back(m);
    }

    std::ostringstream json;
    json << "{\"benchmark\":\"relay-overhead\",\"targetRate\":" << rate << ",\"seconds\":" << seconds
         << ",\"sent\":" << total << ",\"ok\":" << ok.load() << ",\"failed\":" << failed.load()
         << ",\"achievedRate\":" << fixed(total / elapsed)
         << ",\"worstSchedulingLateMs\":" << fixed(worstLateMs)
         << ",\"relayMessagesLogged\":" << overhead.size()
         << ",\"overheadMs\":{\"p50\":" << fixed(percentile(overhead, 50))
         << ",\"p99\":" << fixed(percentile(overhead, 99)) << ",\"max\":" << fixed(percentile(overhead, 100))
         << "},\"relayTotalMs\":{\"p50\":" << fixed(percentile(internal, 50))
         << ",\"p99\":" << fixed(percentile(internal, 99))
         << "},\"clientRoundTripMs\":{\"p50\":" << fixed(percentile(roundTrips, 50))
         << ",\"p99\":" << fixed(percentile(roundTrips, 99)) << "}}";
    std::cout << json.str() << std::endl;
    if (!out.empty()) std::ofstream(out) << json.str() << "\n";
    return failed.load() == 0 ? 0 : 1;
}
