// An in-process HTTP server on 127.0.0.1 for tests of the real libcurl transport.
#pragma once

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace mfaphone::test {

class TestServer {
public:
    httplib::Server server;

    TestServer() {
        server.new_task_queue = [] { return new httplib::ThreadPool(32); };
    }
    ~TestServer() { stop(); }

    // Binds a free port and serves on a background thread.
    void start() {
        m_port = server.bind_to_any_port("127.0.0.1");
        if (m_port <= 0) throw std::runtime_error("test server could not bind");
        m_thread = std::thread([this] { server.listen_after_bind(); });
        for (int i = 0; i < 500 && !server.is_running(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    void stop() {
        if (m_thread.joinable()) {
            server.stop();
            m_thread.join();
        }
    }
    int port() const { return m_port; }
    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(m_port) + path;
    }

private:
    int m_port = 0;
    std::thread m_thread;
};

}  // namespace mfaphone::test
