#include "mfaphone/internal/batch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/operation.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool hasHeader(const Headers& headers, std::string_view name) {
    for (const auto& [n, v] : headers)
        if (lower(n) == lower(name)) return true;
    return false;
}

std::vector<BatchResponse> unanswered(std::size_t count, std::exception_ptr why) {
    std::vector<BatchResponse> out(count);
    for (auto& r : out) r.error = why;
    return out;
}

int statusOf(std::exception_ptr error) {
    if (!error) return 0;
    try {
        std::rethrow_exception(error);
    } catch (const RequestFailedError& e) {
        return e.status();
    } catch (...) {
        return 0;
    }
}

bool isRetriesExhausted(std::exception_ptr error) {
    if (!error) return false;
    try {
        std::rethrow_exception(error);
    } catch (const RetriesExhaustedError&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string attemptsText(int attempts, std::chrono::steady_clock::time_point since) {
    auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
    return "Gave up after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
           " over " + formatSeconds(elapsed) + ": ";
}

std::string describe(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "an unknown error";
    }
}

}  // namespace

bool isCancellation(std::exception_ptr error) {
    if (!error) return false;
    try {
        std::rethrow_exception(error);
    } catch (const CancelledError&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string BatchResponse::header(std::string_view name) const {
    std::string n = lower(name);
    for (const auto& [k, v] : headers)
        if (k == n) return v;
    return {};
}

std::exception_ptr BatchResponse::failure() const {
    if (error) return error;
    if (status == 0) return std::make_exception_ptr(TransportError("No answer from Graph."));
    if (status < 400) return nullptr;
    HttpResponse response;
    response.status = status;
    response.headers = headers;
    response.body.assign(body.data(), body.size());
    return std::make_exception_ptr(graphError(response));
}

BatchClient::BatchClient(std::shared_ptr<GraphClient> graph, Logger logger)
    : m_graph(std::move(graph)), m_logger(std::move(logger)) {}

std::string BatchClient::encode(const std::vector<BatchRequest>& requests) {
    if (requests.empty() || requests.size() > static_cast<std::size_t>(kMaxBatchRequests))
        throw InvalidInputError("A batch holds 1 to " + std::to_string(kMaxBatchRequests) +
                                " requests, not " + std::to_string(requests.size()) + ".");
    Json list = Json::array();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const BatchRequest& r = requests[i];
        Json item = {{"id", std::to_string(i + 1)}, {"method", r.method}, {"url", r.url}};
        Json headers = Json::object();
        for (const auto& [name, value] : r.headers) headers[name] = value;
        if (!r.body.empty()) {
            Json body = Json::parse(r.body, nullptr, false);
            if (body.is_discarded()) throw InvalidInputError("A batch request body is not valid JSON.");
            item["body"] = std::move(body);
            if (!hasHeader(r.headers, "Content-Type")) headers["Content-Type"] = "application/json";
        }
        if (!headers.empty()) item["headers"] = std::move(headers);
        if (!r.dependsOn.empty()) {
            Json deps = Json::array();
            for (int d : r.dependsOn) {
                if (d < 0 || static_cast<std::size_t>(d) >= i)
                    throw InvalidInputError(
                        "A batch request can depend only on an earlier request of its batch.");
                deps.push_back(std::to_string(d + 1));
            }
            item["dependsOn"] = std::move(deps);
        }
        list.push_back(std::move(item));
    }
    return Json{{"requests", std::move(list)}}.dump();
}

std::vector<BatchResponse> BatchClient::decode(const HttpResponse& response, std::size_t count) {
    std::vector<BatchResponse> out(count);
    std::vector<bool> seen(count, false);
    Json body = Json::parse(response.body.begin(), response.body.end(), nullptr, false);
    if (body.is_object() && body.contains("responses") && body["responses"].is_array()) {
        for (const auto& item : body["responses"]) {
            if (!item.is_object()) continue;
            std::string id = jsonString(item, "id");
            std::size_t index = 0;
            bool numeric = !id.empty() && id.size() < 4 &&
                           std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (!numeric) continue;
            index = static_cast<std::size_t>(std::stoi(id));
            if (index < 1 || index > count || seen[index - 1]) continue;
            BatchResponse& r = out[index - 1];
            seen[index - 1] = true;
            auto status = item.find("status");
            r.status = status != item.end() && status->is_number_integer() ? status->get<int>() : 0;
            auto headers = item.find("headers");
            if (headers != item.end() && headers->is_object())
                for (auto it = headers->begin(); it != headers->end(); ++it)
                    r.headers.emplace_back(lower(it.key()), it.value().is_string()
                                                                ? it.value().get<std::string>()
                                                                : it.value().dump());
            auto b = item.find("body");
            if (b != item.end() && !b->is_null()) r.body = b->is_string() ? b->get<std::string>() : b->dump();
            if (r.status == 0)
                r.error = std::make_exception_ptr(
                    TransportError("Graph's batch answer has an item without a status."));
        }
    }
    for (std::size_t i = 0; i < count; ++i)
        if (!seen[i])
            out[i].error = std::make_exception_ptr(TransportError(
                "Graph's batch answer has no response for request " + std::to_string(i + 1) + "."));
    return out;
}

std::vector<BatchResponse> BatchClient::send(const std::vector<BatchRequest>& requests,
                                             const Context& context) const {
    std::string body = encode(requests);
    HttpResponse response;
    try {
        response = m_graph->request("POST", "/$batch", body, context, static_cast<int>(requests.size()));
    } catch (const AuthError&) {
        throw;
    } catch (const CancelledError&) {
        throw;
    } catch (const Error&) {
        // Transport error or an error status of the envelope: no item has an answer.
        return unanswered(requests.size(), std::current_exception());
    }
    return decode(response, requests.size());
}

// ---------------------------------------------------------------------------------------------

BatchPump::BatchPump(std::shared_ptr<BatchClient> client, std::shared_ptr<Executor> executor,
                     std::shared_ptr<ConcurrencyLimiter> limiter, std::shared_ptr<OperationState> op,
                     BatchPumpOptions options)
    : m_client(std::move(client)),
      m_executor(std::move(executor)),
      m_limiter(std::move(limiter)),
      m_op(std::move(op)),
      m_options(options) {
    m_options.maxConcurrency = std::max(1, m_options.maxConcurrency);
    m_options.maxPerBatch = std::clamp(m_options.maxPerBatch, 1, kMaxBatchRequests);
}

void BatchPump::add(BatchGroup group) {
    if (group.requests.empty() || group.requests.size() > static_cast<std::size_t>(m_options.maxPerBatch))
        throw InvalidInputError("A batch group holds 1 to " + std::to_string(m_options.maxPerBatch) +
                                " requests.");
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (!m_cancelRegistration) {
            std::weak_ptr<BatchPump> weak = weak_from_this();
            m_cancelRegistration = m_op->context().onCancel([weak] {
                if (auto self = weak.lock()) self->m_executor->post([self] { self->pump(); });
            });
        }
        auto notBefore = Clock::now() + group.delay;
        m_queue.push_back(Queued{std::move(group), notBefore});
    }
    pump();
}

