#include "sync_engine.hpp"

#include <algorithm>
#include <cctype>

#include "../core/json.hpp"
#include "mfaphone/errors.hpp"
#include "mfaphone/internal/url.hpp"
#include "mfaphone/phone.hpp"

namespace mfaphone {

namespace {

// Users listed but not admitted yet below which the next page is read.
constexpr std::size_t kListLowWater = 500;
constexpr const char* kPageSize = "999";
// The longest Retry-After a write waits for (as the HTTP retry policy).
constexpr std::chrono::milliseconds kMaxRetryAfter{300000};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// A member of a JSON object by name, compared case-insensitively (Graph's property names are).
const Json* member(const Json& object, const std::string& name) {
    if (!object.is_object()) return nullptr;
    auto exact = object.find(name);
    if (exact != object.end()) return &*exact;
    std::string wanted = lower(name);
    for (auto it = object.begin(); it != object.end(); ++it)
        if (lower(it.key()) == wanted) return &it.value();
    return nullptr;
}

std::string text(const Json* value) {
    if (!value || value->is_null()) return {};
    if (value->is_string()) return value->get<std::string>();
    if (value->is_array()) {
        for (const auto& item : *value)
            if (item.is_string() && !blank(item.get<std::string>())) return item.get<std::string>();
        return {};
    }
    return value->dump();
}

std::vector<std::string> sourceValuesOfJson(const Json& user, const std::vector<SourceProperty>& sources) {
    std::vector<std::string> values;
    const Json* extensions = member(user, "onPremisesExtensionAttributes");
    for (const auto& source : sources)
        values.push_back(text(source.extension ? (extensions ? member(*extensions, source.name) : nullptr)
                                               : member(user, source.name)));
    return values;
}

std::string errorCodeOf(const BatchResponse& response) {
    Json body = Json::parse(response.body, nullptr, false);
    const Json* error = member(body, "error");
    return error ? text(member(*error, "code")) : std::string();
}

void setError(SyncChange& out, std::exception_ptr error) {
    if (!error) return;
    Event e = OperationState::errorEvent(error, {}, false);
    out.errorKind = e.errorKind;
    out.httpStatus = e.httpStatus;
    out.errorCode = e.errorCode;
    out.requestId = e.requestId;
    out.errorMessage = e.message;
}

std::string smsSignInName(SmsSignInMode mode) {
    switch (mode) {
        case SmsSignInMode::Enable:
            return "Enable";
        case SmsSignInMode::Disable:
            return "Disable";
        default:
            return {};
    }
}

std::string words(PhoneType type) {
    switch (type) {
        case PhoneType::Mobile:
            return "mobile";
        case PhoneType::AlternateMobile:
            return "alternate mobile";
        case PhoneType::Office:
            return "office";
    }
    return "phone";
}

// The writes of `writes` that `keep` selects, with dependsOn renumbered. A dependency on a write
// that is not kept is either met (it was made: the edge goes) or, with `dropDependents`, a
// reason to leave the dependent out too.
std::vector<PlannedWrite> keepWrites(const std::vector<PlannedWrite>& writes, std::vector<bool> keep,
                                     bool dropDependents) {
    std::vector<int> newIndex(writes.size(), -1);
    std::vector<PlannedWrite> out;
    for (std::size_t i = 0; i < writes.size(); ++i) {
        if (!keep[i]) continue;
        PlannedWrite w = writes[i];
        std::vector<int> deps;
        for (int d : w.dependsOn) {
            if (d < 0 || static_cast<std::size_t>(d) >= i) continue;
            int mapped = newIndex[static_cast<std::size_t>(d)];
            if (mapped >= 0)
                deps.push_back(mapped);
            else if (dropDependents)
                keep[i] = false;
        }
        if (!keep[i]) continue;
        w.dependsOn = std::move(deps);
        newIndex[i] = static_cast<int>(out.size());
        out.push_back(std::move(w));
    }
    return out;
}

}  // namespace

PlanOptions syncPlanOptions(const SyncOptions& options, std::vector<SourceProperty>& sources) {
    PlanOptions plan;
    plan.managed.clear();
    sources.clear();
    std::vector<std::string> types = options.phoneTypes, properties = options.sourceProperties;
    if (types.empty() && properties.empty()) {
        types = {"mobile"};
        properties = {"extensionAttribute15"};
    }
    if (types.size() != properties.size())
        throw InvalidInputError("Each managed phone type needs one source property (" +
                                std::to_string(types.size()) + " types, " +
                                std::to_string(properties.size()) + " properties).");
    for (std::size_t i = 0; i < types.size(); ++i) {
        ManagedPhoneType managed;
        if (!parsePhoneType(types[i], managed.type))
            throw InvalidInputError("'" + types[i] +
                                    "' is not a phone type. Use mobile, alternateMobile or office.");
        const std::string& name = properties[i];
        bool plain =
            !name.empty() && name.size() <= 64 && std::isalpha(static_cast<unsigned char>(name[0])) &&
            std::all_of(name.begin(), name.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
        if (!plain)
            throw InvalidInputError("'" + name +
                                    "' is not a user property name (letters, digits and _ only), " +
                                    "such as extensionAttribute15 or mobilePhone.");
        managed.sourceProperty = name;
        plan.managed.push_back(managed);
        SourceProperty source;
        source.name = name;
        std::string l = lower(name);
        if (l.rfind("extensionattribute", 0) == 0) {
            std::string n = l.substr(18);
            bool valid = !n.empty() && n.size() <= 2 && std::all_of(n.begin(), n.end(), ::isdigit) &&
                         std::stoi(n) >= 1 && std::stoi(n) <= 15 && n[0] != '0';
            if (!valid)
                throw InvalidInputError("'" + name +
                                        "' is not an extension attribute: use extensionAttribute1 to " +
                                        "extensionAttribute15.");
            source.extension = true;
            source.name = "extensionAttribute" + n;
        }
        sources.push_back(source);
    }
    plan.removeWhenSourceEmpty = options.removeWhenSourceEmpty;
    plan.onlySetWhenEmpty = options.onlySetWhenEmpty;
    std::string sms = lower(options.smsSignIn);
    if (sms.empty() || sms == "keep")
        plan.smsSignIn = SmsSignInMode::Keep;
    else if (sms == "enable")
        plan.smsSignIn = SmsSignInMode::Enable;
    else if (sms == "disable")
        plan.smsSignIn = SmsSignInMode::Disable;
    else
        throw InvalidInputError("'" + options.smsSignIn +
                                "' is not an SMS sign-in choice. Use Enable, Disable or Keep.");
    plan.defaultRegion = options.defaultRegion;
    plan.keepNumbers = options.keepNumbers;
    validatePlanOptions(plan);
    if (options.maxConcurrency < 1) throw InvalidInputError("The concurrency must be at least 1.");
    return plan;
}

std::string userSelect(const std::vector<SourceProperty>& sources) {
    std::vector<std::string> fields = {"id", "userPrincipalName", "usageLocation"};
    for (const auto& s : sources) {
        std::string field = s.extension ? "onPremisesExtensionAttributes" : s.name;
        bool seen = false;
        for (const auto& f : fields) seen = seen || lower(f) == lower(field);
        if (!seen) fields.push_back(field);
    }
    std::string out;
    for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
    return out;
}

std::string deltaResumeUrl(const std::string& link) {
    std::size_t first = link.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    std::size_t last = link.find_last_not_of(" \t\r\n");
    std::string l = link.substr(first, last - first + 1);
    const std::string example = "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=...";
    bool printable = std::all_of(l.begin(), l.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u != 0x7f;
    });
    // Only the path after the API version is kept: the request goes to this session's Graph.
    std::size_t at = l.find("/v1.0/users/delta?");
    std::string lowered = lower(l);
    bool hasToken =
        lowered.find("deltatoken=") != std::string::npos || lowered.find("skiptoken=") != std::string::npos;
    if (!printable || at == std::string::npos || !hasToken || l.size() > 8192)
        throw InvalidInputError(
            "The delta link is not one Graph handed out for users (it looks like " + example +
            "). Give the link from the previous run as it was, or none for a full round.");
    return l.substr(at + 5);
}

std::vector<std::string> sourceValuesOf(const std::string& userJson,
                                        const std::vector<SourceProperty>& sources) {
    return sourceValuesOfJson(Json::parse(userJson, nullptr, false), sources);
}

// ---------------------------------------------------------------------------------------------

SyncEngine::SyncEngine(std::shared_ptr<OperationState> op, std::shared_ptr<BatchPump> pump,
                       std::shared_ptr<BatchPump> betaPump, const SyncOptions& options)
    : m_op(std::move(op)),
      m_pump(std::move(pump)),
      m_betaPump(std::move(betaPump)),
      m_options(options),
      m_sources(),
      m_plan(syncPlanOptions(options, m_sources)),
      m_select(userSelect(m_sources)),
      m_input(static_cast<std::size_t>(m_op->limits().inputCapacity)) {
    if (m_options.delta) {
        if (m_options.allUsers || !m_options.filter.empty())
            throw InvalidInputError(
                "Change tracking (delta) reads every user of the tenant; it takes no filter and no user "
                "list.");
        m_deltaResume = deltaResumeUrl(m_options.deltaLink);
        m_deltaIncremental = !m_deltaResume.empty();
    }
}

bool SyncEngine::tenantMode() const {
    return m_options.allUsers || !m_options.filter.empty() || m_options.delta;
}

void SyncEngine::start() {
    std::weak_ptr<SyncEngine> weak = weak_from_this();
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
        auto self = weak.lock();
        if (!self) return;
        // Users waiting for a decision get theirs now; the pump ends everything queued.
        std::vector<UserPtr> parked;
        {
            std::lock_guard<std::mutex> lock(self->m_usersMutex);
            for (auto& [index, user] : self->m_users) parked.push_back(user);
        }
        for (auto& user : parked) {
            bool wasParked;
            {
                std::lock_guard<std::mutex> lock(user->mutex);
                wasParked = user->parked;
                user->parked = false;
            }
            if (wasParked) self->cancelUser(user);
        }
        self->checkDone();
    });
    if (tenantMode()) {
        m_input.close();
        m_pump->setInputClosed(false);
        listNext();
    }
}

