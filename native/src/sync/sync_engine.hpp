// SyncEngine: the engine side of a SyncOperation (private to sync/).
//
// Per user: read (the user's source properties and usageLocation unless the input carried them,
// and the phone methods; in tenant mode the source comes from the user list) -> plan (the pure
// planner) -> [decision] -> apply the plan's writes as one $batch group with dependsOn -> final
// result. Every read and write goes through the operation's BatchPump on the session's executor.
//
// Writes are never sent twice blindly: an answer that does not say whether a write was applied
// (5xx, no answer, 409 phoneNumberNotUnique) makes the engine read the user's methods again and
// plan again; only what is still missing is sent. Writes Graph did not process (429, 503, or 424
// after one of those) are sent again after their Retry-After. Each user ends with exactly one
// result per managed type, also when the operation is cancelled.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mfaphone/internal/batch.hpp"
#include "mfaphone/internal/operation.hpp"
#include "mfaphone/internal/plan.hpp"
#include "mfaphone/sync.hpp"

namespace mfaphone {

// Where a source property is read from in a Graph user object.
struct SourceProperty {
    std::string name;        // as given ("extensionAttribute15", "mobilePhone")
    bool extension = false;  // an onPremisesExtensionAttributes member
};

// Checks the options and turns them into the planner's. Throws InvalidInputError.
PlanOptions syncPlanOptions(const SyncOptions& options, std::vector<SourceProperty>& sources);

// The part of a users/delta link (nextLink or deltaLink) to send in a $batch: "/users/delta?...".
// Empty for an empty link; throws InvalidInputError for a link that is not a users/delta link.
std::string deltaResumeUrl(const std::string& link);

// The $select list that reads the users' ids, usageLocation and source properties.
std::string userSelect(const std::vector<SourceProperty>& sources);

// A source value of a Graph user object (JSON text of one user): the property's string, the
// first string of an array property, or "" when absent or null.
std::vector<std::string> sourceValuesOf(const std::string& userJson,
                                        const std::vector<SourceProperty>& sources);

class SyncEngine : public std::enable_shared_from_this<SyncEngine> {
public:
    SyncEngine(std::shared_ptr<OperationState> op, std::shared_ptr<BatchPump> pump,
               std::shared_ptr<BatchPump> betaPump, const SyncOptions& options);
    // Wires callbacks (they hold weak references) and, in tenant mode, starts listing users.
    void start();
    bool submit(const SyncInput& input, int timeoutMs);
    void close();
    void decide(long long index, const std::vector<std::string>& decisions);
    SyncTotals totals() const;

    // Apply/verify rounds of one user before its open changes fail.
    static constexpr int kMaxVerifyRounds = 4;

private:
    struct Change {
        SyncChange out;
        PlannedChange planned;
        bool final = false;
        bool conflict = false;  // 409 phoneNumberNotUnique seen (mobile)
        bool applied = false;   // some write of it succeeded
        bool inFlight = false;  // a write of it is being sent
        std::exception_ptr lastError;
    };
    struct User {
        long long index = -1;
        SyncInput input;
        std::string address;  // path segment: users/{id} (the object id once known)
        std::mutex mutex;
        int pendingReads = 0;
        std::exception_ptr readError;
        std::vector<std::string> sourceValues;
        std::string usageLocation;
        std::vector<PhoneMethod> current;
        bool methodsRead = false;
        bool defaultKnown = false;
        std::string defaultMethod;
        std::vector<Change> changes;
        std::vector<PlannedWrite> pending;  // writes still to make (dependsOn into pending)
        int rounds = 0;
        bool parked = false;  // waiting for decide()
        bool done = false;
    };
    using UserPtr = std::shared_ptr<User>;

    void admit();
    void startUser(const UserPtr& user);
    void readMethods(const UserPtr& user);
    void onUserRead(const UserPtr& user, const BatchResponse& response);
    void onMethodsRead(const UserPtr& user, const BatchResponse& response, bool verifying);
    void onDefaultRead(const UserPtr& user, const BatchResponse& response);
    void readsDone(const UserPtr& user);
    void plan(const UserPtr& user);
    void applyDecisions(const UserPtr& user, const std::vector<std::string>& decisions);
    void send(const UserPtr& user, std::chrono::milliseconds delay);
    void onApplied(const UserPtr& user, std::vector<PlannedWrite> sent,
                   std::vector<BatchResponse>& responses);
    void verify(const UserPtr& user);
    void finalize(const UserPtr& user);
    void failUser(const UserPtr& user, std::exception_ptr error, const std::string& what);
    void cancelUser(const UserPtr& user);
    void checkDone();
    void listNext();
    void onListPage(const BatchResponse& response);
    bool inputDrained() const;
    bool tenantMode() const;
    Plan planFor(User& user);
    std::string methodsUrl(const User& user, const std::string& suffix = {}) const;

    std::shared_ptr<OperationState> m_op;
    std::shared_ptr<BatchPump> m_pump;
    std::shared_ptr<BatchPump> m_betaPump;
    SyncOptions m_options;
    std::vector<SourceProperty> m_sources;  // before m_plan: its initializer fills this
    PlanOptions m_plan;
    std::string m_select;

    InputQueue<SyncInput> m_input;
    long long m_submitted = 0;  // submit runs on one thread
    std::mutex m_admitMutex;
    std::atomic<long long> m_nextIndex{0};
    std::atomic<long long> m_inWork{0};
    std::atomic<bool> m_done{false};

    // Tenant mode: users listed but not yet admitted, and where the list goes on.
    mutable std::mutex m_listMutex;
    std::deque<UserPtr> m_listed;
    std::string m_nextPage;  // relative url of the next page; empty when none
    bool m_pageInFlight = false;
    bool m_listDone = false;
    bool m_listFailed = false;
    // Delta mode: where the given link resumes ("" for a full round), whether this run resumes
    // from it (false once it turned out to have expired), the users seen in this round (Graph
    // may return a user twice) and the deltaLink of the round's last page.
    std::string m_deltaResume;
    bool m_deltaIncremental = false;
    std::unordered_set<std::string> m_deltaSeen;
    std::string m_deltaLinkFound;

    mutable std::mutex m_usersMutex;
    std::unordered_map<long long, UserPtr> m_users;  // admitted, not yet final

    mutable std::mutex m_totalsMutex;
    SyncTotals m_totals;
    long long m_unsettled = 0;  // changes that failed, were declined or cancelled, or only planned
    Context::Registration m_cancelRegistration;
};

}  // namespace mfaphone
