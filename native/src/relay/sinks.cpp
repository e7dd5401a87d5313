// Sinks: checks of webhook URLs (which are secrets: never quoted in a message) and the
// payloads posted to Teams Workflows and Slack.
#include <algorithm>

#include "../core/json.hpp"
#include "mfaphone/internal/relay.hpp"

namespace mfaphone::relay {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Cuts a UTF-8 string to at most `bytes` bytes without splitting a character.
std::string cutUtf8(std::string_view s, std::size_t bytes) {
    if (s.size() <= bytes) return std::string(s);
    std::size_t end = bytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end));
}

const char* kShortened = "\n[… shortened]";

std::string heading(const MessageView& m) { return "MFA code for " + m.tenant; }

std::string codeText(const MessageView& m) {
    return m.code.empty() ? std::string("No one-time code recognised: read the text below.") : m.code;
}

// Shortens the text until `build(text)` fits in `maxBytes`.
template <class Build>
std::string fitting(const MessageView& m, std::size_t maxBytes, Build build) {
    std::string payload = build(m.body);
    if (payload.size() <= maxBytes) return payload;
    std::size_t keep = m.body.size();
    for (int round = 0; round < 8; ++round) {
        std::size_t over = payload.size() - maxBytes;
        // Escaping may grow the text up to 6x (\uXXXX), so cut generously after the first try.
        keep = keep > over * (round == 0 ? 1 : 6) + 32 ? keep - over * (round == 0 ? 1 : 6) - 32 : 0;
        payload = build(cutUtf8(m.body, keep) + kShortened);
        if (payload.size() <= maxBytes) return payload;
        if (keep == 0) break;
    }
    throw InvalidInputError("The message card does not fit in " + std::to_string(maxBytes) +
                            " bytes even without the text; shorten the tenant label.");
}

}  // namespace

SinkKind checkSink(const RelaySink& sink) {
    std::string kind = lowerAscii(sink.kind);
    std::string label = sink.name.empty() ? std::string("(unnamed)") : sink.name;
    SinkKind result;
    if (kind == "teams" || kind == "workflows" || kind == "teams-workflows")
        result = SinkKind::Teams;
    else if (kind == "slack")
        result = SinkKind::Slack;
    else
        throw InvalidInputError("The sink '" + label + "' has kind '" + sink.kind.substr(0, 32) +
                                "'; use 'teams' (a Workflows webhook) or 'slack'.");
    if (sink.url.empty()) throw InvalidInputError("The sink '" + label + "' has no URL.");

    std::string url = sink.url;
    auto sep = url.find("://");
    if (sep == std::string::npos)
        throw InvalidInputError("The URL of sink '" + label + "' is not an absolute http(s) URL.");
    std::string scheme = lowerAscii(url.substr(0, sep));
    std::string rest = url.substr(sep + 3);
    auto pathStart = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, pathStart);
    std::string path = pathStart == std::string::npos ? std::string() : rest.substr(pathStart);
    if (authority.find('@') != std::string::npos)
        throw InvalidInputError("The URL of sink '" + label +
                                "' carries credentials (user@host); webhook URLs do not.");
    std::string host = lowerAscii(authority);
    if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') + 1);
    } else {
        auto colon = host.rfind(':');
        if (colon != std::string::npos) host = host.substr(0, colon);
    }
    if (host.empty()) throw InvalidInputError("The URL of sink '" + label + "' has no host.");
    if (scheme != "https" && scheme != "http")
        throw InvalidInputError("The URL of sink '" + label + "' must use https.");
    bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
    if (scheme == "http" && !loopback)
        throw InvalidInputError("The URL of sink '" + label +
                                "' uses plain http; webhook URLs carry their secret and must use https "
                                "(http is accepted for this machine only).");

    // Office 365 connectors ("incoming webhooks") are retired: their URLs no longer deliver.
    std::string lowerPath = lowerAscii(path);
    bool connector = endsWith(host, ".webhook.office.com") || host == "webhook.office.com" ||
                     ((host == "outlook.office.com" || host == "outlook.office365.com") &&
                      lowerPath.rfind("/webhook", 0) == 0) ||
                     lowerPath.rfind("/webhookb2/", 0) == 0;
    if (connector)
        throw InvalidInputError(
            "The sink '" + label +
            "' points at an Office 365 connector incoming webhook (webhook.office.com or "
            "outlook.office.com/webhook). Microsoft has retired those connectors and they no "
            "longer deliver. In Teams, create a Workflows flow from the template 'Post to a "
            "channel when a webhook request is received' and use its URL instead.");
    return result;
}