bool SyncEngine::submit(const SyncInput& input, int timeoutMs) {
    if (tenantMode())
        throw InvalidInputError("This sync lists its users from the tenant; it takes no users as input.");
    if (input.user.empty())
        throw InvalidInputError("A user id is empty. Give an object id or a user principal name.");
    userPathSegment(input.userId.empty() ? input.user : input.userId);  // refuses ids made of dots
    if (input.hasSourceValues && input.sourceValues.size() != m_plan.managed.size())
        throw InvalidInputError("The input has " + std::to_string(input.sourceValues.size()) +
                                " source values for " + std::to_string(m_plan.managed.size()) +
                                " managed phone types.");
    if (!m_input.push(input, timeoutMs, m_op->context())) return false;
    ++m_submitted;
    ++m_op->counters().submitted;
    return true;
}

void SyncEngine::close() {
    m_input.close();
    m_pump->setInputClosed(true);
    if (m_betaPump) m_betaPump->setInputClosed(true);
}

bool SyncEngine::inputDrained() const {
    if (tenantMode()) {
        std::lock_guard<std::mutex> lock(m_listMutex);
        return m_listDone && m_listed.empty();
    }
    return m_input.drained();
}

SyncTotals SyncEngine::totals() const {
    SyncTotals totals;
    long long unsettled;
    {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        totals = m_totals;
        unsettled = m_unsettled;
    }
    if (m_options.delta) {
        std::lock_guard<std::mutex> lock(m_listMutex);
        totals.deltaFullRound = !m_deltaIncremental;
        // The state moves on only when everything the round named was done.
        if (m_done && m_listDone && !m_listFailed && !m_op->context().cancelled() && unsettled == 0)
            totals.deltaLink = m_deltaLinkFound;
    }
    return totals;
}

std::string SyncEngine::methodsUrl(const User& user, const std::string& suffix) const {
    return "/" + user.address + "/authentication/phoneMethods" + suffix;
}

