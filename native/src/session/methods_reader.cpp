#include "methods_reader.hpp"

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/url.hpp"

namespace mfaphone {

std::vector<PhoneMethod> parsePhoneMethods(const std::string& body, int status,
                                           const std::string& requestId) {
    Json json = Json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains("value") || !json["value"].is_array())
        throw RequestFailedError("Graph answered phoneMethods without a value array.", status, "", requestId);
    std::vector<PhoneMethod> methods;
    for (const auto& item : json["value"]) {
        if (!item.is_object()) continue;
        PhoneMethod m;
        m.id = jsonString(item, "id");
        m.phoneNumber = jsonString(item, "phoneNumber");
        m.phoneType = jsonString(item, "phoneType");
        m.smsSignInState = jsonString(item, "smsSignInState");
        methods.push_back(std::move(m));
    }
    return methods;
}

std::string describePhoneMethods(const std::string& user, const std::vector<PhoneMethod>& methods) {
    std::string line = user + ": " + std::to_string(methods.size()) + " phone method(s)";
    for (const auto& m : methods) line += "; " + m.phoneType + " " + maskPhoneNumber(m.phoneNumber);
    return line;
}

PhoneMethodsReader::PhoneMethodsReader(std::shared_ptr<OperationState> op, std::shared_ptr<BatchPump> pump,
                                       bool readUsers)
    : m_op(std::move(op)),
      m_pump(std::move(pump)),
      m_input(static_cast<std::size_t>(m_op->limits().inputCapacity)),
      m_readUsers(readUsers) {}

void PhoneMethodsReader::start() {
    std::weak_ptr<PhoneMethodsReader> weak = weak_from_this();
    m_input.onInput([weak] {
        if (auto self = weak.lock()) {
            self->admit();
            self->checkDone();
        }
    });
    m_op->onSlotFreed([weak] {
        if (auto self = weak.lock()) self->admit();
    });
    m_cancelRegistration = m_op->context().onCancel([weak] {
        if (auto self = weak.lock()) self->checkDone();
    });
}

bool PhoneMethodsReader::submit(const std::string& user, int timeoutMs) {
    if (user.empty())
        throw InvalidInputError("A user id is empty. Give an object id or a user principal name.");
    // Addressing the user checks the id (one made of dots is refused) before it is queued.
    std::string url = "/" + userPathSegment(user) + "/authentication/phoneMethods";
    if (!m_input.push(Item{m_nextIndex, user, std::move(url)}, timeoutMs, m_op->context())) return false;
    ++m_nextIndex;
    ++m_op->counters().submitted;
    return true;
}

void PhoneMethodsReader::close() {
    m_input.close();
    m_pump->setInputClosed(true);
}

void PhoneMethodsReader::admit() {
    std::lock_guard<std::mutex> lock(m_admitMutex);
    while (!m_op->context().cancelled() && !m_input.empty() && m_op->tryHold()) {
        Item item;
        ++m_inWork;  // before the queue may look drained, so checkDone() cannot end too early
        if (!m_input.tryPop(item)) {  // only admit() takes items: not reached
            --m_inWork;
            break;
        }
        BatchGroup group;
        BatchRequest request;
        request.url = item.url;
        group.requests.push_back(std::move(request));
        group.retry = true;
        std::weak_ptr<PhoneMethodsReader> weak = weak_from_this();
        if (!m_readUsers || m_usersDenied) {
            group.done = [weak, item](std::vector<BatchResponse>& responses) {
                if (auto self = weak.lock()) self->finishItem(item, responses.at(0));
            };
            m_pump->add(std::move(group));
            continue;
        }
        // The user's id and UPN travel in the same $batch as a group of their own (each group
        // of one GET is retried on its own).
        auto pair = std::make_shared<Pair>();
        auto arrive = [weak, item, pair](BatchResponse& response, bool isUser) {
            bool last;
            {
                std::lock_guard<std::mutex> lock(pair->mutex);
                (isUser ? pair->user : pair->methods) = std::move(response);
                last = --pair->left == 0;
            }
            if (!last) return;
            if (auto self = weak.lock()) self->finishItem(item, pair->methods, &pair->user);
        };
        group.done = [arrive](std::vector<BatchResponse>& responses) { arrive(responses.at(0), false); };
        BatchGroup userGroup;
        BatchRequest userRequest;
        userRequest.url = "/" + userPathSegment(item.user) + "?$select=id,userPrincipalName";
        userGroup.requests.push_back(std::move(userRequest));
        userGroup.retry = true;
        userGroup.done = [arrive](std::vector<BatchResponse>& responses) { arrive(responses.at(0), true); };
        m_pump->add(std::move(group));  // the methods first: they are what the caller asked for
        m_pump->add(std::move(userGroup));
    }
    int peak = static_cast<int>(m_input.peak());
    if (peak > m_op->counters().inputPeak) m_op->counters().inputPeak = peak;
}

