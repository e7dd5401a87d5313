// WebhookRequest and checkWebhook: the shape is read first, then the handshake is checked, and
// only a request with the right handshake has its body read.
#include "mfaphone/internal/webhook.hpp"

#include "crypto/crypto.hpp"
#include "mfaphone/errors.hpp"
#include "webhook_text.hpp"

namespace mfaphone {

using namespace webhook;

namespace {

// Room for the envelope and the headers around a body of the largest accepted size.
constexpr std::size_t kEnvelopeAllowance = 64 * 1024;

crypto::Bytes sha256(std::string_view data) {
    crypto::Bytes digest = crypto::digest(crypto::Hash::Sha256, data);
    if (digest.size() != crypto::digestSize(crypto::Hash::Sha256))
        throw Error(ErrorKind::Internal, "The handshake could not be hashed for comparison.");
    return digest;
}

std::string_view view(const SecretString& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

bool handshakeEquals(std::string_view received, std::string_view expected) {
    // Both sides are hashed, so the comparison takes the same time whatever the content and
    // says nothing about a common prefix or the length of the secret.
    crypto::Bytes a = sha256(received);
    crypto::Bytes b = sha256(expected);
    bool equal = crypto::constantTimeEqual(a.data(), b.data(), a.size());
    secureZero(a.data(), a.size());
    secureZero(b.data(), b.size());
    return equal;
}

struct WebhookRequest::Impl {
    bool hasText = false;
    SecretString text;
    WebhookEnvelope fields;
};

WebhookRequest::WebhookRequest() : m_impl(std::make_unique<Impl>()) { m_impl->fields.shape = "object"; }

WebhookRequest::~WebhookRequest() = default;

void WebhookRequest::setText(const std::vector<unsigned char>& text) {
    m_impl->text = SecretString(reinterpret_cast<const char*>(text.data()), text.size());
    m_impl->hasText = true;
}

void WebhookRequest::setWebhookName(const std::string& name) { m_impl->fields.webhookName = name; }

void WebhookRequest::addHeader(const std::string& name, const std::vector<unsigned char>& value) {
    m_impl->fields.headers.push_back(
        {name, SecretString(reinterpret_cast<const char*>(value.data()), value.size())});
}

void WebhookRequest::setBody(const std::string& body) {
    m_impl->fields.hasBody = true;
    m_impl->fields.body = body;
}

WebhookResult checkWebhook(const WebhookRequest& request, const std::vector<unsigned char>& handshake,
                           const WebhookOptions& options) {
    if (handshake.empty())
        throw InvalidInputError("The handshake is empty. Configure a non-empty shared secret.");
    if (trim(options.handshakeHeader).empty())
        throw InvalidInputError("The handshake header name is empty. Give the name of a request header.");
    if (options.maxBodyBytes == 0 || options.maxUsers <= 0)
        throw InvalidInputError("The webhook limits must be positive.");

    WebhookResult result;
    const WebhookRequest::Impl& impl = *request.m_impl;
    const WebhookEnvelope* envelope = &impl.fields;
    WebhookEnvelope parsed;
    if (impl.hasText) {
        result.shape = "text";
        std::size_t limit = options.maxBodyBytes + kEnvelopeAllowance;
        if (impl.text.size() > limit) {
            result.status = WebhookStatus::BodyTooLarge;
            result.message = "The webhook data is " + describeSize(impl.text.size()) + "; at most " +
                             describeSize(limit) + " is accepted (a body of at most " +
                             describeSize(options.maxBodyBytes) +
                             " and its headers). Split the users over several requests.";
            return result;
        }
        if (!parseWebhookText(view(impl.text), parsed, result.message)) {
            result.status = WebhookStatus::DataInvalid;
            return result;
        }
        envelope = &parsed;
    }
    result.shape = envelope->shape;
    result.webhookName = envelope->webhookName;

    const std::string& name = options.handshakeHeader;
    const WebhookHeader* found = nullptr;
    int count = 0;
    for (const WebhookHeader& h : envelope->headers) {
        if (!equalsIgnoreCase(trim(h.name), trim(name))) continue;
        found = &h;
        ++count;
    }
    if (count == 0) {
        result.status = WebhookStatus::HandshakeMissing;
        result.message = "The request has no '" + name +
                         "' header. The caller must send the shared handshake in a header named '" + name +
                         "'. (In the test pane, give the webhook data a RequestHeader such as {\"" + name +
                         "\": \"<handshake>\"}.)";
        return result;
    }
    if (count > 1) {
        result.status = WebhookStatus::HandshakeMismatch;
        result.message = "The request has more than one '" + name +
                         "' header. The caller must send the handshake exactly once.";
        return result;
    }
    std::string_view received = trim(view(found->value));
    if (received.empty()) {
        result.status = WebhookStatus::HandshakeMissing;
        result.message =
            "The request's '" + name + "' header is empty. The caller must send the shared handshake in it.";
        return result;
    }
    std::string_view expected(reinterpret_cast<const char*>(handshake.data()), handshake.size());
    if (!handshakeEquals(received, expected)) {
        result.status = WebhookStatus::HandshakeMismatch;
        result.message = "The request's '" + name +
                         "' header does not match the configured handshake. The caller must send the current "
                         "shared handshake.";
        return result;
    }

    readWebhookBody(envelope->hasBody, envelope->body, options, result);
    return result;
}

}  // namespace mfaphone