void SyncEngine::admit() {
    bool tenant = tenantMode();
    {
        std::lock_guard<std::mutex> lock(m_admitMutex);
        for (;;) {
            if (m_op->context().cancelled()) break;
            UserPtr user;
            if (tenant) {
                {
                    std::lock_guard<std::mutex> list(m_listMutex);
                    if (m_listed.empty()) break;
                }
                if (!m_op->tryHold()) break;
                ++m_inWork;
                std::lock_guard<std::mutex> list(m_listMutex);
                user = std::move(m_listed.front());
                m_listed.pop_front();
            } else {
                if (m_input.empty() || !m_op->tryHold()) break;
                SyncInput input;
                ++m_inWork;  // before the queue may look drained, so checkDone() cannot end too early
                if (!m_input.tryPop(input)) {  // only admit() takes items: not reached
                    --m_inWork;
                    break;
                }
                user = std::make_shared<User>();
                user->index = m_nextIndex++;
                user->input = std::move(input);
            }
            {
                std::lock_guard<std::mutex> users(m_usersMutex);
                m_users[user->index] = user;
            }
            startUser(user);
        }
        int peak = static_cast<int>(m_input.peak());
        if (peak > m_op->counters().inputPeak) m_op->counters().inputPeak = peak;
    }
    if (tenant) listNext();
}

void SyncEngine::startUser(const UserPtr& user) {
    const SyncInput& in = user->input;
    user->address = userPathSegment(in.userId.empty() ? in.user : in.userId);
    if (in.hasSourceValues) user->sourceValues = in.sourceValues;
    if (in.hasUsageLocation) user->usageLocation = in.usageLocation;

    bool regionNeeded = false;
    if (m_options.defaultRegion.empty() && !in.hasUsageLocation) {
        if (!in.hasSourceValues) {
            regionNeeded = true;
        } else {
            for (const auto& v : in.sourceValues)
                if (!blank(v) && normalizePhoneNumber(v).problem == PhoneNumberProblem::NoRegion)
                    regionNeeded = true;
        }
    }
    bool needUser = !in.hasSourceValues || regionNeeded;
    // Nothing can change when every source is empty, nothing is removed and SMS sign-in is kept:
    // the phone methods need not be read.
    bool allBlank = in.hasSourceValues && std::all_of(in.sourceValues.begin(), in.sourceValues.end(), blank);
    bool needMethods =
        !(allBlank && !m_plan.removeWhenSourceEmpty && m_plan.smsSignIn == SmsSignInMode::Keep);
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        user->pendingReads = (needUser ? 1 : 0) + (needMethods ? 1 : 0);
    }
    std::weak_ptr<SyncEngine> weak = weak_from_this();
    if (needUser) {
        BatchGroup group;
        BatchRequest request;
        request.url = "/" + user->address + "?$select=" + m_select;
        group.requests.push_back(std::move(request));
        group.retry = true;
        group.done = [weak, user](std::vector<BatchResponse>& r) {
            if (auto self = weak.lock()) self->onUserRead(user, r.at(0));
        };
        {
            std::lock_guard<std::mutex> lock(m_totalsMutex);
            ++m_totals.reads;
        }
        m_pump->add(std::move(group));
    }
    if (needMethods) readMethods(user);
    if (!needUser && !needMethods) readsDone(user);
}

void SyncEngine::readMethods(const UserPtr& user) {
    std::weak_ptr<SyncEngine> weak = weak_from_this();
    bool verifying;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        verifying = !user->changes.empty();
    }
    BatchGroup group;
    BatchRequest request;
    request.url = methodsUrl(*user);
    group.requests.push_back(std::move(request));
    group.retry = true;
    group.done = [weak, user, verifying](std::vector<BatchResponse>& r) {
        if (auto self = weak.lock()) self->onMethodsRead(user, r.at(0), verifying);
    };
    {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        ++m_totals.reads;
    }
    m_pump->add(std::move(group));
}

void SyncEngine::onUserRead(const UserPtr& user, const BatchResponse& response) {
    bool done;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        std::exception_ptr failure = response.failure();
        if (failure) {
            if (!user->readError) user->readError = failure;
        } else {
            Json json = Json::parse(response.body, nullptr, false);
            std::string id = text(member(json, "id"));
            if (!id.empty()) {
                user->input.userId = id;
                user->address = userPathSegment(id);  // object ids from here on
            }
            std::string upn = text(member(json, "userPrincipalName"));
            if (!upn.empty()) user->input.userPrincipalName = upn;
            if (!user->input.hasUsageLocation) user->usageLocation = text(member(json, "usageLocation"));
            if (!user->input.hasSourceValues) user->sourceValues = sourceValuesOfJson(json, m_sources);
        }
        done = --user->pendingReads == 0;
    }
    if (done) readsDone(user);
}

void SyncEngine::onMethodsRead(const UserPtr& user, const BatchResponse& response, bool verifying) {
    std::exception_ptr failure = response.failure();
    std::vector<PhoneMethod> methods;
    if (!failure) {
        try {
            Json json = Json::parse(response.body, nullptr, false);
            const Json* value = member(json, "value");
            if (!value || !value->is_array())
                throw RequestFailedError("Graph answered phoneMethods without a value array.",
                                         response.status, "", response.header("request-id"));
            for (const auto& item : *value) {
                PhoneMethod m;
                m.id = text(member(item, "id"));
                m.phoneNumber = text(member(item, "phoneNumber"));
                m.phoneType = text(member(item, "phoneType"));
                m.smsSignInState = text(member(item, "smsSignInState"));
                methods.push_back(std::move(m));
            }
        } catch (...) {
            failure = std::current_exception();
        }
    }
    if (verifying) {
        if (isCancellation(failure)) {
            cancelUser(user);
            return;
        }
        {
            std::lock_guard<std::mutex> lock(user->mutex);
            if (failure) {
                // Whether the open changes took effect cannot be told: they fail with what is known.
                for (auto& c : user->changes) {
                    if (c.final) continue;
                    c.final = true;
                    c.out.status = "Failed";
                    setError(c.out, c.lastError ? c.lastError : failure);
                    c.out.reason =
                        "Graph's answer did not say whether the change was applied, and reading the "
                        "phone methods again failed. Run the sync again to check.";
                }
            } else {
                user->current = std::move(methods);
                user->methodsRead = true;
            }
        }
        if (failure)
            finalize(user);
        else
            verify(user);
        return;
    }
    bool done;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        if (failure) {
            if (!user->readError || isCancellation(failure)) user->readError = failure;
        } else {
            user->current = std::move(methods);
            user->methodsRead = true;
        }
        done = --user->pendingReads == 0;
    }
    if (done) readsDone(user);
}