void BatchPump::setInputClosed(bool closed) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_inputClosed = closed;
    }
    pump();
}

std::size_t BatchPump::pending() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_queue.size() + m_inFlightGroups;
}

int BatchPump::window() const {
    int limit = m_options.maxConcurrency;
    if (m_limiter) limit = std::min(limit, std::max(1, m_limiter->stats().limit));
    return limit;
}

std::chrono::milliseconds BatchPump::backoff(int failures) const {
    double window =
        static_cast<double>(m_options.baseDelay.count()) * std::pow(2.0, std::max(0, failures - 1));
    window = std::min(window, static_cast<double>(m_options.maxDelay.count()));
    thread_local std::minstd_rand rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.0, window / 2);
    return std::chrono::milliseconds(static_cast<long long>(window / 2 + jitter(rng)));
}

void BatchPump::pump() {
    std::vector<std::vector<Queued>> toSend;
    std::deque<Queued> abandoned;
    Clock::time_point wakeAt = Clock::time_point::max();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_op->context().cancelled()) {
            abandoned.swap(m_queue);
        } else {
            while (m_inFlight < window()) {
                auto now = Clock::now();
                std::vector<Queued> batch;
                int count = 0;
                Clock::time_point nextDue = Clock::time_point::max();
                for (auto it = m_queue.begin(); it != m_queue.end();) {
                    if (it->notBefore > now) {
                        nextDue = std::min(nextDue, it->notBefore);
                        ++it;
                        continue;
                    }
                    int n = static_cast<int>(it->group.requests.size());
                    if (count + n > m_options.maxPerBatch) break;
                    batch.push_back(std::move(*it));
                    it = m_queue.erase(it);
                    count += n;
                    if (count == m_options.maxPerBatch) break;
                }
                if (batch.empty()) {
                    wakeAt = std::min(wakeAt, nextDue);
                    break;
                }
                // A partly filled batch waits a little for more work while input may still come.
                if (count < m_options.maxPerBatch && !m_inputClosed) {
                    if (m_partialSince == Clock::time_point::max()) m_partialSince = now;
                    auto until = m_partialSince + m_options.linger;
                    if (now < until) {
                        m_queue.insert(m_queue.begin(), std::make_move_iterator(batch.begin()),
                                       std::make_move_iterator(batch.end()));
                        wakeAt = std::min(wakeAt, until);
                        break;
                    }
                }
                m_partialSince = Clock::time_point::max();
                ++m_inFlight;
                m_inFlightGroups += batch.size();
                toSend.push_back(std::move(batch));
            }
        }
        if (wakeAt != Clock::time_point::max() && wakeAt < m_timerAt) {
            m_timerAt = wakeAt;
        } else {
            wakeAt = Clock::time_point::max();
        }
    }
    if (wakeAt != Clock::time_point::max()) {
        std::weak_ptr<BatchPump> weak = weak_from_this();
        m_executor->postAt(wakeAt, [weak, wakeAt] {
            auto self = weak.lock();
            if (!self) return;
            {
                std::lock_guard<std::mutex> lock(self->m_mutex);
                if (self->m_timerAt == wakeAt) self->m_timerAt = Clock::time_point::max();
            }
            self->pump();
        });
    }
    if (!abandoned.empty()) finishAll(abandoned, std::make_exception_ptr(CancelledError()));
    auto self = shared_from_this();
    for (auto& batch : toSend)
        m_executor->post([self, batch = std::move(batch)]() mutable { self->sendBatch(std::move(batch)); });
}

