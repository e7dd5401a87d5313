// Azure Automation webhook requests: the WebhookData a runbook receives, in every shape it arrives
// in, checked against the shared handshake, and the users its body names.
//
// The contract kept from the runbooks MfaPhone replaces: the caller POSTs a JSON array of
// {"UserPrincipalName": "..."} objects with the shared handshake in a header named `message`.
//
// Shapes a runbook receives (setText for the text forms, the setters for the object form):
//   - Windows PowerShell 5.1: an object with WebhookName, RequestHeader (name/value pairs) and
//     RequestBody (the raw body text);
//   - PowerShell 7.x: the same as JSON text, {"WebhookName":"...","RequestBody":"...",
//     "RequestHeader":{...}}; RequestBody may also be the JSON value itself;
//   - PowerShell 7.x, as some runtimes produce it: the same without quotes, the body verbatim,
//     {WebhookName:hook,RequestBody:[{"UserPrincipalName":"..."}],RequestHeader:{Host:...,message:...}};
//   - the portal's test pane: JSON text as typed, usually without a RequestHeader.
//
// Nothing here ever repeats a header value or the body: messages describe what is wrong by
// position and kind, and the handshake is compared in constant time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mfaphone {

struct WebhookOptions {
    // Name of the header that carries the shared handshake (compared case-insensitively).
    std::string handshakeHeader = "message";
    // Largest RequestBody accepted, in UTF-8 bytes. WebhookData text may be this plus 64 KiB
    // for the header and the envelope.
    std::size_t maxBodyBytes = 1024 * 1024;
    // Most entries one request may name.
    int maxUsers = 10000;
};

enum class WebhookStatus {
    Accepted = 0,           // handshake matched; users holds every usable entry
    DataInvalid = 1,        // the WebhookData is in no shape Azure Automation produces
    HandshakeMissing = 2,   // no (or an empty) handshake header
    HandshakeMismatch = 3,  // the handshake header does not match, or appears more than once
    BodyEmpty = 4,          // no body, an empty body, JSON null or an empty array
    BodyTooLarge = 5,       // more bytes than maxBodyBytes, or more entries than maxUsers
    BodyInvalid = 6,        // not JSON, not an array or object, or no usable entry at all
};

// One entry of the body that was refused; the other entries still count.
struct WebhookEntryError {
    int index = 0;        // position in the body's array, counting from 1
    std::string message;  // what is wrong with it and what to send instead
};

struct WebhookResult {
    WebhookStatus status = WebhookStatus::DataInvalid;
    // Why the request was refused and what the caller should send instead (empty when
    // accepted). Never quotes the request.
    std::string message;
    std::string webhookName;
    // How the WebhookData arrived: "object", "json" or "text" (the unquoted form).
    std::string shape;
    // The users named by usable entries, in body order, each once (compared case-insensitively).
    std::vector<std::string> users;
    std::vector<WebhookEntryError> entryErrors;
    int entryCount = 0;      // entries in the body
    int duplicateCount = 0;  // entries naming a user an earlier entry already named
};

class WebhookRequest;

// Checks the handshake (UTF-8 bytes; must not be empty: InvalidInputError) and reads the users.
// Throws only for a bad handshake argument or options; every problem with the request itself is
// a status with a message.
WebhookResult checkWebhook(const WebhookRequest& request, const std::vector<unsigned char>& handshake,
                           const WebhookOptions& options);

// The WebhookData of one runbook job, as the caller received it.
class WebhookRequest {
public:
    WebhookRequest();
    ~WebhookRequest();
    WebhookRequest(const WebhookRequest&) = delete;
    WebhookRequest& operator=(const WebhookRequest&) = delete;

    // The whole WebhookData as text (UTF-8; JSON or the unquoted form). It carries the
    // handshake, so it crosses as bytes, is kept in zeroing memory, and the caller wipes its
    // copy. When set, the fields below are ignored.
    void setText(const std::vector<unsigned char>& text);

    // The object form, field by field.
    void setWebhookName(const std::string& name);
    // A request header; the value crosses as UTF-8 bytes and is kept in zeroing memory.
    void addHeader(const std::string& name, const std::vector<unsigned char>& value);
    // RequestBody as received. Without a call the request has no body.
    void setBody(const std::string& body);

private:
#ifndef SWIG
    friend WebhookResult checkWebhook(const WebhookRequest&, const std::vector<unsigned char>&,
                                      const WebhookOptions&);
#endif
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace mfaphone