void SyncEngine::readsDone(const UserPtr& user) {
    std::exception_ptr error;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        error = user->readError;
    }
    if (m_op->context().cancelled() || isCancellation(error)) {
        cancelUser(user);
        return;
    }
    if (error) {
        failUser(user, error, "The user could not be read");
        return;
    }
    plan(user);
}

Plan SyncEngine::planFor(User& user) {
    UserPhoneState state;
    for (std::size_t i = 0; i < m_plan.managed.size(); ++i) {
        DesiredPhone d;
        d.type = m_plan.managed[i].type;
        d.value = i < user.sourceValues.size() ? user.sourceValues[i] : std::string();
        state.desired.push_back(std::move(d));
    }
    state.usageLocation = user.usageLocation;
    state.current = user.current;
    state.defaultMethodKnown = user.defaultKnown;
    state.defaultMethod = user.defaultMethod;
    return planPhoneChanges(state, m_plan);
}

void SyncEngine::plan(const UserPtr& user) {
    Plan p;
    bool needDefault = false, methodsRead;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        p = planFor(*user);
        methodsRead = user->methodsRead;
        needDefault = p.needsDefaultMethod && !user->defaultKnown;
    }
    if (needDefault) {
        // A removal waits for the user's default MFA method (beta signInPreferences).
        std::weak_ptr<SyncEngine> weak = weak_from_this();
        BatchGroup group;
        BatchRequest request;
        request.url = "/" + user->address + "/authentication/signInPreferences";
        group.requests.push_back(std::move(request));
        group.retry = true;
        group.done = [weak, user](std::vector<BatchResponse>& r) {
            if (auto self = weak.lock()) self->onDefaultRead(user, r.at(0));
        };
        {
            std::lock_guard<std::mutex> lock(m_totalsMutex);
            ++m_totals.reads;
        }
        m_betaPump->add(std::move(group));
        return;
    }

    bool anyWrites = false;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        user->changes.clear();
        for (std::size_t c = 0; c < p.changes.size(); ++c) {
            const PlannedChange& pc = p.changes[c];
            Change change;
            change.planned = pc;
            change.out.phoneType = phoneTypeName(pc.type);
            change.out.action = planActionName(pc.action);
            change.out.before = pc.before;
            change.out.after = pc.after;
            change.out.reason = pc.reason;
            change.out.reasonCode = planReasonName(pc.reasonCode);
            change.out.warning = pc.warning;
            change.out.smsSignIn = smsSignInName(pc.smsSignIn);
            for (const auto& w : p.writes)
                change.out.writes = change.out.writes || w.change == static_cast<int>(c);
            if (!methodsRead) {
                change.out.reason =
                    "The source has no number and removal is not enabled: nothing to change (the "
                    "phone methods were not read).";
            }
            anyWrites = anyWrites || change.out.writes;
            user->changes.push_back(std::move(change));
        }
        user->pending = p.writes;
        for (auto& c : user->changes) {
            if (c.out.writes && !m_options.planOnly) continue;
            c.final = true;
            c.out.status =
                c.out.writes ? "WhatIf" : (c.planned.action == PlanAction::Skip ? "Skipped" : "Succeeded");
        }
        if (anyWrites && !m_options.planOnly && m_options.confirmChanges) user->parked = true;
    }
    if (!anyWrites || m_options.planOnly) {
        finalize(user);
        return;
    }
    if (m_options.confirmChanges) {
        auto pendingResult = std::make_shared<SyncUserResult>();
        {
            std::lock_guard<std::mutex> lock(user->mutex);
            pendingResult->user = user->input.user;
            pendingResult->userId = user->input.userId;
            pendingResult->userPrincipalName = user->input.userPrincipalName;
            for (const auto& c : user->changes) {
                SyncChange out = c.out;
                if (out.writes) out.status.clear();
                pendingResult->changes.push_back(std::move(out));
            }
        }
        Event e;
        e.kind = EventKind::Decision;
        e.index = user->index;
        e.target = user->input.user;
        m_op->push(std::move(e), std::move(pendingResult), false);
        // A cancellation that came first would not see this user parked.
        if (m_op->context().cancelled()) {
            bool wasParked;
            {
                std::lock_guard<std::mutex> lock(user->mutex);
                wasParked = user->parked;
                user->parked = false;
            }
            if (wasParked) cancelUser(user);
        }
        return;
    }
    applyDecisions(user, std::vector<std::string>(user->changes.size(), "Apply"));
}

void SyncEngine::onDefaultRead(const UserPtr& user, const BatchResponse& response) {
    std::exception_ptr failure = response.failure();
    if (isCancellation(failure) || m_op->context().cancelled()) {
        cancelUser(user);
        return;
    }
    if (failure) {
        failUser(user, failure, "The user's default MFA method could not be read (needed before a removal)");
        return;
    }
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        Json json = Json::parse(response.body, nullptr, false);
        user->defaultKnown = true;
        user->defaultMethod = text(member(json, "userPreferredMethodForSecondaryAuthentication"));
    }
    plan(user);
}

void SyncEngine::decide(long long index, const std::vector<std::string>& decisions) {
    UserPtr user;
    {
        std::lock_guard<std::mutex> lock(m_usersMutex);
        auto it = m_users.find(index);
        if (it == m_users.end()) return;
        user = it->second;
    }
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        if (!user->parked) return;
        user->parked = false;
        if (decisions.size() != user->changes.size())
            throw InvalidInputError("A decision is needed for each of the user's " +
                                    std::to_string(user->changes.size()) + " changes.");
        for (const auto& d : decisions)
            if (d != "Apply" && d != "Decline" && d != "WhatIf") {
                user->parked = true;
                throw InvalidInputError("'" + d + "' is not a decision: use Apply, Decline or WhatIf.");
            }
    }
    if (m_op->context().cancelled()) {
        cancelUser(user);
        return;
    }
    applyDecisions(user, decisions);
}