bool BatchPump::retryDecision(Queued& q, BatchResponse& r, std::chrono::milliseconds& delay,
                              std::string& why) {
    int status = r.status != 0 ? r.status : statusOf(r.error);
    // The HTTP pipeline already paced the batch itself until it gave up: that is final.
    if (isCancellation(r.error) || (r.status == 0 && isRetriesExhausted(r.error))) return false;
    auto retryAfter = parseRetryAfter(r.header("retry-after"), std::chrono::system_clock::now());
    bool throttled = status == 429 || (status == 503 && retryAfter);
    bool transient =
        !throttled && (r.status == 0 || status == 500 || status == 502 || status == 503 || status == 504);
    if (!throttled && !transient) return false;
    why = r.status != 0 ? "HTTP " + std::to_string(r.status)
                        : (status != 0 ? "HTTP " + std::to_string(status) + " for the batch"
                                       : "no answer to the batch");
    // Ends the request with the error that says how long it was tried and why it stopped.
    auto giveUp = [&](const std::string& reason) {
        std::exception_ptr cause = r.failure();
        std::string text = attemptsText(q.attempts, q.firstSent) + describe(cause) + reason;
        if (r.status == 0 && status == 0)
            r.error = std::make_exception_ptr(TransportError(text));
        else
            r.error = std::make_exception_ptr(
                RetriesExhaustedError(text, status, r.header("request-id"), q.attempts));
        return false;
    };
    if (throttled) {
        ++m_op->counters().throttled;
        delay = retryAfter ? *retryAfter : backoff(q.attempts);
        if (delay > m_options.maxRetryAfter)
            return giveUp("; the service asked to wait " + formatSeconds(delay) + ", longer than the " +
                          formatSeconds(m_options.maxRetryAfter) + " allowed");
        if (m_limiter) m_limiter->onThrottled(delay);
        return true;
    }
    if (++q.transientFailures > m_options.maxTransientRetries) return giveUp("");
    delay = retryAfter ? std::min(*retryAfter, m_options.maxDelay) : backoff(q.transientFailures);
    return true;
}