void PhoneMethodsReader::finishItem(const Item& item, const BatchResponse& response,
                                    const BatchResponse* user) {
    std::exception_ptr failure = response.failure();
    if (!failure) {
        try {
            auto result = std::make_shared<PhoneMethodsResult>();
            result->user = item.user;
            if (user && user->status >= 200 && user->status < 300) {
                Json json = Json::parse(user->body, nullptr, false);
                if (json.is_object()) {
                    result->userId = jsonString(json, "id");
                    result->userPrincipalName = jsonString(json, "userPrincipalName");
                    result->userRead = !result->userId.empty();
                }
            } else if (user && user->status == 403 && !m_usersDenied.exchange(true)) {
                m_op->logger().log(LogLevel::Verbose, "graph",
                                   "reading users was refused (403: no user-read permission such as "
                                   "User.Read.All); phone methods are reported without the users' ids");
            }
            result->methods =
                parsePhoneMethods(response.body, response.status, response.header("request-id"));
            if (m_op->logger().enabled(LogLevel::Verbose))
                m_op->logger().log(LogLevel::Verbose, "graph",
                                   describePhoneMethods(item.user, result->methods));
            Event e;
            e.kind = EventKind::Result;
            e.target = item.user;
            e.index = item.index;
            m_op->push(std::move(e), std::move(result), true);
        } catch (...) {
            failure = std::current_exception();
        }
    }
    if (failure) {
        Event e = OperationState::errorEvent(failure, item.user, false);
        e.index = item.index;
        // A cancelled read is not the user's failure: the operation reports the cancellation.
        if (e.errorKind != static_cast<int>(ErrorKind::Cancelled)) m_op->push(std::move(e), nullptr, true);
    }
    --m_inWork;
    checkDone();
}

void PhoneMethodsReader::checkDone() {
    if (m_inWork > 0) return;
    bool cancelled = m_op->context().cancelled();
    if (!cancelled && !m_input.drained()) return;
    if (m_done.exchange(true)) return;
    if (cancelled) m_op->fail(std::make_exception_ptr(CancelledError()));
    m_op->finish();
}

PhoneMethodsOperation::PhoneMethodsOperation(std::shared_ptr<OperationState> state,
                                             std::shared_ptr<PhoneMethodsReader> reader)
    : m_state(std::move(state)), m_reader(std::move(reader)) {}

PhoneMethodsOperation::~PhoneMethodsOperation() { m_state->context().cancel(); }
bool PhoneMethodsOperation::finished() const { return m_state->finished(); }
void PhoneMethodsOperation::cancel() { m_state->context().cancel(); }
OperationStats PhoneMethodsOperation::stats() const { return m_state->stats(); }

bool PhoneMethodsOperation::submit(const std::string& user, int timeoutMs) {
    return m_reader->submit(user, timeoutMs);
}

void PhoneMethodsOperation::close() { m_reader->close(); }

bool PhoneMethodsOperation::nextEvent(Event& event, PhoneMethodsResult& result, int timeoutMs) {
    std::shared_ptr<const void> payload;
    bool got = m_state->pop(event, &payload, timeoutMs);
    if (got && event.kind == EventKind::Result && payload)
        result = *static_cast<const PhoneMethodsResult*>(payload.get());
    else
        result = PhoneMethodsResult{};
    return got;
}

}  // namespace mfaphone