void SyncEngine::applyDecisions(const UserPtr& user, const std::vector<std::string>& decisions) {
    bool anyToSend;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        std::vector<bool> keep(user->pending.size(), false);
        for (std::size_t i = 0; i < user->pending.size(); ++i) {
            int c = user->pending[i].change;
            keep[i] = c >= 0 && static_cast<std::size_t>(c) < decisions.size() &&
                      decisions[static_cast<std::size_t>(c)] == "Apply";
        }
        for (std::size_t c = 0; c < user->changes.size(); ++c) {
            Change& change = user->changes[c];
            if (change.final || decisions[c] == "Apply") continue;
            change.final = true;
            change.out.status = decisions[c] == "WhatIf" ? "WhatIf" : "Skipped";
            if (decisions[c] == "Decline") change.out.reason = "Not applied: the change was declined.";
        }
        user->pending = keepWrites(user->pending, keep, true);
        // An approved change whose write depends on one not made is not applied either.
        for (std::size_t c = 0; c < user->changes.size(); ++c) {
            Change& change = user->changes[c];
            if (change.final) continue;
            bool has = std::any_of(user->pending.begin(), user->pending.end(),
                                   [&](const PlannedWrite& w) { return w.change == static_cast<int>(c); });
            if (has) continue;
            change.final = true;
            change.out.status = "Skipped";
            change.out.reason = "Not applied: it depends on another change of this user that is not applied.";
        }
        anyToSend = !user->pending.empty();
    }
    if (anyToSend)
        send(user, std::chrono::milliseconds(0));
    else
        finalize(user);
}

void SyncEngine::send(const UserPtr& user, std::chrono::milliseconds delay) {
    std::vector<PlannedWrite> writes;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        writes = user->pending;
        for (const auto& w : writes)
            if (w.change >= 0) user->changes[static_cast<std::size_t>(w.change)].inFlight = true;
    }
    BatchGroup group;
    for (const auto& w : writes) {
        BatchRequest r;
        const std::string type = phoneTypeName(w.type);
        switch (w.kind) {
            case WriteKind::Create:
                r.method = "POST";
                r.url = methodsUrl(*user);
                r.body = Json{{"phoneNumber", w.phoneNumber}, {"phoneType", type}}.dump();
                break;
            case WriteKind::Patch:
                r.method = "PATCH";
                r.url = methodsUrl(*user, "/" + percentEncode(w.methodId));
                r.body = Json{{"phoneNumber", w.phoneNumber}, {"phoneType", type}}.dump();
                break;
            case WriteKind::Delete:
                r.method = "DELETE";
                r.url = methodsUrl(*user, "/" + percentEncode(w.methodId));
                break;
            case WriteKind::EnableSmsSignIn:
                r.method = "POST";
                r.url = methodsUrl(*user, "/" + percentEncode(w.methodId) + "/enableSmsSignIn");
                break;
            case WriteKind::DisableSmsSignIn:
                r.method = "POST";
                r.url = methodsUrl(*user, "/" + percentEncode(w.methodId) + "/disableSmsSignIn");
                break;
        }
        r.dependsOn = w.dependsOn;
        group.requests.push_back(std::move(r));
    }
    group.delay = delay;
    std::weak_ptr<SyncEngine> weak = weak_from_this();
    group.done = [weak, user, writes](std::vector<BatchResponse>& responses) {
        if (auto self = weak.lock()) self->onApplied(user, writes, responses);
    };
    {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        m_totals.writes += static_cast<long long>(writes.size());
    }
    if (m_op->logger().enabled(LogLevel::Verbose)) {
        std::string line = user->input.user + ": sending";
        for (const auto& w : writes) {
            static const char* kinds[] = {"add", "update", "remove", "enable SMS sign-in on",
                                          "disable SMS sign-in on"};
            line += std::string(" ") + kinds[static_cast<int>(w.kind)] + " " + phoneTypeName(w.type);
            if (!w.phoneNumber.empty()) line += " " + maskPhoneNumber(w.phoneNumber);
            line += ";";
        }
        line.pop_back();
        m_op->logger().log(LogLevel::Verbose, "sync", std::move(line));
    }
    m_pump->add(std::move(group));
}

