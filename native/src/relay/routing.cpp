// Routing of a text by its To number (and AccountSid) to a tenant label and its sinks.
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {

std::string normalizeNumber(std::string_view number) {
    std::string out;
    for (char c : number) {
        if (c >= '0' && c <= '9')
            out += c;
        else if (c == '+' && out.empty())
            out += c;
    }
    return out;
}

void RouteTable::add(RelayRoute route) {
    if (route.tenant.empty()) throw InvalidInputError("A route needs a tenant label.");
    if (route.sinks.empty())
        throw InvalidInputError("The route of tenant '" + route.tenant +
                                "' has no sink (Teams or Slack webhook).");
    if (!route.to.empty()) {
        std::string normalized = normalizeNumber(route.to);
        if (normalized.size() < 4)
            throw InvalidInputError(
                "The route of tenant '" + route.tenant +
                "' has a 'to' number that is not a phone number; use E.164, e.g. +15005550006.");
        route.to = normalized;
    }
    for (const auto& existing : m_routes)
        if (existing.to == route.to && existing.accountSid == route.accountSid)
            throw InvalidInputError("Two routes (tenants '" + existing.tenant + "' and '" + route.tenant +
                                    "') claim the same number" +
                                    (route.to.empty() ? " (default route)" : "") +
                                    "; each number routes to one tenant.");
    m_routes.push_back(std::move(route));
}

const RelayRoute* RouteTable::find(std::string_view to, std::string_view accountSid) const {
    std::string number = normalizeNumber(to);
    const RelayRoute* best = nullptr;
    int bestRank = 0;
    for (const auto& r : m_routes) {
        bool accountMatches = r.accountSid.empty() || r.accountSid == accountSid;
        if (!accountMatches) continue;
        int rank = 0;
        if (!r.to.empty() && r.to == number)
            rank = r.accountSid.empty() ? 3 : 4;
        else if (r.to.empty())
            rank = r.accountSid.empty() ? 1 : 2;
        if (rank > bestRank) {
            best = &r;
            bestRank = rank;
        }
    }
    return best;
}

}  // namespace mfaphone::relay
