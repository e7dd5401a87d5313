// PhoneMethodsReader: the engine side of a PhoneMethodsOperation (private to session/).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "mfaphone/internal/batch.hpp"
#include "mfaphone/internal/operation.hpp"
#include "mfaphone/methods.hpp"

namespace mfaphone {

// Parses a phoneMethods list body ({"value":[...]}); throws RequestFailedError when it is not one.
std::vector<PhoneMethod> parsePhoneMethods(const std::string& body, int status, const std::string& requestId);
// "user: 2 phone method(s); mobile +46 *******67; office +1 ********23" (numbers masked).
std::string describePhoneMethods(const std::string& user, const std::vector<PhoneMethod>& methods);

class PhoneMethodsReader : public std::enable_shared_from_this<PhoneMethodsReader> {
public:
    PhoneMethodsReader(std::shared_ptr<OperationState> op, std::shared_ptr<BatchPump> pump,
                       bool readUsers = false);
    // Wires the input and slot callbacks (after construction: they hold weak references).
    void start();
    bool submit(const std::string& user, int timeoutMs);
    void close();

private:
    struct Item {
        long long index = -1;
        std::string user;
        std::string url;  // the user's phoneMethods, relative to the API version
    };
    // An item whose user is read too: both answers, whichever comes last finishes the item.
    struct Pair {
        std::mutex mutex;
        int left = 2;
        BatchResponse methods;
        BatchResponse user;
    };
    void admit();
    void finishItem(const Item& item, const BatchResponse& response, const BatchResponse* user = nullptr);
    void checkDone();

    std::shared_ptr<OperationState> m_op;
    std::shared_ptr<BatchPump> m_pump;
    InputQueue<Item> m_input;
    long long m_nextIndex = 0;  // submit runs on one thread
    std::mutex m_admitMutex;
    std::atomic<long long> m_inWork{0};
    std::atomic<bool> m_done{false};
    bool m_readUsers = false;
    std::atomic<bool> m_usersDenied{false};  // Graph refused a user read (403): no more are sent
    Context::Registration m_cancelRegistration;
};

}  // namespace mfaphone