void SyncEngine::onApplied(const UserPtr& user, std::vector<PlannedWrite> sent,
                           std::vector<BatchResponse>& responses) {
    enum class Outcome { Ok, Throttled, Ambiguous, Conflict, Dependent, Failed, Cancelled, Unsent };
    const std::size_t n = sent.size();
    std::vector<Outcome> outcome(n, Outcome::Ambiguous);
    std::vector<std::exception_ptr> error(n);
    std::chrono::milliseconds delay{0};
    for (std::size_t i = 0; i < n; ++i) {
        const BatchResponse& r = responses.at(i);
        int s = r.status;
        if (s >= 200 && s < 300) {
            outcome[i] = Outcome::Ok;
        } else if (s == 0 && isCancellation(r.error)) {
            outcome[i] = r.sent ? Outcome::Cancelled : Outcome::Unsent;
        } else if (s == 424) {
            outcome[i] = Outcome::Dependent;
        } else if (s == 409 && errorCodeOf(r) == "phoneNumberNotUnique") {
            outcome[i] = Outcome::Conflict;
            error[i] = r.failure();
        } else if (s == 429 || s == 503) {
            outcome[i] = Outcome::Throttled;
            error[i] = r.failure();
            auto retryAfter = parseRetryAfter(r.header("retry-after"), std::chrono::system_clock::now());
            delay = std::max(delay, retryAfter ? *retryAfter : std::chrono::milliseconds(1000));
        } else if (s == 0 || s == 500 || s == 502 || s == 504) {
            outcome[i] = Outcome::Ambiguous;
            error[i] = r.failure();
        } else {
            outcome[i] = Outcome::Failed;
            error[i] = r.failure();
        }
    }
    // A write that did not run because one it depends on failed, fails (or is cancelled) with it.
    for (std::size_t i = 0; i < n; ++i) {
        if (outcome[i] != Outcome::Dependent) continue;
        for (int d : sent[i].dependsOn) {
            auto di = static_cast<std::size_t>(d);
            if (outcome[di] == Outcome::Failed) {
                outcome[i] = Outcome::Failed;
                error[i] = std::make_exception_ptr(RequestFailedError(
                    "Not applied: the " + words(sent[di].type) + " change it depends on failed.", 424,
                    "FailedDependency", responses.at(i).header("request-id")));
            } else if (outcome[di] == Outcome::Cancelled || outcome[di] == Outcome::Unsent) {
                outcome[i] = Outcome::Unsent;
            }
        }
    }

    bool cancelled = false, ambiguous = false, retryLater = false;
    bool overlong = delay > kMaxRetryAfter;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        for (auto& c : user->changes) c.inFlight = false;
        std::vector<bool> keep(n, false);
        for (std::size_t i = 0; i < n; ++i) {
            auto ci = static_cast<std::size_t>(sent[i].change);
            Change& change = user->changes.at(ci);
            switch (outcome[i]) {
                case Outcome::Ok:
                    change.applied = true;
                    break;
                case Outcome::Failed:
                    if (!change.final) {
                        change.final = true;
                        change.out.status = "Failed";
                        setError(change.out, error[i]);
                        change.out.reason = "Not applied: " + change.out.errorMessage;
                    }
                    break;
                case Outcome::Cancelled:
                    change.inFlight = true;  // unknown whether it was applied
                    cancelled = true;
                    break;
                case Outcome::Unsent:
                    cancelled = true;
                    break;
                case Outcome::Conflict:
                    change.conflict = true;
                    change.lastError = error[i];
                    ambiguous = true;
                    break;
                case Outcome::Ambiguous:
                    change.lastError = error[i];
                    ambiguous = true;
                    break;
                case Outcome::Throttled:
                    change.lastError = error[i];
                    keep[i] = true;
                    retryLater = true;
                    break;
                case Outcome::Dependent:
                    keep[i] = true;
                    retryLater = true;
                    break;
            }
        }
        // Changes whose every write went through are done.
        for (std::size_t c = 0; c < user->changes.size(); ++c) {
            Change& change = user->changes[c];
            if (change.final) continue;
            bool open = false;
            for (std::size_t i = 0; i < n; ++i)
                if (sent[i].change == static_cast<int>(c) && outcome[i] != Outcome::Ok) open = true;
            if (open) continue;
            change.final = true;
            change.out.status = "Succeeded";
            if (change.planned.smsSignIn != SmsSignInMode::Keep)
                change.out.reason += change.planned.smsSignIn == SmsSignInMode::Enable
                                         ? " SMS sign-in is enabled."
                                         : " SMS sign-in is disabled.";
        }
        if (!cancelled && !ambiguous) {
            // Only writes Graph did not process remain: they go again after Retry-After (a
            // dependency that went through is met).
            for (std::size_t i = 0; i < n; ++i)
                if (keep[i] && user->changes[static_cast<std::size_t>(sent[i].change)].final) keep[i] = false;
            user->pending = keepWrites(sent, keep, false);
            if (overlong) {
                for (auto& c : user->changes) {
                    if (c.final) continue;
                    c.final = true;
                    c.out.status = "Failed";
                    setError(c.out,
                             std::make_exception_ptr(RetriesExhaustedError(
                                 "Gave up: Graph asked to wait " + formatSeconds(delay) +
                                     ", longer than the " + formatSeconds(kMaxRetryAfter) + " allowed.",
                                 429, {}, 1)));
                    c.out.reason = "Not applied: " + c.out.errorMessage;
                }
                user->pending.clear();
            }
            retryLater = !user->pending.empty();
        }
    }
    if (cancelled || m_op->context().cancelled()) {
        cancelUser(user);
    } else if (ambiguous) {
        // Whether some writes took effect is unknown: read the methods again and plan again, so
        // nothing is written twice.
        readMethods(user);
    } else if (retryLater) {
        send(user, delay);
    } else {
        finalize(user);
    }
}

void SyncEngine::verify(const UserPtr& user) {
    bool send = false;
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        ++user->rounds;
        Plan p = planFor(*user);
        std::vector<bool> keep(p.writes.size(), false);
        for (std::size_t c = 0; c < user->changes.size() && c < p.changes.size(); ++c) {
            Change& change = user->changes[c];
            if (change.final) continue;
            const PlannedChange& now = p.changes[c];
            bool hasWrites = false;
            for (std::size_t i = 0; i < p.writes.size(); ++i)
                if (p.writes[i].change == static_cast<int>(c)) hasWrites = true;
            if (change.conflict && now.type == PhoneType::Mobile) {
                // Graph usually writes the number even when another user holds it for SMS sign-in.
                const PhoneMethod* mobile = nullptr;
                for (const auto& m : user->current)
                    if (m.phoneType == "mobile") mobile = &m;
                if (mobile && !change.planned.desired.empty() &&
                    (mobile->phoneNumber == change.planned.desired ||
                     normalizePhoneNumber(mobile->phoneNumber).phoneNumber == change.planned.desired)) {
                    change.final = true;
                    change.out.status = "Succeeded";
                    change.out.reason =
                        "MFA number set; SMS sign-in not enabled: number held by another user.";
                    change.out.warning =
                        "SMS sign-in is not enabled: another user holds this number for SMS sign-in.";
                } else {
                    change.final = true;
                    change.out.status = "Failed";
                    setError(change.out, change.lastError);
                    change.out.reason = "Not applied: " + change.out.errorMessage;
                }
                continue;
            }
            if (!hasWrites && now.action == PlanAction::NoChange) {
                // The earlier write took effect.
                change.final = true;
                change.out.status = "Succeeded";
                if (change.planned.smsSignIn != SmsSignInMode::Keep)
                    change.out.reason += change.planned.smsSignIn == SmsSignInMode::Enable
                                             ? " SMS sign-in is enabled."
                                             : " SMS sign-in is disabled.";
                continue;
            }
            if (!hasWrites || user->rounds >= kMaxVerifyRounds) {
                change.final = true;
                change.out.status = "Failed";
                setError(change.out, change.lastError);
                change.out.reason = "Not applied after " + std::to_string(user->rounds) + " attempts: " +
                                    (change.out.errorMessage.empty() ? now.reason : change.out.errorMessage);
                continue;
            }
            for (std::size_t i = 0; i < p.writes.size(); ++i)
                if (p.writes[i].change == static_cast<int>(c)) keep[i] = true;
        }
        // Writes of changes that are done are met dependencies.
        user->pending = keepWrites(p.writes, keep, false);
        send = !user->pending.empty();
    }
    if (send)
        this->send(user, std::chrono::milliseconds(0));
    else
        finalize(user);
}

