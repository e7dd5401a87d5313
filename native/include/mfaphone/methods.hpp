// Reading users' phone authentication methods: the result types of that family and the
// streaming operation that produces them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfaphone/events.hpp"
#include "mfaphone/operation.hpp"

namespace mfaphone {

// One phone authentication method as Graph returns it.
struct PhoneMethod {
    std::string id;
    std::string phoneNumber;  // Graph's format, "+46 701234567"; masked when Graph masks it
    std::string phoneType;    // mobile, alternateMobile, office
    std::string smsSignInState;
};

// The phone methods of one user (a Result event of a PhoneMethodsOperation).
struct PhoneMethodsResult {
    std::string user;  // the user as it was submitted
    // With ReadOptions::readUsers: the user's object id and user principal name as Graph has
    // them. Empty when they were not read (then userRead is false).
    std::string userId;
    std::string userPrincipalName;
    bool userRead = false;
    std::vector<PhoneMethod> methods;
};

struct ReadOptions {
    int maxConcurrency = 8;  // $batch requests in flight for this operation at most
    // Also read each user's object id and user principal name (GET /users/{u}?$select=id,
    // userPrincipalName, in the same $batch). Reading users needs a user-read permission: once
    // Graph refuses one (403), the operation reads no more users and reports only the methods.
    bool readUsers = false;
};

class PhoneMethodsReader;

// Reads the phone methods of the users submitted to it, through Graph's $batch, on the
// session's executor. Submit from one thread; events carry the submission index. The members it
// shares with Operation behave the same; destroying it cancels work still in progress.
class PhoneMethodsOperation {
public:
    PhoneMethodsOperation(std::shared_ptr<OperationState> state, std::shared_ptr<PhoneMethodsReader> reader);
    ~PhoneMethodsOperation();
    PhoneMethodsOperation(const PhoneMethodsOperation&) = delete;
    PhoneMethodsOperation& operator=(const PhoneMethodsOperation&) = delete;

    // Queues one user (object id or user principal name). Waits up to timeoutMs while the input
    // queue is full; returns false when it still is (read events, then submit again). Throws
    // InvalidInputError for an empty user or after close(), CancelledError once cancelled.
    bool submit(const std::string& user, int timeoutMs);
    // No more users: the operation finishes once every submitted user has its event.
    void close();
    // Like Operation::nextEvent; for a Result event, `result` holds that user's methods.
    bool nextEvent(Event& event, PhoneMethodsResult& result, int timeoutMs);
    bool finished() const;
    void cancel();
    OperationStats stats() const;

private:
    std::shared_ptr<OperationState> m_state;
    std::shared_ptr<PhoneMethodsReader> m_reader;
};

}  // namespace mfaphone