std::string teamsPayload(const MessageView& m, std::size_t maxBytes) {
    return fitting(m, maxBytes, [&](const std::string& text) {
        Json facts = Json::array({
            {{"title", "Tenant"}, {"value", m.tenant}},
            {{"title", "From"}, {"value", m.from.empty() ? std::string("(unknown)") : m.from}},
            {{"title", "To"}, {"value", m.to}},
            {{"title", "Received"}, {"value", m.receivedAt}},
        });
        Json body = Json::array({
            {{"type", "TextBlock"},
             {"text", heading(m)},
             {"weight", "Bolder"},
             {"size", "Medium"},
             {"wrap", true}},
            {{"type", "TextBlock"},
             {"text", codeText(m)},
             {"size", m.code.empty() ? "Medium" : "ExtraLarge"},
             {"weight", "Bolder"},
             {"fontType", "Monospace"},
             {"color", m.code.empty() ? "Warning" : "Accent"},
             {"wrap", true}},
            {{"type", "FactSet"}, {"facts", facts}},
            {{"type", "TextBlock"}, {"text", text}, {"wrap", true}, {"isSubtle", true}, {"separator", true}},
        });
        Json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                     {"type", "AdaptiveCard"},
                     {"version", "1.4"},
                     {"body", body},
                     {"msteams", {{"width", "Full"}}}};
        Json envelope = {
            {"type", "message"},
            {"attachments", Json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                          {"contentUrl", nullptr},
                                          {"content", card}}})}};
        return envelope.dump(-1, ' ', false, Json::error_handler_t::replace);
    });
}

std::string slackPayload(const MessageView& m, std::size_t maxBytes) {
    // Slack caps a section's text at 3000 characters and a header at 150.
    MessageView shortened = m;
    if (shortened.body.size() > 2900) shortened.body = cutUtf8(m.body, 2900) + kShortened;
    return fitting(shortened, maxBytes, [&](const std::string& text) {
        std::string title = cutUtf8(heading(m), 140);
        Json blocks = Json::array({
            {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", title}}}},
            {{"type", "section"}, {"text", {{"type", "plain_text"}, {"text", codeText(m)}}}},
            {{"type", "section"},
             {"fields",
              Json::array({
                  {{"type", "plain_text"}, {"text", "From: " + (m.from.empty() ? "(unknown)" : m.from)}},
                  {{"type", "plain_text"}, {"text", "To: " + m.to}},
                  {{"type", "plain_text"}, {"text", "Received: " + m.receivedAt}},
              })}},
            {{"type", "section"}, {"text", {{"type", "plain_text"}, {"text", text.empty() ? " " : text}}}},
        });
        Json message = {{"text", title + ": " + codeText(m)}, {"blocks", blocks}};
        return message.dump(-1, ' ', false, Json::error_handler_t::replace);
    });
}

std::string scrubUrls(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        auto sep = text.find("://", i);
        if (sep == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        std::size_t start = sep;
        while (start > i && ((text[start - 1] >= 'a' && text[start - 1] <= 'z') ||
                             (text[start - 1] >= 'A' && text[start - 1] <= 'Z')))
            --start;
        std::size_t end = sep + 3;
        while (end < text.size() && text[end] != ' ' && text[end] != '\n' && text[end] != '"' &&
               text[end] != '\'' && text[end] != ')' && text[end] != '>')
            ++end;
        out.append(text.substr(i, start - i));
        out += "[url]";
        i = end;
    }
    return out;
}

}  // namespace mfaphone::relay