void SyncEngine::failUser(const UserPtr& user, std::exception_ptr error, const std::string& what) {
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        SyncChange base;
        setError(base, error);
        if (user->changes.empty()) {
            for (const auto& managed : m_plan.managed) {
                Change c;
                c.out.phoneType = phoneTypeName(managed.type);
                c.out.action = planActionName(PlanAction::Skip);
                user->changes.push_back(std::move(c));
            }
        }
        for (auto& c : user->changes) {
            if (c.final) continue;
            c.final = true;
            c.out.status = "Failed";
            setError(c.out, error);
            c.out.reason = what + ": " + base.errorMessage;
        }
    }
    finalize(user);
}

void SyncEngine::cancelUser(const UserPtr& user) {
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        if (user->done) return;
        if (user->changes.empty()) {
            for (const auto& managed : m_plan.managed) {
                Change c;
                c.out.phoneType = phoneTypeName(managed.type);
                c.out.action = planActionName(PlanAction::Skip);
                c.out.reason = "Cancelled before the user was read.";
                user->changes.push_back(std::move(c));
            }
        }
        for (auto& c : user->changes) {
            if (c.final) continue;
            c.final = true;
            if (c.inFlight) {
                c.out.status = "Failed";
                c.out.reason =
                    "Cancelled while the change was being sent to Graph: it may have been applied. Run "
                    "the sync again to check.";
            } else if (c.applied) {
                c.out.status = "Failed";
                c.out.reason =
                    "Cancelled part-way: part of the change was applied. Run the sync again to complete it.";
            } else {
                c.out.status = "Skipped";
                if (c.out.reason.empty() || c.out.writes)
                    c.out.reason = "Cancelled before the change was applied.";
            }
            c.out.errorKind = static_cast<int>(ErrorKind::Cancelled);
            c.out.errorMessage = "The operation was cancelled.";
        }
    }
    finalize(user);
}

void SyncEngine::finalize(const UserPtr& user) {
    auto result = std::make_shared<SyncUserResult>();
    {
        std::lock_guard<std::mutex> lock(user->mutex);
        if (user->done) return;
        user->done = true;
        result->user = user->input.user;
        result->userId = user->input.userId.empty() ? user->input.user : user->input.userId;
        result->userPrincipalName = user->input.userPrincipalName;
        for (auto& c : user->changes) {
            if (!c.final) {
                c.out.status = "Failed";
                c.out.reason = "The engine ended without an outcome for this change.";
            }
            result->changes.push_back(c.out);
        }
    }
    {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        ++m_totals.users;
        for (const auto& c : result->changes) {
            if (c.action == "Add") ++m_totals.added;
            if (c.action == "Update") ++m_totals.updated;
            if (c.action == "Remove") ++m_totals.removed;
            if (c.action == "NoChange") ++m_totals.unchanged;
            if (c.action == "Skip") ++m_totals.skippedPlans;
            if (c.status == "Succeeded") ++m_totals.succeeded;
            if (c.status == "Failed") ++m_totals.failed;
            if (c.status == "Skipped") ++m_totals.skipped;
            if (c.status == "WhatIf") ++m_totals.whatIf;
            if (c.status == "Failed" || c.status == "WhatIf" || (c.status == "Skipped" && c.action != "Skip"))
                ++m_unsettled;
        }
    }
    if (m_op->logger().enabled(LogLevel::Verbose)) {
        std::string line = result->user + ":";
        for (const auto& c : result->changes)
            line += " " + c.phoneType + " " + c.action + " " + c.status +
                    (c.after.empty() ? "" : " " + maskPhoneNumber(c.after)) + ";";
        line.pop_back();
        m_op->logger().log(LogLevel::Verbose, "sync", std::move(line));
    }
    Event e;
    e.kind = EventKind::Result;
    e.index = user->index;
    e.target = result->user;
    m_op->push(std::move(e), std::move(result), true);
    {
        std::lock_guard<std::mutex> lock(m_usersMutex);
        m_users.erase(user->index);
    }
    --m_inWork;
    checkDone();
}

void SyncEngine::checkDone() {
    if (m_inWork > 0) return;
    bool cancelled = m_op->context().cancelled();
    if (!cancelled && !inputDrained()) return;
    if (m_done.exchange(true)) return;
    if (cancelled) m_op->fail(std::make_exception_ptr(CancelledError()));
    m_op->finish();
}

void SyncEngine::listNext() {
    std::string url;
    {
        std::lock_guard<std::mutex> lock(m_listMutex);
        if (m_pageInFlight || m_listDone || m_listed.size() >= kListLowWater || m_op->context().cancelled())
            return;
        m_pageInFlight = true;
        if (m_nextPage.empty() && m_options.delta) {
            url = m_deltaIncremental ? m_deltaResume : "/users/delta?$select=" + m_select;
        } else if (m_nextPage.empty()) {
            url = "/users?$select=" + m_select + "&$top=" + kPageSize;
            if (!m_options.filter.empty())
                url += "&$filter=" + percentEncode(m_options.filter, "/'()$") + "&$count=true";
        } else {
            url = m_nextPage;
        }
    }
    BatchGroup group;
    BatchRequest request;
    request.url = url;
    // Filters on most user properties are advanced queries: they need ConsistencyLevel (on every
    // page) and $count.
    if (!m_options.filter.empty()) request.headers.emplace_back("ConsistencyLevel", "eventual");
    // users/delta pages by this preference rather than $top.
    if (m_options.delta)
        request.headers.emplace_back("Prefer", std::string("odata.maxpagesize=") + kPageSize);
    group.requests.push_back(std::move(request));
    group.retry = true;
    std::weak_ptr<SyncEngine> weak = weak_from_this();
    group.done = [weak](std::vector<BatchResponse>& r) {
        if (auto self = weak.lock()) self->onListPage(r.at(0));
    };
    {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        ++m_totals.reads;
    }
    m_pump->add(std::move(group));
}