void BatchPump::finishAll(std::deque<Queued>& groups, std::exception_ptr why) {
    for (auto& q : groups) {
        auto responses = unanswered(q.group.requests.size(), why);
        for (auto& r : responses) r.sent = false;
        if (q.group.done) q.group.done(responses);
    }
    groups.clear();
}

void BatchPump::sendBatch(std::vector<Queued> batch) {
    LogRoute route(*m_op);
    const Context& context = m_op->context();
    std::vector<BatchRequest> flat;
    for (auto& q : batch) {
        int base = static_cast<int>(flat.size());
        for (const auto& r : q.group.requests) {
            flat.push_back(r);
            for (int& d : flat.back().dependsOn) d += base;
        }
        if (q.attempts++ == 0) q.firstSent = Clock::now();
    }
    std::vector<BatchResponse> responses;
    try {
        if (context.cancelled()) {
            // Never sent: certainly without effect.
            responses = unanswered(flat.size(), std::make_exception_ptr(CancelledError()));
            for (auto& r : responses) r.sent = false;
            throw CancelledError();
        }
        ++m_op->counters().requests;
        m_op->counters().batchItems += static_cast<long long>(flat.size());
        responses = m_client->send(flat, context);
    } catch (const CancelledError&) {
        if (responses.empty()) responses = unanswered(flat.size(), std::current_exception());
    } catch (...) {
        // Sign-in failed (or an internal error): nothing else can succeed.
        m_op->fail(std::current_exception());
        responses = unanswered(flat.size(), std::make_exception_ptr(CancelledError()));
    }

    // How much of the budget the items found used (read before the answers move on).
    std::optional<double> budgetUsed;
    bool answered = false;
    for (const auto& r : responses) {
        if (r.status == 0) continue;
        answered = true;
        if (auto p = parseLimitPercentage(r.header("x-ms-throttle-limit-percentage")))
            budgetUsed = std::max(budgetUsed.value_or(0.0), *p);
    }

    std::vector<std::pair<Queued, std::vector<BatchResponse>>> finals;
    std::vector<Queued> again;
    std::size_t offset = 0;
    const Logger& log = m_op->logger();
    for (auto& q : batch) {
        std::size_t n = q.group.requests.size();
        std::vector<BatchResponse> mine(
            std::make_move_iterator(responses.begin() + static_cast<long>(offset)),
            std::make_move_iterator(responses.begin() + static_cast<long>(offset + n)));
        offset += n;
        if (q.group.retry && n == 1 && !context.cancelled()) {
            std::chrono::milliseconds delay{0};
            std::string why;
            if (retryDecision(q, mine[0], delay, why)) {
                ++m_op->counters().retried;
                if (log.enabled(LogLevel::Verbose))
                    log.log(LogLevel::Verbose, "graph",
                            "retrying " + q.group.requests[0].method + " " +
                                sanitizeUrl(q.group.requests[0].url) + " after " + why + " in " +
                                formatSeconds(delay) + " (attempt " + std::to_string(q.attempts + 1) + ")");
                q.notBefore = Clock::now() + delay;
                again.push_back(std::move(q));
                continue;
            }
        }
        if (!q.group.retry)
            for (const auto& r : mine) {
                if (r.status != 429) continue;
                ++m_op->counters().throttled;
                auto retryAfter = parseRetryAfter(r.header("retry-after"), std::chrono::system_clock::now());
                if (m_limiter) m_limiter->onThrottled(retryAfter ? *retryAfter : m_options.baseDelay);
            }
        finals.emplace_back(std::move(q), std::move(mine));
    }
    if (m_limiter && answered) m_limiter->onBatchAnswered(budgetUsed);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_inFlight;
        m_inFlightGroups -= batch.size();
        for (auto& q : again) m_queue.push_back(std::move(q));
    }
    for (auto& [q, mine] : finals)
        if (q.group.done) q.group.done(mine);
    pump();
}

}  // namespace mfaphone