void SyncEngine::onListPage(const BatchResponse& response) {
    std::exception_ptr failure = response.failure();
    std::vector<UserPtr> users;
    std::string next, deltaLink;
    long long count = -1;
    bool incremental;
    {
        std::lock_guard<std::mutex> lock(m_listMutex);
        incremental = m_deltaIncremental;
    }
    if (failure && incremental && m_nextIndex == 0 && !isCancellation(failure) &&
        ((response.status == 400 && errorCodeOf(response) == "syncStateNotFound") ||
         response.status == 410)) {
        // Graph keeps change-tracking state for a limited time (7 days for users): start over
        // with a full round, which hands out a fresh link.
        m_op->logger().log(LogLevel::Warning, "sync",
                           "The delta link has expired (Graph keeps it for 7 days): reading every user "
                           "instead, and handing out a new link.");
        {
            std::lock_guard<std::mutex> lock(m_listMutex);
            m_deltaIncremental = false;
            m_nextPage.clear();
            m_pageInFlight = false;
        }
        listNext();
        return;
    }
    if (!failure) {
        Json json = Json::parse(response.body, nullptr, false);
        const Json* value = member(json, "value");
        if (!value || !value->is_array()) {
            failure = std::make_exception_ptr(
                RequestFailedError("Graph answered the user list without a value array.", response.status, "",
                                   response.header("request-id")));
        } else {
            for (const auto& item : *value) {
                // Delta: a user deleted (or out of scope) since the last round has nothing to sync.
                if (m_options.delta && member(item, "@removed")) continue;
                auto user = std::make_shared<User>();
                user->input.userId = text(member(item, "id"));
                user->input.userPrincipalName = text(member(item, "userPrincipalName"));
                user->input.user = user->input.userPrincipalName.empty() ? user->input.userId
                                                                         : user->input.userPrincipalName;
                if (user->input.userId.empty()) continue;
                // Graph may return a user more than once in a round: sync it once.
                if (m_options.delta && !m_deltaSeen.insert(user->input.userId).second) continue;
                if (incremental) {
                    // The link's $select is the one of the round that began the tracking; the
                    // changed user's source is read again with this run's properties.
                    users.push_back(std::move(user));
                    continue;
                }
                user->input.hasSourceValues = true;
                user->input.sourceValues = sourceValuesOfJson(item, m_sources);
                user->input.hasUsageLocation = true;
                user->input.usageLocation = text(member(item, "usageLocation"));
                users.push_back(std::move(user));
            }
            // The links are opaque: only their part after the API version is kept, to send it in
            // a batch.
            std::string absolute = text(member(json, "@odata.nextLink"));
            auto at = absolute.find("/v1.0/");
            if (at != std::string::npos) next = absolute.substr(at + 5);
            if (m_options.delta && next.empty()) {
                deltaLink = text(member(json, "@odata.deltaLink"));
                if (deltaLink.empty())
                    failure = std::make_exception_ptr(
                        RequestFailedError("Graph ended the change-tracking round without a deltaLink.",
                                           response.status, "", response.header("request-id")));
            }
            const Json* total = member(json, "@odata.count");
            if (total && total->is_number_integer()) count = total->get<long long>();
        }
    }
    if (failure) {
        if (!isCancellation(failure)) m_op->fail(failure);
        {
            std::lock_guard<std::mutex> lock(m_listMutex);
            m_pageInFlight = false;
            m_listDone = true;
            m_listFailed = true;
        }
        m_pump->setInputClosed(true);
        checkDone();
        return;
    }
    if (count >= 0) {
        std::lock_guard<std::mutex> lock(m_totalsMutex);
        m_totals.expectedUsers = count;
    }
    {
        std::lock_guard<std::mutex> lock(m_listMutex);
        for (auto& user : users) {
            user->index = m_nextIndex++;
            m_listed.push_back(std::move(user));
        }
        m_nextPage = next;
        m_pageInFlight = false;
        if (next.empty()) {
            m_listDone = true;
            m_deltaLinkFound = deltaLink;
        }
    }
    if (next.empty()) m_pump->setInputClosed(true);
    admit();
    listNext();
    checkDone();
}

// ---------------------------------------------------------------------------------------------

SyncOperation::SyncOperation(std::shared_ptr<OperationState> state, std::shared_ptr<SyncEngine> engine)
    : m_state(std::move(state)), m_engine(std::move(engine)) {}

SyncOperation::~SyncOperation() { m_state->context().cancel(); }

bool SyncOperation::submit(const SyncInput& input, int timeoutMs) {
    return m_engine->submit(input, timeoutMs);
}

void SyncOperation::close() { m_engine->close(); }

bool SyncOperation::nextEvent(Event& event, SyncUserResult& result, int timeoutMs) {
    std::shared_ptr<const void> payload;
    bool got = m_state->pop(event, &payload, timeoutMs);
    if (got && (event.kind == EventKind::Result || event.kind == EventKind::Decision) && payload)
        result = *static_cast<const SyncUserResult*>(payload.get());
    else
        result = SyncUserResult{};
    return got;
}

void SyncOperation::decide(long long index, const std::vector<std::string>& decisions) {
    m_engine->decide(index, decisions);
}

bool SyncOperation::finished() const { return m_state->finished(); }
void SyncOperation::cancel() { m_state->context().cancel(); }
OperationStats SyncOperation::stats() const { return m_state->stats(); }
SyncTotals SyncOperation::totals() const { return m_engine->totals(); }

}  // namespace mfaphone
